// Package ntfy pushes suggestions to an ntfy topic (https://ntfy.sh or a
// self-hosted server), with the suggestion's priority and tags, through
// ntfy's JSON publish API.
package ntfy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/notifiers"
)

// Config of the ntfy notifier.
type Config struct {
	// URL is the topic URL, e.g. https://ntfy.sh/alice-agentd.
	URL string
	// Token returns the access token sent as a bearer token; nil means
	// none (a public topic). It is called once and kept, and again after
	// the server refused it.
	Token func(ctx context.Context) (string, error)
	// Location is the user's time zone, for due times; nil means UTC.
	Location *time.Location
	// Client sends the requests; nil means a client with a 30 s timeout.
	Client *http.Client
}

// Ntfy is the ntfy notifier.
type Ntfy struct {
	base   *url.URL // where JSON is published: the topic URL's parent
	topic  string
	token  *notifiers.Token
	loc    *time.Location
	client *http.Client
	logger *slog.Logger
	now    func() time.Time
}

// Option configures an Ntfy.
type Option func(*Ntfy)

// WithClock sets the clock that reads Retry-After dates; nil keeps
// time.Now.
func WithClock(now func() time.Time) Option {
	return func(n *Ntfy) {
		if now != nil {
			n.now = now
		}
	}
}

// topicRe is what ntfy accepts as a topic name.
var topicRe = regexp.MustCompile(`^[-_A-Za-z0-9]{1,64}$`)

// New returns an ntfy notifier publishing to cfg.URL.
func New(cfg Config, logger *slog.Logger, opts ...Option) (*Ntfy, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("ntfy: url must be an http(s) topic URL such as https://ntfy.sh/mytopic")
	}
	path := strings.TrimSuffix(u.Path, "/")
	i := strings.LastIndex(path, "/")
	topic := path[i+1:]
	if i < 0 || !topicRe.MatchString(topic) {
		return nil, fmt.Errorf("ntfy: %s: the URL's last path segment must be the topic (letters, digits, - and _)", notifiers.SafeURL(u))
	}
	base := *u
	base.Path = path[:i+1]
	base.RawPath = ""
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	n := &Ntfy{base: &base, topic: topic, token: notifiers.NewToken(cfg.Token), loc: cfg.Location,
		client: cfg.Client, logger: logger, now: time.Now}
	if n.loc == nil {
		n.loc = time.UTC
	}
	if n.client == nil {
		n.client = &http.Client{Timeout: 30 * time.Second}
	}
	for _, o := range opts {
		o(n)
	}
	return n, nil
}

// Name implements notifiers.Notifier.
func (n *Ntfy) Name() string { return "ntfy" }

// Message is the JSON ntfy's publish API takes.
type Message struct {
	Topic    string   `json:"topic"`
	Message  string   `json:"message"`
	Title    string   `json:"title,omitempty"`
	Priority int      `json:"priority,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	Click    string   `json:"click,omitempty"`
}

// Priority maps a suggestion's priority to ntfy's 1-5: low 2, normal 3,
// high 4, urgent 5.
func Priority(p string) int {
	return event.PriorityRank(p) + 2
}

// tagRe is what is kept of a tag: ntfy shows tags as text or, for known
// names, emoji.
var tagRe = regexp.MustCompile(`[^a-z0-9_-]+`)

// message is what s looks like on the phone.
func (n *Ntfy) message(s event.Suggestion) Message {
	var lines []string
	if !s.Due.IsZero() {
		lines = append(lines, "Due "+s.Due.In(n.loc).Format("Mon 2 Jan 15:04"))
	}
	for _, t := range []string{s.Body, s.Why} {
		if t = strings.TrimSpace(t); t != "" {
			lines = append(lines, t)
		}
	}
	msg := strings.Join(lines, "\n")
	if msg == "" {
		msg = s.Title // ntfy wants a message
	}
	tags := []string{"agentd"}
	for _, t := range []string{s.Kind, s.Rule} {
		if t = strings.Trim(tagRe.ReplaceAllString(strings.ToLower(t), "-"), "-"); t != "" {
			tags = append(tags, t)
		}
	}
	if s.Priority == event.PriorityUrgent {
		tags = append(tags, "rotating_light")
	}
	m := Message{Topic: n.topic, Message: msg, Title: s.Title, Priority: Priority(s.Priority), Tags: tags}
	if u, err := url.Parse(s.Link); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		m.Click = s.Link
	}
	return m
}

// Notify publishes one message per suggestion. 429 and 5xx, and a server
// that cannot be reached, are temporary (retry true); any other 4xx is
// permanent. Errors never carry the token.
func (n *Ntfy) Notify(ctx context.Context, ss ...event.Suggestion) (bool, error) {
	for _, s := range ss {
		if err := ctx.Err(); err != nil {
			return true, fmt.Errorf("ntfy: suggestion %s: %w", s.ID, err)
		}
		if retry, err := n.publish(ctx, n.message(s)); err != nil {
			return retry, fmt.Errorf("ntfy: suggestion %s: %w", s.ID, err)
		}
	}
	return false, nil
}

func (n *Ntfy) publish(ctx context.Context, m Message) (bool, error) {
	token, err := n.token.Get(ctx)
	if err != nil {
		return true, fmt.Errorf("access token: %w", err)
	}
	body, err := json.Marshal(m)
	if err != nil {
		return false, fmt.Errorf("encode message: %w", err)
	}
	headers := map[string]string{}
	if token != "" {
		headers["Authorization"] = "Bearer " + token
	}
	if retry, err := notifiers.PostJSON(ctx, n.client, n.base, body, headers, n.token, token, n.now()); err != nil {
		return retry, fmt.Errorf("publish to %s: %w", notifiers.SafeURL(n.base.JoinPath(n.topic)), err)
	}
	return false, nil
}

// Check implements notifiers.Checker: it fetches the token, sending
// nothing.
func (n *Ntfy) Check(ctx context.Context) error {
	if _, err := n.token.Get(ctx); err != nil {
		return fmt.Errorf("ntfy: access token: %w", err)
	}
	return nil
}

var (
	_ notifiers.Notifier = (*Ntfy)(nil)
	_ notifiers.Checker  = (*Ntfy)(nil)
)
