package reply

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode"

	"github.com/agentd/agentd/event"
)

var (
	urlRe   = regexp.MustCompile(`(?i)\b(?:https?|ftp|file|data|javascript|mailto):[^\s<>"')\]]+|\bwww\.[^\s<>"')\]]+`)
	emailRe = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}`)
	// digitsRe finds runs of digits with the separators people write in
	// phone, account and card numbers.
	digitsRe = regexp.MustCompile(`\+?\d[\d \-./()]{4,}\d`)
	// bareDomainRe catches links written without a scheme ("evil.example/x").
	bareDomainRe = regexp.MustCompile(`(?i)\b[a-z0-9][a-z0-9\-]{0,62}(?:\.[a-z0-9][a-z0-9\-]{0,62})*\.(?:(?:com|net|org|io|co|info|biz|xyz|top|ru|cn|me|app|dev|link|click|site|online|shop|store|live|page|example|test|invalid|de|fr|uk|eu|ch|at|be|nl|it|es|us|ly|gl|to)\b|[a-z]{2,}/)`)
	secretRe     = regexp.MustCompile(`(?i)\b(?:sk-[a-z0-9_\-]{16,}|gh[pousr]_[a-z0-9]{20,}|xox[abpr]-[a-z0-9\-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_\-]{30,}|eyJ[a-z0-9_\-]{10,}\.[a-z0-9_\-]{10,})|-----BEGIN [A-Z ]*PRIVATE KEY-----`)
	tokenRe      = regexp.MustCompile(`[A-Za-z0-9_\-+/=]{24,}`)
)

// longDigits is how many digits make a number worth guarding: phone,
// account, card and order numbers have more; years and times fewer.
const longDigits = 6

// Guard checks a draft body against the thread it answers, so that a mail
// that talks the model over gets no further than a draft the user reads:
//   - no links at all (the user adds their own): a link is how a mail would
//     exfiltrate or phish through the user's reply;
//   - e-mail addresses only of the thread's participants (From, Reply-To,
//     To, Cc) and the user: a mail cannot make the draft name a new
//     recipient or a forwarding address;
//   - long numbers (phone, account, order numbers) only when the thread
//     already holds them, and never anything shaped like an IBAN or a card
//     number, nor anything that looks like a secret;
//   - nothing that echoes the data frame.
//
// The thread is given unredacted: the body is checked after placeholders
// are restored.
func Guard(body string, th Thread) error {
	known := knownText(th)
	if strings.Contains(body, "MAIL-DATA-") || strings.Contains(body, "BEGIN MAIL") {
		return fmt.Errorf("%w: it echoes the data frame", ErrRejected)
	}
	if u := urlRe.FindString(body); u != "" {
		return fmt.Errorf("%w: a link (%.60q)", ErrRejected, u)
	}
	participants := map[string]bool{}
	for _, m := range append([]event.Mail{th.Mail}, th.Earlier...) {
		for _, list := range [][]event.Address{m.From, m.ReplyTo, m.To, m.Cc} {
			for _, a := range list {
				participants[strings.ToLower(a.Email)] = true
			}
		}
	}
	for _, a := range th.UserAddresses {
		participants[strings.ToLower(a)] = true
	}
	for _, e := range emailRe.FindAllString(body, -1) {
		if !participants[strings.ToLower(e)] {
			return fmt.Errorf("%w: an address that is not a participant's (%.60q)", ErrRejected, e)
		}
	}
	withoutAddrs := emailRe.ReplaceAllString(body, " ")
	if d := bareDomainRe.FindString(withoutAddrs); d != "" {
		return fmt.Errorf("%w: a link (%.60q)", ErrRejected, d)
	}
	if ibanRe.MatchString(strings.ToUpper(withoutAddrs)) {
		return fmt.Errorf("%w: something shaped like an IBAN", ErrRejected)
	}
	knownDigits := digitRuns(known)
	for _, n := range digitsRe.FindAllString(withoutAddrs, -1) {
		ds := onlyDigits(n)
		if len(ds) < longDigits {
			continue
		}
		if len(ds) >= 13 && len(ds) <= 19 && luhn(ds) {
			return fmt.Errorf("%w: something shaped like a card number", ErrRejected)
		}
		if !knownDigits[ds] {
			return fmt.Errorf("%w: a number that is not in the thread (%d digits)", ErrRejected, len(ds))
		}
	}
	if secretRe.MatchString(body) {
		return fmt.Errorf("%w: something that looks like a secret", ErrRejected)
	}
	for _, tok := range tokenRe.FindAllString(withoutAddrs, -1) {
		if looksRandom(tok) {
			return fmt.Errorf("%w: a random-looking token", ErrRejected)
		}
	}
	return nil
}

var ibanRe = regexp.MustCompile(`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b`)

func luhn(ds string) bool {
	sum, double := 0, false
	for i := len(ds) - 1; i >= 0; i-- {
		d := int(ds[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// knownText is everything the thread already shows the user: texts,
// subjects and the participants' addresses.
func knownText(th Thread) string {
	var b strings.Builder
	add := func(m event.Mail) {
		b.WriteString(m.Subject + "\n" + m.Text + "\n")
		for _, list := range [][]event.Address{m.From, m.ReplyTo, m.To, m.Cc} {
			for _, a := range list {
				b.WriteString(a.Name + " <" + a.Email + ">\n")
			}
		}
	}
	add(th.Mail)
	for _, m := range th.Earlier {
		add(m)
	}
	for _, a := range th.UserAddresses {
		b.WriteString(a + "\n")
	}
	b.WriteString(th.UserName + "\n")
	return b.String()
}

func digitRuns(s string) map[string]bool {
	out := map[string]bool{}
	for _, n := range digitsRe.FindAllString(s, -1) {
		ds := onlyDigits(n)
		out[ds] = true
		// A number the thread wrote in groups may come back in part.
		for _, part := range strings.FieldsFunc(n, func(r rune) bool { return !unicode.IsDigit(r) }) {
			out[part] = true
		}
	}
	return out
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// looksRandom tells a token (key, password, code) from a long word: mixed
// classes and high entropy per character.
func looksRandom(s string) bool {
	var lower, upper, digit int
	freq := map[rune]int{}
	for _, r := range s {
		freq[r]++
		switch {
		case unicode.IsLower(r):
			lower++
		case unicode.IsUpper(r):
			upper++
		case unicode.IsDigit(r):
			digit++
		}
	}
	classes := 0
	for _, n := range []int{lower, upper, digit} {
		if n > 0 {
			classes++
		}
	}
	if classes < 2 || digit == 0 && upper < 3 {
		return false
	}
	var h float64
	n := float64(len(s))
	for _, c := range freq {
		p := float64(c) / n
		h -= p * math.Log2(p)
	}
	return h >= 3.5
}
