package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/agentd/agentd/internal/config"
)

// secretOnce resolves a secret for a component that retries on its own
// schedule (the drafts store saves on every retry of a job). A failing
// password command is logged once per outage, with its exit status and the
// redacted first line of its standard error; later failures of the same
// outage return a short error without that line, so the retry logs do not
// repeat it. A success ends the outage.
type secretOnce struct {
	secret config.Secret
	log    *slog.Logger

	mu      sync.Mutex
	failing bool
}

func newSecretOnce(s config.Secret, log *slog.Logger) *secretOnce {
	return &secretOnce{secret: s, log: log}
}

func (s *secretOnce) Resolve(ctx context.Context) (string, error) {
	v, err := s.secret.Resolve(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		if s.failing {
			s.log.Info("password command works again")
		}
		s.failing = false
		return v, nil
	}
	var ce *config.CommandError
	if !errors.As(err, &ce) {
		return "", err
	}
	if !s.failing {
		s.failing = true
		s.log.Warn("password command failed", "err", err)
		return "", err
	}
	return "", errors.New(ce.Short())
}
