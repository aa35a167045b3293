package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/bus"
	"github.com/agentd/agentd/internal/config"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/internal/suggestions"
	"github.com/agentd/agentd/notifiers/drafts"
	"github.com/agentd/agentd/planner/assist"
	"github.com/agentd/agentd/planner/llm"
)

// Reply drafts. When a model is configured, a thread that awaits the user's
// reply (the built-in rule mail-awaiting-my-reply) gets a draft written by
// the model and saved in the account's Drafts folder. The rules'
// suggestion goes out at once; the draft job waits on the WORK stream, so a
// model that is down or slow delays drafts and loses none. When the draft
// is saved, the same suggestion (same id) becomes kind draft with the
// draft's first lines as its body.

// ruleAwaitingMyReply is the rule whose suggestions get a draft.
const ruleAwaitingMyReply = "mail-awaiting-my-reply"

// workDraft is the WORK stream's kind for draft jobs.
const workDraft = "draft"

// Draft job operations.
const (
	draftWrite  = "write"
	draftRemove = "remove"
)

// draftJob is one job on the WORK stream.
type draftJob struct {
	Op string `json:"op"`
	// Suggestion is the rules' suggestion the draft answers (write) or
	// the one withdrawn (remove).
	Suggestion event.Suggestion `json:"suggestion"`
	// Mail is the message to answer (write).
	Mail *event.Mail `json:"mail,omitempty"`
}

// draftMail returns the mail a suggestion made while planning ev should
// get a draft for: a person's mail to the user in an account whose text
// may reach the model.
func draftMail(cfg *config.Config, s event.Suggestion, ev event.Event) (event.Mail, bool) {
	if !cfg.LLM.Enabled() || s.Rule != ruleAwaitingMyReply || ev.Type != event.TypeMailReceived {
		return event.Mail{}, false
	}
	if sendFor(cfg, ev.Source) == config.SendNever {
		return event.Mail{}, false
	}
	var m event.Mail
	if err := ev.Decode(&m); err != nil || m.MessageID == "" || m.Automated {
		return event.Mail{}, false
	}
	me := userAddresses(cfg)
	for _, a := range m.From {
		if me[strings.ToLower(a.Email)] {
			return event.Mail{}, false
		}
	}
	return m, true
}

// userAddresses is the set of the user's addresses, lower case.
func userAddresses(cfg *config.Config) map[string]bool {
	me := map[string]bool{}
	for _, a := range append([]string{cfg.User.Email}, cfg.User.Aliases...) {
		if a != "" {
			me[strings.ToLower(a)] = true
		}
	}
	return me
}

// draftPreview is what `plan` lists for a draft it would write: the
// suggestion as kind draft, saying to whom and under which subject, with no
// model call.
func draftPreview(cfg *config.Config, s event.Suggestion, m event.Mail) event.Suggestion {
	d := composeDraft(cfg, m, "")
	s.Kind = event.KindDraft
	s.Body = "A reply draft would be saved in Drafts: To " + addressList(d.To)
	if len(d.Cc) > 0 {
		s.Body += ", Cc " + addressList(d.Cc)
	}
	s.Body += ", Subject " + d.Subject
	s.Draft = &d
	return s
}

// composeDraft builds the draft's envelope for a reply to m (see
// event.DraftReply): From the user's address the mail was sent to, To/Cc by
// reply-all without the user, Re: subject, threading headers, the original
// below. Nothing of it comes from a model; body is the model's text.
func composeDraft(cfg *config.Config, m event.Mail, body string) event.Draft {
	var mine []string
	for a := range userAddresses(cfg) {
		mine = append(mine, a)
	}
	sort.Strings(mine)
	d := event.DraftReply(m, mine)
	d.From.Name = cfg.User.Name
	d.Body = body
	return d
}

func addressList(as []event.Address) string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Email
	}
	return strings.Join(out, ", ")
}

// draftSaver saves drafts where the user's mail client shows them
// (notifiers/drafts).
type draftSaver interface {
	Save(ctx context.Context, d event.Draft) (msgID string, err error)
	Withdraw(ctx context.Context, threadKey string) error
}

// draftWriter writes a draft's text (planner/assist).
type draftWriter interface {
	Draft(ctx context.Context, job assist.DraftJob) (assist.Draft, error)
}

// drafter runs draft jobs.
type drafter struct {
	cfg    *config.Config
	writer draftWriter
	saver  draftSaver
	book   *suggestions.Book
	style  styleBook
	log    *slog.Logger
	now    func() time.Time
}

// draftBodyLines is how much of a draft the suggestion's body shows.
const draftBodyLines = 4

// handle runs one job. Its error says when to try again (the model or the
// mail server is away, the budget is spent) or that the job is done with.
func (d *drafter) handle(ctx context.Context, job draftJob) error {
	start := time.Now() // for the log: how long the model and the save took
	key := job.Suggestion.ID
	if job.Op == draftRemove {
		if err := d.saver.Withdraw(ctx, key); err != nil {
			return fmt.Errorf("remove the draft for %s: %w", key, err)
		}
		return nil
	}
	if job.Op != draftWrite || job.Mail == nil {
		return bus.Drop(fmt.Errorf("draft job %s: unknown operation %q", key, job.Op))
	}
	m := *job.Mail
	rec, err := d.book.Get(ctx, key)
	if errors.Is(err, state.ErrNotFound) {
		// The planner stores it before queueing: nothing to answer.
		d.log.Warn("draft job for an unknown suggestion", "suggestion", key)
		return nil
	}
	if err != nil {
		return err
	}
	cur := rec.Suggestion
	switch {
	case rec.Status == event.StatusWithdrawn || rec.Status == event.StatusDismissed || rec.Status == event.StatusDone:
		// Answered, dismissed or done meanwhile: no draft needed.
		return nil
	case cur.Kind == event.KindDraft && cur.Draft != nil && cur.Draft.InReplyTo == m.MessageID:
		return nil // this thread state has its draft
	}
	send := sendFor(d.cfg, "mail:"+m.Account)
	if send == config.SendNever {
		return nil
	}
	style, err := d.style.List(ctx, m.Account)
	if err != nil {
		d.log.Warn("style examples", "account", m.Account, "err", err)
	}
	text, err := d.writer.Draft(ctx, assist.DraftJob{Mail: m, Style: style, Send: send})
	if err != nil {
		if retry, after := llm.IsRetryable(err); retry {
			var be *llm.BudgetError
			if errors.As(err, &be) && be.ResetAt.After(d.now()) {
				after = be.ResetAt.Sub(d.now())
			}
			d.log.Info("draft waits for the model", "suggestion", key, "retry_in", after.Round(time.Second), "err", err)
			return bus.RetryAfter(max(after, 30*time.Second), err)
		}
		if errors.Is(err, assist.ErrSkipped) {
			// The model's judgement: not really a question, a scam, a
			// phishing attempt. The suggestion is closed (listed as
			// dismissed, with the model's reason in the log); a new
			// mail in the thread makes it again.
			d.log.Info("the model found no reply is needed", "suggestion", key, "mail", m.MessageID, "reason", err)
			if err := d.book.Answer(ctx, key, suggestions.ActionDismiss, time.Time{}); err != nil && !errors.Is(err, suggestions.ErrWithdrawn) {
				return err
			}
			return nil
		}
		// Refused, invalid or discarded by the guard: the rules'
		// suggestion stands.
		d.log.Info("no draft", "suggestion", key, "mail", m.MessageID, "reason", err)
		return nil
	}
	draft := composeDraft(d.cfg, m, text.Body)
	draft.ThreadKey = key
	if text.Language != "" {
		draft.Language = text.Language
	}
	if _, err := d.saver.Save(ctx, draft); errors.Is(err, drafts.ErrUserDraft) {
		d.log.Info("no new draft: the user is writing this reply", "suggestion", key, "mail", m.MessageID)
		return nil
	} else if err != nil {
		return bus.RetryAfter(time.Minute, fmt.Errorf("save the draft for %s: %w", key, err))
	}
	s := cur
	s.Kind = event.KindDraft
	s.Body = firstLines(text.Body, draftBodyLines)
	if !strings.Contains(s.Why, "Drafts") {
		s.Why = strings.TrimSpace(s.Why) + "; a reply draft is in your Drafts folder"
	}
	s.Draft = &draft
	s.Created = d.now()
	if _, err := d.book.Offer(ctx, s); err != nil {
		return fmt.Errorf("offer the draft for %s: %w", key, err)
	}
	d.log.Info("draft saved", "suggestion", key, "account", m.Account, "mail", m.MessageID, "took", time.Since(start).Round(time.Microsecond))
	return nil
}

// firstLines returns the first n non-empty lines of text.
func firstLines(text string, n int) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		out = append(out, strings.TrimRight(l, " \t"))
		if len(out) == n {
			break
		}
	}
	return strings.Join(out, "\n")
}

// keepDraft reports whether s, the rules' version of a suggestion, must
// not replace the draft already made for it: the rules make it again on
// every mail of the thread, the draft stays until the thread moves on (a
// new mail to answer queues a new draft) or is answered (withdrawn).
func keepDraft(ctx context.Context, book *suggestions.Book, s event.Suggestion) bool {
	if s.Kind == event.KindDraft || s.Rule != ruleAwaitingMyReply {
		return false
	}
	rec, err := book.Get(ctx, s.ID)
	return err == nil && rec.Suggestion.Kind == event.KindDraft && rec.Status != event.StatusWithdrawn
}

// draftStores maps every mail source to the store its drafts go to: the
// IMAP account's Drafts mailbox, or the Maildir's Drafts folder.
func draftStores(cfg *config.Config, logger *slog.Logger) (map[string]drafts.Store, error) {
	out := map[string]drafts.Store{}
	for _, m := range cfg.Sources.Mail {
		switch {
		case m.IMAP != nil:
			secret := newSecretOnce(m.IMAP.Password, logger.With("account", m.Name))
			s, err := drafts.NewIMAP(drafts.IMAPConfig{
				Host: m.IMAP.Host, Port: m.IMAP.Port, TLS: m.IMAP.TLS, Username: m.IMAP.Username,
				Password: secret.Resolve,
			}, logger.With("account", m.Name))
			if err != nil {
				return nil, fmt.Errorf("drafts for mail %s: %w", m.Name, err)
			}
			out[m.Name] = s
		case m.Maildir != "":
			s, err := drafts.NewMaildir(drafts.MaildirConfig{Path: m.Maildir})
			if err != nil {
				return nil, fmt.Errorf("drafts for mail %s: %w", m.Name, err)
			}
			out[m.Name] = s
		}
	}
	return out, nil
}

// bucketDrafts is the drafts notifier's memory: which draft agentd wrote
// for which thread state.
const bucketDrafts = "agentd_drafts"

// drafting is the running draft pipeline; a nil *drafting (no model, or
// no account may reach it) does nothing.
type drafting struct {
	d   *drafter
	bus *bus.Bus
}

// startDrafting builds the draft pipeline and starts its WORK consumer.
func (a *App) startDrafting(ctx, runCtx context.Context, cfg *config.Config, book *suggestions.Book) (*drafting, error) {
	if !draftsWanted(cfg) {
		return nil, nil
	}
	llmStore, err := a.bus.Store(ctx, BucketLLM)
	if err != nil {
		return nil, err
	}
	draftState, err := a.bus.Store(ctx, bucketDrafts)
	if err != nil {
		return nil, err
	}
	d, err := newDrafter(ctx, cfg, llmStore, draftState, book, a.logger, a.opts.HTTPClient, a.now)
	if err != nil {
		return nil, fmt.Errorf("start drafts: %w", err)
	}
	stop, err := a.bus.Consume(runCtx, bus.StreamWork, "drafts", []string{bus.WorkFilter(workDraft)}, d.handler())
	if err != nil {
		return nil, fmt.Errorf("start drafts: %w", err)
	}
	a.stops = append(a.stops, stop)
	return &drafting{d: d, bus: a.bus}, nil
}

// draftsWanted: a model is configured and some mail account may reach it.
func draftsWanted(cfg *config.Config) bool {
	if !cfg.LLM.Enabled() {
		return false
	}
	for _, m := range cfg.Sources.Mail {
		if sendFor(cfg, "mail:"+m.Name) != config.SendNever {
			return true
		}
	}
	return false
}

// newDrafter builds the drafter over the model's bucket.
func newDrafter(ctx context.Context, cfg *config.Config, llmStore, draftState state.Store, book *suggestions.Book, logger *slog.Logger, client *http.Client, now func() time.Time) (*drafter, error) {
	model, err := BuildModel(ctx, cfg, llmStore, logger, client, now)
	if err != nil {
		return nil, err
	}
	log := logger.With("component", "drafts")
	stores, err := draftStores(cfg, log)
	if err != nil {
		return nil, err
	}
	saver, err := drafts.New(drafts.Config{Accounts: stores}, draftState, log, drafts.WithClock(now))
	if err != nil {
		return nil, err
	}
	return &drafter{
		cfg: cfg, writer: model.Assistant, saver: saver, book: book,
		style: styleBook{store: llmStore}, log: log, now: now,
	}, nil
}

// handler runs draft jobs from the WORK stream.
func (d *drafter) handler() bus.Handler {
	return func(ctx context.Context, m bus.Message) error {
		var job draftJob
		if err := json.Unmarshal(m.Data, &job); err != nil {
			return bus.Drop(fmt.Errorf("undecodable draft job: %w", err))
		}
		return d.handle(ctx, job)
	}
}

// observe keeps the user's sent mail as style examples.
func (dr *drafting) observe(ctx context.Context, ev event.Event) error {
	if dr == nil || ev.Type != event.TypeMailSent || sendFor(dr.d.cfg, ev.Source) == config.SendNever {
		return nil
	}
	var m event.Mail
	if err := ev.Decode(&m); err != nil || m.Backfill && m.Text == "" {
		return nil
	}
	return dr.d.style.Add(ctx, m)
}

// queue queues a draft job when s, made while planning ev, wants one.
func (dr *drafting) queue(ctx context.Context, s event.Suggestion, ev event.Event) error {
	if dr == nil {
		return nil
	}
	m, ok := draftMail(dr.d.cfg, s, ev)
	if !ok {
		return nil
	}
	// One job per thread state: the same mail queued again (a
	// redelivered event) is deduplicated by the bus.
	id := s.ID + "-" + event.ID(m.Account, m.MessageID)
	return dr.bus.PublishWork(ctx, workDraft, id, draftJob{Op: draftWrite, Suggestion: s, Mail: &m})
}

// withdrawing queues the removal of agentd's draft for a suggestion being
// withdrawn (the user replied): only an untouched draft is removed.
func (dr *drafting) withdrawing(ctx context.Context, id string) error {
	if dr == nil {
		return nil
	}
	rec, err := dr.d.book.Get(ctx, id)
	if err != nil || rec.Suggestion.Kind != event.KindDraft || rec.Status == event.StatusWithdrawn {
		return nil
	}
	return dr.bus.PublishWork(ctx, workDraft, id+"-remove-"+event.ID(rec.Updated.String()), draftJob{Op: draftRemove, Suggestion: rec.Suggestion})
}
