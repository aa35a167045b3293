package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/redact"
	"github.com/goccy/go-yaml/ast"

	"github.com/agentd/agentd/internal/loopback"
)

// The valid values of enumerated keys, in the order shown in errors.
func priorities() []string {
	return []string{event.PriorityLow, event.PriorityNormal, event.PriorityHigh, event.PriorityUrgent}
}

func kinds() []string { return []string{event.KindReminder, event.KindSuggestion, event.KindDraft} }

func actions() []string { return []string{ActionSuggest, ActionRemind, ActionMute, ActionPriority} }

func tlsModes() []string { return []string{TLSImplicit, TLSStartTLS, TLSNone} }

func (d *decoder) config(v val, c *Config) {
	f, ok := d.fields(v, "the config", "user", "bus", "sources", "llm", "notify", "planner", "rules")
	if !ok {
		return
	}
	d.user(f.get("user"), &c.User)
	d.bus(f.get("bus"), &c.Bus)
	d.sources(f.get("sources"), &c.Sources)
	d.llm(f.get("llm"), &c.LLM)
	d.notify(f.get("notify"), &c.Notify)
	d.planner(f.get("planner"), &c.Planner)
	c.Rules = d.rules(f.get("rules"))
	if dg := c.Notify.Digest; dg != nil {
		d.digestDefaults(dg, c.User)
	}
}

func (d *decoder) user(v val, u *User) {
	f, _ := d.fields(v, "user", "name", "email", "aliases", "timezone", "interests", "working_hours", "quiet_hours")
	u.Name = d.str(f.get("name"))
	u.Email = d.email(f.get("email"))
	for _, a := range d.list(f.get("aliases"), "email addresses") {
		if addr := d.email(a); addr != "" {
			u.Aliases = append(u.Aliases, addr)
		}
	}
	u.Timezone = "Local"
	u.Location = time.Local
	tzV := f.get("timezone")
	if tz := d.str(tzV); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "" {
			d.errorf(tzV, "%q is not a time zone: use an IANA name such as Europe/Paris, America/New_York or UTC, or Local for the system's zone", tz)
		} else {
			u.Timezone, u.Location = tz, loc
		}
	}
	d.interests(f.get("interests"), u)

	whV := f.get("working_hours")
	wh := d.str(whV)
	if wh == "" {
		wh = DefaultWorkingHours
	}
	if w, err := ParseWorkingHours(wh); err != nil {
		d.errorf(whV, "%v", err)
	} else {
		u.WorkingHours = w
	}
	qhV := f.get("quiet_hours")
	if qh := d.str(qhV); qh != "" {
		if w, err := ParseDailyWindow(qh); err != nil {
			d.errorf(qhV, "%v", err)
		} else {
			u.QuietHours = &w
		}
	}
}

// email reads a bare address (no display name).
func (d *decoder) email(v val) string {
	s := d.str(v)
	if s == "" {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		d.errorf(v, "%q is not an email address (expected the bare address, e.g. alice@example.com)", s)
		return ""
	}
	return s
}

func (d *decoder) bus(v val, b *Bus) {
	f, _ := d.fields(v, "bus", "url", "listen", "data_dir", "credentials_file", "nkey_seed_file", "token_file", "tls")
	urlV := f.get("url")
	b.URL = d.str(urlV)
	if b.URL != "" {
		for u := range strings.SplitSeq(b.URL, ",") {
			d.natsURL(urlV, strings.TrimSpace(u))
		}
	}
	listenV := f.get("listen")
	if l := d.str(listenV); l != "" {
		addr, err := listenAddr(l)
		switch {
		case err != nil:
			d.errorf(listenV, "%q: %v (expected host:port, e.g. 127.0.0.1:4222, or a port alone for loopback)", l, err)
		case b.URL != "":
			d.errorf(listenV, "applies only to the embedded server, but bus.url points at an external one: remove one of them")
		default:
			b.Listen = addr
		}
	}
	b.DataDir = d.path(f.get("data_dir"))
	if b.DataDir == "" {
		b.DataDir = filepath.Join(xdgDir(d.env, "XDG_DATA_HOME"), "agentd")
	}
	b.CredentialsFile = d.path(f.get("credentials_file"))
	d.busAuth(f, listenV, b)
}

func (d *decoder) natsURL(v val, raw string) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "":
		d.errorf(v, "%s is not a NATS URL (e.g. nats://host:4222; several separated by commas)", quoteURL(raw))
	case u.User != nil:
		d.errorf(v, "%s holds credentials: put them in bus.credentials_file (a NATS .creds file) instead", quoteURL(raw))
	case !oneOfFold(u.Scheme, "nats", "tls", "ws", "wss"):
		d.errorf(v, "%s: scheme %q is not valid (valid: nats, tls, ws, wss)", quoteURL(raw), u.Scheme)
	}
}

// quoteURL quotes a URL, as written in the config, for an error message:
// through redact.Link, so that no password, token or private link shows.
func quoteURL(raw string) string { return strconv.Quote(redact.Link(raw)) }

func oneOfFold(s string, valid ...string) bool {
	for _, v := range valid {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}

// listenAddr checks host:port; a bare port or ":port" means loopback, so
// that opening the bus to the network is always a deliberate choice.
func listenAddr(s string) (string, error) {
	if _, err := strconv.Atoi(s); err == nil {
		s = ":" + s
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("not host:port")
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return "", fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if strings.ContainsAny(host, " /") {
		return "", fmt.Errorf("host %q is not a host name or IP address", host)
	}
	return net.JoinHostPort(host, port), nil
}

func (d *decoder) sources(v val, s *Sources) {
	f, _ := d.fields(v, "sources", "feeds", "mail", "calendars")
	feedNames := &names{what: "feed", seen: map[string]val{}}
	for _, item := range d.list(f.get("feeds"), "feeds (each with name and url)") {
		if feed, ok := d.feed(item, feedNames); ok {
			s.Feeds = append(s.Feeds, feed)
		}
	}
	mailNames := &names{what: "mail account", seen: map[string]val{}}
	for _, item := range d.list(f.get("mail"), "mail accounts (each with name and imap or maildir)") {
		if m, ok := d.mail(item, mailNames); ok {
			s.Mail = append(s.Mail, m)
		}
	}
	calNames := &names{what: "calendar", seen: map[string]val{}}
	for _, item := range d.list(f.get("calendars"), "calendars (each with name and caldav, url or path)") {
		if c, ok := d.calendar(item, calNames); ok {
			s.Calendars = append(s.Calendars, c)
		}
	}
}

// webURL validates an http(s)-like URL.
func (d *decoder) webURL(v val, raw string, schemes ...string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		d.errorf(v, "%s is not a URL (%s)", quoteURL(raw), schemeList(schemes))
		return nil, false
	}
	if u.User != nil {
		d.errorf(v, "%s holds a user name or password: credentials do not belong in URLs (they end up in logs); use username and password_env, password_file or password_command", quoteURL(raw))
		return nil, false
	}
	if !oneOfFold(u.Scheme, schemes...) {
		d.errorf(v, "%s: scheme %q is not valid (%s)", quoteURL(raw), u.Scheme, schemeList(schemes))
		return nil, false
	}
	if u.Scheme != "file" && u.Host == "" {
		d.errorf(v, "%s has no host (e.g. %s://example.com/...)", quoteURL(raw), schemes[0])
		return nil, false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return u, true
}

func schemeList(schemes []string) string {
	return "valid schemes: " + strings.Join(schemes, ", ")
}

func (d *decoder) feed(v val, n *names) (Feed, bool) {
	f, ok := d.fields(v, "a feed", "name", "url", "every", "timeout", "max_bytes", "max_new", "llm")
	if !ok {
		return Feed{}, false
	}
	fd := Feed{Name: d.name(n, f.get("name"), "go-blog")}
	urlV := f.get("url")
	raw := d.str(urlV)
	if d.required(urlV, raw, "the feed's address: http://, https:// or file:// (e.g. https://go.dev/blog/feed.atom, file:feeds/local.xml)") {
		if u, ok := d.webURL(urlV, raw, "http", "https", "file"); ok {
			fd.URL = u.String()
			if u.Scheme == "file" {
				abs, err := resolveFileURL(u, d.dir, d.env)
				if err != nil {
					d.errorf(urlV, "%q %v", raw, err)
				}
				fd.URL = abs
			}
		}
	}
	fd.LLM = d.oneOf(f.get("llm"), "llm setting (what of this source may reach a model)", "", sendModes()...)
	fd.Every = d.duration(f.get("every"), DefaultFeedEvery, MinEvery)
	fd.Timeout = d.duration(f.get("timeout"), DefaultFeedTimeout, Duration(time.Second))
	fd.MaxBytes = DefaultFeedMaxBytes
	if mb := f.get("max_bytes"); !mb.null() {
		if _, isInt := mb.node.(*ast.IntegerNode); isInt {
			if x, ok := d.integer(mb, 1, 1<<40); ok {
				fd.MaxBytes = x
			}
		} else if s := d.str(mb); s != "" {
			if x, err := parseSize(s); err != nil {
				d.errorf(mb, "%v", err)
			} else if x < 1 {
				d.errorf(mb, "%q must be at least 1 byte", s)
			} else {
				fd.MaxBytes = x
			}
		}
	}
	fd.MaxNew = DefaultFeedMaxNew
	if mn := f.get("max_new"); !mn.null() {
		if x, ok := d.integer(mn, 1, 1<<20); ok {
			fd.MaxNew = int(x)
		}
	}
	return fd, true
}

func (d *decoder) mail(v val, n *names) (Mail, bool) {
	f, ok := d.fields(v, "a mail account", "name", "imap", "maildir", "mailboxes", "lookback", "llm")
	if !ok {
		return Mail{}, false
	}
	m := Mail{Name: d.name(n, f.get("name"), "work")}
	imapV, maildirV := f.get("imap"), f.get("maildir")
	// Both are checked even when both are set, so every mistake shows at once.
	if !imapV.absent() {
		m.IMAP = d.imap(imapV)
	}
	if !maildirV.absent() {
		m.Maildir = d.path(maildirV)
		d.required(maildirV, m.Maildir, "the path of a Maildir folder (with cur/, new/, tmp/), e.g. ~/Maildir")
	}
	switch {
	case !imapV.absent() && !maildirV.absent():
		d.errorf(v, "set exactly one of imap and maildir, not both")
	case imapV.absent() && maildirV.absent():
		d.errorf(v, "set exactly one of imap (an IMAP account: host, username, password_*) and maildir (the path of a local Maildir)")
	}
	m.Mailboxes = d.strs(f.get("mailboxes"), "mailbox names")
	if len(m.Mailboxes) == 0 {
		m.Mailboxes = []string{"INBOX"}
	}
	m.Lookback = d.duration(f.get("lookback"), DefaultMailLookback, 0)
	m.LLM = d.oneOf(f.get("llm"), "llm setting (what of this account's mail may reach a model)", "", sendModes()...)
	return m, true
}

func (d *decoder) imap(v val) *IMAP {
	f, ok := d.fields(v, "imap", "host", "port", "tls", "username", "password_env", "password_file", "password_command")
	if !ok {
		return nil
	}
	im := &IMAP{}
	hostV := f.get("host")
	im.Host = d.str(hostV)
	if d.required(hostV, im.Host, "the IMAP server's host name, e.g. imap.example.com") {
		if _, port, err := net.SplitHostPort(im.Host); err == nil {
			d.errorf(hostV, "%s: put the port in imap.port (port: %s), not in the host", quoteURL(im.Host), port)
		} else if strings.Contains(im.Host, "/") {
			d.errorf(hostV, "%s is a URL or path, not a host name: write the host alone, e.g. imap.example.com", quoteURL(im.Host))
		}
	}
	tlsV := f.get("tls")
	im.TLS = d.oneOf(tlsV, "tls mode", TLSImplicit, tlsModes()...)
	if im.TLS == TLSNone && im.Host != "" && !loopback.Host(im.Host) {
		d.errorf(tlsV, "\"none\" would send your password in clear text to %q: it is allowed only for loopback hosts (localhost, 127.0.0.1, ::1); use implicit (port 993) or starttls (port 143)", im.Host)
	}
	im.Port = 993
	if im.TLS != TLSImplicit {
		im.Port = 143
	}
	if p, ok := d.integer(f.get("port"), 1, 65535); ok {
		im.Port = int(p)
	}
	userV := f.get("username")
	im.Username = d.str(userV)
	d.required(userV, im.Username, "the IMAP login name")
	im.Password = d.requiredSecret(f, "password")
	return im
}

func (d *decoder) calendar(v val, n *names) (Calendar, bool) {
	f, ok := d.fields(v, "a calendar", "name", "caldav", "url", "path", "demo", "every", "calendars", "remind_before", "llm")
	if !ok {
		return Calendar{}, false
	}
	c := Calendar{Name: d.name(n, f.get("name"), "personal")}
	cdV, urlV, pathV, demoV := f.get("caldav"), f.get("url"), f.get("path"), f.get("demo")
	set := 0
	for _, x := range []val{cdV, urlV, pathV, demoV} {
		if !x.absent() {
			set++
		}
	}
	if set != 1 {
		d.errorf(v, "set exactly one of caldav (an account: url, username, password_*), url (an .ics address: http, https or webcal), path (a local .ics file or folder) and demo (true: a generated demo calendar around today); %d are set", set)
	}
	if !demoV.absent() {
		if b := d.boolp(demoV); b != nil {
			c.Demo = *b
		}
	}
	if !cdV.absent() {
		c.CalDAV = d.caldav(cdV)
	}
	if !urlV.absent() {
		raw := d.str(urlV)
		if d.required(urlV, raw, "the address of an .ics calendar (http, https or webcal)") {
			if u, ok := d.webURL(urlV, raw, "https", "http", "webcal"); ok {
				c.URL = u.String()
			}
		}
	}
	if !pathV.absent() {
		c.Path = d.path(pathV)
		d.required(pathV, c.Path, "the path of an .ics file or a folder of them")
	}
	c.Every = d.duration(f.get("every"), DefaultCalendarEvery, MinEvery)
	c.RemindBefore = d.duration(f.get("remind_before"), 0, 0)
	c.LLM = d.oneOf(f.get("llm"), "llm setting (what of this calendar may reach a model)", "", sendModes()...)
	calsV := f.get("calendars")
	c.Calendars = d.strs(calsV, "calendar names")
	if len(c.Calendars) > 0 && cdV.absent() {
		d.errorf(calsV, "selects calendars of a caldav account; remove it for a url or path calendar")
	}
	return c, true
}

func (d *decoder) caldav(v val) *CalDAV {
	f, ok := d.fields(v, "caldav", "url", "username", "password_env", "password_file", "password_command")
	if !ok {
		return nil
	}
	c := &CalDAV{}
	urlV := f.get("url")
	if raw := d.str(urlV); d.required(urlV, raw, "the CalDAV server's address, e.g. https://dav.example.com/") {
		if u, ok := d.webURL(urlV, raw, "https", "http"); ok {
			c.URL = u.String()
		}
	}
	userV := f.get("username")
	c.Username = d.str(userV)
	d.required(userV, c.Username, "the CalDAV login name")
	c.Password = d.requiredSecret(f, "password")
	return c
}

func (d *decoder) llm(v val, l *LLM) {
	f, _ := d.fields(v, "llm", "url", "model", "drafts_model", "api_key_env", "api_key_file", "api_key_command",
		"timeout", "daily_token_budget", "max_calls_per_hour", "send", "ledger_retention", "feed_interests")
	urlV, modelV := f.get("url"), f.get("model")
	raw := d.str(urlV)
	l.Model = d.str(modelV)
	l.DraftsModel = d.str(f.get("drafts_model"))
	if b := d.boolp(f.get("feed_interests")); b != nil {
		l.FeedInterests = *b
	}
	l.APIKey = d.secret(f, "api_key")
	l.Timeout = d.duration(f.get("timeout"), DefaultLLMTimeout, Duration(time.Second))
	l.LedgerRetention = d.duration(f.get("ledger_retention"), DefaultLLMLedgerRetention, Duration(24*time.Hour))
	l.DailyTokenBudget = DefaultLLMDailyTokens
	if x, ok := d.integer(f.get("daily_token_budget"), 0, 1<<40); ok && x > 0 {
		l.DailyTokenBudget = x
	}
	l.MaxCallsPerHour = DefaultLLMCallsPerHour
	if x, ok := d.integer(f.get("max_calls_per_hour"), 0, 1<<20); ok && x > 0 {
		l.MaxCallsPerHour = int(x)
	}
	sendV := f.get("send")
	l.Send = d.oneOf(sendV, "send mode (what may leave for the model)", "", sendModes()...)
	if raw == "" {
		if l.Model != "" || l.APIKey.IsSet() {
			d.errorf(urlV, "required when model or api_key_* is set: the OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (leave llm empty for no LLM)")
		}
		return
	}
	if u, ok := d.webURL(urlV, raw, "https", "http"); ok {
		l.URL = u.String()
		if l.Send == "" {
			// A model on this machine sees what agentd sees; anything
			// else gets the redacted text unless the user says otherwise.
			l.Send = SendRedacted
			if loopback.Host(u.Hostname()) {
				l.Send = SendFull
			}
		}
		if u.Scheme == "http" && !loopback.Host(u.Hostname()) && l.Send == SendFull {
			d.errorf(sendV, "\"full\" would send your mail in clear text over http to %q: use https, a loopback model, or send: redacted", u.Hostname())
		}
	}
	d.required(modelV, l.Model, "the model name the endpoint serves, e.g. llama3.1:8b")
}

func sendModes() []string { return []string{SendNever, SendRedacted, SendFull} }

func (d *decoder) notify(v val, n *Notify) {
	f, _ := d.fields(v, "notify", "terminal", "desktop", "ntfy", "webhook", "digest",
		"routes", "outside_hours", "max_interruptions", "group_window")
	// A key present, even empty ("terminal: {}" or "terminal:"), turns the
	// channel on with its defaults.
	if tv := f.get("terminal"); !tv.absent() {
		tf, ok := d.fields(tv, "notify.terminal", "min_priority", "kinds")
		if ok {
			n.Terminal = &Terminal{
				MinPriority: d.oneOf(tf.get("min_priority"), "priority", event.PriorityLow, priorities()...),
				Kinds:       d.kinds(tf.get("kinds")),
			}
		}
	}
	if dv := f.get("desktop"); !dv.absent() {
		df, ok := d.fields(dv, "notify.desktop", "min_priority", "kinds", "quiet_hours")
		if ok {
			n.Desktop = &Desktop{
				MinPriority: d.oneOf(df.get("min_priority"), "priority", event.PriorityNormal, priorities()...),
				Kinds:       d.kinds(df.get("kinds")),
				QuietHours:  d.boolp(df.get("quiet_hours")),
			}
			if n.Desktop.QuietHours == nil {
				t := true
				n.Desktop.QuietHours = &t
			}
		}
	}
	if nv := f.get("ntfy"); !nv.absent() {
		n.Ntfy = d.ntfy(nv)
	}
	if wv := f.get("webhook"); !wv.absent() {
		n.Webhook = d.webhook(wv)
	}
	if gv := f.get("digest"); !gv.absent() {
		n.Digest = d.digest(gv)
	}
	d.delivery(f, n)
}

func (d *decoder) ntfy(v val) *Ntfy {
	f, ok := d.fields(v, "notify.ntfy", "url", "token_env", "token_file", "token_command", "min_priority", "kinds", "quiet_hours")
	if !ok {
		return nil
	}
	n := &Ntfy{
		URL:         d.channelURL(f.get("url"), "the topic URL, e.g. https://ntfy.sh/alice-agentd"),
		Token:       d.secret(f, "token"),
		MinPriority: d.oneOf(f.get("min_priority"), "priority", event.PriorityNormal, priorities()...),
		Kinds:       d.kinds(f.get("kinds")),
		QuietHours:  d.boolp(f.get("quiet_hours")),
	}
	if n.QuietHours == nil {
		t := true
		n.QuietHours = &t
	}
	if u, err := url.Parse(n.URL); err == nil && n.URL != "" {
		p := strings.TrimSuffix(u.Path, "/")
		if topic := p[strings.LastIndex(p, "/")+1:]; !isTopic(topic) {
			d.errorf(f.get("url"), "%s: the URL must end in the topic name (letters, digits, - and _), e.g. https://ntfy.sh/alice-agentd", quoteURL(n.URL))
		}
	}
	return n
}

// isTopic reports whether s is a valid ntfy topic name.
func isTopic(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (d *decoder) webhook(v val) *Webhook {
	f, ok := d.fields(v, "notify.webhook", "url", "secret_env", "secret_file", "secret_command", "min_priority", "kinds")
	if !ok {
		return nil
	}
	return &Webhook{
		URL:         d.channelURL(f.get("url"), "the URL that receives the POSTs, e.g. https://hooks.example.com/agentd"),
		Secret:      d.requiredSecret(f, "secret"),
		MinPriority: d.oneOf(f.get("min_priority"), "priority", event.PriorityLow, priorities()...),
		Kinds:       d.kinds(f.get("kinds")),
	}
}

// channelURL reads the http(s) URL of a push channel. Plain http is
// allowed only to loopback hosts: the suggestions (and a token) would
// cross the network in clear text.
func (d *decoder) channelURL(v val, help string) string {
	raw := strings.TrimSpace(d.str(v))
	if !d.required(v, raw, help) {
		return ""
	}
	u, ok := d.webURL(v, raw, "https", "http")
	if !ok {
		return ""
	}
	if u.Scheme == "http" && !loopback.Host(u.Hostname()) {
		d.errorf(v, "%s: http would send your suggestions in clear text to %q: use https (http is allowed for loopback hosts only)", quoteURL(raw), u.Hostname())
		return ""
	}
	return u.String()
}

func emptyModes() []string { return []string{DigestEmptyShort, DigestEmptySkip} }

func (d *decoder) digest(v val) *Digest {
	f, ok := d.fields(v, "notify.digest", "at", "to", "from", "empty", "smtp")
	if !ok {
		return nil
	}
	dg := &Digest{At: DefaultDigestAt}
	atV := f.get("at")
	if raw := strings.TrimSpace(d.str(atV)); raw != "" {
		at, err := parseClock(raw, false)
		if err != nil {
			d.errorf(atV, "%v (expected a time of day HH:MM in your time zone, e.g. \"07:30\")", err)
		} else {
			dg.At = at
		}
	}
	d.digestTo = f.get("to")
	dg.To = d.email(d.digestTo)
	dg.From = d.email(f.get("from"))
	dg.Empty = d.oneOf(f.get("empty"), "empty mode (what a day with nothing to tell sends)", DigestEmptyShort, emptyModes()...)
	smtpV := f.get("smtp")
	if smtpV.null() {
		d.errorf(smtpV, "required: the mail server to send through (host, port, tls, username, password_env|_file|_command)")
		return dg
	}
	if s := d.smtp(smtpV); s != nil {
		dg.SMTP = *s
	}
	return dg
}

// digestDefaults fills in to and from from the user section, once both
// sections are read.
func (d *decoder) digestDefaults(dg *Digest, u User) {
	if dg.To == "" && d.str(d.digestTo) == "" {
		dg.To = u.Email
		if dg.To == "" {
			d.errorf(d.digestTo, "required: the address the digest goes to, e.g. alice@example.com (or set user.email)")
		}
	}
	if dg.From == "" {
		dg.From = dg.To
	}
}

func (d *decoder) smtp(v val) *SMTP {
	f, ok := d.fields(v, "notify.digest.smtp", "host", "port", "tls", "username", "password_env", "password_file", "password_command")
	if !ok {
		return nil
	}
	s := &SMTP{}
	hostV := f.get("host")
	s.Host = d.str(hostV)
	if d.required(hostV, s.Host, "the SMTP server's host name, e.g. smtp.example.com") {
		if _, port, err := net.SplitHostPort(s.Host); err == nil {
			d.errorf(hostV, "%s: put the port in smtp.port (port: %s), not in the host", quoteURL(s.Host), port)
		} else if strings.Contains(s.Host, "/") {
			d.errorf(hostV, "%s is a URL or path, not a host name: write the host alone, e.g. smtp.example.com", quoteURL(s.Host))
		}
	}
	tlsV := f.get("tls")
	s.TLS = d.oneOf(tlsV, "tls mode", TLSImplicit, tlsModes()...)
	if s.TLS == TLSNone && s.Host != "" && !loopback.Host(s.Host) {
		d.errorf(tlsV, "\"none\" would send your mail and password in clear text to %q: it is allowed only for loopback hosts (localhost, 127.0.0.1, ::1); use implicit (port 465) or starttls (port 587)", s.Host)
	}
	switch s.TLS {
	case TLSStartTLS:
		s.Port = 587
	case TLSNone:
		s.Port = 25
	default:
		s.Port = 465
	}
	if p, ok := d.integer(f.get("port"), 1, 65535); ok {
		s.Port = int(p)
	}
	s.Username = d.str(f.get("username"))
	if s.Username != "" {
		s.Password = d.requiredSecret(f, "password")
	} else if s.Password = d.secret(f, "password"); s.Password.IsSet() {
		d.errorf(f.get("username"), "required with a password: the SMTP login name (leave both out for a server that needs no login)")
	}
	return s
}

func (d *decoder) kinds(v val) []string {
	var out []string
	for _, item := range d.list(v, "kinds ("+strings.Join(kinds(), ", ")+")") {
		if k := d.oneOf(item, "kind", "", kinds()...); k != "" {
			out = append(out, k)
		}
	}
	return out
}

func (d *decoder) planner(v val, p *Planner) {
	f, _ := d.fields(v, "planner", "feed_max_age", "remind_before", "agenda_at", "follow_up_after", "leave_before", "lookback_settle")
	p.FeedMaxAge = d.duration(f.get("feed_max_age"), DefaultFeedMaxAge, Duration(time.Minute))
	p.RemindBefore = d.duration(f.get("remind_before"), DefaultRemindBefore, 0)
	p.FollowUpAfter = d.duration(f.get("follow_up_after"), DefaultFollowUpAfter, Duration(time.Hour))
	p.LeaveBefore = d.duration(f.get("leave_before"), DefaultLeaveBefore, 0)
	p.LookbackSettle = d.duration(f.get("lookback_settle"), DefaultLookbackSettle, Duration(time.Second))
	p.AgendaAt = DefaultAgendaAt
	agV := f.get("agenda_at")
	if raw := strings.TrimSpace(d.str(agV)); raw != "" {
		at, err := parseClock(raw, false)
		if err != nil {
			d.errorf(agV, "%q: %v (expected a time of day HH:MM, e.g. 07:30)", raw, err)
		} else {
			p.AgendaAt = at
		}
	}
}

func (d *decoder) rules(v val) []Rule {
	var out []Rule
	ruleNames := &names{what: "rule", seen: map[string]val{}}
	for _, item := range d.list(v, "rules (each with name, when and action)") {
		f, ok := d.fields(item, "a rule", "name", "description", "when", "action", "kind", "title", "body",
			"priority", "why", "at", "before", "expires", "enabled")
		if !ok {
			continue
		}
		r := Rule{Line: item.line, Name: d.name(ruleNames, f.get("name"), "follow-up-boss")}
		r.Description = d.str(f.get("description"))
		whenV := f.get("when")
		r.When = strings.TrimSpace(d.str(whenV))
		d.required(whenV, r.When, "the condition, e.g. event.type == \"mail.received\"")
		actV := f.get("action")
		if r.Action = d.oneOf(actV, "action", "", actions()...); r.Action == "" && d.str(actV) == "" {
			d.errorf(actV, "required: one of %s", strings.Join(actions(), ", "))
		}
		r.Kind = d.oneOf(f.get("kind"), "kind", "", kinds()...)
		r.Title = d.str(f.get("title"))
		r.Body = d.str(f.get("body"))
		prioV := f.get("priority")
		r.Priority = d.oneOf(prioV, "priority", "", priorities()...)
		if r.Action == ActionPriority && r.Priority == "" && d.str(prioV) == "" {
			d.errorf(prioV, "required by action priority: one of %s", strings.Join(priorities(), ", "))
		}
		r.Why = d.str(f.get("why"))
		r.At = d.str(f.get("at"))
		r.Before = d.duration(f.get("before"), 0, 0)
		r.Expires = d.duration(f.get("expires"), 0, 0)
		r.Enabled = d.boolp(f.get("enabled"))
		out = append(out, r)
	}
	return out
}

// interests reads user.interests: each item a topic string or a mapping
// {topic: electric vehicles, also: [EV, home charging]}, also a string or
// a list of strings.
func (d *decoder) interests(v val, u *User) {
	for _, item := range d.list(v, "topics") {
		if _, isMap := item.node.(*ast.MappingNode); !isMap {
			if s := d.str(item); s != "" {
				u.Interests = append(u.Interests, s)
			} else if item.null() {
				d.errorf(item, "empty list item; expected a topic")
			}
			continue
		}
		f, _ := d.fields(item, "an interest", "topic", "also")
		topic := d.str(f.get("topic"))
		if !d.required(f.get("topic"), topic, "the interest's words, e.g. {topic: electric vehicles, also: [EV]}") {
			continue
		}
		var also []string
		if a := f.get("also"); !a.null() {
			if _, isSeq := a.node.(*ast.SequenceNode); isSeq {
				also = d.strs(a, "words or phrases")
			} else if s := d.str(a); s != "" {
				also = []string{s}
			}
		}
		u.Interests = append(u.Interests, topic)
		if len(also) > 0 {
			if u.InterestAlso == nil {
				u.InterestAlso = map[string][]string{}
			}
			u.InterestAlso[topic] = append(u.InterestAlso[topic], also...)
		}
	}
}
