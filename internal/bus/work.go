package bus

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// workIDPrefix marks a job id that is base64url-encoded in its subject.
const workIDPrefix = "b64-"

// WorkSubject is the subject of job id of kind: agentd.work.<kind>.<id>.
// kind must be one subject token (PublishWork checks it); id may be any
// string: one made of [A-Za-z0-9_=-] is kept as it is, any other (dots,
// spaces, wildcards, an id that starts with "b64-") is base64url-encoded
// behind "b64-", so the id is always exactly one token.
func WorkSubject(kind, id string) string {
	return SubjectWork + kind + "." + workToken(id)
}

// WorkFilter is the subject filter of every job of kind, for Consume. The
// WORK stream is a work queue: each kind must have one durable consumer,
// and the filters of its consumers must not overlap.
func WorkFilter(kind string) string { return SubjectWork + kind + ".>" }

// WorkSubjectID returns the kind and id of a subject made by WorkSubject.
func WorkSubjectID(subject string) (kind, id string, ok bool) {
	rest, ok := strings.CutPrefix(subject, SubjectWork)
	if !ok {
		return "", "", false
	}
	kind, tok, ok := strings.Cut(rest, ".")
	if !ok || kind == "" || tok == "" || strings.Contains(tok, ".") {
		return "", "", false
	}
	enc, isEnc := strings.CutPrefix(tok, workIDPrefix)
	if !isEnc {
		return kind, tok, true
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", "", false
	}
	return kind, string(raw), true
}

func workToken(id string) string {
	if id != "" && !strings.HasPrefix(id, workIDPrefix) && plainToken(id) {
		return id
	}
	return workIDPrefix + base64.RawURLEncoding.EncodeToString([]byte(id))
}

// plainToken reports whether s is made only of [A-Za-z0-9_=-].
func plainToken(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '-', r == '_', r == '=':
		default:
			return false
		}
	}
	return true
}

// PublishWork queues job id of kind, v as JSON, on WorkSubject(kind, id)
// in the WORK stream, where it waits, across restarts, until a consumer's
// handler is done with it (Consume on WorkFilter(kind)). Its Nats-Msg-Id
// is kind+"."+id, so publishing the same job again within an hour, also
// after it was done, queues nothing; give a job that must run again a new
// id.
func (b *Bus) PublishWork(ctx context.Context, kind, id string, v any) error {
	if err := checkToken("work kind", kind); err != nil || strings.Contains(kind, ".") {
		if err == nil {
			err = fmt.Errorf("work kind %q is more than one subject token", kind)
		}
		return fmt.Errorf("bus: publish work %q: %w", id, err)
	}
	if id == "" || strings.ContainsAny(id, "\r\n") {
		return fmt.Errorf("bus: publish work of kind %s: id %q is empty or has a line break", kind, id)
	}
	if err := b.publishJSON(ctx, WorkSubject(kind, id), v, jetstream.WithMsgID(kind+"."+id)); err != nil {
		return fmt.Errorf("bus: publish work %s %s: %w", kind, id, err)
	}
	return nil
}
