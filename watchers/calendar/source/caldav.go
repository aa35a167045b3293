package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-webdav/caldav"

	"github.com/agentd/agentd/internal/redact"
	"github.com/agentd/agentd/internal/state"
)

// CalDAVConfig describes one CalDAV account.
type CalDAVConfig struct {
	// Name is the source's name ("work"); it prefixes errors and state keys.
	Name string
	// URL is where discovery starts: the server root or any URL on it that
	// answers current-user-principal. Credentials inside it are moved to
	// basic auth and never logged.
	URL string
	// Username and Password are already resolved (not the *_env names).
	Username, Password string
	// Calendars narrows the account to these calendars, matched against
	// the display name or the last path segment, ignoring case. Empty
	// means every calendar.
	Calendars []string
	// Past and Horizon set the time range queried: events overlapping
	// [now-Past, now+Horizon). Horizon 0 queries every event.
	Past, Horizon time.Duration
	// Rescan is how long an unchanged sync-token (or getctag) is trusted
	// before the time range is queried again, to see events that entered
	// or left the range while the calendar did not change. Default 1h.
	Rescan time.Duration
	// HTTPClient is used for every request; nil means a client with a
	// 60-second timeout.
	HTTPClient *http.Client
}

// multigetBatch bounds the hrefs asked for in one calendar-multiget.
const multigetBatch = 200

// CalDAV fetches the events of a CalDAV account. Per poll it makes one
// PROPFIND on the calendar home (the calendars and their sync-tokens); a
// calendar whose token has not moved costs nothing more. Otherwise (or on
// servers without tokens, such as go-webdav's) it lists hrefs and ETags in
// the time range with a calendar-query, and downloads only new or changed
// objects with a calendar-multiget. Unchanged objects are never refetched.
type CalDAV struct {
	cfg      CalDAVConfig
	base     *url.URL
	client   *authClient
	logger   *slog.Logger
	now      func() time.Time
	maxBytes int64
	st       *stateStore

	mu   sync.Mutex
	home string // discovered calendar home path; "" until discovery
}

// NewCalDAV checks cfg and returns a fetcher; it makes no request.
func NewCalDAV(cfg CalDAVConfig, store state.Store, logger *slog.Logger, opts ...Option) (*CalDAV, error) {
	if cfg.Name == "" {
		return nil, errors.New("caldav: name is empty")
	}
	clean, user, pass, err := splitUserinfo(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("caldav %s: %w", cfg.Name, err)
	}
	base, _ := url.Parse(clean)
	if base.Scheme != "http" && base.Scheme != "https" || base.Host == "" {
		return nil, fmt.Errorf("caldav %s: url %q: want http:// or https:// and a host", cfg.Name, redact.Link(clean))
	}
	if base.Path == "" {
		base.Path = "/"
	}
	if cfg.Username == "" && cfg.Password == "" {
		cfg.Username, cfg.Password = user, pass
	}
	cfg.URL = base.String()
	if cfg.Rescan <= 0 {
		cfg.Rescan = time.Hour
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	o := buildOptions(opts)
	return &CalDAV{
		cfg:      cfg,
		base:     base,
		client:   &authClient{c: hc, username: cfg.Username, password: cfg.Password},
		logger:   logger.With("source", "caldav:"+cfg.Name),
		now:      o.now,
		maxBytes: o.maxBytes,
		st:       newStateStore(store, "calendar/"+cfg.Name+"/caldav/"),
	}, nil
}

// davCalendar is a calendar collection found on the home.
type davCalendar struct {
	Path  string
	Name  string
	Token string
}

// Fetch implements Fetcher.
func (c *CalDAV) Fetch(ctx context.Context) (Change, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	home, err := c.discover(ctx)
	if err != nil {
		return Change{}, err
	}
	cals, err := c.listCalendars(ctx, home)
	if err != nil {
		// The home may have moved; discover again next time.
		c.home = ""
		return Change{}, err
	}
	cals, err = c.selectCalendars(cals)
	if err != nil {
		return Change{}, err
	}
	snap, err := c.st.snapshot(ctx)
	if err != nil {
		return Change{}, fmt.Errorf("caldav %s: %w", c.cfg.Name, err)
	}

	now := c.now()
	var start, end time.Time
	if c.cfg.Horizon > 0 {
		start, end = now.Add(-c.cfg.Past), now.Add(c.cfg.Horizon)
	}
	ch := Change{next: &pending{owner: c.st, cols: map[string]*collection{}}}
	seen := map[string]bool{}
	for _, cal := range cals {
		seen[cal.Path] = true
		old := snap[cal.Path]
		if old != nil && cal.Token != "" && old.Token == cal.Token && now.Sub(old.Full) < c.cfg.Rescan && !old.Full.After(now) {
			continue
		}
		if err := c.syncCalendar(ctx, cal, old, start, end, now, &ch); err != nil {
			return Change{}, err
		}
	}
	for id, old := range snap {
		if seen[id] {
			continue
		}
		// The calendar was deleted or is no longer selected.
		for _, href := range slices.Sorted(maps.Keys(old.Items)) {
			ch.Removed = append(ch.Removed, href)
		}
		ch.next.cols[id] = nil
	}
	c.logger.DebugContext(ctx, "caldav poll",
		"calendars", len(cals), "changed", len(ch.Changed), "removed", len(ch.Removed), "out_of_window", len(ch.OutOfWindow))
	return ch, nil
}

// syncCalendar diffs one calendar's ETags in the time range against old and
// downloads what changed, adding to ch.
func (c *CalDAV) syncCalendar(ctx context.Context, cal davCalendar, old *collection, start, end, now time.Time, ch *Change) error {
	if old == nil {
		old = &collection{Items: map[string]string{}}
	}
	listed, err := c.report(ctx, cal.Path, "1", etagQueryBody(start, end))
	if err != nil {
		return fmt.Errorf("caldav %s: query calendar %s: %w", c.cfg.Name, cal.Path, err)
	}
	next := &collection{Token: cal.Token, Full: now, Items: map[string]string{}}
	current := map[string]string{}
	var changed []string
	for _, r := range listed {
		if r.Code/100 != 2 || r.Path == cal.Path || strings.HasSuffix(r.Path, "/") {
			continue
		}
		current[r.Path] = r.ETag
		if !r.HasETag || r.ETag == "" || old.Items[r.Path] != r.ETag {
			changed = append(changed, r.Path)
		} else {
			next.Items[r.Path] = r.ETag
		}
	}
	slices.Sort(changed)

	for batch := range slices.Chunk(changed, multigetBatch) {
		got, err := c.report(ctx, cal.Path, "", multigetBody(batch, true))
		if err != nil {
			return fmt.Errorf("caldav %s: fetch %d events of %s: %w", c.cfg.Name, len(batch), cal.Path, err)
		}
		byPath := map[string]resource{}
		for _, r := range got {
			byPath[r.Path] = r
		}
		for _, href := range batch {
			r, ok := byPath[href]
			switch {
			case ok && r.Code == http.StatusNotFound:
				// Deleted between the query and the multiget.
				delete(current, href)
				if _, had := old.Items[href]; had {
					ch.Removed = append(ch.Removed, href)
				}
			case !ok || !r.HasData || r.Code/100 != 2:
				// Left out of the state, and the token forgotten, so the
				// next poll asks again.
				next.Token = ""
				c.logger.WarnContext(ctx, "caldav server returned no data for an event", "calendar", cal.Path, "href", href)
			default:
				etag := r.ETag
				if !r.HasETag || etag == "" {
					etag = current[href]
				}
				if etag == "" {
					// No ETag anywhere: fall back to the content.
					etag = "sha256:" + contentHash(r.Data)
				}
				next.Items[href] = etag
				ch.Changed = append(ch.Changed, Object{Calendar: cal.Name, Href: href, ETag: etag, Data: r.Data})
			}
		}
	}

	var vanished []string
	for href := range old.Items {
		if _, ok := current[href]; !ok {
			vanished = append(vanished, href)
		}
	}
	slices.Sort(vanished)
	if len(vanished) > 0 {
		if start.IsZero() && end.IsZero() {
			ch.Removed = append(ch.Removed, vanished...)
		} else if err := c.sortVanished(ctx, cal, vanished, ch); err != nil {
			return err
		}
	}

	if cal.Token != "" || !maps.Equal(old.Items, next.Items) || old.Token != next.Token {
		ch.next.cols[cal.Path] = next
	}
	return nil
}

// sortVanished tells objects deleted on the server from objects that only
// left the time range, with a multiget of their ETags (no data).
func (c *CalDAV) sortVanished(ctx context.Context, cal davCalendar, vanished []string, ch *Change) error {
	for batch := range slices.Chunk(vanished, multigetBatch) {
		got, err := c.report(ctx, cal.Path, "", multigetBody(batch, false))
		if err != nil {
			return fmt.Errorf("caldav %s: check %d vanished events of %s: %w", c.cfg.Name, len(batch), cal.Path, err)
		}
		exists := map[string]bool{}
		for _, r := range got {
			if r.Code/100 == 2 {
				exists[r.Path] = true
			}
		}
		for _, href := range batch {
			if exists[href] {
				ch.OutOfWindow = append(ch.OutOfWindow, href)
			} else {
				ch.Removed = append(ch.Removed, href)
			}
		}
	}
	return nil
}

// Commit implements Fetcher.
func (c *CalDAV) Commit(ctx context.Context, ch Change) error {
	if err := c.st.commit(ctx, ch.next); err != nil {
		return fmt.Errorf("caldav %s: %w", c.cfg.Name, err)
	}
	return nil
}

// Reset implements Fetcher.
func (c *CalDAV) Reset(ctx context.Context) error {
	if err := c.st.reset(ctx); err != nil {
		return fmt.Errorf("caldav %s: %w", c.cfg.Name, err)
	}
	return nil
}

// discover finds the calendar home (current-user-principal, then
// calendar-home-set) once and remembers it.
func (c *CalDAV) discover(ctx context.Context) (string, error) {
	if c.home != "" {
		return c.home, nil
	}
	cl, err := caldav.NewClient(c.client, c.cfg.URL)
	if err != nil {
		return "", fmt.Errorf("caldav %s: %w", c.cfg.Name, err)
	}
	principal, err := cl.FindCurrentUserPrincipal(ctx)
	if err != nil {
		return "", fmt.Errorf("caldav %s: find current user principal at %s: %w", c.cfg.Name, redact.Link(c.cfg.URL), err)
	}
	home, err := cl.FindCalendarHomeSet(ctx, principal)
	if err != nil {
		return "", fmt.Errorf("caldav %s: find calendar home of %s: %w", c.cfg.Name, principal, err)
	}
	if home == "" {
		return "", fmt.Errorf("caldav %s: principal %s has no calendar home", c.cfg.Name, principal)
	}
	c.logger.DebugContext(ctx, "caldav discovered", "principal", principal, "home", home)
	c.home = home
	return home, nil
}

// listCalendars lists the calendars on the home with their change tokens,
// in one PROPFIND. (go-webdav's FindCalendars asks for no token.)
func (c *CalDAV) listCalendars(ctx context.Context, home string) ([]davCalendar, error) {
	rs, err := c.do(ctx, "PROPFIND", home, "1", []byte(listCalendarsBody))
	if err != nil {
		return nil, fmt.Errorf("caldav %s: list calendars in %s: %w", c.cfg.Name, home, err)
	}
	var out []davCalendar
	for _, r := range rs {
		if !r.IsCalendar || r.Code/100 != 2 {
			continue
		}
		name := r.Name
		if name == "" {
			name = path.Base(strings.TrimSuffix(r.Path, "/"))
		}
		out = append(out, davCalendar{Path: r.Path, Name: name, Token: r.Token})
	}
	slices.SortFunc(out, func(a, b davCalendar) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// selectCalendars keeps the configured calendars; a configured name that
// matches nothing is an error, so a typo does not silently watch nothing.
func (c *CalDAV) selectCalendars(all []davCalendar) ([]davCalendar, error) {
	if len(c.cfg.Calendars) == 0 {
		return all, nil
	}
	var out []davCalendar
	var missing []string
	for _, want := range c.cfg.Calendars {
		found := false
		for _, cal := range all {
			if strings.EqualFold(cal.Name, want) || strings.EqualFold(path.Base(strings.TrimSuffix(cal.Path, "/")), want) {
				found = true
				if !slices.ContainsFunc(out, func(o davCalendar) bool { return o.Path == cal.Path }) {
					out = append(out, cal)
				}
			}
		}
		if !found {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		have := make([]string, 0, len(all))
		for _, cal := range all {
			have = append(have, fmt.Sprintf("%q", cal.Name))
		}
		return nil, fmt.Errorf("caldav %s: %w: %s (the account has %s)", c.cfg.Name, errCalendarNotFound,
			strings.Join(quoteAll(missing), ", "), strings.Join(have, ", "))
	}
	slices.SortFunc(out, func(a, b davCalendar) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// report sends a REPORT to a calendar; depth "" sends no Depth header.
func (c *CalDAV) report(ctx context.Context, p, depth string, body []byte) ([]resource, error) {
	return c.do(ctx, "REPORT", p, depth, body)
}

// do sends a WebDAV request with an XML body and parses the multistatus.
func (c *CalDAV) do(ctx context.Context, method, p, depth string, body []byte) ([]resource, error) {
	u := c.base.ResolveReference(&url.URL{Path: p})
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", `application/xml; charset="utf-8"`)
	if depth != "" {
		req.Header.Set("Depth", depth)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMultiStatus {
		drain(resp.Body)
		return nil, &StatusError{Code: resp.StatusCode, Status: resp.Status}
	}
	data, err := readCapped(resp.Body, c.maxBytes)
	if err != nil {
		return nil, err
	}
	rs, err := parseMultistatus(data)
	if err != nil {
		return nil, fmt.Errorf("parse multistatus: %w", err)
	}
	return rs, nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

var _ Fetcher = (*CalDAV)(nil)
