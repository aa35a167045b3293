package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/control"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/planner/llm"
)

// controlCloseTimeout bounds how long Stop waits for the control requests
// in hand.
const controlCloseTimeout = 5 * time.Second

// openControl opens the control socket in the data dir of b and serves
// the ledger and the suggestion book on it. It returns nil (and logs why)
// when the socket cannot be opened: the daemon runs without it, and the
// commands that would ask it open the data dir themselves.
func (a *App) openControl(ctx context.Context, cfg *config.Config, b *bus.Bus) *control.Server {
	log := a.logger.With("component", "control")
	bc := busConfig(cfg)
	llmStore, err := b.Store(ctx, BucketLLM)
	if err != nil {
		log.Warn("control socket not opened", "err", err)
		return nil
	}
	suggestionStore, err := b.Store(ctx, bus.BucketSuggestions)
	if err != nil {
		log.Warn("control socket not opened", "err", err)
		return nil
	}
	srv, err := control.Listen(control.SocketPath(bc.DataDir), log)
	if err != nil {
		log.Warn("control socket not opened; agentd ledger and agentd suggestions will not reach this daemon", "err", err)
		return nil
	}
	book := suggestions.New(suggestionStore, busOutbox{b}, a.now)
	registerControl(srv, llm.NewStoreLedger(llm.StoreLedgerConfig{Store: llmStore}), book, cfg.User.Location, a.now)
	srv.Handle("GET /v1/llm/budget", budgetHandler(newBudget(cfg, llmStore), a.now))
	srv.Handle("GET "+PoisonPath, poisonHandler(b))
	srv.Handle("GET "+HealthPath, a.healthHandler())
	a.registerDigestControl(srv, cfg, b)
	srv.Serve()
	log.Debug("control socket open", "path", control.SocketPath(bc.DataDir))
	return srv
}

// closeControl stops the control socket, waiting a bounded while for the
// requests in hand.
func (a *App) closeControl(ctx context.Context) {
	if a.control == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), controlCloseTimeout)
	defer cancel()
	if err := a.control.Close(ctx); err != nil {
		a.logger.Warn("closing the control socket", "err", err)
	}
	a.control = nil
}

// registerControl registers the control API: the egress ledger and the
// suggestion book. loc is the zone an until such as "tomorrow" is read in.
func registerControl(srv *control.Server, ledger llm.Ledger, book *suggestions.Book, loc *time.Location, now func() time.Time) {
	srv.Handle("GET /v1/ledger", ledgerHandler(ledger))
	srv.Handle("GET /v1/suggestions", suggestionListHandler(book))
	srv.Handle("POST /v1/suggestions/{id}/{action}", suggestionAnswerHandler(book, loc, now))
}

// SuggestionAnswer is the body of POST /v1/suggestions/{id}/{action}.
type SuggestionAnswer struct {
	// Until is when a snoozed suggestion shows again: an RFC 3339 time, a
	// duration from now ("1h") or "tomorrow" (see suggestions.ParseUntil).
	Until string `json:"until,omitempty"`
}

// suggestionListHandler answers GET /v1/suggestions[?all=1]: the open
// records (every record with all) in the book's order.
func suggestionListHandler(book *suggestions.Book) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		all, err := queryBool(r.URL.Query(), "all")
		if err != nil {
			control.Error(w, http.StatusBadRequest, err)
			return
		}
		recs, err := book.List(r.Context(), suggestions.Filter{All: all})
		if err != nil {
			control.Error(w, http.StatusInternalServerError, err)
			return
		}
		if recs == nil {
			recs = []suggestions.Record{}
		}
		control.WriteJSON(w, recs)
	}
}

// suggestionAnswerHandler answers POST /v1/suggestions/{id}/{action}: id
// may be a unique prefix. It answers with the record as it now is.
func suggestionAnswerHandler(book *suggestions.Book, loc *time.Location, now func() time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in SuggestionAnswer
		if r.ContentLength != 0 {
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
				control.Error(w, http.StatusBadRequest, fmt.Errorf("answer: decode body: %w", err))
				return
			}
		}
		rec, err := answerSuggestion(r.Context(), book, r.PathValue("id"), r.PathValue("action"), in.Until, now().In(loc))
		if err != nil {
			control.Error(w, answerStatus(err), err)
			return
		}
		control.WriteJSON(w, rec)
	}
}

// answerStatus is the HTTP status of an answer's error.
func answerStatus(err error) int {
	var bad badRequestError
	switch {
	case errors.Is(err, state.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrAmbiguousID), errors.Is(err, suggestions.ErrWithdrawn):
		return http.StatusConflict
	case errors.As(err, &bad):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// notFoundError is an id no suggestion has. It is state.ErrNotFound, but
// its message is for the user: what to run, not the store's words.
type notFoundError struct{ id string }

func (e notFoundError) Error() string {
	return fmt.Sprintf("no suggestion with id %q (agentd suggestions list --all shows them all)", e.id)
}

func (e notFoundError) Unwrap() error { return state.ErrNotFound }

// badRequestError marks an answer the user got wrong (the action, the
// until), as opposed to a store failing.
type badRequestError struct{ error }

func (e badRequestError) Unwrap() error { return e.error }

func queryBool(q url.Values, key string) (bool, error) {
	switch v := strings.ToLower(q.Get(key)); v {
	case "", "0", "false", "no":
		return false, nil
	case "1", "true", "yes":
		return true, nil
	default:
		return false, fmt.Errorf("%s=%q: use 1 or 0", key, v)
	}
}

// ErrAmbiguousID is returned for an id prefix more than one suggestion
// starts with.
var ErrAmbiguousID = errors.New("ambiguous suggestion id")

// resolveSuggestion finds the record of id, which may be the start of an
// id (as with git): an exact id wins, otherwise exactly one record's id
// must start with it. An id no record starts with is state.ErrNotFound,
// one many do ErrAmbiguousID (the error names them).
func resolveSuggestion(ctx context.Context, book *suggestions.Book, id string) (suggestions.Record, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return suggestions.Record{}, badRequestError{errors.New("no suggestion id given")}
	}
	rec, err := book.Get(ctx, id)
	if err == nil {
		return rec, nil
	}
	if !errors.Is(err, state.ErrNotFound) {
		return suggestions.Record{}, err
	}
	prefix, _ := suggestions.Original(id)
	all, err := book.List(ctx, suggestions.Filter{All: true})
	if err != nil {
		return suggestions.Record{}, err
	}
	var found []suggestions.Record
	for _, r := range all {
		if strings.HasPrefix(r.Suggestion.ID, prefix) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return suggestions.Record{}, notFoundError{id}
	case 1:
		return found[0], nil
	}
	var names []string
	for _, r := range found {
		names = append(names, fmt.Sprintf("%s (%s)", r.Suggestion.ID, r.Suggestion.Title))
	}
	return suggestions.Record{}, fmt.Errorf("%w: %q starts %d suggestions' ids, give more of it: %s", ErrAmbiguousID, id, len(found), strings.Join(names, ", "))
}

// answerSuggestion records action (accept, dismiss, done, snooze) on the
// suggestion id (or a unique prefix of it) and returns its record as it
// now is. until is read by parseUntil at now (whose location is the
// user's zone); an empty until snoozes for snoozeFor.
func answerSuggestion(ctx context.Context, book *suggestions.Book, id, action, until string, now time.Time) (suggestions.Record, error) {
	switch action {
	case suggestions.ActionAccept, suggestions.ActionDismiss, suggestions.ActionDone, suggestions.ActionSnooze:
	default:
		return suggestions.Record{}, badRequestError{fmt.Errorf("unknown action %q: use accept, dismiss, done or snooze", action)}
	}
	var at time.Time
	if action == suggestions.ActionSnooze {
		t, err := parseUntil(until, now)
		if err != nil {
			return suggestions.Record{}, badRequestError{err}
		}
		if !t.After(now) {
			return suggestions.Record{}, badRequestError{fmt.Errorf("snooze until %s: that is not in the future", t.In(now.Location()).Format(time.RFC3339))}
		}
		at = t
	} else if until != "" {
		return suggestions.Record{}, badRequestError{fmt.Errorf("%s takes no until (only snooze does)", action)}
	}
	rec, err := resolveSuggestion(ctx, book, id)
	if err != nil {
		return suggestions.Record{}, err
	}
	if err := book.Answer(ctx, rec.Suggestion.ID, action, at); err != nil {
		return suggestions.Record{}, err
	}
	return book.Get(ctx, rec.Suggestion.ID)
}

// parseUntil reads a snooze's end: empty is snoozeFor from now, then an
// RFC 3339 time, or what suggestions.ParseUntil takes.
func parseUntil(s string, now time.Time) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return now.Add(snoozeFor), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return suggestions.ParseUntil(s, now)
}

// SuggestionsOptions are what ListSuggestions and AnswerSuggestion need
// besides the config.
type SuggestionsOptions struct {
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (o SuggestionsOptions) defaults() SuggestionsOptions {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// ListSuggestions returns the open suggestions (every one with all), as
// suggestions.Book.List orders them: from the running daemon through its
// control socket, or, when no daemon runs on this data dir, from the data
// dir itself.
func ListSuggestions(ctx context.Context, cfg *config.Config, all bool, opts SuggestionsOptions) ([]suggestions.Record, error) {
	opts = opts.defaults()
	bc := busConfig(cfg)
	if c, err := control.Dial(ctx, control.SocketPath(bc.DataDir)); err == nil {
		path := "/v1/suggestions"
		if all {
			path += "?all=1"
		}
		var out []suggestions.Record
		if err := c.Get(ctx, path, &out); err != nil {
			return nil, err
		}
		return out, nil
	}
	var out []suggestions.Record
	err := withOfflineBook(ctx, cfg, opts, func(book *suggestions.Book) error {
		var err error
		out, err = book.List(ctx, suggestions.Filter{All: all})
		return err
	})
	return out, err
}

// AnswerSuggestion records the user's answer (accept, dismiss, done,
// snooze) to suggestion id, which may be a unique prefix of an id, and
// returns its record as it now is. until is when a snooze ends (see
// SuggestionAnswer; empty means an hour); it is read in the user's zone at
// opts.Now and sent to the daemon as a time, so what the user is told
// is what was stored. Like ListSuggestions, it goes through the running
// daemon when there is one, else to the data dir.
func AnswerSuggestion(ctx context.Context, cfg *config.Config, id, action, until string, opts SuggestionsOptions) (suggestions.Record, error) {
	opts = opts.defaults()
	now := opts.Now().In(cfg.User.Location)
	if action == suggestions.ActionSnooze {
		t, err := parseUntil(until, now)
		if err != nil {
			return suggestions.Record{}, err
		}
		until = t.Format(time.RFC3339Nano)
	}
	bc := busConfig(cfg)
	if c, err := control.Dial(ctx, control.SocketPath(bc.DataDir)); err == nil {
		var rec suggestions.Record
		path := "/v1/suggestions/" + url.PathEscape(id) + "/" + url.PathEscape(action)
		if err := c.Post(ctx, path, SuggestionAnswer{Until: until}, &rec); err != nil {
			return suggestions.Record{}, err
		}
		return rec, nil
	}
	var rec suggestions.Record
	err := withOfflineBook(ctx, cfg, opts, func(book *suggestions.Book) error {
		var err error
		rec, err = answerSuggestion(ctx, book, id, action, until, now)
		return err
	})
	return rec, err
}

// withOfflineBook opens the data dir's bus (no daemon runs on it) and
// runs f on the suggestion book there. A snooze schedules on the data
// dir's streams, so the daemon shows it when it next runs.
func withOfflineBook(ctx context.Context, cfg *config.Config, opts SuggestionsOptions, f func(*suggestions.Book) error) error {
	bc := busConfig(cfg)
	b, err := bus.Open(ctx, bc, opts.Logger)
	if err != nil {
		return fmt.Errorf("open the data dir %s: %w", bc.DataDir, err)
	}
	defer b.Close()
	store, err := b.Store(ctx, bus.BucketSuggestions)
	if err != nil {
		return err
	}
	return f(suggestions.New(store, busOutbox{b}, opts.Now))
}
