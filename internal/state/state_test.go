package state

import (
	"context"
	"errors"
	"testing"
)

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
