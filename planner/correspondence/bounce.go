package correspondence

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/planner"
)

// UnitBounce is a recipient a mail of the user's could not be delivered to.
const UnitBounce = "bounce"

// bounceTTL is how long a bounce is worth a suggestion.
const bounceTTL = 14 * 24 * time.Hour

// maxBounceUnits bounds the units of one report.
const maxBounceUnits = 5

// bounceUnits are the failed recipients of a delivery failure report,
// each with the address the user likely meant when one of their
// correspondents' addresses is a close spelling of it. sent_by_me says
// the report is about a mail the user sent (its Message-ID is one of
// theirs agentd saw, or the quoted original is from them): a report about
// a mail forged in their name (backscatter) is not. original_unknown: the
// report says nothing of the mail.
func (e *Enricher) bounceUnits(ctx context.Context, ev event.Event, m event.Mail, rec msgRecord, th *thread, now time.Time) ([]planner.Unit, error) {
	b := m.Bounce
	if b == nil || len(b.Failed) == 0 || rec.Mine {
		return nil, nil
	}
	_, orig, err := e.bouncedMail(ctx, m, th, now)
	if err != nil {
		return nil, err
	}
	confirmed := orig != nil
	sentByMe := confirmed || (b.From != "" && e.isMe(b.From))
	// A report that quotes nothing of the mail (no sender, no Message-ID,
	// no reference) cannot be backscatter-checked; it is still the user's
	// to know, at a lower priority.
	unknown := !confirmed && b.From == "" && b.MessageID == "" && len(threadIDs(m)) <= 1
	subject := oneLine(b.Subject, 120)
	ref := b.MessageID
	if orig != nil {
		ref = orig.ref()
		if subject == "" {
			subject = oneLine(orig.Subject, 120)
		}
	}
	if ref == "" {
		ref = rec.ref()
	}
	failed := map[string]bool{}
	for _, f := range b.Failed {
		failed[strings.ToLower(f.Email)] = true
	}
	known, err := e.correspondents(ctx, now)
	if err != nil {
		return nil, err
	}
	known = slices.DeleteFunc(known, func(a string) bool { return failed[a] })

	var units []planner.Unit
	for _, f := range b.Failed {
		addr := strings.ToLower(strings.TrimSpace(f.Email))
		if addr == "" || e.isMe(addr) || len(units) >= maxBounceUnits {
			continue
		}
		reason := f.Diagnostic
		if reason == "" {
			reason = f.Status
		}
		// The user's own mail returned above: mine is false.
		facts := e.messageFacts(UnitBounce, m, rec, th)
		facts["failed_to"] = oneLine(addr, 100)
		facts["did_you_mean"] = closestAddress(addr, known)
		facts["reason"] = oneLine(reason, 200)
		facts["original_subject"] = subject
		facts["sent_by_me"] = sentByMe
		facts["confirmed"] = confirmed
		facts["original_unknown"] = unknown
		units = append(units, planner.Unit{
			About:   event.About{Source: ev.Source, Type: ev.Type, Ref: ref, RecurrenceID: "bounce/" + addr},
			At:      rec.Date,
			Expires: rec.Date.Add(bounceTTL),
			Scope:   "mail.msg." + rec.Key,
			Facts:   facts,
		})
	}
	return units, nil
}

// bouncedMail finds the user's mail a report is about: by the Message-ID
// the report quotes, else among the mails it refers to.
func (e *Enricher) bouncedMail(ctx context.Context, m event.Mail, th *thread, now time.Time) (*thread, *msgRecord, error) {
	ids := threadIDs(m)[1:]
	if id := m.Bounce.MessageID; id != "" {
		ids = append([]string{id}, ids...)
	}
	for _, id := range ids {
		t := th
		if tid, err := e.getString(ctx, keyID+hashKey(id)); err != nil {
			return nil, nil, err
		} else if tid != "" && tid != th.ID {
			if t, err = e.loadThread(ctx, tid, now); err != nil {
				return nil, nil, err
			}
		}
		if t == nil {
			continue
		}
		for i, msg := range t.Messages {
			if msg.MessageID == id && msg.Mine {
				return t, &t.Messages[i], nil
			}
		}
	}
	return nil, nil, nil
}

// markBounced marks the user's mail a report is about as bounced when
// every recipient of it failed, so its follow-up is not suggested. It
// returns the mail's thread when that is not th (to re-evaluate it).
func (e *Enricher) markBounced(ctx context.Context, m event.Mail, th *thread, now time.Time) (*thread, error) {
	if m.Bounce == nil || len(m.Bounce.Failed) == 0 {
		return nil, nil
	}
	t, orig, err := e.bouncedMail(ctx, m, th, now)
	if err != nil || orig == nil || orig.Bounced {
		return nil, err
	}
	failed := map[string]bool{}
	for _, f := range m.Bounce.Failed {
		if a := strings.ToLower(strings.TrimSpace(f.Email)); a != "" && !e.isMe(a) {
			failed[a] = true
		}
	}
	if orig.Recipients == 0 || len(failed) < orig.Recipients {
		return nil, nil // someone else got it: their answer may come
	}
	orig.Bounced = true
	if err := e.saveThread(ctx, t); err != nil {
		return nil, err
	}
	if t.ID == th.ID {
		return nil, nil
	}
	return t, nil
}

// correspondents are the addresses of everyone in the threads agentd
// remembers, but the user's. Reports are rare: reading every thread then
// is cheaper than keeping an index on every mail.
func (e *Enricher) correspondents(ctx context.Context, now time.Time) ([]string, error) {
	keys, err := e.store.Keys(ctx, keyThread)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range keys {
		th, err := e.loadThread(ctx, strings.TrimPrefix(k, keyThread), now)
		if err != nil {
			return nil, err
		}
		if th == nil {
			continue
		}
		for _, p := range th.Participants {
			if !e.isMe(p) && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// closestAddress is the one address of known within a typo or two of
// addr ("bob@exmaple.com" for "bob@example.com"), or "" when none is, or
// two are equally close.
func closestAddress(addr string, known []string) string {
	limit := 2
	if len([]rune(addr)) < 12 {
		limit = 1
	}
	best, bestD, tie := "", limit+1, false
	for _, k := range known {
		if k == addr {
			continue
		}
		d := editDistance(addr, k, limit)
		switch {
		case d < bestD:
			best, bestD, tie = k, d, false
		case d == bestD:
			tie = true
		}
	}
	if tie || bestD > limit {
		return ""
	}
	return best
}

// editDistance is the optimal string alignment distance of a and b (a
// swap of two neighbours counts one), or limit+1 when it exceeds limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(rb)], limit+1)
}
