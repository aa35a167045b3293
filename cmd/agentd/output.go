package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/config"
)

// planLine is the stable JSON shape of `agentd plan --format json`.
type planLine struct {
	ID       string        `json:"id"`
	Kind     string        `json:"kind"`
	Title    string        `json:"title"`
	Body     string        `json:"body"`
	Priority string        `json:"priority"`
	Due      string        `json:"due,omitempty"`
	About    []event.About `json:"about"`
	Why      string        `json:"why"`
}

func printPlan(w io.Writer, ss []event.Suggestion, format string, loc *time.Location) error {
	if loc == nil {
		loc = time.Local
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		for _, s := range ss {
			l := planLine{ID: s.ID, Kind: s.Kind, Title: s.Title, Body: s.Body, Priority: s.Priority, About: s.About, Why: s.Why}
			if l.About == nil {
				l.About = []event.About{}
			}
			if !s.Due.IsZero() {
				l.Due = s.Due.In(loc).Format(time.RFC3339)
			}
			if err := enc.Encode(l); err != nil {
				return err
			}
		}
		return nil
	}
	if len(ss) == 0 {
		_, err := fmt.Fprintln(w, "nothing to suggest")
		return err
	}
	for _, s := range ss {
		head := fmt.Sprintf("[%s]", s.Kind)
		if !s.Due.IsZero() {
			head += " " + s.Due.In(loc).Format("Mon 2 Jan 15:04")
		}
		if s.Priority != event.PriorityNormal && s.Priority != "" {
			head += " (" + s.Priority + ")"
		}
		fmt.Fprintf(w, "%s %s\n", head, s.Title)
		if b := strings.TrimSpace(s.Body); b != "" {
			for _, line := range strings.Split(b, "\n") {
				fmt.Fprintf(w, "    %s\n", line)
			}
		}
		fmt.Fprintf(w, "    why: %s\n", s.Why)
	}
	return nil
}

// writeService writes the systemd user unit, never over an existing one.
func writeService(exe, configPath string) (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find home directory: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	path := filepath.Join(dir, "systemd", "user", "agentd.service")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if os.IsExist(err) {
			return path, fmt.Errorf("%s %w; remove it first to write a new one", path, errExists)
		}
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	defer f.Close()
	abs, err := filepath.Abs(configPath)
	if err != nil {
		abs = configPath
	}
	if _, err := f.Write(config.ServiceUnit(exe, abs)); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}
