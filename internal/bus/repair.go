package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// RepairReport says what Repair did.
type RepairReport struct {
	Damage    []Damage          // what the server could not read
	MovedTo   string            // where the unreadable files went; "" if none moved
	Consumers []RebuiltConsumer // consumers rebuilt
	Buckets   []string          // KV streams rebuilt from their readable keys, with counts
}

// RebuiltConsumer is a durable consumer Repair created again.
type RebuiltConsumer struct {
	Stream  string
	Durable string
	// Replay is how many messages the consumer hands over again when
	// agentd starts: all its stream holds for it, the handled ones among
	// them (see Repair).
	Replay uint64
}

// String is "STREAM/durable".
func (c RebuiltConsumer) String() string { return c.Stream + "/" + c.Durable }

// Repair mends the embedded server's store in cfg.DataDir: it moves every
// file the server cannot read to <data dir>/jetstream.damaged-<time>/, and
// rebuilds each damaged durable consumer from its saved config.
//
// A damaged consumer's state is what said which messages it had handled,
// and nothing else that survives says it safely (a message can wait,
// unacknowledged, behind newer ones that were handled: quiet hours, a
// retry). So the rebuilt consumer starts at its stream's first message and
// agentd handles again everything the stream still holds: a message that
// was published but not handled when the damage happened is not lost.
// Repeating is left to the handlers, which agentd's are safe for (the
// same as after a kill -9, only longer): the planner offers a suggestion
// it made before not again (the suggestion records), the notifiers show
// nothing the delivery log holds, draft and judgement jobs are
// deduplicated by thread state and by the model's answer cache. A work
// queue's consumer is created again as it was: its stream holds only the
// jobs not done yet, and they stay pending. The KV buckets, the delivery
// log among them, are left as they are. It refuses, with a *LockedError,
// while another process holds the data dir.
func Repair(ctx context.Context, cfg Config, logger *slog.Logger) (RepairReport, error) {
	var rep RepairReport
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.URL != "" {
		return rep, errors.New("bus: repair works on the embedded server's data dir; an external nats-server has its own tools")
	}
	if cfg.DataDir == "" {
		return rep, errors.New("bus: repair: no data directory")
	}
	jsDir := filepath.Join(cfg.DataDir, "jetstream")
	if _, err := os.Stat(jsDir); errors.Is(err, os.ErrNotExist) {
		return rep, nil // never run: nothing to repair
	}
	lock, err := lockDir(cfg.DataDir)
	if err != nil {
		return rep, err
	}
	defer lock.unlock()

	// First start: let the server say what it cannot read.
	dlog := &damageLog{jsDir: jsDir}
	srv, err := startRepairServer(cfg.DataDir, logger, dlog)
	if err != nil {
		return rep, err
	}
	// KV streams with keys the server counts but cannot read (see
	// kvcheck.go): keep what is readable, to write it back.
	saved, err := saveDamagedBuckets(ctx, srv, jsDir, dlog)
	stopServer(srv)
	if err != nil {
		return rep, err
	}
	rep.Damage = dlog.list()
	if len(rep.Damage) == 0 {
		return rep, nil
	}

	// Keep the configs of the damaged consumers, then move the files aside.
	type rebuild struct {
		stream string
		cfg    jetstream.ConsumerConfig
	}
	var rebuilds []rebuild
	aside := filepath.Join(cfg.DataDir, "jetstream.damaged-"+time.Now().UTC().Format("20060102T150405Z"))
	// A KV stream with unreadable keys goes aside whole, with whatever
	// else of it is damaged: it is created again from what was readable.
	whole := map[string]bool{}
	for _, b := range saved {
		whole[b.cfg.Name] = true
	}
	for _, d := range rep.Damage {
		move := d.Path
		if whole[d.Stream] {
			if len(d.Keys) == 0 {
				continue
			}
			move = filepath.Dir(d.Path)
		}
		if d.Consumer != "" {
			move = filepath.Dir(d.Path) // the consumer's whole directory
			ccfg, err := readConsumerConfig(filepath.Join(move, "meta.inf"))
			if err != nil {
				logger.Warn("repair: consumer config unreadable; agentd creates the consumer again at start, from the stream's start",
					"stream", d.Stream, "consumer", d.Consumer, "err", err)
			} else {
				rebuilds = append(rebuilds, rebuild{stream: d.Stream, cfg: ccfg})
			}
		}
		paths := []string{move}
		if strings.HasSuffix(move, ".blk") {
			// The stream's index describes the block: the server
			// rebuilds it from the blocks that are left.
			paths = append(paths, filepath.Join(filepath.Dir(move), "index.db"))
		}
		for _, p := range paths {
			if err := moveAside(jsDir, aside, p); err != nil {
				return rep, err
			}
		}
		rep.MovedTo = aside
		logger.Info("repair: moved aside", "file", move, "to", aside)
	}

	// Second start: rebuild the consumers.
	dlog = &damageLog{jsDir: jsDir}
	srv, err = startRepairServer(cfg.DataDir, logger, dlog)
	if err != nil {
		return rep, err
	}
	defer stopServer(srv)
	if left := dlog.list(); len(left) > 0 {
		return rep, fmt.Errorf("bus: repair: still damaged after moving files aside: %w", &DamagedError{Damage: left})
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv), nats.Name("agentd repair"))
	if err != nil {
		return rep, fmt.Errorf("bus: repair: connect: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return rep, fmt.Errorf("bus: repair: jetstream: %w", err)
	}
	for _, b := range saved {
		if err := restoreBucket(ctx, js, b); err != nil {
			return rep, err
		}
		rep.Buckets = append(rep.Buckets, fmt.Sprintf("%s (%d keys kept, %d unreadable dropped)", b.cfg.Name, len(b.msgs), b.lost))
		logger.Info("repair: KV stream rebuilt", "stream", b.cfg.Name, "kept", len(b.msgs), "dropped", b.lost)
	}
	if len(saved) > 0 {
		left, err := keyDamage(ctx, js, jsDir)
		if err != nil {
			return rep, err
		}
		if len(left) > 0 {
			return rep, fmt.Errorf("bus: repair: still damaged after rebuilding: %w", &DamagedError{Damage: left})
		}
	}
	for _, r := range rebuilds {
		replay, err := rebuildConsumer(ctx, js, r.stream, r.cfg)
		if err != nil {
			return rep, err
		}
		rep.Consumers = append(rep.Consumers, RebuiltConsumer{Stream: r.stream, Durable: r.cfg.Durable, Replay: replay})
		logger.Info("repair: consumer rebuilt", "stream", r.stream, "consumer", r.cfg.Durable, "replay", replay)
	}
	return rep, nil
}

func startRepairServer(dir string, logger *slog.Logger, dlog *damageLog) (*server.Server, error) {
	srv, err := server.NewServer(&server.Options{
		ServerName:             "agentd",
		JetStream:              true,
		StoreDir:               dir,
		NoSigs:                 true,
		DontListen:             true,
		DisableJetStreamBanner: true,
		JetStreamMaxStore:      storeBudget(),
	})
	if err != nil {
		return nil, fmt.Errorf("bus: repair: embedded server in %s: %w", dir, err)
	}
	srv.SetLoggerV2(serverLogger{l: logger.With("component", "nats-server"), damage: dlog}, false, false, false)
	go srv.Start()
	if !srv.ReadyForConnections(readyTimeout) {
		stopServer(srv)
		return nil, fmt.Errorf("bus: repair: embedded server in %s: not ready after %s", dir, readyTimeout)
	}
	return srv, nil
}

func stopServer(srv *server.Server) {
	srv.Shutdown()
	srv.WaitForShutdown()
}

// moveAside moves path, which is under jsDir, to the same place under aside.
func moveAside(jsDir, aside, path string) error {
	rel, err := filepath.Rel(jsDir, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("bus: repair: %s is not in %s", path, jsDir)
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	to := filepath.Join(aside, rel)
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return fmt.Errorf("bus: repair: %w", err)
	}
	if err := os.Rename(path, to); err != nil {
		return fmt.Errorf("bus: repair: move %s aside: %w", path, err)
	}
	return nil
}

// readConsumerConfig reads a consumer's saved config (meta.inf).
func readConsumerConfig(path string) (jetstream.ConsumerConfig, error) {
	var c jetstream.ConsumerConfig
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("read %s: %w", path, err)
	}
	if c.Durable == "" {
		c.Durable = c.Name
	}
	if c.Durable == "" {
		return c, fmt.Errorf("read %s: no consumer name", path)
	}
	return c, nil
}

// rebuildConsumer creates the durable consumer again with its saved config,
// delivering from the first message its stream still holds, and returns
// how many messages it has to hand over. Nothing is acknowledged here:
// which of them were handled is what the damaged state knew.
func rebuildConsumer(ctx context.Context, js jetstream.JetStream, stream string, cfg jetstream.ConsumerConfig) (uint64, error) {
	// agentd's consumers deliver all (the default); a saved start
	// point (DeliverNew, say) is no lower bound on what is unhandled.
	switch cfg.DeliverPolicy {
	case jetstream.DeliverAllPolicy, jetstream.DeliverByStartSequencePolicy, jetstream.DeliverByStartTimePolicy:
	default:
		cfg.DeliverPolicy, cfg.OptStartSeq, cfg.OptStartTime = jetstream.DeliverAllPolicy, 0, nil
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, stream, cfg)
	if err != nil {
		return 0, fmt.Errorf("bus: repair: consumer %s on %s: %w", cfg.Durable, stream, err)
	}
	ci, err := cons.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("bus: repair: consumer %s on %s: %w", cfg.Durable, stream, err)
	}
	return ci.NumPending, nil
}

// savedBucket is what was readable of a damaged KV stream.
type savedBucket struct {
	cfg  jetstream.StreamConfig
	msgs []*nats.Msg // the last value of each readable key
	lost int         // keys that could not be read
}

// saveDamagedBuckets finds the KV streams of srv with unreadable keys,
// records them in dlog and returns their config and readable values.
func saveDamagedBuckets(ctx context.Context, srv *server.Server, jsDir string, dlog *damageLog) ([]savedBucket, error) {
	nc, err := nats.Connect("", nats.InProcessServer(srv), nats.Name("agentd repair"))
	if err != nil {
		return nil, fmt.Errorf("bus: repair: connect: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("bus: repair: jetstream: %w", err)
	}
	ds, err := keyDamage(ctx, js, jsDir)
	if err != nil {
		return nil, fmt.Errorf("bus: repair: %w", err)
	}
	var out []savedBucket
	for _, d := range ds {
		s, err := js.Stream(ctx, d.Stream)
		if err != nil {
			return nil, fmt.Errorf("bus: repair: stream %s: %w", d.Stream, err)
		}
		info, err := s.Info(ctx, jetstream.WithSubjectFilter(">"))
		if err != nil {
			return nil, fmt.Errorf("bus: repair: stream %s: %w", d.Stream, err)
		}
		b := savedBucket{cfg: info.Config}
		for subj := range info.State.Subjects {
			gctx, cancel := context.WithTimeout(ctx, kvCheckTimeout)
			m, err := s.GetLastMsgForSubject(gctx, subj)
			cancel()
			if err != nil {
				b.lost++
				continue
			}
			if op := m.Header.Get("KV-Operation"); op == "DEL" || op == "PURGE" {
				continue // a deleted key: absent after the rebuild too
			}
			hdr := nats.Header{}
			for k, v := range m.Header {
				switch k {
				case "Nats-Stream", "Nats-Sequence", "Nats-Time-Stamp", "Nats-Subject", "Nats-Last-Sequence", "Nats-Num-Pending":
				default:
					hdr[k] = v
				}
			}
			b.msgs = append(b.msgs, &nats.Msg{Subject: m.Subject, Header: hdr, Data: m.Data})
		}
		out = append(out, b)
	}
	dlog.add(ds...)
	return out, nil
}

// restoreBucket creates a KV stream again with its config and writes back
// the values that were readable.
func restoreBucket(ctx context.Context, js jetstream.JetStream, b savedBucket) error {
	if _, err := js.CreateOrUpdateStream(ctx, b.cfg); err != nil {
		return fmt.Errorf("bus: repair: create stream %s: %w", b.cfg.Name, err)
	}
	for _, m := range b.msgs {
		if _, err := js.PublishMsg(ctx, m); err != nil {
			return fmt.Errorf("bus: repair: stream %s: write back %s: %w", b.cfg.Name, m.Subject, err)
		}
	}
	return nil
}
