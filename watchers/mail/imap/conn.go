package imap

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/agentd/agentd/internal/imapdial"
)

// DialFunc opens the TCP connection to the server; TLS and IMAP run on top.
type DialFunc = imapdial.DialFunc

// sentNames are the Sent mailbox's usual names, most common first, for
// servers without SPECIAL-USE. Matched case-insensitively.
var sentNames = []string{
	"Sent", "Sent Items", "Sent Messages", "Sent Mail",
	"INBOX.Sent", "INBOX/Sent", "INBOX.Sent Items", "INBOX.Sent Messages",
	"[Gmail]/Sent Mail", "[Google Mail]/Sent Mail",
	"Gesendet", "Gesendete Objekte", "Gesendete Elemente", "INBOX.Gesendet",
	"Envoyés", "Éléments envoyés", "Messages envoyés", "INBOX.Envoyés",
	"Enviados", "Elementos enviados", "Posta inviata", "Inviata", "Verzonden", "Verzonden items",
}

// mailbox is one watched mailbox.
type mailbox struct {
	Name string
	Sent bool // the user's Sent mailbox: its mail is mail.sent
	// SentBy says how the Sent mailbox was found: "special-use" or "name".
	SentBy string
}

// dial connects, secures and logs in. exists is called (without blocking)
// whenever the server reports a new message count.
func (w *Watcher) dial(ctx context.Context, exists func()) (*imapclient.Client, error) {
	return imapdial.Dial(ctx, imapdial.Config{
		Host:      w.cfg.Host,
		Port:      w.cfg.Port,
		TLS:       w.cfg.TLS,
		Username:  w.cfg.Username,
		Password:  w.cfg.Password,
		TLSConfig: w.cfg.TLSConfig,
		Dial:      w.dialContext,
		Unilateral: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil && exists != nil {
					exists()
				}
			},
		},
		AddrInErrors: true,
	})
}

// discover lists the account's mailboxes and returns the configured ones
// plus the Sent mailbox, in configuration order, Sent last.
func (w *Watcher) discover(c *imapclient.Client) ([]mailbox, error) {
	var opts *imap.ListOptions
	if c.Caps().Has(imap.CapSpecialUse) {
		opts = &imap.ListOptions{ReturnSpecialUse: true}
	}
	list, err := c.List("", "*", opts).Collect()
	if err != nil {
		return nil, fmt.Errorf("list mailboxes: %w", err)
	}
	var names []string
	sent := ""
	for _, l := range list {
		if slices.Contains(l.Attrs, imap.MailboxAttrNoSelect) || slices.Contains(l.Attrs, imap.MailboxAttrNonExistent) {
			continue
		}
		names = append(names, l.Mailbox)
		// Some servers mark \Sent even in a plain LIST.
		if sent == "" && slices.Contains(l.Attrs, imap.MailboxAttrSent) {
			sent = l.Mailbox
		}
	}
	sentBy := "special-use"
	if sent == "" {
		sent, sentBy = sentByName(names), "name"
	}

	var out []mailbox
	var missing []string
	for _, want := range w.cfg.Mailboxes {
		i := slices.IndexFunc(names, func(n string) bool { return canonicalMailbox(n) == canonicalMailbox(want) })
		if i < 0 {
			missing = append(missing, want)
			continue
		}
		mb := mailbox{Name: names[i]}
		if names[i] == sent {
			mb.Sent, mb.SentBy = true, sentBy
		}
		out = append(out, mb)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("mailboxes %q not found on the server", missing)
	}
	if sent == "" {
		w.logger.Info("no Sent mailbox found (neither SPECIAL-USE \\Sent nor a usual name); sent mail is not watched")
	} else if !slices.ContainsFunc(out, func(m mailbox) bool { return m.Sent }) {
		out = append(out, mailbox{Name: sent, Sent: true, SentBy: sentBy})
	}
	return out, nil
}

func sentByName(names []string) string {
	for _, want := range sentNames {
		for _, n := range names {
			if strings.EqualFold(n, want) {
				return n
			}
		}
	}
	return ""
}

// connError wraps a failure of a live connection. When ctx is done the
// failure is the shutdown itself, reported as ctx's error.
func connError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return err
}

var errConnClosed = errors.New("connection closed by the server")
