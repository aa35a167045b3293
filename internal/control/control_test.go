package control_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentd/agentd/internal/control"
)

func TestRoundTripAndPrivacy(t *testing.T) {
	dir := t.TempDir()
	path := control.SocketPath(dir)
	s, err := control.Listen(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Handle("GET /v1/echo", func(w http.ResponseWriter, r *http.Request) {
		control.WriteJSON(w, map[string]string{"q": r.URL.Query().Get("q")})
	})
	s.Handle("POST /v1/fail", func(w http.ResponseWriter, r *http.Request) {
		control.Error(w, http.StatusNotFound, errors.New("no suggestion x"))
	})
	s.Serve()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := control.Listen(path, nil); err == nil {
		t.Error("a second daemon could listen on the same socket")
	}
	c, err := control.Dial(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := c.Get(t.Context(), "/v1/echo?q=hi", &got); err != nil || got["q"] != "hi" {
		t.Errorf("echo: %v, %v", got, err)
	}
	if err := c.Post(t.Context(), "/v1/fail", map[string]string{}, nil); err == nil || err.Error() != "agentd daemon: no suggestion x" {
		t.Errorf("error answer: %v", err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind: %v", err)
	}
	if _, err := control.Dial(t.Context(), path); !errors.Is(err, control.ErrNotRunning) {
		t.Errorf("dial after close: %v, want ErrNotRunning", err)
	}
}

func TestStaleSocketReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agentd.sock")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := control.Listen(path, nil)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	s.Serve()
	defer s.Close(t.Context())
	if _, err := control.Dial(t.Context(), path); err != nil {
		t.Fatal(err)
	}
}
