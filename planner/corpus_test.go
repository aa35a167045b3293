package planner

import (
	"context"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/mmcdole/gofeed"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/testcorpus"
)

// corpusFeeds are real-world feeds (English, German in ISO-8859-1, Russian in
// windows-1251) from the shared corpus.
var corpusFeeds = []string{
	"large_rss.xml",
	"large_atom.xml",
	"encoding_ISO-8859-1.xml",
	"encoding_WINDOWS-1251.xml",
}

var corpusInterests = []string{"linux", "video games", "elektroauto", "fur", "paper notes",
	"smart contract", "lenovo", "vim", "россия", "openrc"}

// TestPlanCorpusFeeds plans every item of real feeds and checks each
// decision against a slow, separately written oracle: the interest's words,
// folded by the x/text transformer chain, found by a regular expression
// between non-word characters.
func TestPlanCorpusFeeds(t *testing.T) {
	dir := testcorpus.Dir(t, "feeds", "miniflux-v2", "internal", "reader", "parser", "testdata")
	oracle := make([]*regexp.Regexp, len(corpusInterests))
	for i, in := range corpusInterests {
		words := strings.Fields(referenceFold(in))
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		oracle[i] = regexp.MustCompile(`(?:^|[^\pL\pN])` + strings.Join(words, `[^\pL\pN]+`) + `(?:$|[^\pL\pN+#])`)
	}
	planned, suggested := 0, 0
	for _, name := range corpusFeeds {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			feed, err := gofeed.NewParser().Parse(f)
			if err != nil {
				t.Fatal(err)
			}
			p := New(Config{Interests: corpusInterests, FeedMaxAge: 100 * 365 * 24 * time.Hour, Location: time.UTC},
				compileRules(t, ""), nil, WithClock(fixedClock))
			for _, it := range feed.Items {
				item := event.FeedItem{
					Feed: "corpus", GUID: it.GUID, Link: it.Link, Title: it.Title,
					Summary: stripTags(it.Description), Categories: it.Categories,
				}
				published := testNow.Add(-time.Hour)
				if it.PublishedParsed != nil && it.PublishedParsed.Before(testNow) {
					published = *it.PublishedParsed
				}
				got, err := p.Plan(context.Background(), feedEvent(t, item, published))
				if err != nil {
					t.Fatalf("item %q: %v", it.Title, err)
				}
				planned++
				var want []string
				all := referenceFold(strings.Join(append([]string{item.Title, item.Summary}, item.Categories...), "\n"))
				for i, re := range oracle {
					if re.MatchString(all) {
						want = append(want, corpusInterests[i])
					}
				}
				if len(got) != min(len(want), 1) {
					t.Errorf("item %q: %d suggestions, oracle matched %q", it.Title, len(got), want)
					continue
				}
				if len(got) == 1 {
					suggested++
					if wantWhy := quotedList(want); !strings.Contains(got[0].Why, wantWhy) {
						t.Errorf("item %q: why %q, oracle matched %s", it.Title, got[0].Why, wantWhy)
					}
				}
			}
		})
	}
	t.Logf("%d items planned, %d suggested", planned, suggested)
	if suggested == 0 {
		t.Error("no corpus item matched any interest: the test checks nothing")
	}
}

// referenceFold is the slow, obvious fold: NFKD, drop combining marks,
// lowercase, spell out the few letters without a decomposition.
func referenceFold(s string) string {
	out, _, err := transform.String(transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn))), s)
	if err != nil {
		return s
	}
	return strings.NewReplacer("ł", "l", "ŀ", "l", "ø", "o", "đ", "d", "ð", "d", "ħ", "h", "ı", "i",
		"æ", "ae", "œ", "oe", "ß", "ss", "þ", "th").Replace(strings.ToLower(out))
}

var tags = regexp.MustCompile(`<[^>]*>`)

func stripTags(s string) string {
	return html.UnescapeString(tags.ReplaceAllString(s, " "))
}

func quotedList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = `"` + s + `"`
	}
	return strings.Join(q, ", ")
}

// FuzzFold checks the fast fold against the reference one.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"Électricité", "Łódź Straße", "ﬁle ＧＯ", "Ǖber", "한국어", "Cafe\u0301", "İstanbul"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8Valid(s) {
			return
		}
		got, want := tokens(fold(s), nil), tokens(referenceFold(s), nil)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("fold(%q) words = %q, reference %q", s, got, want)
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }
