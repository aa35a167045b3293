// Package control is how agentd's own commands talk to a running daemon:
// HTTP over a Unix socket in the data dir, readable and writable only by
// the user (0600), never a network port. `agentd ledger` (and the
// suggestion commands) ask the daemon through it; when no daemon answers
// they open the data dir themselves.
package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// SocketName is the socket's file name in the data dir.
const SocketName = "agentd.sock"

// SocketPath is the control socket of a data dir.
func SocketPath(dataDir string) string { return filepath.Join(dataDir, SocketName) }

// ErrNotRunning means no daemon answers on the socket.
var ErrNotRunning = errors.New("no agentd daemon is running on this data dir")

// Server serves the control API.
type Server struct {
	path   string
	ln     net.Listener
	mux    *http.ServeMux
	srv    *http.Server
	logger *slog.Logger
	wg     sync.WaitGroup
}

// Listen opens the socket at path (a stale one left by a killed daemon is
// replaced; a live one is an error). Register handlers with Handle, then
// Serve.
func Listen(path string, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("control: %s: another agentd daemon is already running on this data dir", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("control: remove stale socket: %w", err)
	}
	// The socket is created with the umask's mode; make it private before
	// anyone can connect.
	old := syscall.Umask(0o077)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("control: listen %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control: %w", err)
	}
	s := &Server{path: path, ln: ln, mux: http.NewServeMux(), logger: logger}
	s.mux.HandleFunc("GET /v1/ping", func(w http.ResponseWriter, _ *http.Request) { WriteJSON(w, map[string]string{"status": "ok"}) })
	s.srv = &http.Server{Handler: s.mux, ReadHeaderTimeout: 5 * time.Second}
	return s, nil
}

// Handle registers a handler (net/http patterns: "GET /v1/ledger").
func (s *Server) Handle(pattern string, h http.HandlerFunc) { s.mux.HandleFunc(pattern, h) }

// Serve serves until Close.
func (s *Server) Serve() {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Warn("control socket stopped", "err", err)
		}
	}()
}

// Close stops serving, waits for the requests in hand (bounded by ctx) and
// removes the socket.
func (s *Server) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	s.wg.Wait()
	os.Remove(s.path)
	return err
}

// WriteJSON answers v as JSON.
func WriteJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// Error answers an error with its status.
func Error(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

// Client talks to a running daemon.
type Client struct {
	http *http.Client
}

// Dial connects to the daemon of a socket path, or returns ErrNotRunning.
func Dial(ctx context.Context, path string) (*Client, error) {
	c := &Client{http: &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}},
	}}
	var pong map[string]string
	if err := c.Get(ctx, "/v1/ping", &pong); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNotRunning, err)
	}
	return c, nil
}

// Get fetches path into v.
func (c *Client) Get(ctx context.Context, path string, v any) error {
	return c.do(ctx, http.MethodGet, path, nil, v)
}

// Post sends in as JSON to path and decodes the answer into out (may be nil).
func (c *Client) Post(ctx context.Context, path string, in, out any) error {
	return c.do(ctx, http.MethodPost, path, in, out)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://agentd"+path, body)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("control: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&e)
		if e.Error == "" {
			e.Error = resp.Status
		}
		return fmt.Errorf("agentd daemon: %s", e.Error)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("control: %s %s: decode: %w", method, path, err)
	}
	return nil
}
