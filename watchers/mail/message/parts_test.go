package message

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"rfc 5322":               {"Tue, 9 Dec 2025 09:14:02 +0100", "2025-12-09T09:14:02+01:00"},
		"comment zone":           {"Tue, 9 Dec 2025 09:14:02 +0100 (CET)", "2025-12-09T09:14:02+01:00"},
		"no weekday, no seconds": {"9 Dec 2025 09:14 -0500", "2025-12-09T09:14:00-05:00"},
		"wrong weekday":          {"Mon, 9 Dec 2025 09:14:02 +0000", "2025-12-09T09:14:02Z"},
		"zone name EST":          {"Sun, 27 Oct 2002 23:57:07 EST", "2002-10-27T23:57:07-05:00"},
		"zone name CEST":         {"Fri, 4 Jul 2025 10:00:00 CEST", "2025-07-04T10:00:00+02:00"},
		"GMT with offset":        {"Fri, 4 Jul 2025 10:00:00 GMT+0200", "2025-07-04T10:00:00+02:00"},
		"offset with colon":      {"Fri, 4 Jul 2025 10:00:00 +02:00", "2025-07-04T10:00:00+02:00"},
		"full month name":        {"4 July 2025 10:00:00 +0000", "2025-07-04T10:00:00Z"},
		"two-digit year":         {"Wed, 27 Jun 99 04:11 +0900", "1999-06-27T04:11:00+09:00"},
		"asctime":                {"Fri Jul  4 10:00:00 2025", "2025-07-04T10:00:00Z"},
		"iso 8601":               {"2025-07-04T10:00:00+02:00", "2025-07-04T10:00:00+02:00"},
		"iso with space":         {"2025-07-04 10:00:00 +0200", "2025-07-04T10:00:00+02:00"},
		"german dotted":          {"04.07.2025 10:00:00 +0200", "2025-07-04T10:00:00+02:00"},
		"no zone means UTC":      {"Fri, 4 Jul 2025 10:00:00", "2025-07-04T10:00:00Z"},
		"unknown zone name":      {"Fri, 4 Jul 2025 10:00:00 XYZT", "2025-07-04T10:00:00Z"},
		"fractional seconds":     {"Fri, 4 Jul 2025 10:00:00.123 +0000", "2025-07-04T10:00:00.123Z"},
		"empty":                  {"", ""},
		"garbage":                {"yesterday at noon", ""},
		"impossible day":         {"32 Foo 2025 99:99:99 +9999", ""},
		"implausible year":       {"1 Jan 0200 10:00:00 +0000", ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := parseDate(tc.in)
			if tc.want == "" {
				if !got.IsZero() {
					t.Errorf("parseDate(%q) = %v, want zero", tc.in, got)
				}
				return
			}
			want, err := time.Parse(time.RFC3339Nano, tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(want) {
				t.Errorf("parseDate(%q) = %v, want %v", tc.in, got, want)
			}
			if _, off := got.Zone(); off != func() int { _, o := want.Zone(); return o }() {
				t.Errorf("parseDate(%q) offset %d, want %v", tc.in, off, want)
			}
		})
	}
}

func TestHTMLToText(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"paragraphs and breaks": {"<p>One</p><p>Two<br>Three</p>", "One\n\nTwo\nThree"},
		"whitespace collapses":  {"<div>  a \n\t b  </div>", "a b"},
		"entities":              {"Fish &amp; chips &lt;3 &eacute;t&eacute; &#8364;5&nbsp;each", "Fish & chips <3 été €5 each"},
		"link kept":             {`see <a href="https://example.com/x">the page</a>.`, "see the page (https://example.com/x)."},
		"link equal to text":    {`<a href="https://example.com/">https://example.com</a>`, "https://example.com"},
		"bare domain link text": {`<a href="https://example.com">example.com</a>`, "example.com"},
		"javascript link":       {`<a href="javascript:alert(1)">click</a>`, "click"},
		"mailto same as text":   {`<a href="mailto:a@example.com">a@example.com</a>`, "a@example.com"},
		"image link uses alt":   {`<a href="https://example.com/buy"><img src="x.png" alt="Buy now"></a>`, "Buy now (https://example.com/buy)"},
		"image link no alt":     {`<a href="https://t.example.com/open"><img src="x.png"></a>`, ""},
		"scripts and styles":    {"<style>p{x:1}</style><script>var a='<p>'</script><p>ok</p>", "ok"},
		"title dropped":         {"<html><head><title>T</title></head><body>b</body></html>", "b"},
		"hidden preheader":      {`<div style="display: none">pre</div><p>body</p>`, "body"},
		"hidden attribute":      {`<span hidden>x</span>y`, "y"},
		"nested hidden":         {`<div style="display:none"><div>a</div><div>b</div></div>c`, "c"},
		"unclosed hidden only":  {`<div style="display:none">only text`, "only text"},
		"list":                  {"<ul><li>a</li><li>b</li></ul>", "- a\n- b"},
		"table cells":           {"<table><tr><td>Date</td><td>15 Dec</td></tr><tr><td>Time</td><td>10:00</td></tr></table>", "Date 15 Dec\nTime 10:00"},
		"pre keeps lines":       {"<pre>a\n  b</pre>", "a\n  b"},
		"zero width chars":      {"a\u200b\u034fb\ufeff", "ab"},
		"control chars":         {"a\x1b[31mb", "a[31mb"},
		"broken html":           {"<p>unclosed <b>bold <i>x", "unclosed bold x"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, truncated := htmlToText(tc.in, 1000)
			if got != tc.want || truncated {
				t.Errorf("htmlToText(%q) = %q (truncated %v), want %q", tc.in, got, truncated, tc.want)
			}
		})
	}
	t.Run("bounded", func(t *testing.T) {
		got, truncated := htmlToText(strings.Repeat("<p>é word</p>", 1000), 100)
		if len(got) > 100 || !truncated || !strings.HasPrefix(got, "é word") {
			t.Errorf("len %d, truncated %v", len(got), truncated)
		}
	})
}

func TestParseMediaType(t *testing.T) {
	cases := map[string]struct {
		in, wantType, param, wantParam string
	}{
		"valid":             {`text/plain; charset="utf-8"`, "text/plain", "charset", "utf-8"},
		"upper case":        {`Text/HTML; Charset=ISO-8859-1`, "text/html", "charset", "ISO-8859-1"},
		"missing semicolon": {"multipart/mixed\tboundary=\"b1\"", "multipart/mixed", "boundary", "b1"},
		"duplicate param":   {`text/plain; charset=utf-8; charset=latin1`, "text/plain", "charset", "utf-8"},
		"unquoted space":    {`application/pdf; name=my file.pdf`, "application/pdf", "name", "my file.pdf"},
		"rfc 2231":          {`application/pdf; name*=utf-8''M%C3%A4rz.pdf`, "application/pdf", "name", "März.pdf"},
		"missing quote":     {`text/plain; charset="utf-8`, "text/plain", "charset", "utf-8"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			mt, params := parseMediaType(tc.in)
			if mt != tc.wantType || params[tc.param] != tc.wantParam {
				t.Errorf("parseMediaType(%q) = %q, %v; want %q with %s=%q", tc.in, mt, params, tc.wantType, tc.param, tc.wantParam)
			}
		})
	}
}

func TestDecodeTransfer(t *testing.T) {
	cases := map[string]struct {
		cte, in, want string
		ok            bool
	}{
		"base64":                 {"base64", "aGVsbG8gd29ybGQ=", "hello world", true},
		"base64 wrapped":         {"base64", "aGVsbG8g\r\nd29ybGQ=\r\n", "hello world", true},
		"base64 no padding":      {"base64", "aGVsbG8gd29ybGQ", "hello world", true},
		"base64 concatenated":    {"base64", "aGk=\nIHRoZXJl", "hi there", true},
		"base64 stray character": {"base64", "aGVsbG8gd29ybGQgaGVsbG8gd29y*bGQ=", "hello world hello world", false},
		"not base64 at all":      {"base64", "... data goes here ...", "... data goes here ...", false},
		"qp":                     {"quoted-printable", "caf=C3=A9 =3D ok", "café = ok", true},
		"qp soft break":          {"quoted-printable", "long=\r\nline=\nend", "longlineend", true},
		"qp lower-case hex":      {"quoted-printable", "caf=c3=a9", "café", true},
		"qp bad escape kept":     {"quoted-printable", "a=ZZb=", "a=ZZb", true},
		"qp trailing space":      {"quoted-printable", "a  \r\nb\t\nc", "a\r\nb\nc", true},
		"8bit":                   {"8bit", "raw", "raw", true},
		"unknown encoding":       {"x-uuencode", "raw", "raw", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := decodeTransfer(tc.cte, []byte(tc.in))
			if string(got) != tc.want || ok != tc.ok {
				t.Errorf("decodeTransfer(%q, %q) = %q, %v; want %q, %v", tc.cte, tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestDecodeCharset(t *testing.T) {
	cases := map[string]struct {
		label, in, want string
		ok              bool
	}{
		"utf-8":                        {"UTF-8", "café", "café", true},
		"invalid utf-8":                {"utf-8", "caf\xe9", "caf\uFFFD", false},
		"latin-1 read as windows-1252": {"iso-8859-1", "\x93caf\xe9\x94", "“café”", true},
		"undeclared 8-bit":             {"", "caf\xe9", "café", true},
		"iso-8859-15 euro":             {"iso-8859-15", "\xa4", "€", true},
		"shift_jis":                    {"Shift_JIS", "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd", "こんにちは", true},
		"koi8-r":                       {"koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет", true},
		"unknown charset":              {"x-klingon", "caf\xe9", "caf\uFFFD", false},
		"unknown charset, valid utf8":  {"x-klingon", "café", "café", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := decodeCharsetOK(tc.label, []byte(tc.in))
			if got != tc.want || ok != tc.ok {
				t.Errorf("decodeCharsetOK(%q, %q) = %q, %v; want %q, %v", tc.label, tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestHeaderDecoding(t *testing.T) {
	t.Run("addresses", func(t *testing.T) {
		cases := map[string]struct {
			in   string
			want []Address
		}{
			"simple":               {"Bob <Bob@Example.COM>", []Address{{"Bob", "Bob@example.com"}}},
			"quoted comma":         {`"Doe, Jane" <jane@example.org>, x@example.org`, []Address{{"Doe, Jane", "jane@example.org"}, {"", "x@example.org"}}},
			"encoded name":         {"=?utf-8?q?J=C3=BCrgen?= <j@example.de>", []Address{{"Jürgen", "j@example.de"}}},
			"group":                {"team: a@example.com, b@example.com;", []Address{{"", "a@example.com"}, {"", "b@example.com"}}},
			"empty group":          {"undisclosed-recipients:;", nil},
			"broken among good":    {"good@example.com, Bad <bad@, <ok@example.com>", []Address{{"", "good@example.com"}, {"Bad", "bad@"}, {"", "ok@example.com"}}},
			"missing bracket":      {`"Broken" <broken@example.com`, []Address{{"Broken", "broken@example.com"}}},
			"raw latin-1 name":     {"Ren\xe9 <rene@example.fr>", []Address{{"René", "rene@example.fr"}}},
			"name only":            {"Whomever", []Address{{"Whomever", ""}}},
			"name equal to email":  {`"a@example.com" <a@example.com>`, []Address{{"", "a@example.com"}}},
			"terminal escape name": {"\"Evil\x1b[2J\" <e@example.com>", []Address{{"Evil[2J", "e@example.com"}}},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				got := parseAddressList(tc.in)
				if !sameAddresses(got, tc.want) || len(got) != len(tc.want) {
					t.Errorf("parseAddressList(%q) = %+v, want %+v", tc.in, got, tc.want)
				}
			})
		}
	})
	t.Run("message ids", func(t *testing.T) {
		cases := map[string]struct {
			in   string
			want []string
		}{
			"bracketed":        {"<a@x> <b@y>\t<c@z>", []string{"a@x", "b@y", "c@z"}},
			"with comments":    {"<a@x> (comment) <b@y>", []string{"a@x", "b@y"}},
			"no brackets":      {"a@x b@y", []string{"a@x", "b@y"}},
			"no @ unbracketed": {"garbage", nil},
			"inner spaces":     {"< a@x >", []string{"a@x"}},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				got := parseMsgIDs(tc.in, 10)
				if strings.Join(got, " ") != strings.Join(tc.want, " ") {
					t.Errorf("parseMsgIDs(%q) = %q, want %q", tc.in, got, tc.want)
				}
			})
		}
	})
	t.Run("subject", func(t *testing.T) {
		cases := map[string]struct{ in, want string }{
			"utf-8 B":          {"=?UTF-8?B?w6l0w6k=?=", "été"},
			"latin-1 Q":        {"=?iso-8859-1?q?caf=E9?=", "café"},
			"adjacent words":   {"=?utf-8?q?a?= =?utf-8?q?b?=", "ab"},
			"mixed with plain": {"Re: =?utf-8?q?caf=C3=A9?= today", "Re: café today"},
			"unknown charset":  {"=?x-unknown?q?caf=E9?=", "café"},
			"shift_jis":        {"=?shift_jis?B?grGC8YLJgr+CzQ==?=", "こんにちは"},
			"raw utf-8":        {"Grüße", "Grüße"},
			"raw latin-1":      {"Gr\xfc\xdfe", "Grüße"},
			"folded":           {"a\r\n b\tc", "a b c"},
			"controls":         {"a\x00b\x1bc", "abc"},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				if got := decodeText(tc.in); got != tc.want {
					t.Errorf("decodeText(%q) = %q, want %q", tc.in, got, tc.want)
				}
			})
		}
	})
}

func TestIsAutomated(t *testing.T) {
	person := []Address{{Name: "Frank", Email: "frank@example.com"}}
	cases := map[string]struct {
		m         Message
		automated bool
		reason    string
	}{
		"person":                  {Message{From: person}, false, ""},
		"person on list":          {Message{From: person, List: ListInfo{ID: "dev.lists.example.org"}}, true, "mailing list (List-Id: dev.lists.example.org)"},
		"unsubscribe":             {Message{From: person, List: ListInfo{Unsubscribe: "<https://x>"}}, true, "newsletter (has List-Unsubscribe)"},
		"precedence list":         {Message{From: person, List: ListInfo{Precedence: "list"}}, true, "Precedence: list"},
		"auto-submitted no":       {Message{From: person, List: ListInfo{AutoSubmitted: "no"}}, false, ""},
		"auto-generated":          {Message{From: person, List: ListInfo{AutoSubmitted: "auto-generated"}}, true, "Auto-Submitted: auto-generated"},
		"feedback id":             {Message{From: person, List: ListInfo{FeedbackID: "1:2:3"}}, true, "bulk sender (Feedback-ID)"},
		"marketing header":        {Message{From: person, List: ListInfo{Markers: []string{"X-Campaignid"}}}, true, "bulk-mail header X-Campaignid"},
		"read receipt":            {Message{From: person, Report: "disposition-notification"}, true, "read receipt (multipart/report)"},
		"null return path":        {Message{From: person, ReturnPath: "<>"}, true, "empty Return-Path"},
		"donotreply":              {Message{From: []Address{{Email: "do_not_reply@bank.example"}}}, true, "no-reply sender do_not_reply@bank.example"},
		"noreply with tag":        {Message{From: []Address{{Email: "NoReply+abc@x.example"}}}, true, "no-reply sender"},
		"mailer-daemon":           {Message{From: []Address{{Email: "MAILER-DAEMON@mx.example"}}}, true, "no-reply sender"},
		"notifications":           {Message{From: []Address{{Email: "notifications@github.example"}}}, true, "no-reply sender"},
		"french no-reply":         {Message{From: []Address{{Email: "ne-pas-repondre@impots.example"}}}, true, "no-reply sender"},
		"robot sender header":     {Message{From: person, Sender: &Address{Email: "bounces@lists.example"}}, true, "no-reply sender bounces@lists.example"},
		"person named like robot": {Message{From: []Address{{Name: "No Reply", Email: "nora.reply@example.com"}}}, false, ""},
		"info is a person":        {Message{From: []Address{{Email: "info@smallbakery.example"}}}, false, ""},
		"ooo subject":             {Message{From: person, Subject: "Automatic reply: Contract"}, true, "auto-reply subject \"Automatic reply: Contract\""},
		"french ooo subject":      {Message{From: person, Subject: "Réponse automatique : absent"}, true, "auto-reply subject"},
		"suppress none":           {Message{From: person, List: ListInfo{AutoResponseSuppress: "None"}}, false, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			automated, reason := tc.m.IsAutomated()
			if automated != tc.automated || !strings.HasPrefix(reason, tc.reason) || (tc.reason == "" && reason != "") {
				t.Errorf("IsAutomated() = %v, %q; want %v, %q", automated, reason, tc.automated, tc.reason)
			}
		})
	}
}

func TestGuessLanguage(t *testing.T) {
	cases := map[string]struct{ subject, text, want string }{
		"english":      {"Budget", "Could you send me the numbers for the review? Thanks, and have a good day.", "en"},
		"french":       {"Réunion", "Bonjour, pouvez-vous confirmer votre présence à la réunion de mardi ? Merci pour votre aide.", "fr"},
		"german":       {"Termin", "Hallo, kannst du mir bitte die Unterlagen für den Termin schicken? Danke und viele Grüße.", "de"},
		"too short":    {"Hi", "ok", ""},
		"mixed evenly": {"", "the and you le la les der die das", ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := guessLanguage(tc.subject, tc.text); got != tc.want {
				t.Errorf("guessLanguage = %q, want %q", got, tc.want)
			}
		})
	}
}
