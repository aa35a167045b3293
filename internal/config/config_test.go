package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const cfgFile = "/home/a/.config/agentd/config.yaml"

func TestLoadFull(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	f := false
	checks := map[string]struct{ got, want any }{
		"path":              {c.Path, filepath.Join(dir, "full.yaml")},
		"user.name":         {c.User.Name, "Alice"},
		"user.aliases":      {c.User.Aliases, []string{"alice@work.example.com"}},
		"user.location":     {c.User.Location.String(), paris.String()},
		"user.interests":    {c.User.Interests, []string{"golang", "home automation"}},
		"working_hours":     {c.User.WorkingHours.String(), "08:30-17:00 Mon,Wed,Fri"},
		"working_hours.wed": {c.User.WorkingHours.Days[time.Wednesday], true},
		"working_hours.tue": {c.User.WorkingHours.Days[time.Tuesday], false},
		"quiet_hours":       {*c.User.QuietHours, DailyWindow{Start: 22 * time.Hour, End: 7 * time.Hour}},
		"bus.listen":        {c.Bus.Listen, "127.0.0.1:4222"},
		"bus.data_dir":      {c.Bus.DataDir, filepath.Join(dir, "state", "bus")},
		"feeds":             {len(c.Sources.Feeds), 4},
		"feed0.every":       {c.Sources.Feeds[0].Every, Duration(30 * time.Minute)},
		"feed0.timeout":     {c.Sources.Feeds[0].Timeout, DefaultFeedTimeout},
		"feed0.max_bytes":   {c.Sources.Feeds[0].MaxBytes, int64(DefaultFeedMaxBytes)},
		"feed1.url":         {c.Sources.Feeds[1].URL, "file://" + filepath.ToSlash(filepath.Join(dir, "feeds", "go-blog.xml"))},
		"feed1.every":       {c.Sources.Feeds[1].Every, DefaultFeedEvery},
		"feed1.max_bytes":   {c.Sources.Feeds[1].MaxBytes, int64(512 << 10)},
		"feed0.max_new":     {c.Sources.Feeds[0].MaxNew, DefaultFeedMaxNew},
		"feed1.max_new":     {c.Sources.Feeds[1].MaxNew, 5},
		"feed2.url":         {c.Sources.Feeds[2].URL, "file://" + filepath.ToSlash(filepath.Join(dir, "feeds", "dot.xml"))},
		"feed3.url":         {c.Sources.Feeds[3].URL, "file:///srv/feeds/a.xml"},
		"feed3.max_bytes":   {c.Sources.Feeds[3].MaxBytes, int64(2048)},
		"mail0.imap.port":   {c.Sources.Mail[0].IMAP.Port, 143},
		"mail0.imap.tls":    {c.Sources.Mail[0].IMAP.TLS, TLSStartTLS},
		"mail0.password":    {c.Sources.Mail[0].IMAP.Password.String(), "command"},
		"mail0.mailboxes":   {c.Sources.Mail[0].Mailboxes, []string{"INBOX", "Lists/go"}},
		"mail0.lookback":    {c.Sources.Mail[0].Lookback, Duration(14 * 24 * time.Hour)},
		"mail1.maildir":     {c.Sources.Mail[1].Maildir, filepath.Join(dir, "Maildir")},
		"mail1.mailboxes":   {c.Sources.Mail[1].Mailboxes, []string{"INBOX"}},
		"mail1.lookback":    {c.Sources.Mail[1].Lookback, DefaultMailLookback},
		"mail2.port":        {c.Sources.Mail[2].IMAP.Port, 1143},
		"mail2.password":    {c.Sources.Mail[2].IMAP.Password.String(), "env:AGENTD_TEST_PW"},
		"cal0.password":     {c.Sources.Calendars[0].CalDAV.Password.String(), "file:" + filepath.Join(dir, "secrets", "caldav")},
		"cal0.calendars":    {c.Sources.Calendars[0].Calendars, []string{"Personal", "Family"}},
		"cal0.every":        {c.Sources.Calendars[0].Every, Duration(5 * time.Minute)},
		"cal1.url":          {c.Sources.Calendars[1].URL, "webcal://example.com/holidays.ics"},
		"cal1.every":        {c.Sources.Calendars[1].Every, DefaultCalendarEvery},
		"cal2.path":         {c.Sources.Calendars[2].Path, filepath.Join(dir, "ics")},
		"llm.enabled":       {c.LLM.Enabled(), true},
		"llm.api_key":       {c.LLM.APIKey.String(), "env:OPENAI_API_KEY"},
		"terminal":          {*c.Notify.Terminal, Terminal{MinPriority: "low"}},
		"desktop":           {*c.Notify.Desktop, Desktop{MinPriority: "high", Kinds: []string{"reminder", "draft"}, QuietHours: &f}},
		"planner":           {c.Planner.FeedMaxAge, Duration(36 * time.Hour)},
		"rules":             {len(c.Rules), 3},
		"rule0.line":        {c.Rules[0].Line, 73},
		"digest":            {*c.Notify.Digest, Digest{At: 6*time.Hour + 45*time.Minute, To: "alice@example.com", From: "alice@example.com", Empty: DigestEmptySkip, SMTP: c.Notify.Digest.SMTP}},
		"digest.smtp":       {[]any{c.Notify.Digest.SMTP.Host, c.Notify.Digest.SMTP.Port, c.Notify.Digest.SMTP.TLS, c.Notify.Digest.SMTP.Username, c.Notify.Digest.SMTP.Password.String()}, []any{"smtp.example.com", 587, TLSStartTLS, "alice", "env:AGENTD_SMTP_PW"}},
		"rule1.enabled":     {c.Rules[1].Enabled, &f},
		"rule1.priority":    {c.Rules[1].Priority, "urgent"},
		"rule2.body":        {c.Rules[2].Body, "Someone asked you to call back.\n"},
		"rule2.before":      {c.Rules[2].Before, Duration(15 * time.Minute)},
		"rule2.expires":     {c.Rules[2].Expires, Duration(48 * time.Hour)},
	}
	for name, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %#v, want %#v", name, ch.got, ch.want)
		}
	}
}

// goodConfigs are valid configs that must parse and survive Marshal →
// Parse unchanged.
func goodConfigs(t *testing.T) map[string][]byte {
	t.Helper()
	full, err := os.ReadFile(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"full":    full,
		"example": Example(),
		"brief": []byte(`user: {name: Alice, email: alice@example.com, aliases: [], timezone: Europe/Paris,
       interests: [golang, "home automation"], working_hours: "09:00-18:00 Mon-Fri", quiet_hours: "22:00-07:00"}
bus: {url: "", listen: "", data_dir: "", credentials_file: ""}
sources:
  feeds:     [{name: go-blog, url: "https://go.dev/blog/feed.atom", every: 30m}]
  mail:      []
  calendars: []
llm: {}
notify: {terminal: {}, desktop: {}}
planner: {feed_max_age: 3d}
rules: []
`),
		"minimal":               []byte("user: {name: Bob}\n"),
		"empty-map":             []byte("{}\n"),
		"null-section":          []byte("user:\nbus:\nsources:\nnotify:\n"),
		"external-bus":          []byte("bus: {url: 'nats://a:4222,tls://b:4222', credentials_file: ~/nats/user.creds}\n"),
		"external-bus-tls-nkey": []byte("bus: {url: 'tls://a:4222', nkey_seed_file: ~/nats/user.nk, tls: {ca_file: ~/nats/ca.pem}}\n"),
		"join-another-agentd":   []byte("bus: {url: 'nats://127.0.0.1:4222', token_file: ~/.local/share/agentd/bus.token}\n"),
		"listen-tls":            []byte("bus: {listen: '0.0.0.0:4222', tls: {cert_file: /etc/agentd/cert.pem, key_file: /etc/agentd/key.pem}}\n"),
		"anchors-and-merge": []byte(`sources:
  feeds:
    - &slow {name: a, url: "https://a.example/feed", every: 6h, timeout: 1m}
    - <<: *slow
      name: b
      url: https://b.example/feed
`),
		"wrapping-working-hours": []byte(`user: {working_hours: "22:00-06:00 Sun-Thu", timezone: UTC}` + "\n"),
		"quoted-keys-and-tags":   []byte(`"user": {"name": !!str 2024}` + "\n"),
	}
}

func TestRoundTrip(t *testing.T) {
	for name, data := range goodConfigs(t) {
		t.Run(name, func(t *testing.T) {
			first, err := Parse(cfgFile, data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			out, err := first.Marshal()
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			second, err := Parse(cfgFile, out)
			if err != nil {
				t.Fatalf("Parse(Marshal()): %v\n%s", err, out)
			}
			for i := range first.Rules { // lines differ between the two texts
				first.Rules[i].Line, second.Rules[i].Line = 0, 0
			}
			if !reflect.DeepEqual(first, second) {
				t.Errorf("round trip changed the config:\nfirst:  %+v\nsecond: %+v\nYAML:\n%s", first, second, out)
			}
		})
	}
}

func TestParseSpecifics(t *testing.T) {
	cases := map[string]struct {
		yaml  string
		check func(*Config) (got, want any)
	}{
		"merge key keeps explicit keys": {
			yaml: goodString(t, "anchors-and-merge"),
			check: func(c *Config) (any, any) {
				b := c.Sources.Feeds[1]
				return []any{b.Name, b.URL, b.Every, b.Timeout}, []any{"b", "https://b.example/feed", Duration(6 * time.Hour), Duration(time.Minute)}
			},
		},
		"tagged number as a string": {
			yaml:  `user: {name: !!str 2024}`,
			check: func(c *Config) (any, any) { return c.User.Name, "2024" },
		},
		"default timezone is Local": {
			yaml:  `user: {name: a}`,
			check: func(c *Config) (any, any) { return []any{c.User.Timezone, c.User.Location}, []any{"Local", time.Local} },
		},
		"default working hours": {
			yaml:  `user: {name: a}`,
			check: func(c *Config) (any, any) { return c.User.WorkingHours.String(), DefaultWorkingHours },
		},
		"no quiet hours": {
			yaml:  `user: {name: a}`,
			check: func(c *Config) (any, any) { return c.User.QuietHours == nil, true },
		},
		"notify absent is nil": {
			yaml: `user: {name: a}`,
			check: func(c *Config) (any, any) {
				return []any{c.Notify.Terminal == nil, c.Notify.Desktop == nil}, []any{true, true}
			},
		},
		"desktop quiet hours default true": {
			yaml:  `notify: {desktop: {}}`,
			check: func(c *Config) (any, any) { return *c.Notify.Desktop.QuietHours, true },
		},
		"listen keeps a non-loopback address": {
			yaml:  `bus: {listen: "0.0.0.0:4222", tls: {cert_file: /c.pem, key_file: /k.pem}}`,
			check: func(c *Config) (any, any) { return c.Bus.Listen, "0.0.0.0:4222" },
		},
		"listen colon port is loopback": {
			yaml:  `bus: {listen: ":4333"}`,
			check: func(c *Config) (any, any) { return c.Bus.Listen, "127.0.0.1:4333" },
		},
		"listen ipv6": {
			yaml:  `bus: {listen: "[::1]:4222"}`,
			check: func(c *Config) (any, any) { return c.Bus.Listen, "[::1]:4222" },
		},
		"imap implicit default port": {
			yaml: `sources: {mail: [{name: m, imap: {host: h.example, username: u, password_env: P}}]}`,
			check: func(c *Config) (any, any) {
				return []any{c.Sources.Mail[0].IMAP.Port, c.Sources.Mail[0].IMAP.TLS}, []any{993, "implicit"}
			},
		},
		"imap none on localhost": {
			yaml:  `sources: {mail: [{name: m, imap: {host: localhost, tls: none, username: u, password_env: P}}]}`,
			check: func(c *Config) (any, any) { return c.Sources.Mail[0].IMAP.Port, 143 },
		},
		"feed url with tilde": {
			yaml: `sources: {feeds: [{name: f, url: "file://~/feeds/x.xml"}]}`,
			check: func(c *Config) (any, any) {
				home, _ := os.UserHomeDir()
				return c.Sources.Feeds[0].URL, "file://" + filepath.ToSlash(filepath.Join(home, "feeds", "x.xml"))
			},
		},
		"llm loopback sends full by default": {
			yaml: `llm: {url: "http://127.0.0.1:11434/v1", model: m}`,
			check: func(c *Config) (any, any) {
				return []any{c.LLM.Send, c.LLM.Timeout, c.LLM.DailyTokenBudget, c.LLM.MaxCallsPerHour, c.LLM.ModelFor("draft")},
					[]any{SendFull, DefaultLLMTimeout, int64(DefaultLLMDailyTokens), DefaultLLMCallsPerHour, "m"}
			},
		},
		"llm hosted sends redacted by default": {
			yaml:  `llm: {url: "https://api.example.com/v1", model: m, api_key_env: K}`,
			check: func(c *Config) (any, any) { return c.LLM.Send, SendRedacted },
		},
		"llm all keys": {
			yaml: "llm: {url: \"https://api.example.com/v1\", model: small, drafts_model: big, api_key_env: K, timeout: 20s, daily_token_budget: 1000, max_calls_per_hour: 5, send: never, ledger_retention: 7d}",
			check: func(c *Config) (any, any) {
				l := c.LLM
				return []any{l.ModelFor("draft"), l.ModelFor("judgement"), l.Timeout, l.DailyTokenBudget, l.MaxCallsPerHour, l.Send, l.LedgerRetention},
					[]any{"big", "small", Duration(20 * time.Second), int64(1000), 5, SendNever, Duration(7 * 24 * time.Hour)}
			},
		},
		"source llm is the stricter": {
			yaml: `{llm: {url: "http://localhost:11434/v1", model: m}, sources: {mail: [{name: a, maildir: /a, llm: never}, {name: b, maildir: /b, llm: redacted}, {name: c, maildir: /c}]}}`,
			check: func(c *Config) (any, any) {
				var got []string
				for _, m := range c.Sources.Mail {
					got = append(got, c.LLM.SendFor(m.LLM))
				}
				return got, []string{SendNever, SendRedacted, SendFull}
			},
		},
		"no llm sends nothing": {
			yaml:  `sources: {mail: [{name: a, maildir: /a, llm: full}]}`,
			check: func(c *Config) (any, any) { return c.LLM.SendFor(c.Sources.Mail[0].LLM), SendNever },
		},
		"digest defaults": {
			yaml: "user: {email: a@example.com}\nnotify: {digest: {smtp: {host: smtp.example.com, username: a, password_env: P}}}",
			check: func(c *Config) (any, any) {
				d := c.Notify.Digest
				return []any{d.At, d.To, d.From, d.Empty, d.SMTP.Port, d.SMTP.TLS}, []any{DefaultDigestAt, "a@example.com", "a@example.com", DigestEmptyShort, 465, TLSImplicit}
			},
		},
		"digest local relay without login": {
			yaml: "notify: {digest: {to: me@example.com, from: agentd@example.com, at: '18:05', smtp: {host: 127.0.0.1, tls: none}}}",
			check: func(c *Config) (any, any) {
				d := c.Notify.Digest
				return []any{d.At, d.To, d.From, d.SMTP.Port, d.SMTP.Username, d.SMTP.Password.IsSet()}, []any{18*time.Hour + 5*time.Minute, "me@example.com", "agentd@example.com", 25, "", false}
			},
		},
		"digest absent is nil": {
			yaml:  "notify: {terminal: {}}",
			check: func(c *Config) (any, any) { return c.Notify.Digest == nil, true },
		},
		"data dir default": {
			yaml:  `user: {name: a}`,
			check: func(c *Config) (any, any) { return c.Bus.DataDir, DefaultDataDir() },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := Parse(cfgFile, []byte(tc.yaml))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got, want := tc.check(c); !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v, want %#v", got, want)
			}
		})
	}
}

func goodString(t *testing.T, name string) string {
	t.Helper()
	return string(goodConfigs(t)[name])
}

// TestBadConfigs checks that each mistake is reported at its line, under
// its key path, saying what would be valid.
func TestBadConfigs(t *testing.T) {
	cases := map[string]struct {
		yaml string
		line int
		path string
		want []string // all in the message
	}{
		"syntax error": {
			yaml: "user:\n  name: [a, b\nbus: {}\n", line: 3, path: "",
			want: []string{"YAML syntax"},
		},
		"empty file": {
			yaml: "", line: 1, want: []string{"empty", "agentd init"},
		},
		"two documents": {
			yaml: "user: {name: a}\n---\nuser: {name: b}\n", line: 3, want: []string{"one YAML document"},
		},
		"top level not a mapping": {
			yaml: "- a\n- b\n", line: 1, want: []string{"expected the config", "user, bus, sources", "got a list"},
		},
		"unknown top-level key": {
			yaml: "user: {}\nsourcse: {}\n", line: 2, path: "sourcse",
			want: []string{`unknown key "sourcse"`, `did you mean "sources"`, "user, bus, sources, llm, notify, planner, rules"},
		},
		"unknown nested key": {
			yaml: "user:\n  name: a\n  colour: blue\n", line: 3, path: "user.colour",
			want: []string{`unknown key "colour"`, "name, email, aliases, timezone, interests, working_hours, quiet_hours"},
		},
		"duplicate key": {
			yaml: "user:\n  name: a\n  name: b\n", line: 3, want: []string{"YAML syntax", `"name" already defined`},
		},
		"wrong type for section": {
			yaml: "user: alice\n", line: 1, path: "user",
			want: []string{"expected user (a mapping with keys name, email", `got the string "alice"`},
		},
		"wrong type for list": {
			yaml: "user: {interests: golang}\n", line: 1, path: "user.interests",
			want: []string{"expected a list of topics", `got the string "golang"`},
		},
		"wrong type for string": {
			yaml: "user:\n  name: {first: a}\n", line: 2, path: "user.name", want: []string{"expected a string", "got a mapping"},
		},
		"bad timezone": {
			yaml: "user:\n  timezone: Europe/Pari\n", line: 2, path: "user.timezone",
			want: []string{`"Europe/Pari" is not a time zone`, "Europe/Paris", "Local"},
		},
		"bad email": {
			yaml: "user: {email: 'Alice <a@example.com>'}\n", line: 1, path: "user.email",
			want: []string{"not an email address", "alice@example.com"},
		},
		"bad alias": {
			yaml: "user:\n  aliases:\n    - ok@example.com\n    - nope\n", line: 4, path: "user.aliases[1]",
			want: []string{`"nope" is not an email address`},
		},
		"bad quiet hours": {
			yaml: "user:\n  quiet_hours: 22h-7h\n", line: 2, path: "user.quiet_hours",
			want: []string{"22h-7h", "HH:MM-HH:MM", "22:00-07:00"},
		},
		"quiet hours same start and end": {
			yaml: "user: {quiet_hours: '07:00-07:00'}\n", line: 1, path: "user.quiet_hours", want: []string{"same time of day"},
		},
		"bad working days": {
			yaml: "user:\n  working_hours: 09:00-18:00 Mon-Fry\n", line: 2, path: "user.working_hours",
			want: []string{`"Fry" is not a day`, "Mon Tue Wed Thu Fri Sat Sun", "Mon,Wed,Fri"},
		},
		"feed name missing": {
			yaml: "sources:\n  feeds:\n    - url: https://a.example/feed\n", line: 3, path: "sources.feeds[0].name",
			want: []string{"required", "unique name"},
		},
		"feed url missing": {
			yaml: "sources:\n  feeds:\n    - name: a\n", line: 3, path: "sources.feeds[0].url",
			want: []string{"required", "http://, https:// or file://"},
		},
		"feed name invalid": {
			yaml: "sources:\n  feeds:\n    - name: Go Blog\n      url: https://go.dev/blog/feed.atom\n", line: 3, path: "sources.feeds[0].name",
			want: []string{`"Go Blog" is not a valid name`, "lowercase letters, digits, - and _", "NATS subjects"},
		},
		"feed name duplicate": {
			yaml: "sources:\n  feeds:\n    - {name: a, url: 'https://a.example/'}\n    - {name: a, url: 'https://b.example/'}\n",
			line: 4, path: "sources.feeds[1].name", want: []string{`"a" is already the name of sources.feeds[0] (line 3)`, "unique"},
		},
		"feed scheme": {
			yaml: "sources:\n  feeds:\n    - {name: a, url: 'ftp://a.example/feed'}\n", line: 3, path: "sources.feeds[0].url",
			want: []string{`scheme "ftp" is not valid`, "http, https, file"},
		},
		"feed url with password": {
			yaml: "sources:\n  feeds:\n    - {name: a, url: 'https://bob:hunter2@a.example/feed'}\n", line: 3, path: "sources.feeds[0].url",
			want: []string{"credentials do not belong in URLs", "password_env"},
		},
		"feed file url with host": {
			yaml: "sources:\n  feeds:\n    - {name: a, url: 'file://feeds/x.xml'}\n", line: 3, path: "sources.feeds[0].url",
			want: []string{`names host "feeds"`, "file:relative/path", "file://./relative/path", "file:///absolute/path"},
		},
		"feed every bad": {
			yaml: "sources:\n  feeds:\n    - name: a\n      url: https://a.example/\n      every: 30x\n", line: 5, path: "sources.feeds[0].every",
			want: []string{`"30x" is not a duration (examples: 90s, 30m, 2h, 1d)`},
		},
		"feed every without unit": {
			yaml: "sources:\n  feeds:\n    - {name: a, url: 'https://a.example/', every: 30}\n", line: 3, path: "sources.feeds[0].every",
			want: []string{"30 is not a duration: add a unit", "90s, 30m"},
		},
		"feed every too often": {
			yaml: "sources:\n  feeds:\n    - {name: a, url: 'https://a.example/', every: 10s}\n", line: 3, path: "sources.feeds[0].every",
			want: []string{`"10s" is too short`, "the least is 1m"},
		},
		"feed max bytes bad": {
			yaml: "sources:\n  feeds:\n    - {name: a, url: 'https://a.example/', max_bytes: 10XB}\n", line: 3, path: "sources.feeds[0].max_bytes",
			want: []string{`"10XB" is not a size`, "KB, MB, GB, KiB, MiB, GiB"},
		},
		"feeds not a list": {
			yaml: "sources:\n  feeds: {name: a}\n", line: 2, path: "sources.feeds",
			want: []string{"expected a list of feeds", "got a mapping"},
		},
		"mail neither imap nor maildir": {
			yaml: "sources:\n  mail:\n    - name: m\n", line: 3, path: "sources.mail[0]",
			want: []string{"exactly one of imap", "maildir"},
		},
		"mail both imap and maildir": {
			yaml: "sources:\n  mail:\n    - name: m\n      maildir: ~/Maildir\n      imap: {host: h.example, username: u, password_env: P}\n",
			line: 3, path: "sources.mail[0]", want: []string{"exactly one of imap and maildir, not both"},
		},
		"mail literal password": {
			yaml: "sources:\n  mail:\n    - name: m\n      imap:\n        host: h.example\n        username: u\n        password: hunter2\n",
			line: 7, path: "sources.mail[0].imap.password",
			want: []string{"not written in the config", "password_env", "password_file", "password_command"},
		},
		"mail password missing": {
			yaml: "sources:\n  mail:\n    - name: m\n      imap:\n        host: h.example\n        username: u\n",
			line: 5, path: "sources.mail[0].imap.password", want: []string{"required", "password_env, password_file or password_command"},
		},
		"mail two password sources": {
			yaml: "sources:\n  mail:\n    - name: m\n      imap:\n        host: h.example\n        username: u\n        password_env: P\n        password_command: pass show m\n",
			line: 8, path: "sources.mail[0].imap.password_command", want: []string{"only one of password_env, password_file and password_command"},
		},
		"mail tls invalid": {
			yaml: "sources:\n  mail:\n    - name: m\n      imap: {host: h.example, username: u, password_env: P, tls: ssl}\n",
			line: 4, path: "sources.mail[0].imap.tls", want: []string{`"ssl" is not a valid tls mode`, "implicit, starttls, none"},
		},
		"mail tls none remote": {
			yaml: "sources:\n  mail:\n    - name: m\n      imap: {host: imap.example.com, username: u, password_env: P, tls: none}\n",
			line: 4, path: "sources.mail[0].imap.tls", want: []string{"loopback hosts", "implicit", "starttls", "imap.example.com"},
		},
		"mail host with port": {
			yaml: "sources:\n  mail:\n    - name: m\n      imap: {host: 'imap.example.com:993', username: u, password_env: P}\n",
			line: 4, path: "sources.mail[0].imap.host", want: []string{"put the port in imap.port"},
		},
		"mail port out of range": {
			yaml: "sources:\n  mail:\n    - name: m\n      imap: {host: h.example, port: 99999, username: u, password_env: P}\n",
			line: 4, path: "sources.mail[0].imap.port", want: []string{"whole number from 1 to 65535", "99999"},
		},
		"mail env name holds a secret": {
			yaml: "sources:\n  mail:\n    - name: m\n      imap: {host: h.example, username: u, password_env: 'hunter2 !'}\n",
			line: 4, path: "sources.mail[0].imap.password_env", want: []string{"not an environment variable name"},
		},
		"digest at not a time": {
			yaml: "user: {email: a@example.com}\nnotify:\n  digest:\n    at: 7.30\n    smtp: {host: h.example, username: u, password_env: P}\n",
			line: 4, path: "notify.digest.at", want: []string{`"7.30" is not a time of day HH:MM`, "07:30"},
		},
		"digest at out of range": {
			yaml: "user: {email: a@example.com}\nnotify:\n  digest:\n    at: '24:00'\n    smtp: {host: h.example, username: u, password_env: P}\n",
			line: 4, path: "notify.digest.at", want: []string{"00:00 to 23:59"},
		},
		"digest without to or user email": {
			yaml: "notify:\n  digest:\n    smtp: {host: h.example, username: u, password_env: P}\n",
			line: 3, path: "notify.digest.to", want: []string{"required", "alice@example.com", "user.email"},
		},
		"digest bad to": {
			yaml: "notify:\n  digest:\n    to: me\n    smtp: {host: h.example, username: u, password_env: P}\n",
			line: 3, path: "notify.digest.to", want: []string{`"me" is not an email address`},
		},
		"digest empty invalid": {
			yaml: "user: {email: a@example.com}\nnotify:\n  digest:\n    empty: never\n    smtp: {host: h.example, username: u, password_env: P}\n",
			line: 4, path: "notify.digest.empty", want: []string{`"never" is not a valid empty mode`, "short, skip"},
		},
		"digest without smtp": {
			yaml: "user: {email: a@example.com}\nnotify:\n  digest:\n    at: '07:30'\n",
			line: 4, path: "notify.digest.smtp", want: []string{"required", "host, port, tls"},
		},
		"digest unknown key": {
			yaml: "user: {email: a@example.com}\nnotify:\n  digest:\n    time: '07:30'\n    smtp: {host: h.example}\n",
			line: 4, path: "notify.digest.time", want: []string{`unknown key "time"`, "at, to, from, empty, smtp"},
		},
		"digest smtp tls none remote": {
			yaml: "user: {email: a@example.com}\nnotify:\n  digest:\n    smtp:\n      host: smtp.example.com\n      tls: none\n",
			line: 6, path: "notify.digest.smtp.tls", want: []string{"clear text", "loopback hosts", "implicit (port 465)", "starttls (port 587)"},
		},
		"digest smtp tls invalid": {
			yaml: "user: {email: a@example.com}\nnotify:\n  digest:\n    smtp:\n      host: smtp.example.com\n      tls: ssl\n",
			line: 6, path: "notify.digest.smtp.tls", want: []string{`"ssl" is not a valid tls mode`, "implicit, starttls, none"},
		},
		"digest smtp host with port": {
			yaml: "user: {email: a@example.com}\nnotify:\n  digest:\n    smtp:\n      host: 'smtp.example.com:587'\n",
			line: 5, path: "notify.digest.smtp.host", want: []string{"put the port in smtp.port"},
		},
		"digest smtp port": {
			yaml: "user: {email: a@example.com}\nnotify:\n  digest:\n    smtp:\n      host: smtp.example.com\n      port: 0\n",
			line: 6, path: "notify.digest.smtp.port", want: []string{"whole number from 1 to 65535"},
		},
		"digest smtp literal password": {
			yaml: "user: {email: a@example.com}\nnotify:\n  digest:\n    smtp:\n      host: smtp.example.com\n      username: u\n      password: hunter2\n",
			line: 7, path: "notify.digest.smtp.password", want: []string{"not written in the config", "password_env", "password_file", "password_command"},
		},
		"digest smtp password missing": {
			yaml: "user: {email: a@example.com}\nnotify:\n  digest:\n    smtp:\n      host: smtp.example.com\n      username: u\n",
			line: 5, path: "notify.digest.smtp.password", want: []string{"required", "password_env, password_file or password_command"},
		},
		"digest smtp password without username": {
			yaml: "user: {email: a@example.com}\nnotify:\n  digest:\n    smtp:\n      host: smtp.example.com\n      password_env: P\n",
			line: 5, path: "notify.digest.smtp.username", want: []string{"required with a password", "login name"},
		},
		"mail lookback": {
			yaml: "sources:\n  mail:\n    - {name: m, maildir: /m, lookback: forever}\n", line: 3, path: "sources.mail[0].lookback",
			want: []string{`"forever" is not a duration`},
		},
		"mail name duplicate": {
			yaml: "sources:\n  mail:\n    - {name: m, maildir: /a}\n    - {name: m, maildir: /b}\n", line: 4, path: "sources.mail[1].name",
			want: []string{"mail account names must be unique"},
		},
		"calendar none": {
			yaml: "sources:\n  calendars:\n    - name: c\n", line: 3, path: "sources.calendars[0]",
			want: []string{"exactly one of caldav", "url", "path", "0 are set"},
		},
		"calendar two": {
			yaml: "sources:\n  calendars:\n    - {name: c, url: 'https://a.example/c.ics', path: c.ics}\n", line: 3, path: "sources.calendars[0]",
			want: []string{"exactly one of caldav", "2 are set"},
		},
		"calendar url scheme": {
			yaml: "sources:\n  calendars:\n    - {name: c, url: 'ftp://a.example/c.ics'}\n", line: 3, path: "sources.calendars[0].url",
			want: []string{`scheme "ftp" is not valid`, "https, http, webcal"},
		},
		"calendar caldav username missing": {
			yaml: "sources:\n  calendars:\n    - name: c\n      caldav:\n        url: https://dav.example/\n        password_env: P\n",
			line: 5, path: "sources.calendars[0].caldav.username", want: []string{"required", "login name"},
		},
		"calendar names without caldav": {
			yaml: "sources:\n  calendars:\n    - name: c\n      url: https://a.example/c.ics\n      calendars: [Work]\n",
			line: 5, path: "sources.calendars[0].calendars", want: []string{"caldav account"},
		},
		"llm without url": {
			yaml: "llm:\n  model: llama3\n", line: 2, path: "llm.url", want: []string{"required when model", "leave llm empty"},
		},
		"llm without model": {
			yaml: "llm:\n  url: http://localhost:11434/v1\n", line: 2, path: "llm.model", want: []string{"required", "model name"},
		},
		"llm literal api key": {
			yaml: "llm:\n  url: https://api.example/v1\n  model: m\n  api_key: sk-123\n", line: 4, path: "llm.api_key",
			want: []string{"api_key_env", "api_key_file", "api_key_command"},
		},
		"llm send invalid": {
			yaml: "llm:\n  url: http://localhost:11434/v1\n  model: m\n  send: everything\n", line: 4, path: "llm.send",
			want: []string{`"everything" is not a valid send mode`, "never, redacted, full"},
		},
		"llm full over plain http": {
			yaml: "llm:\n  url: http://llm.example.com/v1\n  model: m\n  send: full\n", line: 4, path: "llm.send",
			want: []string{"clear text over http", "send: redacted"},
		},
		"llm budget not a number": {
			yaml: "llm:\n  url: http://localhost:11434/v1\n  model: m\n  daily_token_budget: lots\n", line: 4, path: "llm.daily_token_budget",
			want: []string{"whole number"},
		},
		"mail llm invalid": {
			yaml: "sources:\n  mail:\n    - {name: m, maildir: /m, llm: sometimes}\n", line: 3, path: "sources.mail[0].llm",
			want: []string{`"sometimes" is not a valid llm setting`, "never, redacted, full"},
		},
		"bus url scheme": {
			yaml: "bus: {url: 'http://nats.example:4222'}\n", line: 1, path: "bus.url", want: []string{`scheme "http" is not valid`, "nats, tls, ws, wss"},
		},
		"bus url credentials": {
			yaml: "bus: {url: 'nats://u:secretpw@nats.example:4222'}\n", line: 1, path: "bus.url", want: []string{"credentials_file"},
		},
		"bus listen bad": {
			yaml: "bus:\n  listen: 'localhost:http'\n", line: 2, path: "bus.listen", want: []string{"1 to 65535", "host:port"},
		},
		"bus listen beyond loopback without tls": {
			yaml: "bus:\n  listen: 0.0.0.0:4222\n", line: 2, path: "bus.listen",
			want: []string{"reachable from other machines", "bus.tls.cert_file", "127.0.0.1:4222"},
		},
		"bus tls cert without key": {
			yaml: "bus:\n  listen: 4222\n  tls:\n    cert_file: /c.pem\n", line: 4, path: "bus.tls.key_file",
			want: []string{"required with bus.tls.cert_file"},
		},
		"bus ca_file on the embedded server": {
			yaml: "bus:\n  listen: 4222\n  tls: {ca_file: /ca.pem}\n", line: 3, path: "bus.tls.ca_file",
			want: []string{"only to an external server"},
		},
		"bus nkey with credentials": {
			yaml: "bus:\n  url: tls://n.example:4222\n  credentials_file: /u.creds\n  nkey_seed_file: /u.nk\n", line: 4, path: "bus.nkey_seed_file",
			want: []string{"bus.credentials_file is set too", "token_file"},
		},
		"bus listen with url": {
			yaml: "bus:\n  url: nats://a.example:4222\n  listen: 4222\n", line: 3, path: "bus.listen", want: []string{"only to the embedded server"},
		},
		"bad path variable": {
			yaml: "bus:\n  data_dir: $FOO/agentd\n", line: 2, path: "bus.data_dir", want: []string{"$FOO is not expanded", "$XDG_DATA_HOME"},
		},
		"notify priority": {
			yaml: "notify:\n  terminal:\n    min_priority: loud\n", line: 3, path: "notify.terminal.min_priority",
			want: []string{`"loud" is not a valid priority`, "low, normal, high, urgent"},
		},
		"notify kind": {
			yaml: "notify:\n  desktop:\n    kinds: [reminder, nudge]\n", line: 3, path: "notify.desktop.kinds[1]",
			want: []string{`"nudge" is not a valid kind`, "reminder, suggestion, draft"},
		},
		"notify quiet hours not bool": {
			yaml: "notify:\n  desktop:\n    quiet_hours: maybe\n", line: 3, path: "notify.desktop.quiet_hours",
			want: []string{"expected true or false", `"maybe"`},
		},
		"notify unknown channel": {
			yaml: "notify:\n  deskop: {}\n", line: 2, path: "notify.deskop", want: []string{`did you mean "desktop"`, "terminal, desktop"},
		},
		"planner max age": {
			yaml: "planner:\n  feed_max_age: -1d\n", line: 2, path: "planner.feed_max_age", want: []string{"too short", "1m"},
		},
		"planner agenda time": {
			yaml: "planner:\n  agenda_at: 7h30\n", line: 2, path: "planner.agenda_at", want: []string{"HH:MM", "07:30"},
		},
		"calendar remind_before": {
			yaml: "sources:\n  calendars:\n    - {name: c, path: /tmp/x.ics, remind_before: soon}\n", line: 3, path: "sources.calendars[0].remind_before", want: []string{"not a duration"},
		},
		"rule action invalid": {
			yaml: "rules:\n  - name: r\n    when: 'true'\n    action: shout\n", line: 4, path: "rules[0].action",
			want: []string{`"shout" is not a valid action`, "suggest, remind, mute, priority"},
		},
		"rule action missing": {
			yaml: "rules:\n  - name: r\n    when: 'true'\n", line: 2, path: "rules[0].action", want: []string{"required", "suggest, remind, mute, priority"},
		},
		"rule when missing": {
			yaml: "rules:\n  - name: r\n    action: mute\n", line: 2, path: "rules[0].when", want: []string{"required", "condition"},
		},
		"rule priority missing": {
			yaml: "rules:\n  - {name: r, when: x, action: priority}\n", line: 2, path: "rules[0].priority",
			want: []string{"required by action priority", "low, normal, high, urgent"},
		},
		"rule kind invalid": {
			yaml: "rules:\n  - {name: r, when: x, action: suggest, kind: memo}\n", line: 2, path: "rules[0].kind",
			want: []string{`"memo" is not a valid kind`, "reminder, suggestion, draft"},
		},
		"rule before negative": {
			yaml: "rules:\n  - {name: r, when: x, action: remind, before: -5m}\n", line: 2, path: "rules[0].before",
			want: []string{"must not be negative"},
		},
		"rule enabled not bool": {
			yaml: "rules:\n  - {name: r, when: x, action: mute, enabled: 'yes'}\n", line: 2, path: "rules[0].enabled",
			want: []string{"expected true or false"},
		},
		"merge of a scalar": {
			yaml: "user:\n  <<: 3\n", line: 2, path: "user.<<", want: []string{"merge key", "alias to a mapping"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(cfgFile, []byte(tc.yaml))
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tc.yaml)
			}
			prefix := fmt.Sprintf("%s:%d: ", cfgFile, tc.line)
			if tc.path != "" {
				prefix += tc.path + ": "
			}
			for _, e := range Errors(err) {
				if e.Line != tc.line || e.Path != tc.path {
					continue
				}
				if !strings.HasPrefix(e.Error(), prefix) {
					t.Errorf("error %q does not start with %q", e.Error(), prefix)
				}
				for _, w := range tc.want {
					if !strings.Contains(e.Msg, w) {
						t.Errorf("error %q lacks %q", e.Error(), w)
					}
				}
				return
			}
			t.Errorf("no error at line %d for %q; got:\n%v", tc.line, tc.path, err)
		})
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	yaml := "bus: {url: 'nats://u:s3cr3t-pw@nats.example:4222,nats://s3cr3t-pw@b.example'}\n" +
		"sources:\n  feeds:\n    - {name: a, url: 'https://bob:s3cr3t-pw@a.example/feed'}\n" +
		"  calendars:\n    - {name: c, caldav: {url: 'https://u:s3cr3t-pw@dav.example/', username: u, password_env: P}}\n"
	_, err := Parse(cfgFile, []byte(yaml))
	if err == nil {
		t.Fatal("Parse accepted credentials in URLs")
	}
	if got := len(Errors(err)); got != 4 {
		t.Errorf("got %d errors, want 4:\n%v", got, err)
	}
	if strings.Contains(err.Error(), "s3cr3t-pw") {
		t.Errorf("error shows the password:\n%v", err)
	}
}

// TestURLSecretsNeverInErrors: whatever is wrong with a URL, its message
// quotes the URL through redact.Link, so no password, token or private
// link reaches the terminal or the log of a failed reload.
func TestURLSecretsNeverInErrors(t *testing.T) {
	const pw, tok, priv = "s3cr3t-pw", "t0k3n-s3cr3t", "9f86d081884c7d659a2f"
	cases := map[string]struct{ yaml, want string }{
		"bus token, bad scheme": {
			yaml: "bus: {url: 'http://nats.example:4222/?token=" + tok + "'}\n",
			want: `"http://nats.example:4222/?token=REDACTED": scheme "http" is not valid`,
		},
		"bus does not parse": {
			yaml: "bus: {url: 'nats://u:" + pw + "@nats.example:42%zz'}\n",
			want: `"nats://REDACTED@nats.example:42%zz" is not a NATS URL`,
		},
		"feed token, bad scheme": {
			yaml: "sources:\n  feeds:\n    - {name: a, url: 'ftp://a.example/feed?api_key=" + tok + "'}\n",
			want: `"ftp://a.example/feed?api_key=REDACTED": scheme "ftp" is not valid`,
		},
		"feed password, does not parse": {
			yaml: "sources:\n  feeds:\n    - {name: a, url: 'https://bob:" + pw + "@a.example/%zz'}\n",
			want: `"https://REDACTED@a.example/%zz" is not a URL`,
		},
		"private calendar, bad scheme": {
			yaml: "sources:\n  calendars:\n    - {name: c, url: 'ftp://calendar.example/ical/me/private-" + priv + "/basic.ics'}\n",
			want: `"ftp://calendar.example/ical/me/REDACTED/basic.ics": scheme "ftp" is not valid`,
		},
		"private calendar, no host": {
			yaml: "sources:\n  calendars:\n    - {name: c, url: 'https:///ical/private-" + priv + "/basic.ics?key=" + tok + "'}\n",
			want: `"https:///ical/REDACTED/basic.ics?key=REDACTED" has no host`,
		},
		"imap host is a URL": {
			yaml: "sources:\n  mail:\n    - name: m\n      imap: {host: 'imaps://bob:" + pw + "@imap.example/', username: u, password_env: P}\n",
			want: `"imaps://REDACTED@imap.example/" is a URL or path`,
		},
		"llm key in the query": {
			yaml: "llm: {url: 'ftp://llm.example/v1?key=" + tok + "', model: m}\n",
			want: `"ftp://llm.example/v1?key=REDACTED": scheme "ftp" is not valid`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(cfgFile, []byte(tc.yaml))
			if err == nil {
				t.Fatal("Parse accepted it")
			}
			msg := err.Error()
			for _, s := range []string{pw, tok, priv} {
				if strings.Contains(msg, s) {
					t.Errorf("error shows %q:\n%s", s, msg)
				}
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error lacks %q:\n%s", tc.want, msg)
			}
		})
	}
}

func TestErrorsAllAtOnceInOrder(t *testing.T) {
	yaml := `rules:
  - {name: r, when: x, action: shout}
user:
  timezone: Nowhere/City
sources:
  feeds:
    - {name: A, url: 'https://a.example/', every: 1x}
extra: 1
`
	_, err := Parse(cfgFile, []byte(yaml))
	errs := Errors(err)
	var got []string
	for _, e := range errs {
		got = append(got, fmt.Sprintf("%d %s", e.Line, e.Path))
	}
	want := []string{
		"2 rules[0].action",
		"4 user.timezone",
		"7 sources.feeds[0].name",
		"7 sources.feeds[0].every",
		"8 extra",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	_, again := Parse(cfgFile, []byte(yaml))
	if err.Error() != again.Error() {
		t.Errorf("two parses report differently:\n%v\n---\n%v", err, again)
	}
	if lines := strings.Count(err.Error(), "\n") + 1; lines != len(want) {
		t.Errorf("error text has %d lines, want one per problem:\n%v", lines, err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.yaml")
	_, err := Load(missing)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "agentd init") {
		t.Errorf("Load(missing) = %v; want a not-exist error naming the file and agentd init", err)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte("user:\n  timezone: Mars/Olympus\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	if want := path + ":2: user.timezone: "; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Load(bad) = %v; want prefix %q", err, want)
	}
}

func TestExampleParses(t *testing.T) {
	c, err := Parse(cfgFile, Example())
	if err != nil {
		t.Fatalf("Example() does not parse:\n%v", err)
	}
	if len(c.Sources.Feeds) == 0 || c.Notify.Terminal == nil || c.Notify.Desktop == nil || c.User.QuietHours == nil {
		t.Errorf("example lost its feed, notifiers or quiet hours: %+v", c)
	}
}

func TestWriteExample(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "agentd", "config.yaml")
	if err := WriteExample(path); err != nil {
		t.Fatalf("WriteExample: %v", err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(Example()) {
		t.Error("written file differs from Example()")
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("example written with mode %v; want no group/other access", perm)
	}
	if _, err := Load(path); err != nil {
		t.Errorf("Load(written example): %v", err)
	}

	edited := []byte("user: {name: Edited}\n")
	if err := os.WriteFile(path, edited, 0o600); err != nil {
		t.Fatal(err)
	}
	err = WriteExample(path)
	if err == nil || !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("WriteExample over an existing file = %v; want an 'already exists' error", err)
	}
	if got, _ := os.ReadFile(path); string(got) != string(edited) {
		t.Error("WriteExample changed an existing file")
	}
}

func TestServiceUnit(t *testing.T) {
	cases := map[string]struct {
		binary, config string
		execStart      string
	}{
		"plain":       {"/usr/local/bin/agentd", "/home/a/.config/agentd/config.yaml", "ExecStart=/usr/local/bin/agentd run --config /home/a/.config/agentd/config.yaml\n"},
		"specifier":   {"/usr/bin/agentd", "%h/.config/agentd/config.yaml", "ExecStart=/usr/bin/agentd run --config %h/.config/agentd/config.yaml\n"},
		"space":       {"/opt/my apps/agentd", "/home/a/My Config.yaml", `ExecStart="/opt/my apps/agentd" run --config "/home/a/My Config.yaml"` + "\n"},
		"quote and $": {"/usr/bin/agentd", `/home/a/"$x".yaml`, `ExecStart=/usr/bin/agentd run --config "/home/a/\"$$x\".yaml"` + "\n"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			unit := string(ServiceUnit(tc.binary, tc.config))
			if !strings.Contains(unit, tc.execStart) {
				t.Errorf("unit lacks %q:\n%s", tc.execStart, unit)
			}
			for _, section := range []string{"[Unit]\n", "[Service]\n", "[Install]\nWantedBy=default.target\n"} {
				if !strings.Contains(unit, section) {
					t.Errorf("unit lacks %q", section)
				}
			}
		})
	}
}

// TestServiceExampleInSync keeps examples/agentd.service equal to what
// ServiceUnit writes.
func TestServiceExampleInSync(t *testing.T) {
	got, err := os.ReadFile(filepath.Join("..", "..", "examples", "agentd.service"))
	if err != nil {
		t.Fatal(err)
	}
	want := ServiceUnit(exampleBinary, exampleConfig)
	if string(got) != string(want) {
		t.Errorf("examples/agentd.service is out of date; regenerate it from ServiceUnit(%q, %q):\n%s", exampleBinary, exampleConfig, want)
	}
}

const (
	exampleBinary = "/usr/local/bin/agentd"
	exampleConfig = "%h/.config/agentd/config.yaml"
)

// TestServiceUnitVerifies runs systemd's own checker on the unit.
func TestServiceUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "agentd")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(dir, "agentd.service")
	if err := os.WriteFile(unit, ServiceUnit(bin, filepath.Join(dir, "config.yaml")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	if len(out) > 0 {
		t.Errorf("systemd-analyze verify complained:\n%s", out)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Example())
	full, err := os.ReadFile(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full)
	f.Add([]byte("user: {<<: *x}\n"))
	f.Add([]byte("sources: {feeds: [{name: a, url: 'file:x'}, ~, 3]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(cfgFile, data)
		if err != nil {
			if len(Errors(err)) == 0 {
				t.Fatalf("error without a located problem: %v", err)
			}
			return
		}
		out, err := c.Marshal()
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		if _, err := Parse(cfgFile, out); err != nil {
			t.Fatalf("Parse(Marshal(Parse(x))): %v\ninput:\n%q\noutput:\n%s", err, data, out)
		}
	})
}

func BenchmarkParseExample(b *testing.B) {
	data := Example()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(cfgFile, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFull(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "full.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(cfgFile, data); err != nil {
			b.Fatal(err)
		}
	}
}
