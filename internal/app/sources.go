package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/watchers"
	"github.com/agentd/agentd/watchers/calendar"
	"github.com/agentd/agentd/watchers/calendar/source"
	"github.com/agentd/agentd/watchers/feed"
	"github.com/agentd/agentd/watchers/mail/imap"
	"github.com/agentd/agentd/watchers/mail/maildir"
)

// Stores are where watchers keep their state: KV buckets in the daemon,
// memory in `agentd plan` and `agentd check`.
type Stores struct {
	// Watchers holds cursors, validators and seen sets.
	Watchers state.Store
	// FeedSeen holds the feed items already announced (a bucket whose keys
	// expire); nil means Watchers.
	FeedSeen state.Store
}

// memoryStores keeps everything in memory, saving nothing.
func memoryStores() Stores { return Stores{Watchers: state.NewMemory()} }

// Watchers builds one watcher per configured source.
func Watchers(ctx context.Context, cfg *config.Config, stores Stores, logger *slog.Logger, client *http.Client, now func() time.Time) ([]watchers.Watcher, error) {
	store := stores.Watchers
	var ws []watchers.Watcher
	for _, f := range cfg.Sources.Feeds {
		opts := []feed.Option{feed.WithClock(now), feed.WithSeenStore(stores.FeedSeen)}
		if client != nil {
			opts = append(opts, feed.WithHTTPClient(client))
		}
		w, err := feed.New(feed.Config{
			Name:     f.Name,
			URL:      f.URL,
			Every:    time.Duration(f.Every),
			Timeout:  time.Duration(f.Timeout),
			MaxBytes: f.MaxBytes,
			MaxNew:   f.MaxNew,
		}, store, logger.With("watcher", "feed:"+f.Name), opts...)
		if err != nil {
			return nil, fmt.Errorf("%s: sources.feeds %q: %w", cfg.Path, f.Name, err)
		}
		ws = append(ws, w)
	}
	for _, m := range cfg.Sources.Mail {
		w, err := mailWatcher(m, store, logger, now)
		if err != nil {
			return nil, fmt.Errorf("%s: sources.mail %q: %w", cfg.Path, m.Name, err)
		}
		ws = append(ws, w)
	}
	for _, c := range cfg.Sources.Calendars {
		w, err := calendarWatcher(ctx, cfg, c, store, logger, client, now)
		if err != nil {
			return nil, fmt.Errorf("%s: sources.calendars %q: %w", cfg.Path, c.Name, err)
		}
		ws = append(ws, w)
	}
	return ws, nil
}

func mailWatcher(m config.Mail, store state.Store, logger *slog.Logger, now func() time.Time) (watchers.Watcher, error) {
	log := logger.With("watcher", "mail:"+m.Name)
	if m.Maildir != "" {
		return maildir.New(maildir.Config{Name: m.Name, Path: m.Maildir, Lookback: time.Duration(m.Lookback)}, store, log, maildir.WithClock(now))
	}
	if m.IMAP == nil {
		return nil, errors.New("neither imap nor maildir is set")
	}
	imapConfig := imap.Config{
		Name:      m.Name,
		Host:      m.IMAP.Host,
		Port:      m.IMAP.Port,
		TLS:       m.IMAP.TLS,
		Username:  m.IMAP.Username,
		Mailboxes: m.Mailboxes,
		Lookback:  time.Duration(m.Lookback),
	}
	// Check the rest of the settings now; the password is read at connect.
	if _, err := imap.New(imapConfig, store, log); err != nil {
		return nil, err
	}
	return &deferredWatcher{name: "mail:" + m.Name, probe: true, build: func(ctx context.Context) (watchers.Watcher, error) {
		password, err := m.IMAP.Password.Resolve(ctx)
		if err != nil {
			return nil, fmt.Errorf("mail %s: password: %w", m.Name, err)
		}
		c := imapConfig
		c.Password = password
		return imap.New(c, store, log, imap.WithClock(now))
	}}, nil
}

func calendarWatcher(ctx context.Context, cfg *config.Config, c config.Calendar, store state.Store, logger *slog.Logger, client *http.Client, now func() time.Time) (watchers.Watcher, error) {
	if c.CalDAV != nil {
		// The password is read at connect, retried like a server that is
		// down.
		return &deferredWatcher{name: "calendar:" + c.Name, build: func(ctx context.Context) (watchers.Watcher, error) {
			return buildCalendarWatcher(ctx, cfg, c, store, logger, client, now)
		}}, nil
	}
	return buildCalendarWatcher(ctx, cfg, c, store, logger, client, now)
}

func buildCalendarWatcher(ctx context.Context, cfg *config.Config, c config.Calendar, store state.Store, logger *slog.Logger, client *http.Client, now func() time.Time) (*calendar.Watcher, error) {
	log := logger.With("watcher", "calendar:"+c.Name)
	var (
		f   source.Fetcher
		err error
	)
	switch {
	case c.Demo:
		f = calendar.NewDemo(c.Name, cfg.User.Email, cfg.User.Location, now)
	case c.CalDAV != nil:
		password, perr := c.CalDAV.Password.Resolve(ctx)
		if perr != nil {
			return nil, fmt.Errorf("calendar %s: password: %w", c.Name, perr)
		}
		f, err = source.NewCalDAV(source.CalDAVConfig{
			Name: c.Name, URL: c.CalDAV.URL, Username: c.CalDAV.Username, Password: password,
			Calendars: c.Calendars, Past: calendar.DefaultPast + 24*time.Hour, Horizon: calendar.DefaultHorizon + 24*time.Hour,
			HTTPClient: client,
		}, store, log, source.WithClock(now))
	case c.URL != "":
		f, err = source.NewICSURL(source.ICSConfig{Name: c.Name, URL: c.URL, HTTPClient: client}, store, log, source.WithClock(now))
	default:
		f, err = source.NewLocal(source.LocalConfig{Name: c.Name, Path: c.Path}, store, log, source.WithClock(now))
	}
	if err != nil {
		return nil, err
	}
	return calendar.New(calendar.Config{
		Name: c.Name, Fetcher: f, Every: time.Duration(c.Every), Location: cfg.User.Location,
	}, store, log, calendar.WithClock(now))
}
