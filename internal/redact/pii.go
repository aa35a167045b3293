package redact

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/agentd/agentd/internal/lazyre"
	"github.com/nyaruka/phonenumbers"
)

// Class is the kind of value a placeholder stands for. Its string form is
// what appears inside the placeholder ("[EMAIL_1]") and in the egress ledger.
type Class string

// The classes a Redactor recognises. Names of people are deliberately not
// among them: a draft must still be able to say "Hi Sophie".
const (
	Email   Class = "EMAIL"
	Phone   Class = "PHONE"
	IBAN    Class = "IBAN"
	Card    Class = "CARD"
	URL     Class = "URL"
	Secret  Class = "SECRET"
	Address Class = "ADDRESS"
)

// DefaultRegions returns the regions tried, in order, for phone numbers
// written without an international prefix. A number valid in several of them
// gets the first; the placeholder stays stable either way because the choice
// only depends on the digits.
func DefaultRegions() []string {
	return []string{"FR", "DE", "GB", "CH", "BE", "AT", "NL", "LU", "IT", "US"}
}

// Options tune a Redactor; a nil *Options means the defaults.
type Options struct {
	// Regions for national phone numbers, most likely first (the user's own
	// country, then the mail's language). Nil means DefaultRegions.
	Regions []string
	// RestoreSecrets lets Restore put secrets (passwords, API keys, one-time
	// codes, private keys) back. Off by default: a model steered by a crafted
	// mail could otherwise copy a secret from another message of the same
	// request (thread, style examples) into a reply to that mail's sender.
	RestoreSecrets bool
	// MaxPhoneParses bounds the libphonenumber calls per Text call (each
	// costs 10–100 µs). Beyond it, phone-shaped candidates are redacted
	// without validation: on pathological input we prefer losing precision to
	// losing time or privacy. Zero means 20000.
	MaxPhoneParses int
}

// Placeholder describes one placeholder handed out by a Redactor. It carries
// no original value, so it can be logged or stored in the egress ledger.
type Placeholder struct {
	Token       string // "[EMAIL_1]"
	Class       Class
	Occurrences int // how many times Text replaced a value by this token
}

// Redactor replaces personal identifiers and secrets by placeholders and puts
// them back afterwards. Use one per request to the model: the same value gets
// the same placeholder across all Text calls of that Redactor (the mail, the
// earlier messages of its thread, style examples), so the model can tell that
// two mentions are the same address. It is safe for concurrent use.
type Redactor struct {
	regions        []string
	restoreSecrets bool
	maxParses      int

	mu       sync.Mutex
	byKey    map[string]string // class+normalised value → token
	original map[string]string // token → value as first seen
	class    map[string]Class  // token → class
	uses     map[string]int    // token → occurrences
	order    []string          // tokens in order of creation
	next     map[Class]int     // last number used per class
	counts   map[Class]int
}

// NewRedactor returns an empty Redactor; opts may be nil.
func NewRedactor(opts *Options) *Redactor {
	r := &Redactor{
		regions:   DefaultRegions(),
		maxParses: 20000,
		byKey:     map[string]string{},
		original:  map[string]string{},
		class:     map[string]Class{},
		uses:      map[string]int{},
		next:      map[Class]int{},
		counts:    map[Class]int{},
	}
	if opts != nil {
		if opts.Regions != nil {
			r.regions = slices.Clone(opts.Regions)
		}
		r.restoreSecrets = opts.RestoreSecrets
		if opts.MaxPhoneParses > 0 {
			r.maxParses = opts.MaxPhoneParses
		}
	}
	return r
}

// Text returns s with every recognised value replaced by its placeholder.
// Invalid UTF-8 is replaced by U+FFFD first so that the result is always
// valid UTF-8.
func (r *Redactor) Text(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	spans := r.find(s)
	if len(spans) == 0 {
		return s
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp.start])
		b.WriteString(r.token(sp.class, sp.key, s[sp.start:sp.end]))
		last = sp.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// token returns the placeholder for a value, creating it on first sight.
// r.mu must be held.
func (r *Redactor) token(c Class, key, orig string) string {
	k := string(c) + "\x00" + key
	t, ok := r.byKey[k]
	if !ok {
		r.next[c]++
		t = "[" + string(c) + "_" + strconv.Itoa(r.next[c]) + "]"
		r.byKey[k] = t
		r.original[t] = orig
		r.class[t] = c
		r.order = append(r.order, t)
	}
	r.uses[t]++
	r.counts[c]++
	return t
}

// placeholderRe accepts what models make of our tokens: other case, spaces
// inside the brackets, a space or dash instead of the underscore.
var placeholderRe = lazyre.New(`(?i)\[\s*(EMAIL|PHONE|IBAN|CARD|URL|SECRET|ADDRESS)\s*[_\- ]?\s*(\d{1,7})\s*\]`)

// Restore puts the original values back into a model's answer. Only
// placeholders this Redactor handed out are replaced; anything else that
// looks like one (a number the model made up) is left as it is, never
// guessed. Secrets stay redacted unless Options.RestoreSecrets.
func (r *Redactor) Restore(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.original) == 0 {
		return s
	}
	return placeholderRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := placeholderRe.FindStringSubmatch(m)
		n, err := strconv.Atoi(sub[2])
		if err != nil {
			return m
		}
		t := "[" + strings.ToUpper(sub[1]) + "_" + strconv.Itoa(n) + "]"
		orig, ok := r.original[t]
		if !ok {
			return m
		}
		if r.class[t] == Secret && !r.restoreSecrets {
			return t
		}
		return orig
	})
}

// Counts returns how many values of each class were replaced, counting every
// occurrence, for the egress ledger.
func (r *Redactor) Counts() map[Class]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[Class]int, len(r.counts))
	for c, n := range r.counts {
		out[c] = n
	}
	return out
}

// Placeholders lists the placeholders handed out so far, in order of
// creation, without their values.
func (r *Redactor) Placeholders() []Placeholder {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Placeholder, 0, len(r.order))
	for _, t := range r.order {
		out = append(out, Placeholder{Token: t, Class: r.class[t], Occurrences: r.uses[t]})
	}
	return out
}

// String is for debugging and logs; it never shows values.
func (r *Redactor) String() string {
	return fmt.Sprintf("redact.Redactor(%d placeholders)", len(r.Placeholders()))
}

// span is one value found in the text, by byte offsets.
type span struct {
	start, end int
	class      Class
	key        string // normalised value: equal keys share a placeholder
}

// Byte states of the mask that keeps detectors from overlapping.
const (
	free      = 0
	taken     = 1
	protected = 2 // inside a harmless URL: no number or address detection there
)

// scan is the state of one find call.
type scan struct {
	s      string
	lower  string // s with ASCII letters lowered, same offsets
	mask   []byte
	spans  []span
	parses int
}

// add records a span unless it overlaps one already found (or a harmless
// URL, unless throughURLs). Detectors run from the most specific to the most
// general, so the first claim wins.
func (sc *scan) add(start, end int, c Class, key string, throughURLs bool) bool {
	if start < 0 || end > len(sc.s) || start >= end {
		return false
	}
	for _, m := range sc.mask[start:end] {
		if m == taken || (m == protected && !throughURLs) {
			return false
		}
	}
	for i := start; i < end; i++ {
		sc.mask[i] = taken
	}
	sc.spans = append(sc.spans, span{start, end, c, key})
	return true
}

func (sc *scan) free(start, end int) bool {
	for _, m := range sc.mask[start:end] {
		if m != free {
			return false
		}
	}
	return true
}

// find returns the spans to redact in s, sorted by position.
func (r *Redactor) find(s string) []span {
	sc := &scan{s: s, lower: asciiLower(s), mask: make([]byte, len(s))}
	sc.privateKeys()
	sc.urls()
	sc.knownSecrets()
	sc.keywordSecrets()
	sc.emails()
	sc.obfuscatedEmails()
	sc.ibans()
	sc.cards()
	r.phones(sc)
	sc.addresses()
	sc.randomTokens()
	slices.SortFunc(sc.spans, func(a, b span) int { return a.start - b.start })
	return sc.spans
}

// ---- secrets ---------------------------------------------------------------

var (
	pemBeginRe = lazyre.New(`-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----`)
	pemEndRe   = lazyre.New(`-----END [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----`)
	base64Line = lazyre.New(`^[ \t]*[A-Za-z0-9+/=:\-, ]*\r?$`)
)

// privateKeys takes whole PEM private-key blocks. A block cut off before its
// END line (a truncated paste) still loses the base64 lines that follow it,
// up to maxKeyBlock bytes.
func (sc *scan) privateKeys() {
	s := sc.s
	if !strings.Contains(s, "PRIVATE KEY-----") {
		return
	}
	ends := pemEndRe.FindAllStringIndex(s, -1)
	last := 0
	for _, m := range pemBeginRe.FindAllStringIndex(s, -1) {
		if m[0] < last {
			continue // inside the previous block
		}
		end := m[1]
		// The first END after this BEGIN, found by binary search so that
		// many BEGINs do not each rescan the text.
		i, _ := slices.BinarySearchFunc(ends, m[1], func(e []int, pos int) int { return e[0] - pos })
		if i < len(ends) && ends[i][0]-m[1] <= maxKeyBlock {
			end = ends[i][1]
		} else {
			limit := min(len(s), m[1]+maxKeyBlock)
			for end < limit && s[end] == '\n' || end < limit && s[end] == '\r' {
				nl := strings.IndexByte(s[end+1:limit], '\n')
				lineEnd := limit
				if nl >= 0 {
					lineEnd = end + 1 + nl
				}
				line := s[end+1 : lineEnd]
				if strings.TrimSpace(line) == "" || strings.Contains(line, "-----") || !base64Line.MatchString(line) {
					break
				}
				end = lineEnd
			}
		}
		if sc.add(m[0], end, Secret, s[m[0]:end], true) {
			last = end
		}
	}
}

// maxKeyBlock bounds a private-key block; real ones are under 10 KB.
const maxKeyBlock = 64 << 10

// Credentials with a recognisable shape. Each is specific enough to be taken
// wherever it appears, even inside a URL.
var knownSecretRe = lazyre.New(`\b(?:` +
	`sk-ant-[A-Za-z0-9_\-]{20,}` +
	`|sk-(?:proj-|svcacct-)?[A-Za-z0-9_\-]{20,}` +
	`|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}` +
	`|gh[pousr]_[A-Za-z0-9]{30,}` +
	`|github_pat_[A-Za-z0-9_]{40,}` +
	`|xox[abprse]-[A-Za-z0-9\-]{10,}` +
	`|(?:AKIA|ASIA)[A-Z0-9]{16}` +
	`|AIza[0-9A-Za-z_\-]{35}` +
	`|glpat-[A-Za-z0-9_\-]{20,}` +
	`|npm_[A-Za-z0-9]{36}` +
	`|eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}` +
	`)`)

func (sc *scan) knownSecrets() {
	for _, m := range knownSecretRe.FindAllStringIndex(sc.s, -1) {
		v := sc.s[m[0]:m[1]]
		sc.add(m[0], m[1], Secret, v, true)
	}
}

// A label announcing a secret, then the secret. Only the value is redacted,
// so the draft can still say which thing it was. The words are
// English/French/German; "pass" alone is too common to be a label.
var (
	secretLabelRe = lazyre.New(`(?i)\b(passwor[dt]|kennwort|mot de passe|mdp|passphrase|pwd|passcode|api[ _\-]?key|apikey|access[ _\-]?key|secret[ _\-]?key|client[ _\-]?secret|secret|token|access[ _\-]?token|auth[ _\-]?token|zugangscode|pin(?:[ \-]?code)?|code pin|puk|tan|otp|(?:one[ \-]time|verification|security|confirmation|login|sign[ \-]in|2fa|sms|authentication) code|(?:bestätigungs|sicherheits|einmal|verifizierungs|anmelde|freischalt|zugangs|tür)code|(?:access|door|gate|entry) code|code d['’]accès|digicode|code(?: de (?:vérification|confirmation|sécurité|connexion|validation)| à usage unique)?)\b(?:[ \t]+(?:du|de|des|de la|for|for the|of the|für|für die|der|des)[ \t]+\p{L}+)?[ \t]*(?:\([^)\n]{0,20}\)[ \t]*)?(:|=|is\b|est\b|ist\b|lautet\b|:[ \t]*is\b)?[ \t]*:?[ \t]*`)
	quotedValueRe = lazyre.New(`^(?:"[^"\n]{1,80}"|'[^'\n]{1,80}'|«[^»\n]{1,80}»|„[^“\n]{1,80}“|“[^”\n]{1,80}”)`)
	bareValueRe   = lazyre.New(`^[^\s]{1,128}`)
	digitsValueRe = lazyre.New(`^\d{4,8}\b`)
	// Words before a bare "code" that make it something else than a secret.
	notSecretCodeRe = lazyre.New(`(?i)(?:postal|zip|post|area|country|error|status|promo|promotional|discount|coupon|voucher|product|article|colou?r|currency|tracking|booking|reference|erreur|produit|promo|réduction|fehler|rabatt|gutschein|produkt|artikel|sort|swift|bic|iso|source|qr|bar|html|exit)[ \t]*$`)
	numericLabelRe  = lazyre.New(`(?i)^(?:pin|puk|tan|otp|code|.* code|code .*|.*code)$`)
)

func (sc *scan) keywordSecrets() {
	s := sc.s
	for _, m := range sc.findInLines(secretLabelRe, secretTriggers, true) {
		label := strings.ToLower(s[m[2]:m[3]])
		sep := ""
		if m[4] >= 0 {
			sep = strings.ToLower(s[m[4]:m[5]])
		}
		rest := s[m[1]:]
		numeric := numericLabelRe.MatchString(label) && !strings.Contains(label, "pass")
		if numeric {
			if label == "code" || label == "tan" || label == "pin" {
				// A bare word needs a separator ("code: 483920", "PIN
				// 1234" is the exception because "PIN" says it all).
				if sep == "" && label != "pin" {
					continue
				}
				if notSecretCodeRe.MatchString(s[max(0, m[0]-24):m[0]]) {
					continue
				}
			}
			v := digitsValueRe.FindStringIndex(rest)
			if v == nil {
				continue
			}
			sc.add(m[1], m[1]+v[1], Secret, s[m[1]:m[1]+v[1]], true)
			continue
		}
		if sep == "" {
			continue
		}
		if q := quotedValueRe.FindStringIndex(rest); q != nil {
			sc.add(m[1], m[1]+q[1], Secret, s[m[1]:m[1]+q[1]], true)
			continue
		}
		v := bareValueRe.FindStringIndex(rest)
		if v == nil {
			continue
		}
		val := strings.TrimRight(rest[:v[1]], ".,;:)]}>\"'")
		if val == "" {
			continue
		}
		// "Your password is required" is prose; "Your password is
		// Sommer2024!" is not. After a colon anything goes.
		if sep != ":" && sep != "=" && !hasNonLetter(val) {
			continue
		}
		sc.add(m[1], m[1]+len(val), Secret, val, true)
	}
}

func hasNonLetter(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// ---- URLs ------------------------------------------------------------------

var (
	urlRe = lazyre.New(`(?i)\b(?:(?:https?|ftps?|sftp|ssh|wss?|imaps?|smtps?|redis|postgres(?:ql)?|mysql|mongodb(?:\+srv)?|amqps?|nats|git)://|www\.)[^\s<>"'\x60\x{00A0}]+`)
	// Query parameters whose value is a credential whatever it looks like.
	credParamRe = lazyre.New(`(?i)^(?:.*(?:token|secret|passw|signature|credential|apikey|api_key|api-key|session|jwt)).*$|^(?:key|sig|pwd|pass|code|sid|ticket|hash|reset|invite|magic|nonce|state|auth|authkey|authorization|otp|access_key|x-amz-[a-z\-]+)$`)
	uuidRe      = lazyre.New(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// urls takes a URL whole when it carries credentials (user info, a
// credential-like parameter, a long random path segment or value: reset
// links, unsubscribe tokens, signed downloads). Other URLs stay, and numbers
// inside them are not mistaken for phones or cards.
func (sc *scan) urls() {
	s := sc.s
	for _, m := range urlRe.FindAllStringIndex(s, -1) {
		end := m[0] + len(trimURL(s[m[0]:m[1]]))
		raw := s[m[0]:end]
		if urlIsSensitive(raw) {
			sc.add(m[0], end, URL, raw, true)
			continue
		}
		for i := m[0]; i < end; i++ {
			if sc.mask[i] == free {
				sc.mask[i] = protected
			}
		}
	}
}

// trimURL drops the punctuation that ends a sentence rather than the URL.
func trimURL(u string) string {
	for len(u) > 0 {
		c := u[len(u)-1]
		switch {
		case strings.IndexByte(".,;:!?'\"*", c) >= 0:
			u = u[:len(u)-1]
		case c == ')' && strings.Count(u, "(") < strings.Count(u, ")"):
			u = u[:len(u)-1]
		case c == ']' && strings.Count(u, "[") < strings.Count(u, "]"):
			u = u[:len(u)-1]
		default:
			return u
		}
	}
	return u
}

func urlIsSensitive(raw string) bool {
	if strings.HasPrefix(strings.ToLower(raw), "www.") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		// Unparsable: we cannot tell the user info from the path, so fail
		// closed.
		return true
	}
	if u.User != nil {
		return true
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if p, err := url.PathUnescape(seg); err == nil {
			seg = p
		}
		if tokenLike(seg) {
			return true
		}
	}
	for _, q := range []string{u.RawQuery, u.Fragment} {
		vals, _ := url.ParseQuery(q)
		for k, vs := range vals {
			for _, v := range vs {
				if v == "" {
					continue
				}
				if secretParam(k) || tokenLike(v) {
					return true
				}
			}
		}
	}
	return false
}

// looksRandom tells a machine-made token from words and identifiers written
// for people: random strings change character class (lower, upper, digit)
// far more often than words and numbers do. Hex strings (hashes, commit ids)
// count as random only when long, since they are ids more often than secrets
// outside of URLs.
func looksRandom(s string, minLen int) bool {
	if len(s) < minLen {
		return false
	}
	var lower, upper, digit, other, transitions, n int
	prev := -1
	seen := map[rune]bool{}
	for _, r := range s {
		cls := -1
		switch {
		case r >= 'a' && r <= 'z':
			lower++
			cls = 0
		case r >= 'A' && r <= 'Z':
			upper++
			cls = 1
		case r >= '0' && r <= '9':
			digit++
			cls = 2
		case r == '-' || r == '_' || r == '+' || r == '/' || r == '=' || r == '.' || r == '~':
			// separators do not break the run
		default:
			other++
		}
		if other > 0 {
			return false
		}
		if cls < 0 {
			continue
		}
		n++
		seen[r] = true
		if prev >= 0 && prev != cls {
			transitions++
		}
		prev = cls
	}
	if n < minLen || digit < 2 || lower+upper < 2 {
		return false
	}
	classes := 0
	for _, c := range []int{lower, upper, digit} {
		if c > 0 {
			classes++
		}
	}
	ratio := float64(transitions) / float64(n-1)
	if classes == 3 {
		return ratio >= 0.4 && entropy(s) >= 3.3
	}
	// Two classes: hex ids and base36 tokens. Demand more.
	return n >= 24 && ratio >= 0.35 && len(seen) >= 12 && entropy(s) >= 3.5
}

func entropy(s string) float64 {
	freq := map[rune]int{}
	n := 0
	for _, r := range s {
		freq[r]++
		n++
	}
	var h float64
	for _, c := range freq {
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	return h
}

// tokenRe finds runs of token characters; looksRandom decides.
var tokenRe = lazyre.New(`[A-Za-z0-9][A-Za-z0-9_\-+/=]{18,}[A-Za-z0-9=]`)

var hexishRe = lazyre.New(`^[0-9a-fA-F\-]+$`)

// randomTokens takes high-entropy strings of 20 characters or more that mix
// classes: API keys without a known prefix, session ids, reset tokens.
func (sc *scan) randomTokens() {
	s := sc.s
	for _, m := range tokenRe.FindAllStringIndex(s, -1) {
		if m[0] > 0 && isWordByte(s[m[0]-1]) || m[1] < len(s) && isWordByte(s[m[1]]) {
			continue
		}
		v := s[m[0]:m[1]]
		if hexishRe.MatchString(v) && !(len(v) >= 32 && !strings.Contains(v, "-") && len(v) != 40 && len(v) != 64) {
			// commit ids (40), SHA-256 sums (64), UUIDs: ids, not secrets.
			continue
		}
		if strings.Count(v, "/") >= 2 && !strings.ContainsAny(v, "+=") {
			continue // a path
		}
		if !looksRandom(v, 20) {
			continue
		}
		sc.add(m[0], m[1], Secret, v, false)
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// ---- e-mail ----------------------------------------------------------------

var (
	emailRe = lazyre.New(`[\p{L}\p{N}._%+\-']+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}\-]{0,62}[\p{L}\p{N}])?\.)+\p{L}{2,24}`)
	// "alice [at] example [dot] com", "alice at example dot com", "alice
	// (at) example.com", "alice arobase example point fr". A bare " at "
	// only counts with a spelled-out dot too and a known top-level domain:
	// "meet me at example.com" is prose.
	obfEmailRe = lazyre.New(`(?i)\b([\p{L}\p{N}._%+\-]{1,64})(\s*(?:\[\s*at\s*\]|\(\s*at\s*\)|\{\s*at\s*\}|<at>|\[@\]|\(@\)|\(arobase\)|\[arobase\]|\(ät\))\s*|\s+(?:at|arobase)\s+)([\p{L}\p{N}\-]{1,63}(?:(?:\s*(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\{\s*dot\s*\}|\[\.\]|\(\.\)|\(point\)|\[point\]|\(punkt\)|\[punkt\])\s*|\s+(?:dot|point|punkt)\s+|\.)[\p{L}\p{N}\-]{1,63}){1,4})`)
	obfDotRe   = lazyre.New(`(?i)\s*(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\{\s*dot\s*\}|\[\.\]|\(\.\)|\(point\)|\[point\]|\(punkt\)|\[punkt\])\s*|\s+(?:dot|point|punkt)\s+`)
	commonTLDs = lazyre.New(`(?i)^(?:com|org|net|edu|gov|io|fr|de|ch|be|at|uk|nl|eu|lu|it|es|info|biz|co|me|dev|app|ai|us|ca)$`)
)

func (sc *scan) emails() {
	s := sc.s
	if strings.IndexByte(s, '@') < 0 {
		return
	}
	for _, m := range emailRe.FindAllStringIndex(s, -1) {
		start := m[0]
		for start < m[1] && (s[start] == '.' || s[start] == '\'') {
			start++
		}
		v := s[start:m[1]]
		if strings.HasPrefix(v, "@") {
			continue
		}
		sc.add(start, m[1], Email, strings.ToLower(v), true)
	}
}

func (sc *scan) obfuscatedEmails() {
	s := sc.s
	for _, m := range sc.findInLines(obfEmailRe, obfTriggers, true) {
		at := s[m[4]:m[5]]
		domain := s[m[6]:m[7]]
		plainAt := !strings.ContainsAny(at, "[({<")
		parts := obfDotRe.Split(domain, -1)
		spelled := len(parts) > 1
		var labels []string
		for _, p := range parts {
			labels = append(labels, strings.Split(p, ".")...)
		}
		if plainAt && !spelled {
			continue
		}
		tld := labels[len(labels)-1]
		if plainAt && !commonTLDs.MatchString(tld) {
			continue
		}
		if !spelled && len(labels) < 2 {
			continue
		}
		key := strings.ToLower(s[m[2]:m[3]] + "@" + strings.Join(labels, "."))
		sc.add(m[0], m[1], Email, key, true)
	}
}

// ---- IBAN and cards --------------------------------------------------------

var ibanRe = lazyre.New(`\b[A-Z]{2}\d{2}(?:[ \x{00A0}\-]?[A-Z0-9]{4}){2,8}(?:[ \x{00A0}\-]?[A-Z0-9]{1,4})?`)

// ibanLength is the length of an IBAN by country (SWIFT registry); a
// candidate is cut to it so that a word written after the IBAN is not
// swallowed.
func ibanLength(cc string) int {
	switch cc {
	case "NO":
		return 15
	case "BE":
		return 16
	case "DK", "FI", "FO", "GL", "NL":
		return 18
	case "MK", "SI":
		return 19
	case "AT", "BA", "EE", "KZ", "LT", "LU", "XK":
		return 20
	case "CH", "CR", "HR", "LI", "LV":
		return 21
	case "BG", "BH", "DE", "GB", "GE", "IE", "ME", "RS", "VA":
		return 22
	case "AE", "GI", "IL", "TL":
		return 23
	case "AD", "CZ", "ES", "MD", "PK", "RO", "SA", "SE", "SK", "TN", "VG":
		return 24
	case "PT", "ST":
		return 25
	case "IS", "TR":
		return 26
	case "FR", "GR", "IT", "MC", "MR", "SM":
		return 27
	case "AL", "AZ", "CY", "DO", "GT", "HU", "LB", "PL":
		return 28
	case "BR", "EG", "PS", "QA", "UA":
		return 29
	case "JO", "KW", "MU":
		return 30
	case "MT", "SC":
		return 31
	case "LC":
		return 32
	}
	return 0
}

func (sc *scan) ibans() {
	s := sc.s
	for _, m := range ibanRe.FindAllStringIndex(s, -1) {
		want := ibanLength(s[m[0] : m[0]+2])
		if want == 0 {
			continue
		}
		var compact []byte
		end := m[0]
		for i := m[0]; i < m[1] && len(compact) < want; i++ {
			if c := s[i]; c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' {
				compact = append(compact, c)
				end = i + 1
			}
		}
		if len(compact) != want || (end < len(s) && isWordByte(s[end]) && end == m[1]) {
			continue
		}
		if !mod97(string(compact)) {
			continue
		}
		sc.add(m[0], end, IBAN, string(compact), false)
	}
}

// mod97 checks an IBAN's check digits (ISO 13616).
func mod97(iban string) bool {
	r := iban[4:] + iban[:4]
	rem := 0
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
		default:
			return false
		}
	}
	return rem == 1
}

var cardRe = lazyre.New(`\b\d(?:[ \-]?\d){12,22}\b`)

// cards takes 13–19 digit numbers that pass the Luhn check, start like a
// card network (2–6) and are written as cards are: one block, or groups of
// 4-4-4-4(-3), 4-6-5 or 4-6-4 with one kind of separator.
func (sc *scan) cards() {
	s := sc.s
	for _, m := range cardRe.FindAllStringIndex(s, -1) {
		if m[0] > 0 && (s[m[0]-1] == '+' || s[m[0]-1] == '.' || s[m[0]-1] == ',') {
			continue
		}
		type group struct{ start, end int }
		var groups []group
		var seps []byte
		i := m[0]
		for i < m[1] {
			j := i
			for j < m[1] && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			groups = append(groups, group{i, j})
			if j < m[1] {
				seps = append(seps, s[j])
			}
			i = j + 1
		}
		// Try the whole run, then without trailing groups (an expiry date
		// or a CVC written after the number).
		for n := len(groups); n >= 1; n-- {
			var digits []byte
			sizes := make([]int, 0, n)
			for _, g := range groups[:n] {
				digits = append(digits, s[g.start:g.end]...)
				sizes = append(sizes, g.end-g.start)
			}
			if len(digits) < 13 {
				break
			}
			if len(digits) > 19 || !cardLayout(sizes, seps[:n-1]) {
				continue
			}
			if digits[0] < '2' || digits[0] > '6' || !luhn(digits) {
				continue
			}
			end := groups[n-1].end
			if end < len(s) && (s[end] == '.' || s[end] == ',') && end+1 < len(s) && s[end+1] >= '0' && s[end+1] <= '9' {
				break // 1234567890123.45 is an amount
			}
			sc.add(m[0], end, Card, string(digits), false)
			break
		}
	}
}

func cardLayout(sizes []int, seps []byte) bool {
	for _, c := range seps {
		if c != seps[0] {
			return false
		}
	}
	switch len(sizes) {
	case 1:
		return true
	case 3:
		return sizes[0] == 4 && sizes[1] == 6 && (sizes[2] == 5 || sizes[2] == 4)
	case 4:
		return sizes[0] == 4 && sizes[1] == 4 && sizes[2] == 4 && sizes[3] >= 1 && sizes[3] <= 4
	case 5:
		return sizes[0] == 4 && sizes[1] == 4 && sizes[2] == 4 && sizes[3] == 4 && sizes[4] <= 3
	}
	return false
}

func luhn(digits []byte) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
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

// ---- phone numbers ---------------------------------------------------------

var (
	// Permissive on purpose: libphonenumber decides. Colons and commas are
	// left out so times and amounts end a candidate.
	phoneCandRe = lazyre.New(`[+(]?\d[\d \t.()/\-\x{00A0}]{4,40}\d\)?`)
	nanpRe      = lazyre.New(`^(?:\+?1[ .\-]?)?(?:\(\d{3}\)[ \x{00A0}]?|\d{3}[ .\-\x{00A0}])\d{3}[ .\-\x{00A0}]\d{4}$`)
	// Labels after which a number is an id, not a phone.
	idLabelRe = lazyre.New(`(?i)(?:order|invoice|ref|réf|reference|référence|commande|facture|bestell\p{L}*|rechnung\p{L}*|kunden\p{L}*|auftrag\p{L}*|sendung\p{L}*|tracking|suivi|colis|n°|nr\.?|no\.|#|account|konto|compte|siret|siren|tva|vat|ust-?id\p{L}*|steuer\p{L}*|ticket|dossier|vorgang|case|policy|police|vertrag\p{L}*|contrat|client|customer|id|sku|ean|isbn|serial|série)(?:[ \t]+(?:number|nummer|numéro|no\.?|nr\.?|n°|id|ref))?[ \t]*[:.]?[ \t]*$`)
)

type digitGroup struct {
	start, end int // of the digits, in the text
	sep        byte
}

func (r *Redactor) phones(sc *scan) {
	s := sc.s
	for _, m := range phoneCandRe.FindAllStringIndex(s, -1) {
		start, end := m[0], m[1]
		if start > 0 && (isWordByte(s[start-1]) || s[start-1] == '+' && s[start] != '+') {
			continue
		}
		if end < len(s) && isWordByte(s[end]) {
			continue
		}
		// Unbalanced parentheses at the edges belong to the prose.
		cand := s[start:end]
		if strings.HasSuffix(cand, ")") && strings.Count(cand, "(") < strings.Count(cand, ")") {
			end--
			cand = s[start:end]
		}
		if strings.HasPrefix(cand, "(") && strings.IndexByte(cand, ')') == len(cand)-1 {
			// "(06 12 34 56 78)": the parentheses are the prose's.
			start++
			end--
			cand = s[start:end]
		}
		if strings.HasPrefix(cand, "(") && !strings.Contains(cand, ")") {
			start++
			cand = s[start:end]
		}
		r.phoneCandidate(sc, start, end)
	}
}

// phoneCandidate splits a candidate where people separate two numbers
// (" / ", "  ", a tab) and tries each piece whole. Pieces are not shortened
// group by group: "04 12 19 27 33 41" (lottery numbers) holds a valid French
// number, but nobody wrote one there.
func (r *Redactor) phoneCandidate(sc *scan, start, end int) {
	s := sc.s
	for start < end {
		stop := end
		if i := strongBreakRe.FindStringIndex(s[start:end]); i != nil {
			stop = start + i[0]
		}
		ps, pe := start, stop
		for ps < pe && (s[ps] == ' ' || s[ps] == '\t' || s[ps] == '/') {
			ps++
		}
		for pe > ps && (s[pe-1] < '0' || s[pe-1] > '9') && s[pe-1] != ')' {
			pe--
		}
		if pe > ps {
			var groups []digitGroup
			for i := ps; i < pe; {
				if s[i] < '0' || s[i] > '9' {
					i++
					continue
				}
				j := i
				for j < pe && s[j] >= '0' && s[j] <= '9' {
					j++
				}
				var sep byte
				if j < pe {
					sep = s[j]
				}
				groups = append(groups, digitGroup{i, j, sep})
				i = j
			}
			if len(groups) > 0 {
				r.tryPhone(sc, ps, pe, groups)
			}
		}
		if stop == end {
			return
		}
		start = stop + 1
	}
}

var strongBreakRe = lazyre.New(`[ \t]+/[ \t]+|[ \t]{2,}|\t`)

func (r *Redactor) tryPhone(sc *scan, start, end int, groups []digitGroup) bool {
	s := sc.s
	cand := s[start:end]
	nd := 0
	for _, g := range groups {
		nd += g.end - g.start
	}
	intl := cand[0] == '+' || strings.HasPrefix(cand, "00") || strings.HasPrefix(cand, "(+")
	if nd < 8 || nd > 17 {
		return false
	}
	if looksLikeDate(s, groups) {
		return false
	}
	if !intl && allPairs(s, groups) && len(groups) != 5 {
		// Numbers written in pairs are French, Belgian or Swiss phones only
		// as five pairs; six pairs are lottery numbers or scores.
		return false
	}
	if !sc.free(start, end) {
		return false
	}
	if !intl && idLabelRe.MatchString(s[max(0, start-32):start]) {
		return false
	}
	num := strings.ReplaceAll(cand, "\u00a0", " ")
	var regions []string
	switch {
	case intl:
		if strings.HasPrefix(num, "00") {
			num = "+" + num[2:]
		}
		regions = []string{"ZZ"}
	case cand[0] == '0' || strings.HasPrefix(cand, "(0"):
		for _, rg := range r.regions {
			if rg != "US" && rg != "CA" {
				regions = append(regions, rg)
			}
		}
	case nanpRe.MatchString(cand):
		regions = []string{"US"}
	default:
		// A number without a trunk prefix, international prefix or North
		// American layout is more likely an amount, id or year list.
		return false
	}
	if sc.parses >= r.maxParses {
		sc.add(start, end, Phone, "raw:"+digitsOf(cand), false)
		return true
	}
	for _, rg := range regions {
		if !plausibleLength(rg, nd) {
			continue
		}
		sc.parses++
		pn, err := phonenumbers.Parse(num, rg)
		if err != nil || !phonenumbers.IsValidNumber(pn) {
			continue
		}
		return sc.add(start, end, Phone, phonenumbers.Format(pn, phonenumbers.E164), false)
	}
	return false
}

func allPairs(s string, gs []digitGroup) bool {
	for _, g := range gs {
		if g.end-g.start != 2 {
			return false
		}
	}
	return len(gs) > 1
}

// plausibleLength skips libphonenumber calls that cannot succeed; national
// numbers here include the trunk 0.
func plausibleLength(region string, digits int) bool {
	switch region {
	case "FR", "CH", "NL":
		return digits == 10
	case "BE":
		return digits == 9 || digits == 10
	case "GB":
		return digits == 10 || digits == 11
	case "US":
		return digits == 10 || digits == 11
	case "LU":
		return digits >= 6 && digits <= 12
	}
	return true
}

func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// looksLikeDate finds d.m.y, d/m/y, y-m-d (with optional time) among the
// groups: "06.12.34.56.78" is a phone, "06.12.2024 09" is not.
func looksLikeDate(s string, gs []digitGroup) bool {
	num := func(g digitGroup) int {
		n, _ := strconv.Atoi(s[g.start:g.end])
		return n
	}
	ln := func(g digitGroup) int { return g.end - g.start }
	for i := 0; i+2 < len(gs); i++ {
		a, b, c := gs[i], gs[i+1], gs[i+2]
		sep := a.sep
		if sep != '.' && sep != '/' && sep != '-' || b.sep != sep {
			continue
		}
		if i > 0 && gs[i-1].sep == sep {
			continue
		}
		if i+3 < len(gs) && c.sep == sep {
			continue // a fourth group with the same separator: a phone layout
		}
		switch {
		case ln(a) <= 2 && ln(b) <= 2 && (ln(c) == 4 || ln(c) == 2):
			if d, mo := num(a), num(b); d >= 1 && d <= 31 && mo >= 1 && mo <= 31 {
				return true
			}
		case ln(a) == 4 && ln(b) <= 2 && ln(c) <= 2:
			if y := num(a); y >= 1900 && y <= 2100 {
				return true
			}
		}
	}
	return false
}

// ---- postal addresses ------------------------------------------------------

var (
	// "12 rue de la Paix", "5, avenue Foch", "3 bis boulevard Saint-Michel".
	frStreetRe = lazyre.New(`\b\d{1,4}(?:[ \t]?(?:bis|ter|[A-Ba-b]))?,?[ \t]+((?i:rue|avenue|av\.|bd|boulevard|place|chemin|allée|allee|impasse|quai|route|cours|square|passage|faubourg|rond-point|voie|sentier|cité|villa|promenade|esplanade))(?:[ \t]+(?:[Dd]es|[Dd]e|[Dd]u|[Ll]es|[Ll]a|[Ll]e|et|sur|aux|au|(?:[DdLl]['’])?[\p{Lu}][\p{L}'’\-]*)){1,6}`)
	// "221B Baker Street", "10 Downing St", "1600 Pennsylvania Avenue NW".
	enStreetRe = lazyre.New(`\b\d{1,5}[A-Za-z]?(?:[ \t]+[\p{Lu}][\p{L}'’\-]*){1,4}[ \t]+(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Place|Pl|Court|Ct|Square|Sq|Terrace|Close|Crescent|Gardens|Way|Row|Mews|Parkway|Pkwy|Highway|Hwy)\b\.?(?:[ \t]+(?:NW|NE|SW|SE|N|S|E|W)\b)?`)
	// "Hauptstraße 5", "Berliner Str. 12a", "Kaiser-Wilhelm-Allee 3-5".
	deStreetRe = lazyre.New(`\b[\p{Lu}][\p{L}\-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|damm|ufer|chaussee|steig|pfad|gässli|-Straße|-Strasse|-Weg|-Platz|-Allee)(?:[ \t]*)\d{1,4}(?:[ \t]?[a-zA-Z]\b)?(?:[ \t]?[\-–/][ \t]?\d{1,4}[a-zA-Z]?)?|\b[\p{Lu}][\p{L}\-]*[ \t]+(?:Straße|Strasse|Str\.|Weg|Gasse|Platz|Allee|Damm|Ufer|Chaussee)[ \t]+\d{1,4}(?:[ \t]?[a-zA-Z]\b)?`)
	// What may follow a street line: its postcode and town, on the same
	// line after a comma or on the next one.
	postcodeCityRe = lazyre.New(`^[ \t]*,?[ \t]*(?:\r?\n[ \t]*)?(?:` +
		`(?:[A-Z]{1,2}-)?\d{4,5}[ \t]+[\p{Lu}][\p{L}'’\-]*(?:[ \t\-](?:[\p{Lu}][\p{L}'’\-]*|am|an|im|sur|en|de|\d{1,2}(?:e|er)?))*(?:[ \t]+[Cc][Ee][Dd][Ee][Xx](?:[ \t]+\d{1,2})?)?` +
		`|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}(?:[ \t]+[\p{Lu}][\p{L}\-]*)?` +
		`|[\p{Lu}][\p{L}\-]+,?[ \t]+[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}\b` +
		`|[\p{Lu}][\p{L}]+(?:[ \t][\p{Lu}][\p{L}]+)*,?[ \t]*[A-Z]{2}[ \t]+\d{5}(?:-\d{4})?\b` +
		`)`)
	frParticleRe = lazyre.New(`(?:[ \t]+(?:[Dd]e|[Dd]u|[Dd]es|[Ll]a|[Ll]e|[Ll]es|et|sur|aux?))+$`)
)

// addresses takes a street line with a house number, and the postcode and
// town that follow it. A postcode and town alone ("75002 Paris") stay: they
// say where, not who.
func (sc *scan) addresses() {
	s := sc.s
	for _, d := range []struct {
		re       *lazyre.Regexp
		triggers []string
		lower    bool
	}{{frStreetRe, frStreetTriggers, true}, {deStreetRe, deStreetTriggers, true}, {enStreetRe, enStreetTriggers, false}} {
		re := d.re
		for _, m := range sc.findInLines(re, d.triggers, d.lower) {
			start, end := m[0], m[1]
			if re == frStreetRe {
				if p := frParticleRe.FindStringIndex(s[start:end]); p != nil {
					end = start + p[0]
				}
				if end <= m[3] {
					continue // "3 cours de yoga": a street word but no name
				}
			}
			if start > 0 && (s[start-1] == '.' || s[start-1] == ',' || s[start-1] == '/' || s[start-1] == '-') && start > 1 && s[start-2] >= '0' && s[start-2] <= '9' {
				continue // "1.234 Avenue…" is a figure
			}
			if pc := postcodeCityRe.FindStringIndex(s[end:min(len(s), end+160)]); pc != nil {
				end += pc[1]
			}
			key := strings.ToLower(strings.Join(strings.FieldsFunc(s[start:end], func(r rune) bool {
				return unicode.IsSpace(r) || r == ','
			}), " "))
			sc.add(start, end, Address, key, false)
		}
	}
}

// Words without which a line cannot hold a match of the line-bound
// detectors. Running those case-insensitive regexps only on lines that
// contain one keeps a megabyte of mail well under a second.
var (
	secretTriggers   = []string{"pass", "wort", "mdp", "pwd", "key", "secret", "token", "pin", "puk", "tan", "otp", "code"}
	obfTriggers      = []string{" at ", "at)", "at]", "at}", "<at>", "@]", "@)", "arobase", "(ät)"}
	frStreetTriggers = []string{"rue", "av", "bd", "boulevard", "place", "chemin", "all", "impasse", "quai", "route", "cours", "square", "passage", "faubourg", "rond-point", "voie", "sentier", "cit", "villa", "promenade", "esplanade"}
	deStreetTriggers = []string{"str", "weg", "gasse", "platz", "allee", "damm", "ufer", "chaussee", "steig", "pfad", "gässli"}
	enStreetTriggers = []string{" St", " Ro", " Rd", " Av", " La", " Ln", " Dr", " Bo", " Bl", " Pl", " Co", " Ct", " Sq", " Te", " Cl", " Cr", " Ga", " Wa", " Mew", " Pa", " Pk", " Hi", " Hw"}
)

// findInLines runs re on each line that contains one of triggers (in the
// ASCII-lowered text when lower) and returns submatch indexes relative to
// the whole text.
func (sc *scan) findInLines(re *lazyre.Regexp, triggers []string, lower bool) [][]int {
	hay := sc.s
	if lower {
		hay = sc.lower
	}
	var lines [][2]int
	for _, tr := range triggers {
		for from := 0; from < len(hay); {
			i := strings.Index(hay[from:], tr)
			if i < 0 {
				break
			}
			i += from
			ls := strings.LastIndexByte(sc.s[:i], '\n') + 1
			le := strings.IndexByte(sc.s[i:], '\n')
			if le < 0 {
				le = len(sc.s)
			} else {
				le += i
			}
			lines = append(lines, [2]int{ls, le})
			from = le + 1
		}
	}
	slices.SortFunc(lines, func(a, b [2]int) int { return a[0] - b[0] })
	lines = slices.Compact(lines)
	var out [][]int
	for _, l := range lines {
		for _, m := range re.FindAllStringSubmatchIndex(sc.s[l[0]:l[1]], -1) {
			for k := range m {
				if m[k] >= 0 {
					m[k] += l[0]
				}
			}
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b []int) int { return a[0] - b[0] })
	return out
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
