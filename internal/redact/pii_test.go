package redact

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

type labelledCase struct {
	line   int
	lang   string
	text   string
	expect []expected
}

type expected struct {
	class Class
	value string
}

// loadLabelled reads testdata/pii/labelled.tsv: language, text, then the
// substrings that must be redacted as CLASS:value.
func loadLabelled(t testing.TB) []labelledCase {
	t.Helper()
	f, err := os.Open("testdata/pii/labelled.tsv")
	if err != nil {
		t.Fatalf("open labelled set: %v", err)
	}
	defer f.Close()
	unescape := strings.NewReplacer(`\n`, "\n").Replace
	var cases []labelledCase
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 2 {
			t.Fatalf("labelled.tsv:%d: want language and text", n)
		}
		c := labelledCase{line: n, lang: cols[0], text: unescape(cols[1])}
		for _, e := range cols[2:] {
			cls, val, ok := strings.Cut(e, ":")
			if !ok {
				t.Fatalf("labelled.tsv:%d: expectation %q is not CLASS:value", n, e)
			}
			val = unescape(val)
			if !strings.Contains(c.text, val) {
				t.Fatalf("labelled.tsv:%d: %q is not in the text", n, val)
			}
			c.expect = append(c.expect, expected{Class(cls), val})
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read labelled set: %v", err)
	}
	return cases
}

// classStats counts, for one class, expected values found and missed, and
// spans that were not expected.
type classStats struct {
	expected, found, wrongClass, detected, falsePos int
}

// TestLabelled measures recall and false positives on the labelled set. A
// value counts as found when one span covers it (a wrong class still hides
// it, and is reported); a span counts as a false positive when it covers no
// expected value or reaches more than two non-space characters beyond it.
func TestLabelled(t *testing.T) {
	cases := loadLabelled(t)
	stats := map[Class]*classStats{}
	get := func(c Class) *classStats {
		if stats[c] == nil {
			stats[c] = &classStats{}
		}
		return stats[c]
	}
	var total classStats
	langs := map[string]int{}
	negatives, dirtyNegatives := 0, 0
	for _, c := range cases {
		langs[c.lang]++
		r := NewRedactor(nil)
		spans := r.find(c.text)
		type occ struct {
			start, end int
			class      Class
		}
		var occs []occ
		from := map[string]int{}
		for _, e := range c.expect {
			i := strings.Index(c.text[from[e.value]:], e.value)
			if i < 0 {
				t.Fatalf("labelled.tsv:%d: %q listed more often than it occurs", c.line, e.value)
			}
			i += from[e.value]
			from[e.value] = i + len(e.value)
			occs = append(occs, occ{i, i + len(e.value), e.class})
		}
		for _, o := range occs {
			st := get(o.class)
			st.expected++
			total.expected++
			hit := false
			for _, sp := range spans {
				if sp.start <= o.start && sp.end >= o.end {
					hit = true
					st.found++
					total.found++
					if sp.class != o.class {
						st.wrongClass++
						total.wrongClass++
						t.Logf("labelled.tsv:%d: %q found as %s, labelled %s", c.line, c.text[o.start:o.end], sp.class, o.class)
					}
					break
				}
			}
			if !hit {
				t.Logf("labelled.tsv:%d: MISSED %s %q in %q", c.line, o.class, c.text[o.start:o.end], c.text)
			}
		}
		if len(c.expect) == 0 {
			negatives++
			if len(spans) > 0 {
				dirtyNegatives++
			}
		}
		for _, sp := range spans {
			st := get(sp.class)
			st.detected++
			total.detected++
			ok := false
			for _, o := range occs {
				if sp.start < o.end && o.start < sp.end {
					extra := strings.TrimSpace(c.text[sp.start:max(sp.start, o.start)]) + strings.TrimSpace(c.text[min(sp.end, o.end):sp.end])
					ok = utf8.RuneCountInString(extra) <= 2
					break
				}
			}
			if !ok {
				st.falsePos++
				total.falsePos++
				t.Logf("labelled.tsv:%d: FALSE POSITIVE %s %q in %q", c.line, sp.class, c.text[sp.start:sp.end], c.text)
			}
		}
	}
	recall := float64(total.found) / float64(total.expected)
	fpRate := float64(total.falsePos) / float64(max(1, total.detected))
	t.Logf("labelled set: %d cases (%v), %d look-alikes", len(cases), langs, negatives)
	t.Logf("overall: recall %.4f (%d/%d), false positives %d of %d spans (%.4f), wrong class %d, look-alikes touched %d/%d",
		recall, total.found, total.expected, total.falsePos, total.detected, fpRate, total.wrongClass, dirtyNegatives, negatives)
	var classes []string
	for c := range stats {
		classes = append(classes, string(c))
	}
	sort.Strings(classes)
	for _, c := range classes {
		st := stats[Class(c)]
		rc := 1.0
		if st.expected > 0 {
			rc = float64(st.found) / float64(st.expected)
		}
		t.Logf("  %-8s recall %.3f (%d/%d)  false positives %d of %d spans", c, rc, st.found, st.expected, st.falsePos, st.detected)
	}
	if len(cases) < 300 {
		t.Errorf("labelled set has %d cases, want at least 300", len(cases))
	}
	if recall < 0.99 {
		t.Errorf("recall %.4f < 0.99", recall)
	}
	if fpRate > 0.01 {
		t.Errorf("false-positive rate %.4f > 0.01", fpRate)
	}
}

func TestPlaceholdersAreStableAcrossCalls(t *testing.T) {
	r := NewRedactor(nil)
	mail := r.Text("Hi Sophie, call +33 6 12 34 56 78 or write to Sophie.Martin@Example.fr.")
	thread := r.Text("Earlier: sophie.martin@example.fr, 06 12 34 56 78, and bob@example.com")
	if want := "Hi Sophie, call [PHONE_1] or write to [EMAIL_1]."; mail != want {
		t.Errorf("mail = %q, want %q", mail, want)
	}
	if want := "Earlier: [EMAIL_1], [PHONE_1], and [EMAIL_2]"; thread != want {
		t.Errorf("thread = %q, want %q", thread, want)
	}
	counts := r.Counts()
	if counts[Email] != 3 || counts[Phone] != 2 {
		t.Errorf("Counts() = %v, want 3 e-mails and 2 phones", counts)
	}
	ph := r.Placeholders()
	if len(ph) != 3 || ph[0] != (Placeholder{"[PHONE_1]", Phone, 2}) {
		t.Errorf("Placeholders() = %+v", ph)
	}
}

func TestRestore(t *testing.T) {
	tests := map[string]struct {
		opts   *Options
		answer string
		want   string
	}{
		"exact": {
			answer: "Sure, I will call [PHONE_1] and copy [EMAIL_1].",
			want:   "Sure, I will call +33 6 12 34 56 78 and copy alice@example.com.",
		},
		"model changed case and spacing": {
			answer: "Reach me at [ email_1 ], [Phone 1] or [PHONE-1].",
			want:   "Reach me at alice@example.com, +33 6 12 34 56 78 or +33 6 12 34 56 78.",
		},
		"unknown placeholders are left alone": {
			answer: "Send to [EMAIL_7] and [CARD_1].",
			want:   "Send to [EMAIL_7] and [CARD_1].",
		},
		"secrets stay redacted by default": {
			answer: "The code is [SECRET_1].",
			want:   "The code is [SECRET_1].",
		},
		"secrets restored on request": {
			opts:   &Options{RestoreSecrets: true},
			answer: "The code is [secret_1].",
			want:   "The code is 483920.",
		},
		"IBAN and address": {
			answer: "Paid to [IBAN_1], shipped to [ADDRESS_1].",
			want:   "Paid to FR76 3000 6000 0112 3456 7890 189, shipped to 12 rue de la Paix, 75002 Paris.",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := NewRedactor(tc.opts)
			r.Text("Call +33 6 12 34 56 78 or alice@example.com. Code: 483920. IBAN FR76 3000 6000 0112 3456 7890 189. Send to 12 rue de la Paix, 75002 Paris.")
			if got := r.Restore(tc.answer); got != tc.want {
				t.Errorf("Restore(%q) = %q, want %q", tc.answer, got, tc.want)
			}
		})
	}
}

// TestRoundTrip redacts every labelled text and restores it: with secrets
// restored, the original comes back, and no expected value is left in the
// redacted text.
func TestRoundTrip(t *testing.T) {
	for _, c := range loadLabelled(t) {
		r := NewRedactor(&Options{RestoreSecrets: true})
		red := r.Text(c.text)
		for _, e := range c.expect {
			if strings.Contains(red, e.value) {
				t.Errorf("labelled.tsv:%d: %q still in %q", c.line, e.value, red)
			}
		}
		got := r.Restore(red)
		if r.totalUses() > len(r.Placeholders()) {
			// A value seen twice in different case comes back as first
			// written; that is the point of normalising it.
			if !strings.EqualFold(got, c.text) {
				t.Errorf("labelled.tsv:%d: Restore(Text(x)) = %q, want %q up to case", c.line, got, c.text)
			}
			continue
		}
		if got != c.text {
			t.Errorf("labelled.tsv:%d: Restore(Text(x)) = %q, want %q", c.line, got, c.text)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	r := NewRedactor(nil)
	got := r.Text("mail \xff alice@example.com \xc3")
	if !utf8.ValidString(got) {
		t.Fatalf("Text returned invalid UTF-8: %q", got)
	}
	if strings.Contains(got, "alice@") {
		t.Errorf("e-mail not redacted: %q", got)
	}
}

// TestLargeInputsAreBounded feeds 1 MB inputs built to stress each
// detector; each must finish in well under the time a request can wait.
func TestLargeInputsAreBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	const size = 1 << 20
	inputs := map[string]string{
		"phone-like":    strings.Repeat("06 12 34 56 7", size/13),
		"digits":        strings.Repeat("0123456789", size/10),
		"at signs":      strings.Repeat("a@b.", size/4),
		"token chars":   strings.Repeat("aB3", size/3),
		"url":           "https://example.com/" + strings.Repeat("a", size),
		"street words":  strings.Repeat("12 Rue De La ", size/13),
		"labels":        strings.Repeat("password: code: PIN ", size/20),
		"pem":           strings.Repeat("-----BEGIN PRIVATE KEY-----\n", size/28),
		"ordinary mail": strings.Repeat(typicalMail, size/len(typicalMail)),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			out := NewRedactor(nil).Text(in)
			d := time.Since(start)
			t.Logf("%d bytes in %v", len(in), d)
			if !utf8.ValidString(out) {
				t.Error("invalid UTF-8 out")
			}
			if d > 20*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{
		"", typicalMail, "+33 (0)6 12 34 56 78", "FR76 3000 6000 0112 3456 7890 189",
		"4111-1111-1111-1111", "alice [at] example [dot] com", "password: x",
		"-----BEGIN PRIVATE KEY-----\nabc", "12 rue de la Paix, 75002 Paris", "\xff\xfe",
		"https://u:p@h/", "[EMAIL_1] [email 2]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := NewRedactor(&Options{RestoreSecrets: true})
		out := r.Text(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out for %q", s)
		}
		back := r.Restore(out)
		if utf8.ValidString(s) && !placeholderRe.MatchString(s) && len(r.Placeholders()) == r.totalUses() && back != s {
			t.Fatalf("Restore(Text(%q)) = %q", s, back)
		}
	})
}

// totalUses is the number of replacements; when it equals the number of
// placeholders every value was seen once, so Restore must give back the
// exact input.
func (r *Redactor) totalUses() int {
	n := 0
	for _, p := range r.Placeholders() {
		n += p.Occurrences
	}
	return n
}

const typicalMail = `From: "Marc Dubois" <marc.dubois@example.fr>
To: Sophie Martin <sophie.martin@example.com>
Subject: Re: Livraison et facture F2024-00987

Bonjour Sophie,

Merci pour votre message du 03/12/2024. La commande n° 2024120312345 (3 articles,
1 234,56 € TTC) partira demain par Colissimo, numéro de suivi 6A12345678901.
Pour la livraison, pouvez-vous confirmer l'adresse : 12 rue de la Paix, 75002 Paris ?
Le livreur vous appellera au 06 12 34 56 78 entre 9h et 12h.

Le règlement peut se faire par virement sur FR76 3000 6000 0112 3456 7890 189
(BIC BNPAFRPPXXX) avant le 15/01/2025. Votre espace client :
https://shop.example.fr/account/orders?id=987 — identifiant marc.d, mot de passe : Ch@t0n!42

Hi Sophie, as discussed on the call (+44 20 7946 0018), the v2.3.1 release notes are at
https://docs.example.com/releases/2.3.1 and the staging link is
https://staging.example.com/login?token=Zx81kQp0aL2mN7vB4cD9 (valid 24h).
Flight AF 1234 lands at 07:35; meet at Hauptstraße 5, 10115 Berlin at 10:00.

Cordialement,
Marc Dubois
Service client — Tél. +33 (0)1 42 68 53 00
`
