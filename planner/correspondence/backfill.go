package correspondence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner"
)

// A new account's look-back (event.Mail.Backfill) must not become one
// notification per old mail. Its mail builds the threads like any other,
// and its units carry facts.backfill, which the built-in per-item rules
// skip unless the reminder still lies ahead (a flight next week). What the
// look-back reveals is collected per account in the store, and every
// look-back mail re-makes one summary unit listing it all: a reminder due
// BackfillSettle after the latest look-back mail, with an id stable per
// account, so each look-back mail moves the same pending reminder and it
// fires once, when reading has settled. `agentd plan` shows the summary
// with every item in its body.

const keyBackfill = "mail.backfill." // + hash(account) → backfillState

type backfillState struct {
	Items []backfillItem `json:"items"`
	// Updated is the planner's clock at the last look-back mail: a
	// look-back reads for minutes, so one a day later (the account was
	// removed and added again) starts a new summary.
	Updated time.Time `json:"updated"`
}

// backfillGap is how long after the last look-back mail a new one starts
// a new summary.
const backfillGap = 24 * time.Hour

// backfillItem is one open item, from a thread ("t:<thread>:…") or a mail
// ("m:<message>:…").
type backfillItem struct {
	Key  string    `json:"key"`
	At   time.Time `json:"at"`
	Line string    `json:"line"`
}

func backfillScope(account string) string { return "mail.backfill." + account }

// backfill records the open items of the mail's thread and of the mail
// itself, and returns the account's summary unit (none when nothing is open).
func (e *Enricher) backfill(ctx context.Context, ev event.Event, m event.Mail, rec msgRecord, th *thread, units []planner.Unit, now time.Time) ([]planner.Unit, error) {
	key := keyBackfill + hashKey(m.Account)
	var st backfillState
	raw, err := e.store.Get(ctx, key)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &st); err != nil {
			e.logger.Warn("mail look-back: starting over from an unreadable summary", "account", m.Account, "err", err)
			st = backfillState{}
		}
	case !errors.Is(err, state.ErrNotFound):
		return nil, err
	}
	if now.Sub(st.Updated) > backfillGap {
		st = backfillState{}
	}
	st.Updated = now

	// The thread and the mail are re-evaluated in full: their old items go.
	threadPrefix, msgPrefix := "t:"+th.ID+":", "m:"+rec.Key+":"
	kept := st.Items[:0]
	for _, it := range st.Items {
		if !strings.HasPrefix(it.Key, threadPrefix) && !strings.HasPrefix(it.Key, msgPrefix) {
			kept = append(kept, it)
		}
	}
	st.Items = kept
	for _, u := range units {
		line, at, ok := e.itemLine(u)
		if !ok {
			continue
		}
		prefix := msgPrefix
		if strings.HasPrefix(u.Scope, "mail.thread.") {
			prefix = threadPrefix
		}
		k := prefix + fmt.Sprint(u.Facts["unit"]) + ":" + u.About.RecurrenceID
		st.Items = append(st.Items, backfillItem{Key: k, At: at, Line: line})
	}
	sort.SliceStable(st.Items, func(i, j int) bool { return st.Items[i].At.Before(st.Items[j].At) })
	if n := len(st.Items) - maxBackfillItems; n > 0 {
		st.Items = st.Items[n:] // the oldest matter least
	}
	if err := e.putJSON(ctx, key, st); err != nil {
		return nil, err
	}
	if len(st.Items) == 0 {
		return nil, nil
	}
	lines := make([]string, len(st.Items))
	for i, it := range st.Items {
		lines[i] = it.Line
	}
	return []planner.Unit{{
		About: event.About{Source: ev.Source, Type: event.TypeMailReceived, Ref: "backfill:" + m.Account},
		At:    now,
		Scope: backfillScope(m.Account),
		Facts: map[string]any{
			"unit":       UnitBackfillSummary,
			"account":    m.Account,
			"open_items": lines,
			"summary_at": now.Add(e.cfg.BackfillSettle).In(e.cfg.Location),
			"backfill":   true,
			"automated":  false,
		},
	}}, nil
}

// itemLine is how a unit reads in the summary, and when it happened.
// Only what is still open counts: a question not answered, a deadline or
// booking ahead.
func (e *Enricher) itemLine(u planner.Unit) (string, time.Time, bool) {
	f := u.Facts
	str := func(k string) string { s, _ := f[k].(string); return s }
	tm := func(k string) time.Time { t, _ := f[k].(time.Time); return t }
	const day, dayTime = "Mon 2 Jan", "Mon 2 Jan 15:04"
	subject := str("subject")
	switch f["unit"] {
	case UnitAwaitingMyReply:
		return fmt.Sprintf("Reply to %s: %s (asked %s)", str("from"), subject, tm("asked_at").Format(day)), u.At, true
	case UnitAwaitingTheirs:
		return fmt.Sprintf("Waiting for %s since %s: %s", str("to"), tm("sent_at").Format(day), subject), u.At, true
	case UnitDeadline:
		// As the mail-deadline rule: a deadline set for the user.
		direct, _ := f["direct"].(bool)
		automated, _ := f["automated"].(bool)
		if str("deadline_kind") != "deadline" || !direct || automated {
			return "", time.Time{}, false
		}
		when := tm("deadline_at").Format(dayTime)
		if b, _ := f["all_day"].(bool); b {
			when = tm("deadline_at").Format(day)
		}
		if what := str("what"); what != "" {
			if who := str("for"); who != "" {
				what += " for " + who
			}
			return fmt.Sprintf("%s, due %s (%s)", what, when, subject), u.At, true
		}
		return fmt.Sprintf("Due %s: %s (%s)", when, subject, str("from")), u.At, true
	case UnitBooking:
		title := str("booking_title")
		if title == "" {
			title = subject
		}
		// Titles name the kind already: "Flight AF 1234 Paris CDG → Berlin BER".
		switch str("booking") {
		case "flight", "train":
			return fmt.Sprintf("%s, %s", title, tm("starts_at").Format(dayTime)), u.At, true
		case "hotel":
			return fmt.Sprintf("%s from %s", title, tm("starts_at").Format(day)), u.At, true
		case "invoice":
			return fmt.Sprintf("Pay %s by %s", title, tm("due_at").Format(day)), u.At, true
		}
	}
	return "", time.Time{}, false
}
