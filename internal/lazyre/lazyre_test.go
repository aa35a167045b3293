package lazyre

import (
	"sync"
	"testing"
)

func TestNewPanicsOnBadSyntaxAtOnce(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New accepted an invalid pattern")
		}
	}()
	New(`(unclosed`)
}

// The program is built once, on first use, from any number of goroutines,
// and behaves as the regexp it stands for.
func TestCompiledOnceOnFirstUse(t *testing.T) {
	r := New(`(?i)(\p{L}+)@(\d+)`)
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Go(func() {
			if m := r.FindStringSubmatch("x Élan@42 y"); len(m) == 3 {
				got[i] = m[1] + "/" + m[2]
			}
		})
	}
	wg.Wait()
	for i, g := range got {
		if g != "Élan/42" {
			t.Errorf("goroutine %d: %q", i, g)
		}
	}
	if r.Compiled() != r.Compiled() {
		t.Error("compiled twice")
	}
	if r.String() != `(?i)(\p{L}+)@(\d+)` || !r.MatchString("a@1") || r.ReplaceAllString("a@1", "$2") != "1" {
		t.Errorf("String %q, MatchString, ReplaceAllString disagree with regexp", r.String())
	}
}
