package correspondence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
	"github.com/agentd/agentd/planner/extract"
)

// Store keys. Message-IDs and subjects are hashed: they are long, contain
// any character, and are the sender's to choose.
const (
	keyThread  = "mail.thread."  // + thread id → thread
	keyID      = "mail.id."      // + hash(Message-ID) → thread id
	keySubject = "mail.subject." // + hash(normalized subject) → []thread id
)

// thread is what agentd remembers of a conversation.
type thread struct {
	ID string `json:"id"`
	// Subject is the normalized subject of the first message seen.
	Subject string `json:"subject"`
	// Participants are the lower-cased addresses of everyone in it but the user.
	Participants []string `json:"participants,omitempty"`
	// IDs are the Message-IDs that lead here (the messages' own and those
	// they reference), oldest first; each has an index key.
	IDs []string `json:"ids"`
	// Messages are the latest maxMessages messages, by date.
	Messages []msgRecord `json:"messages"`
	// Updated is the date of the newest message.
	Updated time.Time `json:"updated"`
}

// msgRecord is what a thread keeps of one message.
type msgRecord struct {
	// Key identifies the message: a hash of its Message-ID, else of the
	// event id.
	Key       string `json:"key"`
	MessageID string `json:"message_id,omitempty"`
	// Digest is event.Mail.Digest (sender, Date, text): a mail that
	// claims the Message-ID of a different one is another mail. Empty in
	// records from before it was kept.
	Digest string `json:"digest,omitempty"`
	// Ref, when set, is the message's About.Ref instead of its
	// Message-ID: for a mail whose Message-ID a different mail had first.
	Ref      string    `json:"ref,omitempty"`
	Source   string    `json:"source"`
	Type     string    `json:"type"`
	Subject  string    `json:"subject,omitempty"`
	From     string    `json:"from,omitempty"` // lower-cased address
	FromName string    `json:"from_name,omitempty"`
	To       []string  `json:"to,omitempty"` // display names of the To recipients, for follow-ups
	Date     time.Time `json:"date"`
	Mine     bool      `json:"mine,omitempty"`
	// Direct: the user is in To (not only Cc or Bcc).
	Direct bool `json:"direct,omitempty"`
	// Others: someone other than the user is a recipient.
	Others    bool   `json:"others,omitempty"`
	Asks      bool   `json:"asks,omitempty"`
	Question  string `json:"question,omitempty"`
	Automated bool   `json:"automated,omitempty"`
	Backfill  bool   `json:"backfill,omitempty"`
	// Recipients counts the addresses besides the user's in To and Cc;
	// Bounced: a delivery report said none of them got the mail.
	Recipients int  `json:"recipients,omitempty"`
	Bounced    bool `json:"bounced,omitempty"`
	// Away: an out-of-office reply, back on Back (zero when it gives no
	// date).
	Away bool      `json:"away,omitempty"`
	Back time.Time `json:"back,omitzero"`
}

// ref is the About.Ref of suggestions about the message.
func (r msgRecord) ref() string {
	if r.Ref != "" {
		return r.Ref
	}
	if r.MessageID != "" {
		return r.MessageID
	}
	return r.Key
}

// record reads what a thread keeps of the mail in ev.
func (e *Enricher) record(ev event.Event, m event.Mail, now time.Time) msgRecord {
	r := msgRecord{
		MessageID: m.MessageID,
		Digest:    m.Digest(),
		Source:    ev.Source,
		Type:      ev.Type,
		Subject:   m.Subject,
		Date:      mailDate(ev, m, now),
		Automated: m.Automated,
		Backfill:  m.Backfill,
	}
	if m.MessageID != "" {
		r.Key = hashKey(m.MessageID)
	} else {
		r.Key = hashKey("event:" + ev.ID)
	}
	if len(m.From) > 0 {
		r.From = strings.ToLower(m.From[0].Email)
		r.FromName = displayName(m.From[0])
	}
	r.Mine = ev.Type == event.TypeMailSent || (r.From != "" && e.isMe(r.From))
	for _, a := range m.To {
		if e.isMe(a.Email) {
			r.Direct = true
			continue
		}
		r.Others = true
		if len(r.To) < 5 {
			r.To = append(r.To, displayName(a))
		}
	}
	for _, a := range m.Cc {
		if !e.isMe(a.Email) {
			r.Others = true
		}
	}
	for _, l := range [][]event.Address{m.To, m.Cc} {
		for _, a := range l {
			if !e.isMe(a.Email) {
				r.Recipients++
			}
		}
	}
	// A person asks something only in what they wrote, not in the
	// earlier mail they quote. Automated mail never asks (a newsletter's
	// "reply by Friday" is marketing).
	if !r.Automated && !r.Mine && robotText.MatchString(extract.Unquoted(m.Text)) {
		// "This is an automated message, please do not reply": a machine
		// wrote it, it neither asks nor answers.
		r.Automated = true
	}
	if !r.Automated {
		r.Asks, r.Question = extract.Question(extract.Unquoted(m.Text), m.Language)
		r.Question = oneLine(r.Question, 200)
	}
	// An out-of-office reply answers nothing and asks nothing.
	if !r.Mine && awayReply(m) {
		r.Away, r.Automated, r.Asks, r.Question = true, true, false, ""
		r.Back = backOn(m, r.Date, e.cfg.Location)
	}
	// A mailing-list mail that asks the user by name is a question to
	// them, as if they were in To.
	if ListMail(m) && !r.Mine && !bulkSender(r.From) {
		if q, ok := e.names.Asks(m.Text); ok {
			r.Asks, r.Question, r.Direct, r.Automated = true, oneLine(q, 200), true, false
		}
	}
	return r
}

// mailDate is when the mail was written: its Date, else when it was seen.
// A Date after the mail was seen (a sender's clock running ahead) is taken
// as the moment it was seen: a question dated "in the future" would
// otherwise be left out of the thread's open items until the next mail.
func mailDate(ev event.Event, m event.Mail, now time.Time) time.Time {
	switch {
	case !m.Date.IsZero() && !ev.Seen.IsZero() && m.Date.After(ev.Seen):
		return ev.Seen
	case !m.Date.IsZero():
		return m.Date
	case !ev.Time.IsZero():
		return ev.Time
	case !ev.Seen.IsZero():
		return ev.Seen
	}
	return now
}

// track finds the mail's thread (by Message-ID, In-Reply-To and References,
// else by subject and participants), adds the mail to it and saves it.
func (e *Enricher) track(ctx context.Context, ev event.Event, m event.Mail, rec *msgRecord, now time.Time) (*thread, error) {
	ids := threadIDs(m)
	var th *thread
	// clash: a different mail has this mail's Message-ID. This one is then
	// a mail of its own (its key and ref carry its digest), and the
	// Message-ID stays the first mail's: it neither finds nor takes the
	// first mail's thread through it.
	clash := false
	for _, id := range ids {
		tid, err := e.getString(ctx, keyID+hashKey(id))
		if err != nil {
			return nil, err
		}
		if tid == "" {
			continue
		}
		if th, err = e.loadThread(ctx, tid, now); err != nil {
			return nil, err
		}
		if th != nil && th.clashes(*rec) {
			clash = true
			if id == m.MessageID {
				th = nil
				continue
			}
		}
		if th != nil {
			break
		}
	}
	if clash {
		rec.distinguish()
	}
	norm := NormalizeSubject(m.Subject)
	subjKey := ""
	if norm != "" {
		subjKey = keySubject + hashKey(strings.ToLower(norm))
	}
	participants := e.participants(m)
	if th == nil && subjKey != "" && looksLikeReply(m, norm) {
		var err error
		if th, err = e.bySubject(ctx, subjKey, participants, now); err != nil {
			return nil, err
		}
	}
	isNew := th == nil
	if isNew {
		root := rec.Key
		if len(ids) > 1 {
			// The oldest reference is the thread's first message, the same
			// for every mail of the thread whichever arrives first.
			root = hashKey(ids[len(ids)-1])
		}
		th = &thread{ID: event.ID("mail.thread", root), Subject: norm}
	}

	th.add(*rec)
	for _, p := range participants {
		if len(th.Participants) >= maxParticipants {
			break
		}
		if !slices.Contains(th.Participants, p) {
			th.Participants = append(th.Participants, p)
		}
	}
	// Index the mail's own id and what it refers to, so a later reply to
	// any of them (or the original arriving after its reply) finds the
	// thread.
	for i := len(ids) - 1; i >= 0; i-- {
		id := ids[i]
		if slices.Contains(th.IDs, id) || clash && id == m.MessageID {
			continue
		}
		th.IDs = append(th.IDs, id)
		if err := e.store.Put(ctx, keyID+hashKey(id), []byte(th.ID)); err != nil {
			return nil, err
		}
	}
	if n := len(th.IDs) - maxIDs; n > 0 {
		// Keep the root (first) id: replies usually reference it.
		for _, id := range th.IDs[1 : 1+n] {
			if err := e.store.Delete(ctx, keyID+hashKey(id)); err != nil {
				return nil, err
			}
		}
		th.IDs = append(th.IDs[:1], th.IDs[1+n:]...)
	}
	if err := e.saveThread(ctx, th); err != nil {
		return nil, err
	}
	if subjKey != "" && (isNew || !strings.EqualFold(norm, th.Subject)) {
		if err := e.indexSubject(ctx, subjKey, th.ID); err != nil {
			return nil, err
		}
	}
	return th, nil
}

// threadIDs are the Message-IDs that may name the mail's thread, most
// specific first: its own, the one it answers, then its references from
// the newest to the oldest (the root). At most a handful: a long
// References header adds nothing after its ends.
func threadIDs(m event.Mail) []string {
	var ids []string
	add := func(id string) {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	add(m.MessageID)
	for _, id := range m.InReplyTo {
		add(id)
	}
	refs := m.References
	for i := len(refs) - 1; i >= 0 && i >= len(refs)-4; i-- {
		add(refs[i])
	}
	if len(refs) > 0 {
		add(refs[0])
	}
	return ids
}

// looksLikeReply says whether a mail not found by its headers may still
// belong to an earlier thread of the same subject: it says it is a reply
// ("Re:", "AW:") or refers to mail agentd never saw. Two unrelated mails
// both titled "Question" are not merged.
func looksLikeReply(m event.Mail, norm string) bool {
	if len(m.InReplyTo) > 0 || len(m.References) > 0 {
		return true
	}
	return !strings.EqualFold(strings.Join(strings.Fields(m.Subject), " "), norm)
}

// participants are the mail's addresses other than the user's.
func (e *Enricher) participants(m event.Mail) []string {
	var out []string
	for _, list := range [][]event.Address{m.From, m.To, m.Cc} {
		for _, a := range list {
			addr := strings.ToLower(strings.TrimSpace(a.Email))
			if addr == "" || e.isMe(addr) || slices.Contains(out, addr) {
				continue
			}
			out = append(out, addr)
		}
	}
	return out
}

// bySubject finds the newest live thread of the same subject that shares a
// participant with the mail.
func (e *Enricher) bySubject(ctx context.Context, key string, participants []string, now time.Time) (*thread, error) {
	tids, err := e.getList(ctx, key)
	if err != nil {
		return nil, err
	}
	for _, tid := range tids {
		th, err := e.loadThread(ctx, tid, now)
		if err != nil {
			return nil, err
		}
		if th == nil {
			continue
		}
		for _, p := range participants {
			if slices.Contains(th.Participants, p) {
				return th, nil
			}
		}
	}
	return nil, nil
}

// indexSubject puts tid first in the subject's list of threads.
func (e *Enricher) indexSubject(ctx context.Context, key, tid string) error {
	tids, err := e.getList(ctx, key)
	if err != nil {
		return err
	}
	tids = slices.DeleteFunc(tids, func(s string) bool { return s == tid })
	tids = append([]string{tid}, tids...)
	if len(tids) > 8 {
		tids = tids[:8]
	}
	return e.putJSON(ctx, key, tids)
}

// clashes reports whether the thread holds a different mail with rec's
// Message-ID: one whose digest differs. A record without a digest (kept
// before digests were) is taken for the same mail.
func (th *thread) clashes(rec msgRecord) bool {
	if rec.MessageID == "" || rec.Digest == "" || rec.Ref != "" {
		return false
	}
	for _, old := range th.Messages {
		if old.MessageID == rec.MessageID && old.Ref == "" && old.Digest != "" && old.Digest != rec.Digest {
			return true
		}
	}
	return false
}

// distinguish makes rec a mail of its own beside a different one with its
// Message-ID: its key and ref carry its digest.
func (r *msgRecord) distinguish() {
	r.Ref = r.MessageID + "#" + r.Digest
	r.Key = hashKey(r.Ref)
}

// add puts rec into the thread, replacing an earlier copy of the same
// message (the same mail in INBOX and Sent, or read again), keeping the
// latest maxMessages by date.
func (th *thread) add(rec msgRecord) {
	replaced := false
	for i, old := range th.Messages {
		if old.Key == rec.Key {
			rec.Mine = rec.Mine || old.Mine
			rec.Bounced = rec.Bounced || old.Bounced
			// Live outranks look-back: the mail was seen as it happened.
			rec.Backfill = rec.Backfill && old.Backfill
			th.Messages[i] = rec
			replaced = true
			break
		}
	}
	if !replaced {
		th.Messages = append(th.Messages, rec)
	}
	sort.SliceStable(th.Messages, func(i, j int) bool { return th.Messages[i].Date.Before(th.Messages[j].Date) })
	if n := len(th.Messages) - maxMessages; n > 0 {
		th.Messages = slices.Delete(th.Messages, 0, n)
	}
	if rec.Date.After(th.Updated) {
		th.Updated = rec.Date
	}
	if th.Subject == "" {
		th.Subject = NormalizeSubject(rec.Subject)
	}
}

func (e *Enricher) loadThread(ctx context.Context, tid string, now time.Time) (*thread, error) {
	raw, err := e.store.Get(ctx, keyThread+tid)
	if errors.Is(err, state.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var th thread
	if err := json.Unmarshal(raw, &th); err != nil {
		e.logger.Warn("mail threads: forgetting an unreadable thread", "thread", tid, "err", err)
		return nil, e.store.Delete(ctx, keyThread+tid)
	}
	if now.Sub(th.Updated) > threadTTL {
		return nil, e.forget(ctx, &th)
	}
	return &th, nil
}

func (e *Enricher) saveThread(ctx context.Context, th *thread) error {
	return e.putJSON(ctx, keyThread+th.ID, th)
}

// forget drops a thread and the index keys that lead to it. Subject lists
// are left: a missing thread in one is skipped and falls out of it.
func (e *Enricher) forget(ctx context.Context, th *thread) error {
	for _, id := range th.IDs {
		key := keyID + hashKey(id)
		// Another thread may have taken the id over since.
		if tid, err := e.getString(ctx, key); err != nil {
			return err
		} else if tid != th.ID {
			continue
		}
		if err := e.store.Delete(ctx, key); err != nil {
			return err
		}
	}
	return e.store.Delete(ctx, keyThread+th.ID)
}

// sweep forgets every thread older than threadTTL. It lists the store, so
// it runs rarely (sweepEvery).
func (e *Enricher) sweep(ctx context.Context, now time.Time) error {
	keys, err := e.store.Keys(ctx, keyThread)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := e.loadThread(ctx, strings.TrimPrefix(k, keyThread), now); err != nil {
			return err
		}
	}
	return nil
}

func (e *Enricher) getString(ctx context.Context, key string) (string, error) {
	raw, err := e.store.Get(ctx, key)
	if errors.Is(err, state.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return string(raw), nil
}

func (e *Enricher) getList(ctx context.Context, key string) ([]string, error) {
	raw, err := e.store.Get(ctx, key)
	if errors.Is(err, state.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	if err := json.Unmarshal(raw, &out); err != nil {
		e.logger.Warn("mail threads: forgetting an unreadable subject index", "key", key, "err", err)
		return nil, nil
	}
	return out, nil
}

func (e *Enricher) putJSON(ctx context.Context, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return e.store.Put(ctx, key, raw)
}

// hashKey makes a store-key-safe, fixed-length token of s.
func hashKey(s string) string {
	return event.Hash(s)[:20]
}

// displayName is how a person is named in a title: their name, else their
// address.
func displayName(a event.Address) string {
	if n := strings.TrimSpace(strings.Trim(a.Name, `"'`)); n != "" {
		return oneLine(n, 60)
	}
	return a.Email
}
