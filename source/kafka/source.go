package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/tessera-search/tessera/ingest"
)

// Source consumes one topic with a consumer group. It implements
// ingest.Source.
//
// One goroutine polls, turns the records into a batch, hands it to the
// stream with the partitions' next offsets and waits until it is durable
// before polling again. BlockRebalanceOnPoll keeps rebalances out of that
// window, so a partition is only ever revoked between batches: nothing of
// it is in flight, and a partition assigned again is sought to the offset
// the log holds, which is then exact.
type Source struct {
	opts   Options
	name   string
	logger *slog.Logger
	meter  *ingest.SourceMeter

	mu    sync.Mutex
	parts map[int32]Position // assigned partitions' committed positions
}

// New checks opts and returns a source that connects when it runs.
func New(opts Options, logger *slog.Logger) (*Source, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if logger == nil {
		logger = slog.Default()
	}
	name := fmt.Sprintf("kafka://%s/%s?group=%s", strings.Join(opts.Brokers, ","), opts.Topic, opts.Group)
	return &Source{opts: opts, name: name, logger: logger.With("source", name),
		meter: ingest.NewSourceMeter(name, "kafka"), parts: map[int32]Position{}}, nil
}

// Name is the source's URL without credentials or secondary options.
func (s *Source) Name() string { return s.name }

// Stats reports counters, lag and freshness.
func (s *Source) Stats() ingest.SourceStats { return s.meter.Stats() }

// Run consumes until ctx ends (nil) or the stream stops (an error).
func (s *Source) Run(ctx context.Context, to *ingest.Stream) error {
	opts, err := s.clientOptions(to)
	if err != nil {
		return err
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		s.meter.SetError(err)
		return fmt.Errorf("kafka client: %w", err)
	}
	defer cl.Close()
	defer cl.AllowRebalance()
	for backoff := 100 * time.Millisecond; ; backoff = min(2*backoff, 5*time.Second) {
		err := cl.Ping(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		s.meter.SetError(err)
		s.logger.Warn("kafka brokers unreachable; retrying", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
	}
	s.meter.SetConnected(true)
	s.meter.SetError(nil)
	s.logger.Info("kafka source connected", "brokers", s.opts.Brokers, "topic", s.opts.Topic, "group", s.opts.Group, "dlq", s.opts.DeadLetterTopic)
	for {
		fetches := cl.PollRecords(ctx, s.opts.MaxBatch)
		if ctx.Err() != nil || fetches.IsClientClosed() {
			return nil
		}
		s.noteErrors(fetches)
		if err := s.handle(ctx, cl, to, fetches); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			s.meter.SetError(err)
			return err
		}
		cl.AllowRebalance()
	}
}

// clientOptions configures the group consumer: cooperative rebalancing,
// no auto-commit, offsets from the index's log.
func (s *Source) clientOptions(to *ingest.Stream) ([]kgo.Opt, error) {
	start := kgo.NewOffset().AtStart()
	if s.opts.Start == StartLatest {
		start = kgo.NewOffset().AtEnd()
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(s.opts.Brokers...),
		kgo.ConsumeTopics(s.opts.Topic),
		kgo.ConsumerGroup(s.opts.Group),
		kgo.Balancers(kgo.CooperativeStickyBalancer()),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		// An offset the broker no longer has (retention) restarts the
		// partition by the start policy.
		kgo.ConsumeResetOffset(start),
		kgo.AdjustFetchOffsetsFn(func(_ context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
			return s.seekToLog(to, offsets, start), nil
		}),
		kgo.OnPartitionsRevoked(s.forget),
		kgo.OnPartitionsLost(s.forget),
		kgo.WithLogger(clientLogger{s.logger}),
	}
	if s.opts.TLS != nil {
		opts = append(opts, kgo.DialTLSConfig(s.opts.TLS.Clone()))
	}
	if m, err := s.saslMechanism(); err != nil {
		return nil, err
	} else if m != nil {
		opts = append(opts, kgo.SASL(m))
	}
	return opts, nil
}

// seekToLog replaces the group's committed offsets of newly assigned
// partitions with the index's own positions: the group's offsets are
// committed after the log and may be behind it (a crash in between) or
// belong to another index. A partition the index never read starts by the
// start policy.
func (s *Source) seekToLog(to *ingest.Stream, offsets map[string]map[int32]kgo.Offset, start kgo.Offset) map[string]map[int32]kgo.Offset {
	s.mu.Lock()
	defer s.mu.Unlock()
	for topic, parts := range offsets {
		for p := range parts {
			raw := to.Position(PositionKey(topic, p))
			if raw == nil {
				parts[p] = start
				s.parts[p] = Position{}
				s.logger.Info("partition assigned; no position in the index", "partition", p, "start", s.opts.Start)
				continue
			}
			pos, err := DecodePosition(raw)
			if err != nil {
				// A position this code did not write: starting over could
				// apply events twice, so stop the partition loudly instead.
				s.logger.Error("partition assigned with an unreadable position; not consuming it", "partition", p, "err", err)
				s.meter.SetError(err)
				delete(parts, p)
				continue
			}
			parts[p] = kgo.NewOffset().At(pos.Next).WithEpoch(-1)
			s.parts[p] = pos
			s.logger.Info("partition assigned; resuming from the index's position", "partition", p, "offset", pos.Next)
		}
	}
	return offsets
}

// forget drops revoked or lost partitions. Processing is blocked during
// the callback, so none of their records is in flight.
func (s *Source) forget(_ context.Context, _ *kgo.Client, revoked map[string][]int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, parts := range revoked {
		for _, p := range parts {
			delete(s.parts, p)
			s.meter.DropLag(strconv.Itoa(int(p)))
		}
	}
}

func (s *Source) noteErrors(fetches kgo.Fetches) {
	fetches.EachError(func(topic string, p int32, err error) {
		if errors.Is(err, context.Canceled) {
			return
		}
		s.meter.SetError(err)
		s.logger.Warn("kafka fetch error", "topic", topic, "partition", p, "err", err)
	})
}

// partitionProgress is what one batch moves in one partition.
type partitionProgress struct {
	pos       Position
	highWater int64
	last      time.Time // the last record's timestamp
}

// handle turns one poll into one batch: valid events to the apply path,
// the rest to the dead-letter topic, and every partition's new position
// committed with the events.
func (s *Source) handle(ctx context.Context, cl *kgo.Client, to *ingest.Stream, fetches kgo.Fetches) error {
	var (
		events   []ingest.Event
		produced []time.Time
		sources  []*kgo.Record
		bad      []deadLetter
	)
	progress := map[int32]*partitionProgress{}
	s.mu.Lock()
	fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
		if fp.Topic != s.opts.Topic {
			return
		}
		pos, assigned := s.parts[fp.Partition]
		if !assigned {
			return // revoked since the fetch
		}
		pp := &partitionProgress{pos: pos, highWater: fp.HighWatermark}
		for _, r := range fp.Records {
			// Never hand an offset twice, whatever the fetch returned.
			if r.Offset < pp.pos.Next {
				continue
			}
			pp.pos.Next, pp.last = r.Offset+1, r.Timestamp
			pp.pos.Consumed++
			ev, err := s.opts.Mapping.Decode(r.Value, r.Key, r.Offset)
			if err != nil {
				bad = append(bad, deadLetter{rec: r, reason: err.Error()})
				continue
			}
			events = append(events, ev)
			produced = append(produced, r.Timestamp)
			sources = append(sources, r)
		}
		progress[fp.Partition] = pp
	})
	s.mu.Unlock()
	if len(progress) == 0 {
		return nil
	}
	consumed := len(bad) + len(events)
	s.meter.Consumed(consumed)

	// Schema failures are found before the commit, so the dead-letter copy
	// is acknowledged before the position moves past them.
	if len(events) > 0 {
		keep := 0
		for i, probs := range to.Check(events) {
			if len(probs) > 0 {
				bad = append(bad, deadLetter{rec: sources[i], reason: problemText(probs)})
				continue
			}
			events[keep], produced[keep], sources[keep] = events[i], produced[i], sources[i]
			keep++
		}
		events, produced, sources = events[:keep], produced[:keep], sources[:keep]
	}
	if len(bad) > 0 {
		s.meter.Rejected(len(bad))
		if err := s.deadLetter(ctx, cl, bad); err != nil {
			return err
		}
	}

	positions := make(map[string][]byte, len(progress))
	for p, pp := range progress {
		positions[PositionKey(s.opts.Topic, p)] = pp.pos.encode()
	}
	results, err := s.apply(ctx, to, ingest.SourceBatch{Events: events, Positions: positions})
	if err != nil {
		return err
	}
	s.meter.Committed(results, produced)
	var late []deadLetter
	for i, r := range results {
		if r.Status == ingest.StatusRejected {
			late = append(late, deadLetter{rec: sources[i], reason: problemText(r.Problems)})
		}
	}
	if len(late) > 0 {
		// Rejected at commit (a partial upsert that does not merge): the
		// position is already past them, so this copy is best effort.
		if err := s.deadLetter(ctx, cl, late); err != nil {
			return err
		}
	}

	// Durable: remember the positions, report lag, and tell the group (for
	// monitoring only; the index resumes from its own log).
	commit := map[string]map[int32]kgo.EpochOffset{s.opts.Topic: {}}
	now := time.Now()
	s.mu.Lock()
	for p, pp := range progress {
		if _, still := s.parts[p]; still {
			s.parts[p] = pp.pos
		}
		commit[s.opts.Topic][p] = kgo.EpochOffset{Epoch: -1, Offset: pp.pos.Next}
		// Seconds: how old the last message read is while more wait
		// behind it — the age of the backlog's front.
		lag := max(0, pp.highWater-pp.pos.Next)
		var secs float64
		if lag > 0 && !pp.last.IsZero() {
			secs = max(0, now.Sub(pp.last).Seconds())
		}
		s.meter.SetLag(ingest.PartitionLag{Partition: strconv.Itoa(int(p)), Messages: lag, Seconds: secs})
	}
	s.mu.Unlock()
	cl.CommitOffsets(ctx, commit, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, _ *kmsg.OffsetCommitResponse, err error) {
		if err != nil && !errors.Is(err, context.Canceled) {
			s.logger.Warn("committing group offsets (monitoring only)", "err", err)
		}
	})
	return nil
}

// apply enqueues the batch — waiting, without polling, while the apply
// queue is full — and waits until it is durable and searchable.
func (s *Source) apply(ctx context.Context, to *ingest.Stream, b ingest.SourceBatch) ([]ingest.Result, error) {
	var enqueued atomic.Bool
	// A wait longer than a few milliseconds means the queue is full: the
	// source is paused (it does not poll, so the client buffers at most one
	// fetch per broker).
	t := time.AfterFunc(5*time.Millisecond, func() {
		s.meter.SetPaused(true)
		if enqueued.Load() {
			s.meter.SetPaused(false)
		}
	})
	wait, err := to.Enqueue(ctx, b)
	enqueued.Store(true)
	t.Stop()
	s.meter.SetPaused(false)
	if err != nil {
		return nil, fmt.Errorf("kafka: enqueue: %w", err)
	}
	results, err := wait()
	if err != nil {
		return nil, fmt.Errorf("kafka: apply: %w", err)
	}
	return results, nil
}

func problemText(probs []ingest.Problem) string {
	parts := make([]string, len(probs))
	for i, p := range probs {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}
