package bus

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// ErrDamaged means the embedded server could not read part of its store:
// `agentd repair` rebuilds what it can and moves the rest aside.
var ErrDamaged = errors.New("store damaged")

// RepairHint is what to do about a damaged store.
const RepairHint = "stop agentd and run `agentd repair` (it rebuilds the consumers and moves unreadable files aside; nothing is lost, nothing delivered is announced again)"

// Damage is a file or directory of the embedded server's store that the
// server could not read.
type Damage struct {
	Stream   string // the stream the file belongs to
	Consumer string // the durable consumer, "" for a stream's own file
	Path     string // the damaged file or directory
	Detail   string // what the server said
	// Keys are the subjects of a KV stream the server counts but cannot
	// read; Repair rebuilds such a stream from its readable keys.
	Keys []string
}

func (d Damage) String() string {
	what := "stream " + d.Stream
	if d.Consumer != "" {
		what = "consumer " + d.Consumer + " of stream " + d.Stream
	}
	if len(d.Keys) > 0 {
		return fmt.Sprintf("%s: %s: %s", what, d.Path, d.Detail)
	}
	return fmt.Sprintf("%s: %s is unreadable (%s)", what, d.Path, d.Detail)
}

// DamagedError lists what the server could not read. It matches ErrDamaged.
type DamagedError struct {
	Damage []Damage
}

func (e *DamagedError) Error() string {
	parts := make([]string, len(e.Damage))
	for i, d := range e.Damage {
		parts[i] = d.String()
	}
	return "bus: the store is damaged: " + strings.Join(parts, "; ") + ": " + RepairHint
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// damageLog collects, from the embedded server's log, the parts of the
// store it could not read.
type damageLog struct {
	jsDir string // <data dir>/jetstream

	mu    sync.Mutex
	items []Damage
}

var (
	consumerDamageRE = regexp.MustCompile(`Error adding consumer '([^']+) > ([^']+) > ([^']+)': (.*)`)
	streamDamageRE   = regexp.MustCompile(`Error recreating stream "([^"]+)": (.*)`)
	blockDamageRE    = regexp.MustCompile(`Filestore \[([^\]]+)\] .*corrupt.* in (\S+\.blk)(?::\s*(.*))?`)
)

// note records the damage a server log line reports, if any.
func (d *damageLog) note(msg string) {
	if d == nil {
		return
	}
	msg = strings.TrimSpace(msg)
	var dm Damage
	switch {
	case consumerDamageRE.MatchString(msg):
		m := consumerDamageRE.FindStringSubmatch(msg)
		dm = Damage{Stream: m[2], Consumer: m[3], Detail: m[4],
			Path: filepath.Join(d.jsDir, m[1], "streams", m[2], "obs", m[3], "o.dat")}
	case streamDamageRE.MatchString(msg):
		m := streamDamageRE.FindStringSubmatch(msg)
		dm = Damage{Stream: m[1], Detail: m[2], Path: filepath.Join(d.jsDir, "$G", "streams", m[1])}
	case blockDamageRE.MatchString(msg):
		m := blockDamageRE.FindStringSubmatch(msg)
		dm = Damage{Stream: m[1], Path: m[2], Detail: "corrupt message block"}
	default:
		return
	}
	d.add(dm)
}

// add records damage, once per path.
func (d *damageLog) add(ds ...Damage) {
	d.mu.Lock()
	defer d.mu.Unlock()
next:
	for _, dm := range ds {
		for _, have := range d.items {
			if have.Path == dm.Path {
				continue next
			}
		}
		d.items = append(d.items, dm)
	}
}

func (d *damageLog) list() []Damage {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Damage(nil), d.items...)
}

// Damage lists what the embedded server could not read of its store since
// Open; nil for an external server.
func (b *Bus) Damage() []Damage { return b.damage.list() }

// consumerDamage returns, for a failure to create durable on stream, an
// error naming the damaged file and the repair, or nil if the failure is
// not about a damaged store.
func (b *Bus) consumerDamage(stream, durable string, err error) error {
	if b.damage == nil || !strings.Contains(err.Error(), "error creating store for consumer") {
		return nil
	}
	for _, d := range b.damage.list() {
		if d.Stream == stream && d.Consumer == durable {
			return &DamagedError{Damage: []Damage{d}}
		}
	}
	return &DamagedError{Damage: []Damage{{Stream: stream, Consumer: durable, Detail: err.Error(),
		Path: filepath.Join(b.damage.jsDir, "$G", "streams", stream, "obs", durable, "o.dat")}}}
}

// checkDamage fails for a consumer or stream the embedded server could not
// load: agentd would run without it, silently. A damaged message block the
// server could read around is logged, with the repair.
func (b *Bus) checkDamage() error {
	var fatal []Damage
	for _, d := range b.damage.list() {
		if d.Consumer != "" || !strings.HasSuffix(d.Path, ".blk") {
			fatal = append(fatal, d)
			continue
		}
		b.logger.Error("store damaged: the server skipped what it could not read", "stream", d.Stream, "file", d.Path, "repair", RepairHint)
	}
	if len(fatal) > 0 {
		return &DamagedError{Damage: fatal}
	}
	return nil
}
