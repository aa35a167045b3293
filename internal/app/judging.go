package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/planner"
	"github.com/agentd/agentd/planner/assist"
	"github.com/agentd/agentd/planner/correspondence"
	"github.com/agentd/agentd/planner/llm"
)

// Judgement where rules are blind. A mail whose candidates include a
// payment (the rules cannot tell a real bill from a scam) is shown to the
// model with every candidate the rules made for it; the model keeps or
// drops each with a reason, and may set a priority and a title in the
// mail's language. The rules' suggestions go out at once (a payment
// reminder fires days later); the judgement waits on the WORK stream and
// closes or retitles them when it comes. Anything invalid, late or refused
// leaves the rules' output standing.

// judged reports the rules whose candidates ask for the model's judgement.
func judged(rule string) bool { return rule == "mail-invoice-due" }

// workJudge is the WORK stream's kind for judgement jobs.
const workJudge = "judge"

// judgeJob is one item and the suggestions the rules made for it.
type judgeJob struct {
	// Mail is the mail, or a calendar event shown as one (Subject the
	// summary, Text its description and location).
	Mail        event.Mail         `json:"mail"`
	Suggestions []event.Suggestion `json:"suggestions"`
	Source      string             `json:"source"`
	Ref         string             `json:"ref,omitempty"`
	// Question: a list mail that names the user; does it ask them?
	Question bool `json:"question,omitempty"`
	// Starts are the occurrences' starts by recurrence id, for a calendar
	// event whose text may give the trip's length.
	Starts map[string]time.Time `json:"starts,omitempty"`
	Title  string               `json:"title,omitempty"`
}

// judging runs judgement jobs; a nil *judging does nothing.
type judging struct {
	cfg       *config.Config
	assistant *assist.Assistant
	book      *suggestions.Book
	bus       *bus.Bus
	log       *slog.Logger
	now       func() time.Time
	interests *interestSweeper
}

// startJudging starts the judgement consumer when a model is configured.
func (a *App) startJudging(ctx, runCtx context.Context, cfg *config.Config, book *suggestions.Book) (*judging, error) {
	if !cfg.LLM.Enabled() {
		return nil, nil
	}
	store, err := a.bus.Store(ctx, BucketLLM)
	if err != nil {
		return nil, err
	}
	m, err := BuildModel(ctx, cfg, store, a.logger, a.opts.HTTPClient, a.now)
	if err != nil {
		return nil, fmt.Errorf("start judgement: %w", err)
	}
	j := &judging{cfg: cfg, assistant: m.Assistant, book: book, bus: a.bus, log: a.logger.With("component", "judgement"), now: a.now}
	stop, err := a.bus.Consume(runCtx, bus.StreamWork, "judge", []string{bus.WorkFilter(workJudge)}, j.handler())
	if err != nil {
		return nil, fmt.Errorf("start judgement: %w", err)
	}
	a.stops = append(a.stops, stop)
	if z := newInterestSweeper(cfg, m.Assistant, store, book, a.logger, a.now); z != nil {
		j.interests = z
		if a.interestEvery > 0 {
			z.every = a.interestEvery
		}
		zctx, cancel := context.WithCancel(runCtx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			z.run(zctx)
		}()
		a.stops = append(a.stops, func() { cancel(); <-done })
	}
	return j, nil
}

// queue queues a judgement of what the rules made for ev, when one of
// them asks for it (a payment), when a list mail names the user, or when
// an event's text gives the trip's length.
func (j *judging) queue(ctx context.Context, ev event.Event, res planner.Result) error {
	if j == nil || res.Muted || sendFor(j.cfg, ev.Source) == config.SendNever {
		return nil // a mute rule's silence holds for the model too
	}
	made := res.Suggestions
	switch ev.Type {
	case event.TypeFeedItem:
		return j.interests.add(ctx, ev, made)
	case event.TypeMailReceived:
		var m event.Mail
		if err := ev.Decode(&m); err != nil || m.Backfill && !anyJudged(made) {
			return nil
		}
		job := judgeJob{Mail: m, Suggestions: made, Source: ev.Source}
		switch {
		case anyJudged(made):
		case m.Automated && listMail(m) && namesUser(j.cfg, m) && !madeBy(made, ruleAwaitingMyReply):
			// The rules ask the user by name themselves (a reply owed);
			// the model is asked only when they made nothing of it.
			job.Question = true
		default:
			return nil
		}
		return j.bus.PublishWork(ctx, workJudge, ev.ID, job)
	case event.TypeCalendarChanged:
		var reminders []event.Suggestion
		for _, s := range made {
			if s.Rule == ruleCalendarReminder && !s.Due.IsZero() {
				reminders = append(reminders, s)
			}
		}
		var ce event.CalendarEvent
		if len(reminders) == 0 || ev.Decode(&ce) != nil || !tripPhrase.MatchString(ce.Description+"\n"+ce.Location) {
			return nil
		}
		job := judgeJob{
			Mail:   event.Mail{Account: ce.Calendar, MessageID: ce.UID, Subject: ce.Summary, Text: ce.Description + "\nLocation: " + ce.Location},
			Source: ev.Source, Ref: ev.Source + "/" + ce.UID, Starts: map[string]time.Time{}, Title: ce.Summary,
		}
		for _, o := range ce.Occurrences {
			job.Starts[o.RecurrenceID] = o.Start
		}
		job.Suggestions = reminders
		// Not judged: only the trip is asked. Same event text, same job.
		return j.bus.PublishWork(ctx, workJudge, event.ID(ev.ID, "trip"), job)
	}
	return nil
}

// ruleCalendarReminder is the reminder before a meeting.
const ruleCalendarReminder = "calendar-reminder"

// tripBuffer is how long before the leave-by time the reminder fires.
const tripBuffer = 10 * time.Minute

// tripPhrase finds text that gives a trip's length: "45 min door to door",
// "20 minutes' walk", "trajet 30 min", "Fahrzeit 1 Stunde".
var tripPhrase = regexp.MustCompile(`(?i)(\d+\s*(min|mins|minutes?|h|hours?|heures?|stunden?|std)\b.{0,40}(door to door|drive|driving|walk|by car|by train|by bike|trip|journey|travel|trajet|route|en voiture|à pied|fahrt|anfahrt|zu fuß|mit dem auto))|((door to door|drive|trip|journey|travel time|trajet|fahrzeit|anfahrt).{0,30}\d+\s*(min|mins|minutes?|h|hours?|heures?|stunden?|std)\b)`)

func madeBy(made []event.Suggestion, rule string) bool {
	for _, s := range made {
		if s.Rule == rule {
			return true
		}
	}
	return false
}

func anyJudged(made []event.Suggestion) bool {
	for _, s := range made {
		if judged(s.Rule) {
			return true
		}
	}
	return false
}

// listMail: a mailing-list mail (not a newsletter or a robot).
func listMail(m event.Mail) bool { return correspondence.ListMail(m) }

// namesUser is the cheap filter before asking the model about a list
// mail: a sentence outside the greeting names the user (first name, full
// name or an address of theirs, as a word) and asks something.
func namesUser(cfg *config.Config, m event.Mail) bool {
	me := make([]string, 0, len(cfg.User.Aliases)+1)
	for a := range userAddresses(cfg) {
		me = append(me, a)
	}
	_, ok := correspondence.NewNames(cfg.User.Name, me).Asks(m.Text)
	return ok
}

func (j *judging) handler() bus.Handler {
	return func(ctx context.Context, msg bus.Message) error {
		var job judgeJob
		if err := json.Unmarshal(msg.Data, &job); err != nil {
			return bus.Drop(fmt.Errorf("undecodable judgement job: %w", err))
		}
		return j.handle(ctx, job)
	}
}

func (j *judging) handle(ctx context.Context, job judgeJob) error {
	cands := make([]assist.Candidate, 0, len(job.Suggestions))
	byID := map[string]event.Suggestion{}
	for _, s := range job.Suggestions {
		cands = append(cands, assist.Candidate{ID: s.ID, Kind: s.Kind, Title: s.Title, Why: s.Why})
		byID[s.ID] = s
	}
	ask := assist.JudgeJob{Mail: job.Mail, Send: sendFor(j.cfg, job.Source), Ref: job.Ref, AskQuestion: job.Question, AskTrip: job.Starts != nil}
	if job.Starts == nil {
		ask.Candidates = cands
	}
	res, err := j.assistant.Judge(ctx, ask)
	if err != nil {
		if retry, after := llm.IsRetryable(err); retry {
			var be *llm.BudgetError
			if errors.As(err, &be) && be.ResetAt.After(j.now()) {
				after = be.ResetAt.Sub(j.now())
			}
			return bus.RetryAfter(max(after, 30*time.Second), err)
		}
		j.log.Info("no judgement; the rules' suggestions stand", "mail", job.Mail.MessageID, "err", err)
		return nil
	}
	if res.AsksUser {
		if err := j.listQuestion(ctx, job, res.Question); err != nil {
			return err
		}
	}
	if res.TripMinutes > 0 {
		if err := j.leaveBy(ctx, job, res.TripMinutes); err != nil {
			return err
		}
	}
	for _, v := range res.Verdicts {
		rec, err := j.book.Get(ctx, v.ID)
		if errors.Is(err, state.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		switch rec.Status {
		case event.StatusWithdrawn, event.StatusDismissed, event.StatusDone:
			continue // settled meanwhile
		}
		if !v.Keep {
			j.log.Info("the model dropped a suggestion", "suggestion", v.ID, "rule", rec.Suggestion.Rule, "reason", v.Reason, "mail", job.Mail.MessageID)
			if err := j.book.Drop(ctx, v.ID); err != nil && !errors.Is(err, suggestions.ErrWithdrawn) {
				return err
			}
			continue
		}
		s := rec.Suggestion
		changed := false
		if v.Priority != "" && v.Priority != s.Priority {
			s.Priority, changed = v.Priority, true
		}
		if v.Title != "" && v.Title != s.Title {
			s.Title, changed = v.Title, true
		}
		if !changed {
			continue
		}
		if _, err := j.book.Offer(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// listQuestion offers "reply on the list" for a list mail the model found
// asks the user directly.
func (j *judging) listQuestion(ctx context.Context, job judgeJob, question string) error {
	m := job.Mail
	from := "the list"
	if len(m.From) > 0 {
		from = m.From[0].Name
		if from == "" {
			from = m.From[0].Email
		}
	}
	s := event.Suggestion{
		SpecVersion: event.SpecVersion,
		ID:          event.ID(ruleListQuestion, job.Source, m.MessageID),
		Kind:        event.KindSuggestion,
		Title:       "Reply to " + from + " on the list: " + excerpt(m.Subject, 60),
		Body:        question,
		Priority:    event.PriorityNormal,
		Created:     j.now(),
		Expires:     j.now().Add(21 * 24 * time.Hour),
		About:       []event.About{{Source: job.Source, Type: event.TypeMailReceived, Ref: m.MessageID}},
		Rule:        ruleListQuestion,
		Why:         "a mailing-list mail names you and asks you directly (the model's judgement)",
		Status:      event.StatusPending,
	}
	_, err := j.book.Offer(ctx, s)
	return err
}

// ruleListQuestion names the model's list-question suggestions.
const ruleListQuestion = "model-list-question"

// leaveBy moves each reminder of the event to the time to leave: start −
// trip − a buffer, when that is earlier than the reminder.
func (j *judging) leaveBy(ctx context.Context, job judgeJob, minutes int) error {
	trip := time.Duration(minutes) * time.Minute
	for _, s := range job.Suggestions {
		if len(s.About) == 0 {
			continue
		}
		start, ok := job.Starts[s.About[0].RecurrenceID]
		if !ok && len(job.Starts) == 1 {
			for _, st := range job.Starts {
				start, ok = st, true // a single event: its one occurrence
			}
		}
		if !ok {
			continue
		}
		rec, err := j.book.Get(ctx, s.ID)
		if err != nil || rec.Status != event.StatusPending {
			continue // unknown, delivered, answered or withdrawn meanwhile
		}
		cur := rec.Suggestion
		leave := start.Add(-trip)
		due := leave.Add(-tripBuffer)
		if !due.Before(cur.Due) || !due.After(j.now()) {
			continue
		}
		cur.Due = due
		cur.Title = "Leave by " + leave.In(j.cfg.User.Location).Format("15:04") + " for " + excerpt(job.Title, 60)
		cur.Why = strings.TrimSpace(cur.Why) + fmt.Sprintf("; the event says the trip takes %d min", minutes)
		if _, err := j.book.Offer(ctx, cur); err != nil {
			return err
		}
	}
	return nil
}

func excerpt(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
