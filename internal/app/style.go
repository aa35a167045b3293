package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/agentd/agentd/event"
	"github.com/agentd/agentd/internal/state"
)

// The user's own sent mails are the model's style examples for drafts: a
// few recent ones per account, each cut short, kept beside the model's
// other state (BucketLLM). Only kept when a model is configured and the
// account may reach it.
const (
	styleExamples  = 4
	styleMaxChars  = 1200
	styleMinChars  = 40
	styleKeyPrefix = "style."
)

// styleBook keeps and returns the style examples.
type styleBook struct {
	store state.Store
}

// Add remembers the text of a mail the user sent (their own words only:
// the quoted original and the signature are cut off).
func (b styleBook) Add(ctx context.Context, m event.Mail) error {
	text := ownWords(m.Text)
	if len([]rune(text)) < styleMinChars {
		return nil
	}
	if r := []rune(text); len(r) > styleMaxChars {
		text = string(r[:styleMaxChars])
	}
	list, err := b.List(ctx, m.Account)
	if err != nil {
		return err
	}
	for _, t := range list {
		if t == text {
			return nil
		}
	}
	list = append([]string{text}, list...)
	if len(list) > styleExamples {
		list = list[:styleExamples]
	}
	raw, err := json.Marshal(list)
	if err != nil {
		return fmt.Errorf("style examples: %w", err)
	}
	if err := b.store.Put(ctx, styleKeyPrefix+m.Account, raw); err != nil {
		return fmt.Errorf("style examples for %s: %w", m.Account, err)
	}
	return nil
}

// List returns the account's examples, newest first.
func (b styleBook) List(ctx context.Context, account string) ([]string, error) {
	raw, err := b.store.Get(ctx, styleKeyPrefix+account)
	if errors.Is(err, state.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("style examples for %s: %w", account, err)
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		// A damaged entry only costs the examples; start again.
		return nil, nil
	}
	return list, nil
}

// ownWords is the part of a reply the user wrote: up to the first quote
// header ("On … wrote:", "Le … a écrit :", "Am … schrieb …:"), quoted
// line or signature separator.
func ownWords(text string) string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, ">") || t == "--" || strings.HasPrefix(line, "-- ") ||
			strings.HasPrefix(t, "-----Original Message") || strings.HasPrefix(t, "-------- ") {
			break
		}
		low := strings.ToLower(t)
		if (strings.HasPrefix(low, "on ") && strings.HasSuffix(low, "wrote:")) ||
			(strings.HasPrefix(low, "le ") && strings.HasSuffix(strings.TrimSuffix(low, " :"), "a écrit")) ||
			(strings.HasPrefix(low, "am ") && strings.Contains(low, "schrieb")) {
			break
		}
		out = append(out, line)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
