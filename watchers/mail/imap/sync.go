package imap

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/watchers"
	"github.com/agentd/agentd/watchers/mail"
	"github.com/agentd/agentd/watchers/mail/message"
)

const (
	// chunkBytes and chunkMessages bound one body FETCH: the bodies of a
	// chunk are held in memory until published, and the cursor is saved
	// after each chunk.
	chunkBytes    = 4 << 20
	chunkMessages = 500
	// minResyncWindow is how far back a resync after a UIDVALIDITY change
	// reads when the look-back is switched off.
	minResyncWindow = 24 * time.Hour
	// announcedSlack keeps announced entries a little longer than the
	// window a resync reads, against clock and time zone skew.
	announcedSlack = 48 * time.Hour
)

// backfill is a range of UIDs read as look-back (first run) or resync
// (UIDVALIDITY change): mail older than Since is ignored, and mail from
// before NewAfter is published with Backfill set. It is kept in the cursor
// until the range is done, so an interrupted first run resumes as one.
type backfill struct {
	UpTo     uint32    `json:"up_to"`
	Since    time.Time `json:"since"`
	NewAfter time.Time `json:"new_after,omitzero"`
}

// item is a message to read, from the cheap first FETCH.
type item struct {
	uid      imap.UID
	size     int64
	date     time.Time // INTERNALDATE
	backfill bool
}

// pass brings one selected mailbox up to date: every message the cursor
// does not cover is published, in UID order, and the cursor is saved after
// each chunk, only over what publish accepted. count is the number of
// messages in the mailbox as last reported by the server.
func (w *Watcher) pass(ctx context.Context, c *imapclient.Client, mb mailbox, sel *imap.SelectData, count uint32, publish watchers.Publish) error {
	defer w.lock(mb.Name)()
	wrap := func(err error) error { return fmt.Errorf("mailbox %q: %w", mb.Name, err) }
	key := cursorKey(w.cfg.Name, mb.Name)
	cur, found, err := loadCursor(ctx, w.store, key)
	if err != nil {
		return wrap(err)
	}
	now := w.now()
	log := w.logger.With("mailbox", mb.Name)

	if !found || cur.UIDValidity != sel.UIDValidity {
		top, err := highestUID(c, sel, count)
		if err != nil {
			return wrap(err)
		}
		switch {
		case !found && w.cfg.Lookback < 0:
			// No look-back: only mail arriving from now on.
			cur.UIDValidity, cur.LastUID, cur.Synced = sel.UIDValidity, top, now
			if err := cur.save(ctx, w.store, key, now.Add(-w.keepAnnounced())); err != nil {
				return wrap(err)
			}
			w.ok()
			return nil
		case !found:
			log.Info("first sync of mailbox: reading back", "lookback", w.cfg.Lookback.String())
			cur.Backfill = &backfill{UpTo: top, Since: now.Add(-w.cfg.Lookback), NewAfter: now}
		default:
			// Every UID changed meaning. The announced set (Message-IDs)
			// keeps known mail from being announced twice.
			log.Warn("UIDVALIDITY changed: resyncing; mail already announced is skipped",
				"old", cur.UIDValidity, "new", sel.UIDValidity)
			cur.Backfill = &backfill{UpTo: top, Since: now.Add(-w.resyncWindow()), NewAfter: cur.Synced}
		}
		cur.UIDValidity, cur.LastUID = sel.UIDValidity, 0
	}

	items, err := w.pending(c, cur, count)
	if err != nil {
		return wrap(err)
	}
	keepAfter := now.Add(-w.keepAnnounced())
	published, skipped := 0, 0
	for len(items) > 0 {
		n := chunkLen(items, w.cfg.MaxBody)
		chunk := items[:n]
		items = items[n:]
		bufs, err := w.fetchBodies(c, chunk)
		if err != nil {
			return wrap(err)
		}
		for _, it := range chunk {
			// Every candidate below it is done, and UIDs between
			// candidates are none of ours (old or gone).
			cur.LastUID = max(cur.LastUID, uint32(it.uid)-1)
			ok, err := w.announce(ctx, mb, cur, it, bufs[it.uid], publish)
			if err != nil {
				if serr := cur.save(ctx, w.store, key, keepAfter); serr != nil {
					log.Warn("progress not saved; the bus drops what is published again", "err", serr)
				}
				return wrap(err)
			}
			if ok {
				published++
			} else {
				skipped++
			}
			cur.LastUID = uint32(it.uid)
		}
		if err := cur.save(ctx, w.store, key, keepAfter); err != nil {
			return wrap(err)
		}
	}
	if cur.Backfill != nil {
		log.Info("mailbox synced", "published", published, "skipped", skipped)
		cur.LastUID = max(cur.LastUID, cur.Backfill.UpTo)
		cur.Backfill = nil
	}
	cur.Synced = now
	if err := cur.save(ctx, w.store, key, keepAfter); err != nil {
		return wrap(err)
	}
	w.ok()
	return nil
}

// resyncWindow is how far back a resync after a UIDVALIDITY change reads.
func (w *Watcher) resyncWindow() time.Duration { return max(w.cfg.Lookback, minResyncWindow) }

func (w *Watcher) keepAnnounced() time.Duration { return w.resyncWindow() + announcedSlack }

// highestUID is the UID of the newest message of the selected mailbox (0
// when empty).
func highestUID(c *imapclient.Client, sel *imap.SelectData, count uint32) (uint32, error) {
	if sel.UIDNext > 0 {
		return uint32(sel.UIDNext) - 1, nil
	}
	// RFC 2060 servers may omit UIDNEXT: ask for the last message's UID.
	if count == 0 {
		return 0, nil
	}
	msgs, err := c.Fetch(imap.SeqSetNum(0), &imap.FetchOptions{UID: true}).Collect()
	if err != nil {
		return 0, fmt.Errorf("fetch highest uid: %w", err)
	}
	var top imap.UID
	for _, m := range msgs {
		top = max(top, m.UID)
	}
	return uint32(top), nil
}

// pending lists the messages the cursor does not cover, oldest UID first:
// the rest of a backfill range (searched by date) and everything above.
func (w *Watcher) pending(c *imapclient.Client, cur *cursor, count uint32) ([]item, error) {
	if count == 0 {
		return nil, nil
	}
	var items []item
	start := cur.LastUID + 1
	if bf := cur.Backfill; bf != nil && cur.LastUID < bf.UpTo {
		// SINCE compares dates in the server's time zone: ask a day more
		// and cut exactly on INTERNALDATE below.
		crit := &imap.SearchCriteria{
			UID:   []imap.UIDSet{{imap.UIDRange{Start: imap.UID(start), Stop: imap.UID(bf.UpTo)}}},
			Since: bf.Since.AddDate(0, 0, -1),
		}
		res, err := c.UIDSearch(crit, nil).Wait()
		if err != nil {
			return nil, fmt.Errorf("search since %s: %w", bf.Since.Format(time.DateOnly), err)
		}
		if uids := res.AllUIDs(); len(uids) > 0 {
			found, err := fetchItems(c, imap.UIDSetNum(uids...), 0)
			if err != nil {
				return nil, err
			}
			for _, it := range found {
				if !it.date.IsZero() && it.date.Before(bf.Since) {
					continue
				}
				it.backfill = bf.NewAfter.IsZero() || it.date.IsZero() || it.date.Before(bf.NewAfter)
				items = append(items, it)
			}
		}
		start = bf.UpTo + 1
	}
	// start:* also returns the newest message when its UID is below start.
	found, err := fetchItems(c, imap.UIDSet{imap.UIDRange{Start: imap.UID(start), Stop: 0}}, imap.UID(start))
	if err != nil {
		return nil, err
	}
	items = append(items, found...)
	slices.SortFunc(items, func(a, b item) int { return int(int64(a.uid) - int64(b.uid)) })
	return slices.CompactFunc(items, func(a, b item) bool { return a.uid == b.uid }), nil
}

// fetchItems gets UID, size and INTERNALDATE of uids, keeping UIDs >= min.
func fetchItems(c *imapclient.Client, uids imap.UIDSet, min imap.UID) ([]item, error) {
	msgs, err := c.Fetch(uids, &imap.FetchOptions{UID: true, RFC822Size: true, InternalDate: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch %s (size, date): %w", uids, err)
	}
	out := make([]item, 0, len(msgs))
	for _, m := range msgs {
		if m.UID == 0 || m.UID < min {
			continue
		}
		out = append(out, item{uid: m.UID, size: m.RFC822Size, date: m.InternalDate})
	}
	return out, nil
}

// chunkLen is how many of items go into the next body FETCH.
func chunkLen(items []item, maxBody int64) int {
	var total int64
	for i, it := range items {
		total += min(it.size, maxBody)
		if i+1 >= chunkMessages || (i > 0 && total > chunkBytes) {
			return i + 1
		}
	}
	return len(items)
}

// fetchBodies gets envelope, flags and a bounded body prefix (the header
// alone for messages above MaxSize) of a chunk, without setting \Seen.
func (w *Watcher) fetchBodies(c *imapclient.Client, chunk []item) (map[imap.UID]*imapclient.FetchMessageBuffer, error) {
	var small, big imap.UIDSet
	for _, it := range chunk {
		if it.size > w.cfg.MaxSize {
			big.AddNum(it.uid)
		} else {
			small.AddNum(it.uid)
		}
	}
	out := make(map[imap.UID]*imapclient.FetchMessageBuffer, len(chunk))
	get := func(set imap.UIDSet, section *imap.FetchItemBodySection) error {
		if len(set) == 0 {
			return nil
		}
		msgs, err := c.Fetch(set, &imap.FetchOptions{
			UID: true, Flags: true, Envelope: true,
			BodySection: []*imap.FetchItemBodySection{section},
		}).Collect()
		if err != nil {
			return fmt.Errorf("fetch %s: %w", set, err)
		}
		for _, m := range msgs {
			out[m.UID] = m
		}
		return nil
	}
	if err := get(small, &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Size: w.cfg.MaxBody}}); err != nil {
		return nil, err
	}
	if err := get(big, &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierHeader}); err != nil {
		return nil, err
	}
	return out, nil
}

// announce publishes one message unless it was announced before; it
// reports whether it published. A message that cannot be read is logged and
// skipped: retrying would not make it readable.
func (w *Watcher) announce(ctx context.Context, mb mailbox, cur *cursor, it item, buf *imapclient.FetchMessageBuffer, publish watchers.Publish) (bool, error) {
	if buf == nil {
		// Expunged between the two FETCHes.
		return false, nil
	}
	ev, dedup, err := w.toEvent(mb, cur.UIDValidity, it, buf)
	if err != nil {
		w.logger.Warn("message skipped: unreadable", "mailbox", mb.Name, "uid", it.uid, "err", err)
		return false, nil
	}
	if cur.known(dedup) {
		return false, nil
	}
	if err := publish(ctx, ev); err != nil {
		return false, fmt.Errorf("publish uid %d: %w", it.uid, err)
	}
	at := it.date
	if at.IsZero() {
		at = w.now()
	}
	cur.remember(dedup, at)
	return true, nil
}

// toEvent builds the event of a fetched message and the key that
// recognises it in the announced set.
func (w *Watcher) toEvent(mb mailbox, validity uint32, it item, buf *imapclient.FetchMessageBuffer) (event.Event, string, error) {
	var raw []byte
	if len(buf.BodySection) > 0 {
		raw = buf.BodySection[0].Bytes
	}
	var m *message.Message
	var err error
	if it.size > w.cfg.MaxSize {
		m, err = message.ParseHeader(bytes.NewReader(raw))
		if m != nil {
			m.Truncated = true
		}
	} else {
		m, err = message.Parse(bytes.NewReader(raw), message.Options{})
		if m != nil && int64(len(raw)) < it.size {
			m.Truncated = true
		}
	}
	if err != nil {
		return event.Event{}, "", err
	}
	if env := buf.Envelope; env != nil {
		// The header may have been cut by MaxBody; the server's envelope
		// has the essentials.
		if m.MessageID == "" {
			m.MessageID = env.MessageID
		}
		if m.Subject == "" {
			m.Subject = env.Subject
		}
		if m.Date.IsZero() {
			m.Date = env.Date
		}
	}
	if m.Date.IsZero() {
		m.Date = it.date
	}
	flags := make([]string, 0, len(buf.Flags))
	for _, f := range buf.Flags {
		flags = append(flags, string(f))
	}
	meta := mail.Meta{
		Account:  w.cfg.Name,
		Mailbox:  mb.Name,
		UID:      uint32(it.uid),
		Flags:    flags,
		Size:     it.size,
		Sent:     mb.Sent,
		Backfill: it.backfill,
		Seen:     w.now(),
	}
	loc := mb.Name + "/" + strconv.FormatUint(uint64(validity), 10) + "/" + strconv.FormatUint(uint64(it.uid), 10)
	ev, digest, err := mail.FromMessageDigest(m, meta, loc)
	if err != nil {
		return event.Event{}, "", err
	}
	// Without a Message-ID, what the message says about itself is the
	// only thing that survives a renumbering.
	var from string
	if len(m.From) > 0 {
		from = m.From[0].Email
	}
	fp := "fp:" + event.Hash(m.Date.UTC().Format(time.RFC3339), from, m.Subject, strconv.FormatInt(it.size, 10))
	return ev, mail.Key(m.MessageID, digest, fp), nil
}
