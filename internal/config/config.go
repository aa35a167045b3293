// Package config loads agentd's YAML configuration: it reads the file,
// fills in defaults and validates everything at once, reporting each problem
// with its file, line, key path and what would be valid. Credentials are
// never written in the file: Secret says where to fetch them.
//
// Paths may start with ~ or use $HOME and $XDG_* variables; relative paths
// are relative to the config file's directory. Feed URLs may be file URLs:
// file:///absolute/path, or file:relative/path and file://./relative/path
// for a path relative to the config file's directory (file://name/... is
// rejected, since "name" would be a host). Parse turns them all into
// file:///absolute/path.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	// The user's time zone drives quiet hours and reminders; embedding the
	// zone database keeps that working on hosts without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Config is the whole of agentd's configuration.
type Config struct {
	// Path is the absolute path of the file the config was read from.
	Path    string
	User    User
	Bus     Bus
	Sources Sources
	LLM     LLM
	Notify  Notify
	Planner Planner
	Rules   []Rule
}

// User is the person agentd works for.
type User struct {
	Name  string
	Email string
	// Aliases are other addresses that are also the user's (to tell mail
	// they sent from mail they received).
	Aliases []string
	// Timezone is the IANA name from the config, or "Local" (the default).
	Timezone string
	// Location is Timezone loaded; never nil after Parse.
	Location *time.Location
	// Interests are the topics, as written (a plain string or the topic of
	// a {topic, also} mapping).
	Interests []string
	// InterestAlso maps a topic to the other words or phrases that count as
	// mentioning it ({topic: electric vehicles, also: [EV]}); nil if none.
	InterestAlso map[string][]string
	WorkingHours WorkingHours // default 09:00-18:00 Mon-Fri
	QuietHours   *DailyWindow // nil = none
}

// Bus says where the NATS server is. All empty (the default): an embedded
// nats-server runs in-process and listens on no port.
type Bus struct {
	// URL of an external NATS server or cluster (nats://, tls://, ws://,
	// wss://; several separated by commas). Empty = embedded server.
	URL string
	// Listen is host:port where the embedded server accepts other agentd
	// processes. Empty = no port. A bare port listens on loopback.
	Listen string
	// DataDir holds JetStream storage and local state; default
	// DefaultDataDir().
	DataDir string
	// CredentialsFile is a NATS .creds file for URL.
	CredentialsFile string
	// NKeySeedFile is an NKey seed file for URL.
	NKeySeedFile string
	// TokenFile is a file holding URL's token: another agentd's
	// <data dir>/bus.token, to join its listening bus.
	TokenFile string
	// TLS: with Listen, the embedded server's certificate (required for
	// an address beyond loopback); with URL, the CA that signed the
	// server's certificate and an optional client certificate.
	TLS BusTLS
}

// BusTLS names PEM files.
type BusTLS struct {
	CertFile string
	KeyFile  string
	CAFile   string
}

// Sources are the things agentd watches.
type Sources struct {
	Feeds     []Feed
	Mail      []Mail
	Calendars []Calendar
}

// Feed is an RSS, Atom or JSON Feed.
type Feed struct {
	Name string
	// URL is http(s):// or file:///absolute/path (relative file URLs in the
	// config are resolved against the config's directory).
	URL      string
	Every    Duration // default 30m, at least 1m
	Timeout  Duration // default 30s
	MaxBytes int64    // default 10 MiB
	// MaxNew caps the items one poll announces (default 50); the rest of a
	// flood is remembered as seen and counted in one log line.
	MaxNew int
	// LLM limits what of this feed may reach a model (see Mail.LLM).
	LLM string
}

// Mail is one mail account, read over IMAP or from a local Maildir.
type Mail struct {
	Name      string
	IMAP      *IMAP  // exactly one of IMAP and Maildir
	Maildir   string // absolute path
	Mailboxes []string
	Lookback  Duration // how far back to read on first start; default 14d
	// LLM limits what of this account's mail may reach a model: "never",
	// "redacted" or "full"; empty = llm.send. The stricter one wins.
	LLM string
}

// IMAP TLS modes.
const (
	TLSImplicit = "implicit" // TLS from the first byte (port 993)
	TLSStartTLS = "starttls" // plain, then STARTTLS (port 143)
	TLSNone     = "none"     // no TLS: loopback hosts only
)

// IMAP is an IMAP server account.
type IMAP struct {
	Host     string
	Port     int    // default 993, or 143 with starttls/none
	TLS      string // TLSImplicit (default), TLSStartTLS or TLSNone
	Username string
	Password Secret
}

// Calendar is a CalDAV account, an ICS URL or a local .ics file or folder.
type Calendar struct {
	Name   string
	CalDAV *CalDAV // exactly one of CalDAV, URL and Path
	URL    string  // http, https or webcal URL of an .ics
	Path   string  // absolute path of an .ics file or a folder of them
	// Demo generates a demo calendar around today (the bundled demo).
	Demo  bool
	Every Duration
	// Calendars limits a CalDAV account to these calendars (display names
	// or path names); empty = all.
	Calendars []string
	// RemindBefore is how long before a meeting of this calendar agentd
	// reminds (default: planner.remind_before); an event's own alarm wins.
	RemindBefore Duration
	// LLM limits what of this calendar may reach a model (see Mail.LLM).
	LLM string
}

// CalDAV is a CalDAV account.
type CalDAV struct {
	URL      string
	Username string
	Password Secret
}

// LLM is an OpenAI-compatible chat endpoint. Empty URL = no LLM: nothing
// leaves the machine.
type LLM struct {
	URL   string
	Model string
	// DraftsModel is a (larger) model for reply drafts only; empty = Model.
	DraftsModel string
	APIKey      Secret
	// Timeout bounds one request (default 60s: local models are slow).
	Timeout Duration
	// DailyTokenBudget caps the tokens spent per day in the user's zone
	// (default 50,000; 0 in the file means the default); when spent, the
	// planner runs on rules only until midnight.
	DailyTokenBudget int64
	// MaxCallsPerHour caps the calls per hour (default 30).
	MaxCallsPerHour int
	// Send is what may leave for the model: SendNever, SendRedacted or
	// SendFull. Default: full for a loopback URL (a local model),
	// redacted otherwise.
	Send string
	// LedgerRetention is how long the egress ledger keeps its entries
	// (default 90 days).
	LedgerRetention Duration
	// FeedInterests asks the model, in batches, whether new feed items
	// the rules did not match match an interest in meaning. Off by
	// default: it costs calls even on a quiet day.
	FeedInterests bool
}

// What may be sent to the model (llm.send and a source's llm key).
const (
	SendNever    = "never"    // nothing of this source's text leaves
	SendRedacted = "redacted" // addresses, numbers, secrets replaced first
	SendFull     = "full"     // the text as it is (meant for a local model)
)

// Defaults of the llm section.
const (
	DefaultLLMTimeout         = Duration(60 * time.Second)
	DefaultLLMDailyTokens     = 50_000
	DefaultLLMCallsPerHour    = 30
	DefaultLLMLedgerRetention = Duration(90 * 24 * time.Hour)
)

// Enabled reports whether an LLM is configured.
func (l LLM) Enabled() bool { return l.URL != "" }

// ModelFor returns the model for a purpose: DraftsModel for "draft" when
// set, Model otherwise.
func (l LLM) ModelFor(purpose string) string {
	if purpose == "draft" && l.DraftsModel != "" {
		return l.DraftsModel
	}
	return l.Model
}

// SendFor is what may leave for the model from a source: the stricter of
// the llm section's send and the source's own llm key (empty = the
// section's). Without an llm section nothing leaves.
func (l LLM) SendFor(source string) string {
	if !l.Enabled() {
		return SendNever
	}
	return stricterSend(l.Send, source)
}

func stricterSend(a, b string) string {
	rank := map[string]int{SendNever: 0, SendRedacted: 1, SendFull: 2}
	if b == "" {
		return a
	}
	if rank[b] < rank[a] {
		return b
	}
	return a
}

// Notify configures the notification channels; nil = not configured.
type Notify struct {
	Terminal *Terminal
	Desktop  *Desktop
	Ntfy     *Ntfy
	Webhook  *Webhook
	Digest   *Digest
	// Routes is the route tree (see NotifyRoute); empty = each channel's
	// own min_priority and kinds.
	Routes []NotifyRoute
	// OutsideHours is what quiet hours do to a non-urgent suggestion on a
	// channel that honours them: OutsideHoursWait (default) holds it until
	// they end, OutsideHoursDigest leaves it to the digest.
	OutsideHours string
	// MaxInterruptions is how many suggestions desktop, ntfy and webhook
	// push per day; past it non-urgent ones wait in the digest. 0 = no
	// limit.
	MaxInterruptions int
	// GroupWindow gathers a burst of related suggestions (same rule and
	// source) on desktop and ntfy into one notification; 0 = off.
	GroupWindow Duration
}

// Ntfy pushes suggestions to an ntfy topic (a phone, a browser).
type Ntfy struct {
	// URL is the topic URL, e.g. https://ntfy.sh/alice-agentd.
	URL string
	// Token is the access token of a protected topic; unset for a public
	// one.
	Token       Secret
	MinPriority string   // default "normal"
	Kinds       []string // empty = all
	QuietHours  *bool    // honour user.quiet_hours; default true
}

// Webhook POSTs suggestions as JSON, signed with HMAC-SHA256.
type Webhook struct {
	URL string
	// Secret is the HMAC key the receiver checks the signature with.
	Secret      Secret
	MinPriority string   // default "low"
	Kinds       []string // empty = all
}

// Digest is the daily digest mail, sent once a day at At over SMTP.
type Digest struct {
	// At is the local time of day it is sent, since midnight in the
	// user's zone (default 07:30).
	At time.Duration
	// To is the address it goes to (default user.email); From the sender
	// (default To).
	To   string
	From string
	// Empty says what happens on a day with nothing to tell:
	// DigestEmptyShort (default) sends a short mail, DigestEmptySkip none.
	Empty string
	SMTP  SMTP
}

// What a digest does on a day with nothing to tell (notify.digest.empty).
const (
	DigestEmptyShort = "short"
	DigestEmptySkip  = "skip"
)

// DefaultDigestAt is when the digest is sent unless notify.digest.at says.
const DefaultDigestAt = 7*time.Hour + 30*time.Minute

// SMTP is the mail server the digest is sent through: the same shape as an
// IMAP account.
type SMTP struct {
	Host string
	Port int    // default 465, or 587 with starttls, 25 with none
	TLS  string // TLSImplicit (default), TLSStartTLS or TLSNone (loopback only)
	// Username is the login name; empty = no AUTH (a local relay).
	Username string
	Password Secret
}

// Terminal prints suggestions on agentd's standard output.
type Terminal struct {
	MinPriority string   // default "low"
	Kinds       []string // empty = all
}

// Desktop shows freedesktop notifications.
type Desktop struct {
	MinPriority string   // default "normal"
	Kinds       []string // empty = all
	QuietHours  *bool    // honour user.quiet_hours; default true
}

// Planner tunes the planner.
type Planner struct {
	FeedMaxAge Duration // feed items older than this are ignored; default 3d
	// RemindBefore is the default lead time of meeting reminders (10m).
	RemindBefore Duration
	// AgendaAt is the local time of the morning agenda, since midnight
	// ("07:30").
	AgendaAt time.Duration
	// FollowUpAfter is how long an unanswered question of yours waits
	// before agentd suggests a follow-up (3d).
	FollowUpAfter Duration
	// LeaveBefore is how long before an in-person event away from the
	// usual place (or before being at a station or airport) agentd says to
	// leave, when nothing tells how long the trip takes (45m).
	LeaveBefore Duration
	// LookbackSettle is how long after the last look-back mail of a new
	// account its summary of open items is delivered (30s): each look-back
	// mail moves it, so it arrives once, when reading has settled.
	LookbackSettle Duration
}

// Rule is a user rule; it adds to or overrides (by name) the built-in rules.
type Rule struct {
	Name        string
	Description string
	When        string // condition, in the rules' expression language
	Action      string // ActionSuggest, ActionRemind, ActionMute or ActionPriority
	Kind        string // reminder, suggestion or draft
	Title       string
	Body        string
	Priority    string
	Why         string
	At          string
	Before      Duration
	Expires     Duration
	Enabled     *bool // nil = enabled
	Line        int   // line of the rule in the config file
}

// Rule actions.
const (
	ActionSuggest  = "suggest"
	ActionRemind   = "remind"
	ActionMute     = "mute"
	ActionPriority = "priority"
)

// Defaults filled in by Parse.
const (
	DefaultFeedEvery      = Duration(30 * time.Minute)
	DefaultFeedTimeout    = Duration(30 * time.Second)
	DefaultFeedMaxBytes   = 10 << 20
	DefaultFeedMaxNew     = 50
	DefaultCalendarEvery  = Duration(15 * time.Minute)
	DefaultMailLookback   = Duration(14 * 24 * time.Hour)
	DefaultFeedMaxAge     = Duration(72 * time.Hour)
	DefaultRemindBefore   = Duration(10 * time.Minute)
	DefaultFollowUpAfter  = Duration(72 * time.Hour)
	DefaultLeaveBefore    = Duration(45 * time.Minute)
	DefaultLookbackSettle = Duration(30 * time.Second)
	DefaultAgendaAt       = 7*time.Hour + 30*time.Minute
	DefaultWorkingHours   = "09:00-18:00 Mon-Fri"
	MinEvery              = Duration(time.Minute)
)

// Load reads, parses, fills in defaults and validates the config at path
// ("~" is expanded).
func Load(path string) (*Config, error) {
	if p, err := expandHome(path, osEnv()); err == nil {
		path = p
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("config: %w (write an example with `agentd init`)", err)
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Parse parses data as the config file at path: path names the file in
// errors, and relative paths in the config are resolved against its
// directory. Every problem found is returned, joined (see Errors).
func Parse(path string, data []byte) (*Config, error) {
	return parse(path, data, osEnv())
}

// DefaultPath is $XDG_CONFIG_HOME/agentd/config.yaml, or
// ~/.config/agentd/config.yaml.
func DefaultPath() string {
	return filepath.Join(xdgDir(osEnv(), "XDG_CONFIG_HOME"), "agentd", "config.yaml")
}

// DefaultDataDir is $XDG_DATA_HOME/agentd, or ~/.local/share/agentd.
func DefaultDataDir() string {
	return filepath.Join(xdgDir(osEnv(), "XDG_DATA_HOME"), "agentd")
}
