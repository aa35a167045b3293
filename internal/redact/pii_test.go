package redact

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"testing"
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
