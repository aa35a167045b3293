package drafts

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"github.com/agentd/agentd/internal/imapdial"
	"github.com/agentd/agentd/internal/loopback"
)

// TLS modes of IMAPConfig.TLS, as the mail watcher's.
const (
	TLSImplicit = imapdial.TLSImplicit // TLS from the first byte (port 993)
	TLSStartTLS = imapdial.TLSStartTLS // plain connection upgraded with STARTTLS (port 143)
	TLSNone     = imapdial.TLSNone     // no encryption: loopback hosts only
)

// IMAPConfig is how the drafts store reaches one IMAP account; it mirrors
// the mail watcher's connection settings.
type IMAPConfig struct {
	Host string
	// Port defaults to 993 for implicit TLS and 143 otherwise.
	Port int
	// TLS is implicit (default), starttls or none; none is refused unless
	// Host is a loopback address.
	TLS      string
	Username string
	// Password is asked for at each connection (env, file or command,
	// resolved by the caller). It is never logged nor put in an error.
	Password func(ctx context.Context) (string, error)
	// InsecureSkipVerify accepts any server certificate (a self-signed
	// home server). TLSConfig, when set, is used instead (private CAs).
	InsecureSkipVerify bool
	TLSConfig          *tls.Config
	// Mailbox names the Drafts mailbox; empty: found by SPECIAL-USE
	// \Drafts, else by a usual name, else "Drafts" is created.
	Mailbox string
}

func (cfg IMAPConfig) withDefaults() IMAPConfig {
	cfg.TLS, cfg.Port = imapdial.Defaults(cfg.TLS, cfg.Port)
	return cfg
}

func (cfg IMAPConfig) validate() error {
	var errs []error
	if strings.TrimSpace(cfg.Host) == "" {
		errs = append(errs, errors.New("host is empty"))
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d is out of range", cfg.Port))
	}
	switch cfg.TLS {
	case TLSImplicit, TLSStartTLS:
	case TLSNone:
		if cfg.Host != "" && !loopback.Host(cfg.Host) {
			errs = append(errs, fmt.Errorf("tls none is only allowed for a loopback host, not %q", cfg.Host))
		}
	default:
		errs = append(errs, fmt.Errorf("tls %q: must be implicit, starttls or none", cfg.TLS))
	}
	if cfg.Username == "" {
		errs = append(errs, errors.New("username is empty"))
	}
	if cfg.Password == nil {
		errs = append(errs, errors.New("no password source"))
	}
	return errors.Join(errs...)
}

func (cfg IMAPConfig) addr() string { return imapdial.Addr(cfg.Host, cfg.Port) }

// IMAP keeps drafts in an IMAP account's Drafts mailbox. Each call opens
// its own connection: drafts are rare, and a long-lived connection would
// only be one more thing to keep alive.
type IMAP struct {
	cfg    IMAPConfig
	logger *slog.Logger
}

// NewIMAP checks cfg; it connects to nothing.
func NewIMAP(cfg IMAPConfig, logger *slog.Logger) (*IMAP, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("drafts imap %s: invalid config: %w", cfg.Host, err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &IMAP{cfg: cfg, logger: logger.With("store", "imap", "host", cfg.Host, "user", cfg.Username)}, nil
}

// draftFlags go on every draft: \Draft so clients show it as one, \Seen so
// it does not count as unread mail.
var draftFlags = []imap.Flag{imap.FlagDraft, imap.FlagSeen}

// Save appends raw to the Drafts mailbox, creating it if there is none.
func (s *IMAP) Save(ctx context.Context, raw []byte, msgID string) error {
	return s.session(ctx, "save "+msgID, func(c *imapclient.Client) error {
		mbox, err := s.drafts(c, true)
		if err != nil {
			return err
		}
		cmd := c.Append(mbox, int64(len(raw)), &imap.AppendOptions{Flags: draftFlags})
		if _, err := cmd.Write(raw); err != nil {
			cmd.Close()
			return fmt.Errorf("append to %q: %w", mbox, err)
		}
		if err := cmd.Close(); err != nil {
			return fmt.Errorf("append to %q: %w", mbox, err)
		}
		if _, err := cmd.Wait(); err != nil {
			return fmt.Errorf("append to %q: %w", mbox, err)
		}
		return nil
	})
}

// Find looks the draft up by its Message-ID in the Drafts mailbox.
func (s *IMAP) Find(ctx context.Context, msgID string) (found, untouched bool, err error) {
	err = s.session(ctx, "find "+msgID, func(c *imapclient.Client) error {
		mbox, err := s.drafts(c, false)
		if err != nil || mbox == "" {
			return err
		}
		if _, err := c.Select(mbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			return fmt.Errorf("examine %q: %w", mbox, err)
		}
		copies, err := lookup(c, msgID)
		if err != nil {
			return fmt.Errorf("%q: %w", mbox, err)
		}
		found = len(copies) > 0
		untouched = found && !slices.ContainsFunc(copies, func(cp draftCopy) bool { return !cp.untouched })
		return nil
	})
	return found, untouched, err
}

// Delete flags agentd's untouched copies \Deleted and expunges them, and
// only them: with UIDPLUS by UID; without it only when no other message
// of the mailbox is marked \Deleted (the user's own deletions stay for the
// user's client to expunge, and so do ours then).
func (s *IMAP) Delete(ctx context.Context, msgID string) error {
	return s.session(ctx, "delete "+msgID, func(c *imapclient.Client) error {
		mbox, err := s.drafts(c, false)
		if err != nil || mbox == "" {
			return err
		}
		if _, err := c.Select(mbox, nil).Wait(); err != nil {
			return fmt.Errorf("select %q: %w", mbox, err)
		}
		copies, err := lookup(c, msgID)
		if err != nil {
			return fmt.Errorf("%q: %w", mbox, err)
		}
		if len(copies) == 0 {
			return nil
		}
		var uids imap.UIDSet
		for _, cp := range copies {
			if !cp.untouched {
				return ErrEdited
			}
			uids.AddNum(cp.uid)
		}
		store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
		if err := c.Store(uids, store, nil).Close(); err != nil {
			return fmt.Errorf("flag \\Deleted in %q: %w", mbox, err)
		}
		if c.Caps().Has(imap.CapUIDPlus) {
			if err := c.UIDExpunge(uids).Close(); err != nil {
				return fmt.Errorf("uid expunge in %q: %w", mbox, err)
			}
			return nil
		}
		deleted, err := c.UIDSearch(&imap.SearchCriteria{Flag: []imap.Flag{imap.FlagDeleted}}, nil).Wait()
		if err != nil {
			return fmt.Errorf("search deleted in %q: %w", mbox, err)
		}
		for _, uid := range deleted.AllUIDs() {
			if !uids.Contains(uid) {
				s.logger.Info("draft flagged \\Deleted but not expunged: other deleted mail is waiting in the mailbox and the server lacks UIDPLUS",
					"mailbox", mbox, "message_id", msgID)
				return nil
			}
		}
		if err := c.Expunge().Close(); err != nil {
			return fmt.Errorf("expunge in %q: %w", mbox, err)
		}
		return nil
	})
}

// draftCopy is one message with the Message-ID looked for.
type draftCopy struct {
	uid       imap.UID
	untouched bool
}

// lookup finds the messages of the selected mailbox with exactly msgID,
// not marked \Deleted, and tells for each whether agentd's bytes are
// intact.
func lookup(c *imapclient.Client, msgID string) ([]draftCopy, error) {
	res, err := c.UIDSearch(&imap.SearchCriteria{
		Header:  []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: msgID}},
		NotFlag: []imap.Flag{imap.FlagDeleted},
	}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("search Message-ID %s: %w", msgID, err)
	}
	uids := res.AllUIDs()
	if len(uids) == 0 {
		return nil, nil
	}
	// HEADER searches match substrings: check the exact id, and the size
	// before fetching a whole message back.
	idSection := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Message-ID"}, Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID: true, RFC822Size: true, BodySection: []*imap.FetchItemBodySection{idSection},
	}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch Message-ID %s: %w", msgID, err)
	}
	var out []draftCopy
	var small imap.UIDSet
	for _, m := range msgs {
		if headerMessageID(m.FindBodySection(idSection)) != msgID {
			continue
		}
		cp := draftCopy{uid: m.UID}
		if m.RFC822Size <= maxDraftSize {
			small.AddNum(m.UID)
		}
		out = append(out, cp)
	}
	if len(small) == 0 {
		return out, nil
	}
	whole := &imap.FetchItemBodySection{Peek: true}
	bodies, err := c.Fetch(small, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{whole}}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", msgID, err)
	}
	for _, m := range bodies {
		for i := range out {
			if out[i].uid == m.UID {
				out[i].untouched = Untouched(m.FindBodySection(whole))
			}
		}
	}
	return out, nil
}

// headerMessageID returns the Message-ID (without <>) of a header block.
func headerMessageID(raw []byte) string {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return ""
	}
	mh := mail.Header{Header: message.Header{Header: h}}
	id, err := mh.MessageID()
	if err != nil {
		return ""
	}
	return id
}

// drafts returns the Drafts mailbox: the configured one, else the one
// marked \Drafts, else one with a usual name; else, when create is set, a
// new "Drafts" in the personal namespace ("" when create is not set).
func (s *IMAP) drafts(c *imapclient.Client, create bool) (string, error) {
	if s.cfg.Mailbox != "" {
		return s.cfg.Mailbox, nil
	}
	var opts *imap.ListOptions
	if c.Caps().Has(imap.CapSpecialUse) {
		opts = &imap.ListOptions{ReturnSpecialUse: true}
	}
	list, err := c.List("", "*", opts).Collect()
	if err != nil {
		return "", fmt.Errorf("list mailboxes: %w", err)
	}
	var names []string
	for _, l := range list {
		if slices.Contains(l.Attrs, imap.MailboxAttrNoSelect) || slices.Contains(l.Attrs, imap.MailboxAttrNonExistent) {
			continue
		}
		// Some servers mark \Drafts even in a plain LIST.
		if slices.Contains(l.Attrs, imap.MailboxAttrDrafts) {
			return l.Mailbox, nil
		}
		names = append(names, l.Mailbox)
	}
	if name := draftsByName(names); name != "" {
		return name, nil
	}
	if !create {
		return "", nil
	}
	name := "Drafts"
	if c.Caps().Has(imap.CapNamespace) {
		if ns, err := c.Namespace().Wait(); err == nil && len(ns.Personal) > 0 {
			name = ns.Personal[0].Prefix + name
		}
	}
	created := false
	if c.Caps().Has(imap.CapCreateSpecialUse) {
		err := c.Create(name, &imap.CreateOptions{SpecialUse: []imap.MailboxAttr{imap.MailboxAttrDrafts}}).Wait()
		if err != nil {
			s.logger.Info("CREATE with SPECIAL-USE \\Drafts refused; creating a plain mailbox", "mailbox", name, "err", err)
		}
		created = err == nil
	}
	if !created {
		if err := c.Create(name, nil).Wait(); err != nil {
			return "", fmt.Errorf("create %q: %w", name, err)
		}
	}
	// So that mail clients that show subscribed folders only show it.
	if err := c.Subscribe(name).Wait(); err != nil {
		s.logger.Debug("subscribe to the new Drafts mailbox failed", "mailbox", name, "err", err)
	}
	s.logger.Info("created a Drafts mailbox: the server had none", "mailbox", name)
	return name, nil
}

// draftNames are the usual names of the Drafts mailbox, best first,
// compared case-insensitively with a mailbox's last level under the root,
// INBOX or Gmail's container.
var draftNames = []string{
	"drafts", "draft", "brouillons", "entwürfe", "borradores", "bozze",
	"rascunhos", "concepten", "utkast", "kladder", "luonnokset", "szkice", "koncepty", "черновики",
}

var draftContainers = []string{"", "inbox", "[gmail]", "[google mail]"}

func draftsByName(names []string) string {
	best, bestRank := "", len(draftNames)
	for _, n := range names {
		key := strings.ToLower(strings.TrimSpace(n))
		parent, leaf := "", key
		if i := strings.LastIndexAny(key, "./"); i >= 0 {
			parent, leaf = key[:i], key[i+1:]
		}
		if !slices.Contains(draftContainers, parent) {
			continue
		}
		if r := slices.Index(draftNames, leaf); r >= 0 && (r < bestRank || (r == bestRank && len(n) < len(best))) {
			best, bestRank = n, r
		}
	}
	return best
}

// session connects, logs in, runs fn and logs out. The client takes no
// context: ctx ending closes the connection, which fails what it waits on.
func (s *IMAP) session(ctx context.Context, op string, fn func(*imapclient.Client) error) error {
	c, err := s.dial(ctx)
	if err != nil {
		return fmt.Errorf("drafts imap %s: %s: %w", s.cfg.addr(), op, err)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer func() {
		stop()
		c.Close()
	}()
	err = fn(c)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("drafts imap %s: %s: %w", s.cfg.addr(), op, ctxErr)
	}
	if err != nil {
		if errors.Is(err, ErrEdited) {
			return err
		}
		return fmt.Errorf("drafts imap %s: %s: %w", s.cfg.addr(), op, err)
	}
	_ = c.Logout().Wait()
	return nil
}

func (s *IMAP) dial(ctx context.Context) (*imapclient.Client, error) {
	password, err := s.cfg.Password(ctx)
	if err != nil {
		return nil, fmt.Errorf("password: %w", err)
	}
	return imapdial.Dial(ctx, imapdial.Config{
		Host:               s.cfg.Host,
		Port:               s.cfg.Port,
		TLS:                s.cfg.TLS,
		Username:           s.cfg.Username,
		Password:           password,
		InsecureSkipVerify: s.cfg.InsecureSkipVerify,
		TLSConfig:          s.cfg.TLSConfig,
	})
}

var _ Store = (*IMAP)(nil)
