package memprofile

import (
	"runtime"
	"testing"
)

// Importing the package turns sampling off; Enable turns it on again.
func TestOffUntilEnabled(t *testing.T) {
	if runtime.MemProfileRate != 0 {
		t.Fatalf("MemProfileRate = %d after init, want 0", runtime.MemProfileRate)
	}
	t.Cleanup(func() { runtime.MemProfileRate = 0 })
	Enable()
	if runtime.MemProfileRate != DefaultRate {
		t.Errorf("MemProfileRate = %d after Enable, want %d", runtime.MemProfileRate, DefaultRate)
	}
}
