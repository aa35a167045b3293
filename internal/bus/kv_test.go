package bus

import "testing"

func TestKeyEncoding(t *testing.T) {
	cases := map[string]struct {
		key      string
		readable bool // kept as-is in the bucket
	}{
		"plain":            {"feed.go-blog.meta", true},
		"url":              {"https://go.dev/blog/feed.atom?x=1", false},
		"space":            {"a b", false},
		"empty token":      {"a..b", false},
		"leading dot":      {".a", false},
		"trailing dot":     {"a.", false},
		"unicode":          {"calendar.événement", false},
		"looks encoded":    {"b64.abc", false},
		"wildcard chars":   {"a.*.>", false},
		"equals and under": {"k_1=2-3", true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			enc := encodeKey(tc.key)
			if (enc == tc.key) != tc.readable {
				t.Fatalf("encodeKey(%q) = %q, readable=%v", tc.key, enc, tc.readable)
			}
			if !validKey(enc) {
				t.Fatalf("encoded key %q is not a valid KV key", enc)
			}
			dec, ok := decodeKey(enc)
			if !ok || dec != tc.key {
				t.Fatalf("decodeKey(%q) = %q, %v; want %q", enc, dec, ok, tc.key)
			}
		})
	}
}
