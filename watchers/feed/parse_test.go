package feed

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/agentd/agentd/internal/testcorpus"
)

func TestParse(t *testing.T) {
	tests := map[string]struct {
		file        string
		contentType string
		wantTitle   string
		wantItems   []string // item titles in document order
		wantErr     error
	}{
		"rss 2.0": {
			file: "rss2.xml", wantTitle: "Example News",
			wantItems: []string{"Second & newest post", "First post"},
		},
		"atom": {file: "atom.xml", wantTitle: "Example Atom", wantItems: []string{"Atom entry one"}},
		"json feed": {
			file: "feed.json", contentType: "application/feed+json",
			wantTitle: "Example JSON Feed", wantItems: []string{"JSON item"},
		},
		"latin-1 without any declaration": {
			file: "latin1_undeclared.xml", wantTitle: "Café crème", wantItems: []string{"Naïve café"},
		},
		"windows-1252 named only by the HTTP header": {
			file: "windows1252_header_only.xml", contentType: "application/rss+xml; charset=windows-1252",
			wantTitle: "Price €5 – “quoted”", wantItems: []string{"€ item"},
		},
		"windows-1252 without header reads the same": {
			file:      "windows1252_header_only.xml",
			wantTitle: "Price €5 – “quoted”", wantItems: []string{"€ item"},
		},
		"koi8-r declared in prolog": {
			file: "koi8r.xml", wantTitle: "Новости", wantItems: []string{"Привет мир"},
		},
		"koi8-r prolog wins over a lying utf-8 header": {
			file: "koi8r.xml", contentType: "text/xml; charset=utf-8",
			wantTitle: "Новости", wantItems: []string{"Привет мир"},
		},
		"utf-8 body with an iso-8859-1 prolog is not double-decoded": {
			file: "utf8_wrong_prolog.xml", contentType: "text/xml; charset=iso-8859-1",
			wantTitle: "Café 日本", wantItems: []string{"Café"},
		},
		"utf-16le with BOM":              {file: "utf16le_bom.xml", wantTitle: "UTF-16 Café", wantItems: []string{"über"}},
		"html page":                      {file: "html_page.html", contentType: "text/html; charset=utf-8", wantErr: ErrHTMLPage},
		"html page without content type": {file: "html_page.html", wantErr: ErrHTMLPage},
		"xml that is not a feed":         {file: "not_xml_feed.xml", wantErr: ErrNotFeed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			feed, err := Parse(f, tc.contentType)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Parse error = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if feed.Title != tc.wantTitle {
				t.Errorf("title = %q, want %q", feed.Title, tc.wantTitle)
			}
			var got []string
			for _, it := range feed.Items {
				got = append(got, it.Title)
			}
			if strings.Join(got, "|") != strings.Join(tc.wantItems, "|") {
				t.Errorf("items = %q, want %q", got, tc.wantItems)
			}
		})
	}
}

func TestParseHTMLErrorMessage(t *testing.T) {
	_, err := Parse(strings.NewReader("<html><body>hi</body></html>"), "")
	if err == nil || err.Error() != "not a feed (got HTML page)" {
		t.Fatalf("error = %v, want \"not a feed (got HTML page)\"", err)
	}
}

func TestParseBrokenXML(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "broken.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Parse(f, "application/rss+xml"); err == nil {
		t.Fatal("Parse of a truncated document succeeded")
	}
}

// TestMinifluxEncodings checks miniflux's charset fixtures, which carry a
// wrong, invalid or absent prolog encoding: each must come out as valid
// UTF-8 with the expected text.
func TestMinifluxEncodings(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "feeds", "miniflux-v2", "internal", "reader")
	tests := map[string]struct {
		file, contentType, want string
	}{
		"utf8":                       {file: "encoding/testdata/utf8.xml", want: "Café"},
		"iso-8859-1":                 {file: "encoding/testdata/iso-8859-1.xml", want: "Café"},
		"iso-8859-1 via header only": {file: "encoding/testdata/iso-8859-1.xml", contentType: "text/xml; charset=ISO-8859-1", want: "Café"},
		"invalid prolog":             {file: "encoding/testdata/invalid-prolog.xml", want: "Café"},
		"utf8 with incorrect prolog": {file: "encoding/testdata/utf8-incorrect-prolog.xml", want: "Café"},
		// The two windows-1252 fixtures hold "Euro €", not "Café".
		"windows-1252":                     {file: "encoding/testdata/windows-1252.xml", want: "Euro €"},
		"windows-1252 incorrect prolog":    {file: "encoding/testdata/windows-1252-incorrect-prolog.xml", want: "Euro €"},
		"koi8-r":                           {file: "encoding/testdata/koi8r.xml", want: "Пример RSS ленты"},
		"iso-8859-1 real feed":             {file: "parser/testdata/encoding_ISO-8859-1.xml", want: "Viele Spieler wünschen"},
		"windows-1251 real feed":           {file: "parser/testdata/encoding_WINDOWS-1251.xml", want: "а"},
		"iso-8859-1 with no declaration":   {file: "parser/testdata/no_encoding_ISO-8859-1.xml", want: "é"},
		"urdu utf-8":                       {file: "parser/testdata/urdu_UTF8.xml", want: "ب"},
		"rdf utf-8":                        {file: "parser/testdata/rdf_UTF8.xml", want: ""},
		"large atom":                       {file: "parser/testdata/large_atom.xml", want: ""},
		"large rss":                        {file: "parser/testdata/large_rss.xml", want: ""},
		"small atom":                       {file: "parser/testdata/small_atom.xml", want: ""},
		"windows-1252 with utf-8 header":   {file: "encoding/testdata/windows-1252.xml", contentType: "text/xml; charset=utf-8", want: "Euro €"},
		"koi8-r with a header that agrees": {file: "encoding/testdata/koi8r.xml", contentType: "text/xml; charset=koi8-r", want: "Пример RSS ленты"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, err := os.Open(filepath.Join(dir, filepath.FromSlash(tc.file)))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			feed, err := Parse(r, tc.contentType)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			text := feed.Title + "\n" + feed.Description
			for _, it := range feed.Items {
				text += "\n" + it.Title + "\n" + it.Description + "\n" + it.Content
			}
			if !utf8.ValidString(text) {
				t.Errorf("decoded text is not valid UTF-8")
			}
			if strings.Contains(text, "\uFFFD") {
				t.Errorf("decoded text contains U+FFFD")
			}
			if !strings.Contains(text, tc.want) {
				t.Errorf("decoded text does not contain %q; title %q", tc.want, feed.Title)
			}
			if len(feed.Items) == 0 && !strings.HasPrefix(tc.file, "encoding/") {
				t.Errorf("no items")
			}
		})
	}
}

func TestContentTypeCharset(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"empty":              {"", ""},
		"plain":              {"text/xml; charset=utf-8", "utf-8"},
		"quoted":             {`application/xml;charset= "us-ascii"`, "us-ascii"},
		"spaces around =":    {"text/xml;charset = us-ascii", "us-ascii"},
		"no charset":         {"application/rss+xml", ""},
		"upper case":         {"text/xml; CHARSET=KOI8-R", "koi8-r"},
		"with other params":  {"text/xml; q=1; charset=iso-8859-1", "iso-8859-1"},
		"garbage after name": {"text/xml; charset=windows-1252;;", "windows-1252"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := strings.ToLower(contentTypeCharset(tc.in)); got != tc.want {
				t.Errorf("contentTypeCharset(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// corpusDir returns the shared corpus; without it the test skips (fails in
// CI).
func corpusDir(tb testing.TB) string {
	tb.Helper()
	return testcorpus.Dir(tb)
}
