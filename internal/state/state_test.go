package state

import (
	"context"
	"errors"
	"testing"
)

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

func TestMemory(t *testing.T) {
	ctx := context.Background()
	s := NewMemory()
	if _, err := s.Get(ctx, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing key: %v", err)
	}
	v := []byte("one")
	s.Put(ctx, "a.1", v)
	v[0] = 'X' // the store keeps its own copy
	s.Put(ctx, "a.2", []byte("two"))
	s.Put(ctx, "b.1", []byte("three"))
	got, err := s.Get(ctx, "a.1")
	if err != nil || string(got) != "one" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	keys, _ := s.Keys(ctx, "a.")
	if len(keys) != 2 || keys[0] != "a.1" || keys[1] != "a.2" {
		t.Fatalf("Keys(a.) = %q", keys)
	}
	s.Delete(ctx, "a.1")
	if _, err := s.Get(ctx, "a.1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted key still there: %v", err)
	}
}
