package config

import (
	"fmt"

	"github.com/goccy/go-yaml"
)

// Marshal writes the config as YAML that Parse reads back to an equal
// Config: defaults filled in, paths absolute, secrets as their sources
// (password_env: NAME), never their values. `agentd check` can show it as
// the effective configuration.
func (c *Config) Marshal() ([]byte, error) {
	out, err := yaml.MarshalWithOptions(c.mapSlice(), yaml.IndentSequence(true))
	if err != nil {
		return nil, fmt.Errorf("config %s: marshal: %w", c.Path, err)
	}
	return out, nil
}

type kv = yaml.MapItem

// put appends key: value unless value is empty.
func put(m yaml.MapSlice, key string, value any) yaml.MapSlice {
	switch v := value.(type) {
	case string:
		if v == "" {
			return m
		}
	case []string:
		if len(v) == 0 {
			return m
		}
	case yaml.MapSlice:
		if v == nil {
			return m
		}
	case []yaml.MapSlice:
		if len(v) == 0 {
			return m
		}
	case Duration:
		if v == 0 {
			return m
		}
		value = v.String()
	case *bool:
		if v == nil {
			return m
		}
		value = *v
	}
	return append(m, kv{Key: key, Value: value})
}

func putSecret(m yaml.MapSlice, prefix string, s Secret) yaml.MapSlice {
	m = put(m, prefix+"_env", s.Env)
	m = put(m, prefix+"_file", s.File)
	return put(m, prefix+"_command", s.Command)
}

func (c *Config) mapSlice() yaml.MapSlice {
	u := c.User
	user := yaml.MapSlice{}
	user = put(user, "name", u.Name)
	user = put(user, "email", u.Email)
	user = put(user, "aliases", u.Aliases)
	user = put(user, "timezone", u.Timezone)
	user = putInterests(user, u)
	if u.WorkingHours != (WorkingHours{}) {
		user = put(user, "working_hours", u.WorkingHours.String())
	}
	if u.QuietHours != nil {
		user = put(user, "quiet_hours", u.QuietHours.String())
	}

	bus := yaml.MapSlice{}
	bus = put(bus, "url", c.Bus.URL)
	bus = put(bus, "listen", c.Bus.Listen)
	bus = put(bus, "data_dir", c.Bus.DataDir)
	bus = put(bus, "credentials_file", c.Bus.CredentialsFile)
	bus = put(bus, "nkey_seed_file", c.Bus.NKeySeedFile)
	bus = put(bus, "token_file", c.Bus.TokenFile)
	if c.Bus.TLS != (BusTLS{}) {
		tls := yaml.MapSlice{}
		tls = put(tls, "cert_file", c.Bus.TLS.CertFile)
		tls = put(tls, "key_file", c.Bus.TLS.KeyFile)
		tls = put(tls, "ca_file", c.Bus.TLS.CAFile)
		bus = put(bus, "tls", tls)
	}

	var feeds, mails, cals []yaml.MapSlice
	for _, f := range c.Sources.Feeds {
		m := yaml.MapSlice{}
		m = put(m, "name", f.Name)
		m = put(m, "url", f.URL)
		m = put(m, "every", f.Every)
		m = put(m, "timeout", f.Timeout)
		if f.MaxBytes != 0 {
			m = put(m, "max_bytes", f.MaxBytes)
			m = put(m, "max_new", f.MaxNew)
			m = put(m, "llm", f.LLM)
		}
		feeds = append(feeds, m)
	}
	for _, ml := range c.Sources.Mail {
		m := yaml.MapSlice{}
		m = put(m, "name", ml.Name)
		if ml.IMAP != nil {
			im := yaml.MapSlice{}
			im = put(im, "host", ml.IMAP.Host)
			if ml.IMAP.Port != 0 {
				im = put(im, "port", ml.IMAP.Port)
			}
			im = put(im, "tls", ml.IMAP.TLS)
			im = put(im, "username", ml.IMAP.Username)
			im = putSecret(im, "password", ml.IMAP.Password)
			m = put(m, "imap", im)
		}
		m = put(m, "maildir", ml.Maildir)
		m = put(m, "mailboxes", ml.Mailboxes)
		m = put(m, "lookback", ml.Lookback)
		m = put(m, "llm", ml.LLM)
		mails = append(mails, m)
	}
	for _, cl := range c.Sources.Calendars {
		m := yaml.MapSlice{}
		m = put(m, "name", cl.Name)
		if cl.CalDAV != nil {
			cd := yaml.MapSlice{}
			cd = put(cd, "url", cl.CalDAV.URL)
			cd = put(cd, "username", cl.CalDAV.Username)
			cd = putSecret(cd, "password", cl.CalDAV.Password)
			m = put(m, "caldav", cd)
		}
		m = put(m, "url", cl.URL)
		m = put(m, "path", cl.Path)
		if cl.Demo {
			m = put(m, "demo", true)
		}
		m = put(m, "every", cl.Every)
		m = put(m, "calendars", cl.Calendars)
		m = put(m, "remind_before", cl.RemindBefore)
		m = put(m, "llm", cl.LLM)
		cals = append(cals, m)
	}
	sources := yaml.MapSlice{}
	sources = put(sources, "feeds", feeds)
	sources = put(sources, "mail", mails)
	sources = put(sources, "calendars", cals)

	llm := yaml.MapSlice{}
	llm = put(llm, "url", c.LLM.URL)
	llm = put(llm, "model", c.LLM.Model)
	llm = put(llm, "drafts_model", c.LLM.DraftsModel)
	llm = putSecret(llm, "api_key", c.LLM.APIKey)
	if c.LLM.Enabled() {
		llm = put(llm, "timeout", c.LLM.Timeout)
		llm = put(llm, "daily_token_budget", c.LLM.DailyTokenBudget)
		llm = put(llm, "max_calls_per_hour", c.LLM.MaxCallsPerHour)
		llm = put(llm, "send", c.LLM.Send)
		llm = put(llm, "ledger_retention", c.LLM.LedgerRetention)
	}

	notify := yaml.MapSlice{}
	if t := c.Notify.Terminal; t != nil {
		m := yaml.MapSlice{}
		m = put(m, "min_priority", t.MinPriority)
		m = put(m, "kinds", t.Kinds)
		notify = append(notify, kv{Key: "terminal", Value: m})
	}
	if d := c.Notify.Desktop; d != nil {
		m := yaml.MapSlice{}
		m = put(m, "min_priority", d.MinPriority)
		m = put(m, "kinds", d.Kinds)
		m = put(m, "quiet_hours", d.QuietHours)
		notify = append(notify, kv{Key: "desktop", Value: m})
	}
	if n := c.Notify.Ntfy; n != nil {
		m := yaml.MapSlice{}
		m = put(m, "url", n.URL)
		m = putSecret(m, "token", n.Token)
		m = put(m, "min_priority", n.MinPriority)
		m = put(m, "kinds", n.Kinds)
		m = put(m, "quiet_hours", n.QuietHours)
		notify = append(notify, kv{Key: "ntfy", Value: m})
	}
	if w := c.Notify.Webhook; w != nil {
		m := yaml.MapSlice{}
		m = put(m, "url", w.URL)
		m = putSecret(m, "secret", w.Secret)
		m = put(m, "min_priority", w.MinPriority)
		m = put(m, "kinds", w.Kinds)
		notify = append(notify, kv{Key: "webhook", Value: m})
	}
	if d := c.Notify.Digest; d != nil {
		m := yaml.MapSlice{}
		m = put(m, "at", fmtClock(d.At))
		m = put(m, "to", d.To)
		m = put(m, "from", d.From)
		m = put(m, "empty", d.Empty)
		s := yaml.MapSlice{}
		s = put(s, "host", d.SMTP.Host)
		if d.SMTP.Port != 0 {
			s = put(s, "port", d.SMTP.Port)
		}
		s = put(s, "tls", d.SMTP.TLS)
		s = put(s, "username", d.SMTP.Username)
		s = putSecret(s, "password", d.SMTP.Password)
		m = append(m, kv{Key: "smtp", Value: s})
		notify = append(notify, kv{Key: "digest", Value: m})
	}
	notify = encodeDelivery(notify, c.Notify)

	planner := put(yaml.MapSlice{}, "feed_max_age", c.Planner.FeedMaxAge)
	// 0 is a lead time of its own (remind as the meeting starts), not
	// "unset": left out, it would read back as the 10m default.
	planner = append(planner, kv{Key: "remind_before", Value: c.Planner.RemindBefore.String()})
	planner = put(planner, "agenda_at", fmtClock(c.Planner.AgendaAt))
	planner = put(planner, "follow_up_after", c.Planner.FollowUpAfter)
	planner = put(planner, "leave_before", c.Planner.LeaveBefore)
	planner = put(planner, "lookback_settle", c.Planner.LookbackSettle)

	var rules []yaml.MapSlice
	for _, r := range c.Rules {
		m := yaml.MapSlice{}
		m = put(m, "name", r.Name)
		m = put(m, "description", r.Description)
		m = put(m, "when", r.When)
		m = put(m, "action", r.Action)
		m = put(m, "kind", r.Kind)
		m = put(m, "title", r.Title)
		m = put(m, "body", r.Body)
		m = put(m, "priority", r.Priority)
		m = put(m, "why", r.Why)
		m = put(m, "at", r.At)
		m = put(m, "before", r.Before)
		m = put(m, "expires", r.Expires)
		m = put(m, "enabled", r.Enabled)
		rules = append(rules, m)
	}

	return yaml.MapSlice{
		{Key: "user", Value: user},
		{Key: "bus", Value: bus},
		{Key: "sources", Value: sources},
		{Key: "llm", Value: llm},
		{Key: "notify", Value: notify},
		{Key: "planner", Value: planner},
		{Key: "rules", Value: rules},
	}
}

// putInterests writes user.interests: plain strings, and {topic, also}
// mappings for topics with synonyms.
func putInterests(m yaml.MapSlice, u User) yaml.MapSlice {
	if len(u.InterestAlso) == 0 {
		return put(m, "interests", u.Interests)
	}
	var list []any
	for _, in := range u.Interests {
		if also := u.InterestAlso[in]; len(also) > 0 {
			list = append(list, yaml.MapSlice{{Key: "topic", Value: in}, {Key: "also", Value: also}})
		} else {
			list = append(list, in)
		}
	}
	return append(m, yaml.MapItem{Key: "interests", Value: list})
}
