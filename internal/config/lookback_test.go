package config

import (
	"path/filepath"
	"testing"
	"time"
)

func TestLookbackSettle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	cfg, err := Parse(path, []byte("user: {timezone: UTC}\nnotify: {terminal: {}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Planner.LookbackSettle != Duration(30*time.Second) {
		t.Errorf("default lookback_settle = %v, want 30s", cfg.Planner.LookbackSettle)
	}
	cfg, err = Parse(path, []byte("user: {timezone: UTC}\nnotify: {terminal: {}}\nplanner: {lookback_settle: 2s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Planner.LookbackSettle != Duration(2*time.Second) {
		t.Errorf("lookback_settle = %v, want 2s", cfg.Planner.LookbackSettle)
	}
	if _, err := Parse(path, []byte("user: {timezone: UTC}\nnotify: {terminal: {}}\nplanner: {lookback_settle: 100ms}\n")); err == nil {
		t.Error("a sub-second lookback_settle was accepted")
	}
}
