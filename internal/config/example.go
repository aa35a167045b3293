package config

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed example.yaml
var example string

// Example returns the commented example config that `agentd init` writes.
func Example() []byte {
	return []byte(example)
}

// WriteExample writes Example to path, creating its directories. It never
// replaces an existing file.
func WriteExample(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write example config: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("write example config: %s already exists; not overwriting it (edit it, or remove it first): %w", path, err)
		}
		return fmt.Errorf("write example config: %w", err)
	}
	if _, err := f.WriteString(example); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write example config %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("write example config %s: %w", path, err)
	}
	return nil
}
