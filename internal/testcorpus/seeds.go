package testcorpus

import (
	"io/fs"
	"os"
	"path/filepath"
)

// Seeds returns up to n files of the corpus directory sub (walked
// recursively, in lexical order) of at most maxBytes each, for which keep
// (nil: every file) is true: fuzz seeds. When more match, an even sample
// across the directory is taken, the same on every run. It returns nil
// when the corpus is absent: fuzz targets must also run without it.
//
// Few and small seeds keep `go test -fuzz` quick to start: the fuzzer runs
// every seed once before it mutates any.
func Seeds(sub string, maxBytes int64, n int, keep func(path string) bool) [][]byte {
	root, ok := Lookup(sub)
	if !ok || n <= 0 {
		return nil
	}
	var paths []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || (keep != nil && !keep(p)) {
			return nil
		}
		if info, err := d.Info(); err == nil && info.Size() <= maxBytes {
			paths = append(paths, p)
		}
		return nil
	})
	var out [][]byte
	for i := range min(n, len(paths)) {
		// The i-th of n evenly spaced picks.
		if b, err := os.ReadFile(paths[i*len(paths)/min(n, len(paths))]); err == nil {
			out = append(out, b)
		}
	}
	return out
}
