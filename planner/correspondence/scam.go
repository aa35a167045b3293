package correspondence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner"
	"github.com/agentd/agentd/planner/extract"
)

// keySender + hash(address or domain) → senderRecord: who the user has
// heard from, or written to, and since when.
const keySender = "mail.sender."

// freemail domains say nothing about a sender: a known gmail.com address
// does not make every gmail.com address known.
var freemail = map[string]bool{"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true,
	"hotmail.fr": true, "live.com": true, "yahoo.com": true, "yahoo.fr": true, "icloud.com": true, "me.com": true,
	"gmx.de": true, "gmx.net": true, "web.de": true, "t-online.de": true, "orange.fr": true, "free.fr": true,
	"laposte.net": true, "sfr.fr": true, "aol.com": true, "proton.me": true, "protonmail.com": true, "mail.com": true}

type senderRecord struct {
	First time.Time `json:"first"`           // the earliest mail from them
	Wrote bool      `json:"wrote,omitempty"` // the user wrote to them
}

// screen weighs the mail's signs of fraud (see extract.Phishing) and
// remembers its sender. A suspicious mail's message unit gets
// facts.phishing and facts.phishing_signals, and the payment, deadline
// and reply units it made are dropped: a scam is not a bill.
func (e *Enricher) screen(ctx context.Context, m event.Mail, rec msgRecord, units []planner.Unit) ([]planner.Unit, error) {
	if rec.Mine {
		for _, list := range [][]event.Address{m.To, m.Cc} {
			for _, a := range list {
				if err := e.rememberSender(ctx, a.Email, time.Time{}, true); err != nil {
					return nil, err
				}
			}
		}
		return units, nil
	}
	known, err := e.knownSender(ctx, rec.From, rec.Date)
	if err != nil {
		return nil, err
	}
	if err := e.rememberSender(ctx, rec.From, rec.Date, false); err != nil {
		return nil, err
	}
	var replyTo []string
	for _, a := range m.ReplyTo {
		replyTo = append(replyTo, a.Email)
	}
	signals, suspicious := extract.Phishing(extract.MailSignals{
		Subject: m.Subject, Text: m.Text, FromEmail: rec.From, FromName: rec.FromName,
		ReplyTo: replyTo, Attachments: m.Attachments, KnownSender: known,
		Bulk: strings.HasPrefix(m.AutomatedReason, "newsletter") || strings.HasPrefix(m.AutomatedReason, "mailing list"),
	})
	if signals == nil {
		signals = []string{}
	}
	out := units[:0]
	for _, u := range units {
		if u.About.Ref == rec.ref() {
			switch u.Facts["unit"] {
			case UnitMessage:
				u.Facts["known_sender"] = known
				u.Facts["phishing"] = suspicious
				u.Facts["phishing_signals"] = signals
			case UnitBooking, UnitDeadline, UnitAwaitingMyReply:
				if suspicious {
					continue
				}
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// senderKeys are the store keys of an address: its own, and its domain's
// unless the domain is a free mail provider's.
func senderKeys(addr string) []string {
	addr = strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return nil
	}
	keys := []string{keySender + event.Hash(addr)[:20]}
	if d := addr[at+1:]; d != "" && !freemail[d] {
		keys = append(keys, keySender+event.Hash("@" + d)[:20])
	}
	return keys
}

// knownSender reports whether mail came from addr (or its company's
// domain) before at, or the user wrote to it.
func (e *Enricher) knownSender(ctx context.Context, addr string, at time.Time) (bool, error) {
	for _, k := range senderKeys(addr) {
		r, err := e.senderRecord(ctx, k)
		if err != nil {
			return false, err
		}
		if r.Wrote || !r.First.IsZero() && r.First.Before(at) {
			return true, nil
		}
	}
	return false, nil
}

// rememberSender records mail from addr at at, or (wrote) that the user
// wrote to it.
func (e *Enricher) rememberSender(ctx context.Context, addr string, at time.Time, wrote bool) error {
	for _, k := range senderKeys(addr) {
		r, err := e.senderRecord(ctx, k)
		if err != nil {
			return err
		}
		n := r
		if wrote {
			n.Wrote = true
		}
		if !at.IsZero() && (n.First.IsZero() || at.Before(n.First)) {
			n.First = at
		}
		if n == r {
			continue
		}
		if err := e.putJSON(ctx, k, n); err != nil {
			return fmt.Errorf("remember sender: %w", err)
		}
	}
	return nil
}

func (e *Enricher) senderRecord(ctx context.Context, key string) (senderRecord, error) {
	var r senderRecord
	raw, err := e.store.Get(ctx, key)
	if errors.Is(err, state.ErrNotFound) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("sender memory: %w", err)
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		e.logger.Warn("mail senders: forgetting an unreadable record", "key", key, "err", err)
		return senderRecord{}, nil
	}
	return r, nil
}
