package testcorpus

import (
	"strings"
	"testing"
)

func TestSeedsSample(t *testing.T) {
	if _, ok := Lookup("mail"); !ok {
		t.Skip("test corpus missing: nothing to sample")
	}
	all := Seeds("mail", 1<<20, 1<<30, nil)
	some := Seeds("mail", 4<<10, 10, func(p string) bool { return strings.HasSuffix(p, ".eml") })
	if len(all) < 100 || len(some) != 10 {
		t.Fatalf("%d files in all, %d sampled, want 100+ and 10", len(all), len(some))
	}
	for _, b := range some {
		if len(b) > 4<<10 {
			t.Fatalf("a seed of %d bytes, want at most 4 KiB", len(b))
		}
	}
	if Seeds("no-such-kind", 1<<20, 10, nil) != nil {
		t.Fatal("seeds from a missing directory")
	}
}
