package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/planner/assist"
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

// judgeJob is one mail and the suggestions the rules made for it.
type judgeJob struct {
	Mail        event.Mail         `json:"mail"`
	Suggestions []event.Suggestion `json:"suggestions"`
}

// judging runs judgement jobs; a nil *judging does nothing.
type judging struct {
	cfg       *config.Config
	assistant *assist.Assistant
	book      *suggestions.Book
	bus       *bus.Bus
	log       *slog.Logger
	now       func() time.Time
}

// startJudging starts the judgement consumer when a model is configured.
func (a *App) startJudging(ctx, runCtx context.Context, cfg *config.Config, book *suggestions.Book) (*judging, error) {
	if !draftsWanted(cfg) { // a model, and a mail account that may reach it
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
	return j, nil
}

// queue queues a judgement of what the rules made for ev, when one of
// them asks for it.
func (j *judging) queue(ctx context.Context, ev event.Event, made []event.Suggestion) error {
	if j == nil || ev.Type != event.TypeMailReceived || sendFor(j.cfg, ev.Source) == config.SendNever {
		return nil
	}
	wanted := false
	for _, s := range made {
		wanted = wanted || judged(s.Rule)
	}
	if !wanted {
		return nil
	}
	var m event.Mail
	if err := ev.Decode(&m); err != nil {
		return nil
	}
	return j.bus.PublishWork(ctx, workJudge, ev.ID, judgeJob{Mail: m, Suggestions: made})
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
	verdicts, err := j.assistant.Judge(ctx, assist.JudgeJob{Mail: job.Mail, Candidates: cands, Send: sendFor(j.cfg, "mail:"+job.Mail.Account)})
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
	for _, v := range verdicts {
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
			if err := j.book.Answer(ctx, v.ID, suggestions.ActionDismiss, time.Time{}); err != nil && !errors.Is(err, suggestions.ErrWithdrawn) {
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
