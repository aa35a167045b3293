// Package digest is the daily digest mail: what agentd knows about the
// user's day, built from the suggestion records (internal/suggestions), the
// sources' health and the model's budget, rendered as one multipart/
// alternative mail (plain text and phone-friendly HTML), sent over SMTP once
// a day at a local time.
//
// Exactly once: the send of a day is recorded in a state.Store before
// (intent, with the rendered message) and after (sent), keyed by the local
// date. A cron entry (robfig/cron, CRON_TZ) sends on time; a wall-clock check
// every minute catches what cron misses (a daemon started later that day, a
// laptop waking after the time). A failed send is retried with backoff with
// the same message, so the same Message-ID, and is never made twice.
//
// The package knows neither the planner nor the watchers (notifiers do not
// import them): the app adapts watchers.Health, the model's budget and the
// assistant's Summarize to the small types here.
package digest

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/suggestions"
)

// Rules the digest groups by name: the built-in rules (rules/builtin).
const (
	ruleAgenda        = "calendar-agenda"
	ruleMeeting       = "calendar-reminder"
	ruleConflict      = "calendar-conflict"
	ruleAwaitingReply = "mail-awaiting-my-reply"
	ruleFollowUp      = "mail-follow-up"
)

// What may reach a model (assist.SendNever … SendFull).
const (
	SendNever    = "never"
	SendRedacted = "redacted"
	SendFull     = "full"
)

// MaxFeedItems bounds the feed highlights; the rest are counted.
const MaxFeedItems = 8

// maxDetailLines bounds the lines of body shown under an item.
const maxDetailLines = 6

// SummaryItem is one line the summary paragraph is written from, with the
// policy of the source it came from (the shape of assist.SummaryItem).
type SummaryItem struct {
	Text string
	Send string
	Ref  string
}

// Summarizer writes the short paragraph on top of the digest. The app hands
// in the model's assistant; nil means no model: the digest is the template
// alone. An error leaves the paragraph out.
type Summarizer interface {
	Summarize(ctx context.Context, purpose string, items []SummaryItem) (string, error)
}

// SourceHealth is one watched source's state (the shape of watchers.Health).
type SourceHealth struct {
	Name      string // "mail:work", "feed:go-blog"
	OK        bool
	Failures  int
	Since     time.Time // when the current state began
	LastError string
}

// ModelBudget is the model's budget as the digest reports it.
type ModelBudget struct {
	DailyTokens    int // the limit; 0 = unlimited
	SpentToday     int
	SpentYesterday int
	ResetsAt       time.Time // next local midnight
	// CallsLeft is -1 when unlimited; NextCallAllowed is when the hourly
	// limit lets the next call through (zero when a call is allowed now).
	CallsLeft       int
	NextCallAllowed time.Time
}

// Sources is what a digest is built from. Only Suggestions is required.
type Sources struct {
	// Suggestions returns the open suggestion records (suggestions.Book's
	// List with the zero Filter).
	Suggestions func(ctx context.Context) ([]suggestions.Record, error)
	// Health returns the sources' health; nil when unknown (a preview
	// without the daemon).
	Health func() []SourceHealth
	// Budget returns the model's budget at now; nil when no model is
	// configured.
	Budget func(ctx context.Context, now time.Time) (ModelBudget, error)
	// Summarizer writes the paragraph on top; nil = none.
	Summarizer Summarizer
	// Send says what of a source ("mail:work") may reach the model;
	// nil means nothing (no summary).
	Send func(source string) string
}

// Item is one line of the digest.
type Item struct {
	ID    string
	Title string
	// Detail are the first lines of the suggestion's body.
	Detail []string
	// At is when a reminder fires (zero for a suggestion without one);
	// shown as a time of day in the user's zone.
	At       time.Time
	Link     string // http(s) only
	Why      string
	Priority string
	// Conflict marks overlapping meetings.
	Conflict bool
	// Source is what the item is about ("mail:work"); Ref its reference.
	Source string
	Ref    string
	// Account is the mail account a draft waits in.
	Account string
}

// Problem is something agentd could not do.
type Problem struct {
	What   string
	Since  time.Time // zero when not known
	Detail string
}

// Digest is the content of one day's digest.
type Digest struct {
	// Day is the local date (midnight in Location); At when it was made.
	Day      time.Time
	At       time.Time
	Location *time.Location
	// Summary is the model's paragraph, "" without one.
	Summary string
	// Agenda is today's agenda: reminders due today by time, then
	// conflicts and other calendar matters.
	Agenda []Item
	// Replies are mails to answer and questions to follow up.
	Replies []Item
	// Drafts are replies agentd saved in a Drafts folder.
	Drafts []Item
	// Feeds are the feed highlights, MoreFeeds those left out.
	Feeds     []Item
	MoreFeeds int
	// Other are the remaining open suggestions.
	Other []Item
	// Problems is what agentd could not do: sources down, the model's
	// budget spent.
	Problems []Problem
	// Model is the model's budget; nil without a model.
	Model *ModelBudget
}

// Items counts the things the digest tells about (not the problems).
func (d Digest) Items() int {
	return len(d.Agenda) + len(d.Replies) + len(d.Drafts) + len(d.Feeds) + d.MoreFeeds + len(d.Other)
}

// Empty reports a day with nothing to tell: no item and no problem.
func (d Digest) Empty() bool { return d.Items() == 0 && len(d.Problems) == 0 }

// Build gathers the digest of the local day of now. Only the suggestions
// are required: a failing health or budget source is logged and left out,
// and so is a summary the model could not write.
func Build(ctx context.Context, src Sources, now time.Time, loc *time.Location, log *slog.Logger) (Digest, error) {
	if loc == nil {
		loc = time.UTC
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	local := now.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	d := Digest{Day: day, At: local, Location: loc}
	if src.Suggestions == nil {
		return d, fmt.Errorf("digest: no suggestion source")
	}
	recs, err := src.Suggestions(ctx)
	if err != nil {
		return d, fmt.Errorf("digest: %w", err)
	}
	d.group(recs, now)
	if src.Health != nil {
		d.Problems = append(d.Problems, sourcesDown(src.Health(), loc)...)
	}
	if src.Budget != nil {
		b, err := src.Budget(ctx, now)
		if err != nil {
			log.Warn("digest: reading the model's budget", "err", err)
		} else {
			d.Model = &b
			d.Problems = append(d.Problems, budgetProblems(b, loc)...)
		}
	}
	if src.Summarizer != nil && d.Items() > 0 {
		items := d.summaryItems(src.Send)
		if len(items) > 0 {
			s, err := src.Summarizer.Summarize(ctx, "the day ahead (their daily digest mail)", items)
			if err != nil {
				log.Warn("digest: no summary paragraph", "err", err)
			} else {
				d.Summary = strings.TrimSpace(s)
			}
		}
	}
	return d, nil
}

// group sorts the open records into the digest's sections.
func (d *Digest) group(recs []suggestions.Record, now time.Time) {
	end := d.Day.AddDate(0, 0, 1)
	hasAgenda := false
	for _, r := range recs {
		s := r.Next()
		if s.Rule == ruleAgenda && inDay(s.Due, d.Day, end) && r.Open(now) {
			hasAgenda = true
		}
	}
	var feeds []Item
	for _, r := range recs {
		if !r.Open(now) {
			continue
		}
		s := r.Next()
		if !s.Due.IsZero() && !s.Due.Before(end) {
			continue // its moment is not today
		}
		it := item(s, d.Location)
		switch {
		case s.Kind == event.KindDraft:
			d.Drafts = append(d.Drafts, it)
		case s.Rule == ruleAwaitingReply || s.Rule == ruleFollowUp:
			d.Replies = append(d.Replies, it)
		case s.Kind == event.KindReminder:
			if !inDay(s.Due, d.Day, end) {
				continue // fired on an earlier day
			}
			if s.Rule == ruleMeeting {
				if hasAgenda {
					continue // the day's agenda lists the meeting
				}
				it.Title = withoutLead(it.Title)
			}
			d.Agenda = append(d.Agenda, it)
		case s.Rule == ruleConflict:
			it.Conflict = true
			d.Agenda = append(d.Agenda, it)
		case strings.HasPrefix(it.Source, "calendar:"):
			d.Agenda = append(d.Agenda, it)
		case strings.HasPrefix(it.Source, "feed:"):
			feeds = append(feeds, it)
		default:
			d.Other = append(d.Other, it)
		}
	}
	// Timed items first, by time; then by priority, highest first.
	slices.SortStableFunc(d.Agenda, func(a, b Item) int {
		if a.At.IsZero() != b.At.IsZero() {
			if a.At.IsZero() {
				return 1
			}
			return -1
		}
		return cmp.Or(a.At.Compare(b.At), byPriority(a, b))
	})
	for _, l := range [][]Item{d.Replies, d.Drafts, feeds, d.Other} {
		slices.SortStableFunc(l, byPriority)
	}
	if len(feeds) > MaxFeedItems {
		d.MoreFeeds = len(feeds) - MaxFeedItems
		feeds = feeds[:MaxFeedItems]
	}
	d.Feeds = feeds
}

func byPriority(a, b Item) int {
	return cmp.Compare(event.PriorityRank(b.Priority), event.PriorityRank(a.Priority))
}

func inDay(t, start, end time.Time) bool {
	return !t.IsZero() && !t.Before(start) && t.Before(end)
}

// withoutLead drops a meeting reminder's lead ("In 10 min: "), written for
// the moment it fires, not for a morning mail.
func withoutLead(title string) string {
	if _, rest, ok := strings.Cut(title, ": "); ok && rest != "" {
		return rest
	}
	return title
}

func item(s event.Suggestion, loc *time.Location) Item {
	it := Item{
		ID: s.ID, Title: oneLine(s.Title), Why: oneLine(s.Why), Priority: s.Priority,
		Link: webLink(s.Link),
	}
	if !s.Due.IsZero() {
		it.At = s.Due.In(loc)
	}
	if len(s.About) > 0 {
		it.Source, it.Ref = s.About[0].Source, s.About[0].Ref
	}
	body := s.Body
	if s.Draft != nil {
		it.Account = s.Draft.Account
		if body == "" {
			body = s.Draft.Body
		}
	}
	for l := range strings.SplitSeq(body, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l == it.Link {
			continue
		}
		if len(it.Detail) == maxDetailLines {
			it.Detail = append(it.Detail, "…")
			break
		}
		it.Detail = append(it.Detail, clip(l, 300))
	}
	return it
}

// webLink keeps http(s) links only: anything else does not belong in a mail.
func webLink(s string) string {
	s = strings.TrimSpace(s)
	l := strings.ToLower(s)
	if strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
		return s
	}
	return ""
}

func oneLine(s string) string {
	return clip(strings.Join(strings.Fields(s), " "), 300)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func sourcesDown(hs []SourceHealth, loc *time.Location) []Problem {
	var out []Problem
	for _, h := range hs {
		if h.OK || h.Failures == 0 {
			continue
		}
		p := Problem{What: h.Name + " is down", Since: h.Since.In(loc), Detail: clip(oneLine(h.LastError), 200)}
		if h.Failures > 1 {
			p.What += fmt.Sprintf(" (%d failed attempts)", h.Failures)
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b Problem) int { return strings.Compare(a.What, b.What) })
	return out
}

func budgetProblems(b ModelBudget, loc *time.Location) []Problem {
	var out []Problem
	if b.DailyTokens > 0 {
		switch {
		case b.SpentToday >= b.DailyTokens:
			out = append(out, Problem{
				What:   fmt.Sprintf("The model's daily budget of %s tokens is spent", thousands(b.DailyTokens)),
				Detail: "drafts and summaries wait until " + b.ResetsAt.In(loc).Format("Mon 2 Jan 15:04"),
			})
		case b.SpentYesterday >= b.DailyTokens:
			out = append(out, Problem{
				What:   fmt.Sprintf("The model's daily budget of %s tokens ran out yesterday", thousands(b.DailyTokens)),
				Detail: "some drafts and summaries waited for midnight; raise llm.daily_token_budget if this happens often",
			})
		}
	}
	if b.CallsLeft == 0 && !b.NextCallAllowed.IsZero() {
		out = append(out, Problem{
			What:   "The model's hourly call limit is reached",
			Detail: "the next call is allowed at " + b.NextCallAllowed.In(loc).Format("15:04"),
		})
	}
	return out
}

// thousands writes n with thin grouping: 50,000.
func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && c != '-' && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// summaryItems are the lines the model may read, each under its source's
// policy; items whose source says never are left out.
func (d Digest) summaryItems(send func(string) string) []SummaryItem {
	if send == nil {
		return nil
	}
	var out []SummaryItem
	add := func(section string, items []Item) {
		for _, it := range items {
			policy := send(it.Source)
			if policy != SendFull && policy != SendRedacted {
				continue
			}
			text := section + ": " + it.Title
			if !it.At.IsZero() {
				text += " (at " + it.At.Format("15:04") + ")"
			}
			ref := it.Source
			if it.Ref != "" {
				ref += "/" + it.Ref
			}
			out = append(out, SummaryItem{Text: text, Send: policy, Ref: ref})
		}
	}
	add("today", d.Agenda)
	add("to answer", d.Replies)
	add("draft waiting", d.Drafts)
	add("feed", d.Feeds)
	add("other", d.Other)
	return out
}
