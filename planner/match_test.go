package planner

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestMatcher(t *testing.T) {
	tests := map[string]struct {
		interests []string
		texts     []string
		want      []string
	}{
		"accents in text":             {interests: []string{"electricite"}, texts: []string{"Prix de l'Électricité en hausse"}, want: []string{"electricite"}},
		"accents in interest":         {interests: []string{"café"}, texts: []string{"BEST CAFE IN TOWN"}, want: []string{"café"}},
		"accents on both":             {interests: []string{"Zürich"}, texts: []string{"zürich airport"}, want: []string{"Zürich"}},
		"undecomposable letters":      {interests: []string{"lodz", "strasse"}, texts: []string{"Łódź, Große Straße 5"}, want: []string{"lodz", "strasse"}},
		"stacked marks":               {interests: []string{"Ǖber"}, texts: []string{"UBER"}, want: []string{"Ǖber"}},
		"combining marks in text":     {interests: []string{"cafe"}, texts: []string{"Cafe\u0301 noir"}, want: []string{"cafe"}},
		"hangul":                      {interests: []string{"한국어"}, texts: []string{"한국어 뉴스"}, want: []string{"한국어"}},
		"full-width":                  {interests: []string{"go"}, texts: []string{"ＧＯ language"}, want: []string{"go"}},
		"compatibility forms":         {interests: []string{"file"}, texts: []string{"ﬁle system"}, want: []string{"file"}},
		"go is not good":              {interests: []string{"go"}, texts: []string{"A good day to be gone"}},
		"go as a word":                {interests: []string{"Go"}, texts: []string{"Why go? Go's generics"}, want: []string{"Go"}},
		"go is not golang":            {interests: []string{"go"}, texts: []string{"golang weekly"}},
		"trailing punctuation":        {interests: []string{"golang"}, texts: []string{"Rust, golang, and zig."}, want: []string{"golang"}},
		"hashtag":                     {interests: []string{"golang"}, texts: []string{"#golang #rust"}, want: []string{"golang"}},
		"phrase":                      {interests: []string{"home automation"}, texts: []string{"My home  automation setup"}, want: []string{"home automation"}},
		"phrase with hyphen":          {interests: []string{"home automation"}, texts: []string{"Home-Automation with NATS"}, want: []string{"home automation"}},
		"hyphenated interest":         {interests: []string{"home-automation"}, texts: []string{"home automation"}, want: []string{"home-automation"}},
		"phrase words near":           {interests: []string{"home automation"}, texts: []string{"automation at home"}, want: []string{"home automation"}},
		"phrase words too far":        {interests: []string{"home automation"}, texts: []string{"home is where the heart is, they said, and automation"}},
		"phrase split across text":    {interests: []string{"home automation"}, texts: []string{"home", "automation"}},
		"phrase not glued":            {interests: []string{"home automation"}, texts: []string{"homeautomation"}},
		"phrase at the end":           {interests: []string{"open source"}, texts: []string{"we love open source"}, want: []string{"open source"}},
		"c++":                         {interests: []string{"C++"}, texts: []string{"Modern c++ tips"}, want: []string{"C++"}},
		"c++ with version":            {interests: []string{"C++"}, texts: []string{"What's new in C++20"}, want: []string{"C++"}},
		"c++ not c":                   {interests: []string{"C++"}, texts: []string{"Plan C is ready"}},
		"c not c++":                   {interests: []string{"C"}, texts: []string{"C++ and C#"}},
		"c alone":                     {interests: []string{"C"}, texts: []string{"Writing C, again"}, want: []string{"C"}},
		"c#":                          {interests: []string{"c#"}, texts: []string{"C# 14 released"}, want: []string{"c#"}},
		"several in config order":     {interests: []string{"nats", "go", "rust"}, texts: []string{"Rust and Go", "over NATS"}, want: []string{"nats", "go", "rust"}},
		"each once":                   {interests: []string{"go"}, texts: []string{"go go", "Go"}, want: []string{"go"}},
		"duplicates folded":           {interests: []string{"Go", "go", "GO"}, texts: []string{"go"}, want: []string{"Go"}},
		"digits":                      {interests: []string{"ipv6"}, texts: []string{"IPv6-only networks"}, want: []string{"ipv6"}},
		"unicode script":              {interests: []string{"москва"}, texts: []string{"Новости: Москва сегодня"}, want: []string{"москва"}},
		"no interests":                {texts: []string{"anything"}},
		"empty text":                  {interests: []string{"go"}, texts: []string{""}},
		"invalid utf-8":               {interests: []string{"go"}, texts: []string{"\xff go \xfe"}, want: []string{"go"}},
		"plural":                      {interests: []string{"router"}, texts: []string{"Five routers compared"}, want: []string{"router"}},
		"word forms en":               {interests: []string{"cycling"}, texts: []string{"Cyclists ask for safer lanes"}, want: []string{"cycling"}},
		"word forms fr":               {interests: []string{"cyclisme"}, texts: []string{"Les cyclistes parisiens"}, want: []string{"cyclisme"}},
		"word forms de":               {interests: []string{"Fahrrad"}, texts: []string{"Neue Fahrräder im Test"}, want: []string{"Fahrrad"}},
		"related word":                {interests: []string{"cycling"}, texts: []string{"Best bikes of 2026"}, want: []string{"cycling"}},
		"related word fr":             {interests: []string{"cycling"}, texts: []string{"Le vélo en ville"}, want: []string{"cycling"}},
		"multi-word forms":            {interests: []string{"electric vehicles"}, texts: []string{"A cheaper electric vehicle"}, want: []string{"electric vehicles"}},
		"multi-word near":             {interests: []string{"electric vehicles"}, texts: []string{"Vehicles that are fully electric"}, want: []string{"electric vehicles"}},
		"acronym plural":              {interests: []string{"EV charging"}, texts: []string{"Charging EVs at home"}, want: []string{"EV charging"}},
		"short words stay whole":      {interests: []string{"go"}, texts: []string{"Going, going, gone"}},
		"news is not new":             {interests: []string{"news"}, texts: []string{"A new phone"}},
		"electric is not electricity": {interests: []string{"electric vehicles"}, texts: []string{"electricity prices hit vehicle owners"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m, unusable := NewMatcher(tc.interests)
			if len(unusable) > 0 {
				t.Fatalf("unusable interests %v", unusable)
			}
			got := m.Match(tc.texts...)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Match(%q) = %q, want %q", tc.texts, got, tc.want)
			}
		})
	}
}

func TestMatcherUnusable(t *testing.T) {
	m, unusable := NewMatcher([]string{"go", "++", " ", "#"})
	if !slices.Equal(unusable, []string{"++", " ", "#"}) {
		t.Errorf("unusable = %q", unusable)
	}
	if m.Len() != 1 {
		t.Errorf("Len = %d, want 1", m.Len())
	}
}

// TestMatcherAlso: the words a user adds to an interest count as
// mentioning it, and the topic is what is reported.
func TestMatcherAlso(t *testing.T) {
	m, _ := NewMatcherAlso([]string{"electric vehicles", "golang"}, map[string][]string{"electric vehicles": {"EV", "home charging"}})
	for text, want := range map[string][]string{
		"New EV charging rules":             {"electric vehicles"},
		"Home charging costs less at night": {"electric vehicles"},
		"Charging at home, cheaply":         {"electric vehicles"},
		"Golang and EVs":                    {"electric vehicles", "golang"},
		"Every evening":                     nil,
	} {
		if got := m.Match(text); !slices.Equal(got, want) {
			t.Errorf("Match(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestTokens(t *testing.T) {
	tests := map[string]struct {
		in   string
		want []string
	}{
		"words":        {in: "hello, world!", want: []string{"hello", "world"}},
		"plus and num": {in: "c++20 x", want: []string{"c++", "20", "x"}},
		"sharp inside": {in: "a#b", want: []string{"a#", "b"}},
		"leading sign": {in: "+1 #tag", want: []string{"1", "tag"}},
		"apostrophe":   {in: "go's", want: []string{"go", "s"}},
		"empty":        {in: " - ", want: nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tokens(tc.in, nil); !slices.Equal(got, tc.want) {
				t.Errorf("tokens(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzMatcher checks the matcher against part of its definition: an
// interest whose folded words appear, in order, among the text's folded
// words matches.
func FuzzMatcher(f *testing.F) {
	f.Add("go", "a good go")
	f.Add("home automation", "Home-Automation!")
	f.Add("électricité", "ELECTRICITE")
	f.Add("c++", "c++20")
	f.Fuzz(func(t *testing.T, interest, text string) {
		m, unusable := NewMatcher([]string{interest})
		if len(unusable) > 0 {
			return
		}
		got := len(m.Match(text)) == 1
		words := strings.Join(tokens(fold(text), nil), " ")
		phrase := strings.Join(tokens(fold(interest), nil), " ")
		want := words == phrase || strings.HasPrefix(words, phrase+" ") ||
			strings.HasSuffix(words, " "+phrase) || strings.Contains(words, " "+phrase+" ")
		if want && !got {
			t.Errorf("Match(%q) for %q = %v, want %v (words %q, phrase %q)", text, interest, got, want, words, phrase)
		}
	})
}

func benchInterests(n int) []string {
	base := []string{"golang", "nats", "home automation", "électricité", "rust", "kubernetes", "c++",
		"open source", "privacy", "linux", "postgres", "sqlite", "webassembly", "zig", "ocaml",
		"distributed systems", "caldav", "imap", "self-hosting", "raspberry pi"}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		if i < len(base) {
			out = append(out, base[i])
		} else {
			out = append(out, fmt.Sprintf("topic%d", i))
		}
	}
	return out
}

var benchText = strings.Repeat("The quick brown fox writes Go code for a self-hosted home automation setup, "+
	"then talks about électricité prices and distributed systems. ", 6)

func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{20, 200} {
		b.Run(fmt.Sprintf("interests=%d", n), func(b *testing.B) {
			m, _ := NewMatcher(benchInterests(n))
			b.SetBytes(int64(len(benchText)))
			b.ReportAllocs()
			for b.Loop() {
				if len(m.Match(benchText)) == 0 {
					b.Fatal("no match")
				}
			}
		})
	}
}

func BenchmarkNewMatcher(b *testing.B) {
	interests := benchInterests(20)
	b.ReportAllocs()
	for b.Loop() {
		NewMatcher(interests)
	}
}
