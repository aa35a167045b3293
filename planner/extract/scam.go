package extract

import (
	"path"
	"strings"

	"github.com/agentd/agentd/internal/lazyre"
)

// MailSignals is what Phishing looks at in a mail. Everything but
// KnownSender comes from the mail and is untrusted.
type MailSignals struct {
	Subject, Text       string
	FromEmail, FromName string
	ReplyTo             []string // Reply-To addresses
	Attachments         []string // file names
	// KnownSender: the user has had mail from this sender (or its
	// company's domain) before, or has written to them.
	KnownSender bool
	// Bulk: a newsletter or mailing list (List-Unsubscribe, List-Id): its
	// "last chance, pay now" is marketing unless more says fraud.
	Bulk bool
}

var (
	urgencyRe  = lazyre.New(`(?i)within (?:24|48|72) ?h(?:ours?)?|within (?:one|1|two|2|three|3) days?|immediately|urgent|final (?:notice|warning|reminder)|last (?:warning|notice|reminder)|(?:will|would) be (?:suspended|closed|blocked|terminated|locked)|legal action|sous (?:24|48|72) ?h(?:eures)?|dans les (?:24|48|72) ?h(?:eures)?|immédiatement|urgent|dernier (?:rappel|avertissement)|mise en demeure|sera (?:suspendu|bloqué|clôturé|résilié)e?|poursuites|innerhalb (?:von )?(?:24|48|72) ?(?:stunden|std)|sofort|dringend|letzte (?:mahnung|warnung|erinnerung)|wird (?:gesperrt|gekündigt|geschlossen)|inkasso|rechtliche schritte`)
	paymentRe  = lazyre.New(`(?i)\bpay(?:ment)?\b|\bpay (?:now|the)|unpaid|overdue|outstanding (?:balance|amount|invoice)|transfer|wire|bitcoin|crypto|gift ?card|iTunes card|\bfees?\b|régler|payer|paiement|impayée?s?|virement|frais|\bzahlen|zahlung|überweis|offene rechnung|unbezahlt|gebühr|mahnung`)
	greetingRe = lazyre.New(`(?im)^\W*(?:dear (?:customer|client|user|member|account holder|sir(?: or madam)?|sir/madam|valued \w+|friend)|hello (?:customer|user|dear)|(?:cher|chère) (?:client|cliente|utilisateur|utilisatrice|abonné|abonnée|membre)|madame,? monsieur|bonjour (?:cher )?client|sehr geehrte[rs]? (?:kunde|kundin|kundinnen und kunden|nutzer|nutzerin|damen und herren)|liebe[rs]? (?:kunde|kundin|nutzer))\b`)
	prizeRe    = lazyre.New(`(?i)you(?:'ve| have)? won|you are (?:our|the) (?:lucky )?winner|\bwinner\b|\bprize\b|lottery|claim your (?:reward|prize|gift)|vous avez gagné|gagnant|\blot\b|loterie|tirage au sort|sie haben (?:\w+ )*gewonnen|gewinner|gewinnspiel|\bgewinn\b|lotterie`)
	feeRe      = lazyre.New(`(?i)\bfees?\b|shipping (?:cost|charge)|customs|small (?:payment|amount)|processing|frais|douane|gebühr|versandkosten|zoll|bearbeitungs`)
	credsRe    = lazyre.New(`(?i)verify your (?:account|identity)|confirm your (?:password|account|identity|details)|log ?in (?:details|credentials)|update your (?:payment|billing) (?:details|information)|vérifi(?:ez|er) votre (?:compte|identité)|confirme[rz] vos (?:informations|coordonnées)|mot de passe|bestätigen sie ihr(?:e)? (?:konto|identität|daten)|passwort|zugangsdaten`)
	// riskyExt are attachments that run or hide what they hold.
	riskyExt = map[string]bool{".zip": true, ".rar": true, ".7z": true, ".tar": true, ".gz": true, ".tgz": true, ".iso": true, ".img": true,
		".exe": true, ".scr": true, ".js": true, ".vbs": true, ".bat": true, ".cmd": true, ".com": true, ".lnk": true, ".jar": true,
		".msi": true, ".ps1": true, ".hta": true, ".html": true, ".htm": true, ".xlsm": true, ".docm": true, ".one": true, ".cab": true}
	// brands are names phishing mail pretends to come from, and the
	// domain label their real mail comes from.
	brands = map[string]string{"paypal": "paypal", "amazon": "amazon", "apple": "apple", "microsoft": "microsoft", "netflix": "netflix",
		"dhl": "dhl", "ups": "ups", "fedex": "fedex", "dpd": "dpd", "la poste": "laposte", "colissimo": "laposte", "chronopost": "chronopost",
		"edf": "edf", "engie": "engie", "ameli": "ameli", "impots": "impots", "orange": "orange", "sfr": "sfr", "free": "free",
		"telekom": "telekom", "vodafone": "vodafone", "sparkasse": "sparkasse", "postbank": "postbank", "commerzbank": "commerzbank",
		"deutsche bank": "db", "ing": "ing", "bnp paribas": "bnpparibas", "societe generale": "societegenerale", "credit agricole": "credit-agricole",
		"google": "google", "facebook": "facebook", "instagram": "instagram", "dropbox": "dropbox", "docusign": "docusign",
		"ebay": "ebay", "booking.com": "booking", "airbnb": "airbnb", "outlook": "microsoft", "office 365": "microsoft", "wetransfer": "wetransfer"}
	// commonWords are brands that are also everyday words: only a sender's
	// name showing them counts, not a domain holding them.
	commonWords = map[string]bool{"free": true, "orange": true, "apple": true, "ing": true, "ups": true, "booking": true, "db": true}
	secondLevel = map[string]bool{"co": true, "com": true, "org": true, "net": true, "gov": true, "ac": true, "gouv": true}
)

// Phishing weighs a mail's signs of fraud: a sender never seen before,
// urgency, an archive or program attached, a Reply-To elsewhere, a
// look-alike sender, a payment demand, a generic greeting, a prize that
// asks for a fee, a request for credentials. It returns the signs found,
// in words, and whether together they make the mail suspicious: enough of
// them, and one that can cost something (a payment, a fee, an attachment,
// credentials).
func Phishing(s MailSignals) (signals []string, suspicious bool) {
	text := s.Subject + "\n" + s.Text
	if len(text) > maxText {
		text = text[:maxText]
	}
	score, harm := 0, false
	add := func(w int, sig string) {
		score += w
		signals = append(signals, sig)
	}
	if !s.KnownSender {
		add(1, "unknown sender")
	}
	if urgencyRe.MatchString(text) {
		add(1, "urgency")
	}
	for _, a := range s.Attachments {
		name := strings.ToLower(strings.TrimSpace(a))
		if riskyExt[path.Ext(name)] {
			add(2, "archive or program attached ("+oneWord(a)+")")
			harm = true
			break
		}
	}
	fromDomain := domainOf(s.FromEmail)
	for _, r := range s.ReplyTo {
		if d := domainOf(r); d != "" && fromDomain != "" && registrable(d) != registrable(fromDomain) {
			add(1, "Reply-To elsewhere ("+d+")")
			break
		}
	}
	if why := lookAlike(s.FromName, fromDomain); why != "" {
		add(2, "look-alike sender ("+why+")")
	}
	prize := prizeRe.MatchString(text) && feeRe.MatchString(text)
	if prize {
		add(3, "prize asking for a fee")
		harm = true
	}
	if paymentRe.MatchString(text) {
		add(1, "payment demand")
		harm = true
	}
	if greetingRe.MatchString(s.Text) {
		add(1, "generic greeting")
	}
	if credsRe.MatchString(text) {
		add(1, "asks for credentials")
		harm = true
	}
	need := 4
	if s.KnownSender {
		need++
	}
	if s.Bulk {
		need += 2
	}
	return signals, harm && score >= need
}

// oneWord is a file name fit for a sentence: one line, at most 60 bytes.
func oneWord(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}

func domainOf(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(strings.Trim(addr[at+1:], " >."))
}

// registrable is the label a domain's owner registered: "paypal" for
// mail.paypal.co.uk.
func registrable(domain string) string {
	parts := strings.Split(domain, ".")
	switch {
	case len(parts) >= 3 && secondLevel[parts[len(parts)-2]]:
		return parts[len(parts)-3]
	case len(parts) >= 2:
		return parts[len(parts)-2]
	}
	return domain
}

// lookAlike says why a sender imitates a brand: its name or domain shows
// the brand but the domain is not the brand's ("paypa1", "dhl-delivery-
// update", punycode); "" when it does not.
func lookAlike(name, domain string) string {
	if domain == "" {
		return ""
	}
	if strings.HasPrefix(domain, "xn--") || strings.Contains(domain, ".xn--") {
		return domain
	}
	label := registrable(domain)
	unconfused := strings.NewReplacer("0", "o", "1", "l", "3", "e", "5", "s", "rn", "m", "vv", "w").Replace(label)
	lname := " " + strings.ToLower(foldAccents(name)) + " "
	for brand, real := range brands {
		if label == real {
			continue
		}
		token := strings.ReplaceAll(real, "-", "")
		inDomain := !commonWords[real]
		switch {
		case inDomain && unconfused != label && strings.Contains(unconfused, token):
			return domain
		case inDomain && len(token) >= 4 && strings.Contains(label, token):
			return domain
		case inDomain && containsWord(label, real):
			return domain
		case containsWord(lname, brand):
			return name + " from " + domain
		}
	}
	return ""
}

// containsWord reports whether w stands in s between non-letters.
func containsWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isLetter(s[j-1])
		after := j+len(w) >= len(s) || !isLetter(s[j+len(w)])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 }

// foldAccents drops the accents of the Latin letters brands are written
// with ("Société Générale").
func foldAccents(s string) string {
	return strings.NewReplacer("é", "e", "è", "e", "ê", "e", "à", "a", "ç", "c", "ô", "o", "ü", "u", "ö", "o", "ä", "a", "É", "E").Replace(s)
}
