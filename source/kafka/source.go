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
// One goroutine polls, turns the records into a batch and hands it to the
// stream with the partitions' next offsets; a second waits, in order, until
// each batch is durable, then reports it and commits the group's offsets.
// At most pipelineDepth batches are in flight. A revoked partition is
// handed over only once every batch in flight is durable, so when it is
// assigned again the offset the index holds for it is exact.
type Source struct {
	opts   Options
	name   string
	logger *slog.Logger
	meter  *ingest.SourceMeter

	mu    sync.Mutex
	parts map[int32]Position // assigned partitions: position after the last batch handed over
	// flight counts batches handed to the stream and not yet durable.
	flight sync.WaitGroup
}

// pipelineDepth bounds the batches in flight. One at a time leaves the
// consumer idle during every fsync; a few let the stream group them into
// one commit while the next poll is decoded. Measured on two shared cores
// (tessera-bench stream --source kafka://kfake/bench --backlog 50000
// --duration 2s, depth 4 and 1 interleaved, four rounds each): throughput
// equal within the noise (5.6k–6.5k vs 5.1k–8.0k events/s, the index's CPU
// bounds it), freshness at 1,000 events/s p50 15–23 ms vs 13–112 ms and p99
// 132–213 ms vs 137–440 ms.
const pipelineDepth = 4

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
	defer s.meter.SetConnected(false)
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

	run, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		s.watchBrokers(run, cl, brokerProbe)
	}()
	// Stopped and waited for before the deferred SetConnected(false), so
	// it cannot set the flag again after Run returns.
	defer func() {
		fail(nil)
		<-watched
	}()
	// Queued here plus the one the commit side waits on.
	inflight := make(chan batchInFlight, pipelineDepth-1)
	committed := make(chan struct{})
	go func() {
		defer close(committed)
		s.commitLoop(run, fail, cl, inflight)
	}()
	defer func() {
		close(inflight)
		<-committed
		cl.AllowRebalance()
	}()
	for {
		fetches := cl.PollRecords(run, s.opts.MaxBatch)
		if run.Err() != nil || fetches.IsClientClosed() {
			return s.failure(ctx, run)
		}
		s.noteErrors(fetches)
		b, err := s.handOver(run, cl, to, fetches)
		if err != nil {
			if run.Err() != nil {
				return s.failure(ctx, run)
			}
			s.meter.SetError(err)
			return err
		}
		if b != nil {
			inflight <- *b
		}
		cl.AllowRebalance()
	}
}

// brokerProbe is how often a running source asks the brokers for metadata
// to keep its connected flag true: the fetch loop alone does not notice
// brokers that vanish (the client retries quietly), so without a probe
// tessera_source_connected stayed 1 with every broker gone.
const brokerProbe = 2 * time.Second

// watchBrokers pings the brokers every interval until ctx ends, and
// records whether they answer (with the error when they do not).
func (s *Source) watchBrokers(ctx context.Context, cl *kgo.Client, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	up := true
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, interval)
		err := cl.Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil && up:
			up = false
			s.meter.SetConnected(false)
			s.meter.SetError(fmt.Errorf("kafka brokers unreachable: %w", err))
			s.logger.Warn("kafka brokers unreachable", "err", err)
		case err == nil && !up:
			up = true
			s.meter.SetConnected(true)
			s.meter.SetError(nil)
			s.logger.Info("kafka brokers reachable again")
		}
	}
}

// failure is Run's result once run is done: nil when the caller stopped
// it, else why the commit side failed.
func (s *Source) failure(ctx, run context.Context) error {
	if ctx.Err() != nil {
		return nil
	}
	err := context.Cause(run)
	s.meter.SetError(err)
	return err
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
	if s.opts.Instance != "" {
		opts = append(opts, kgo.InstanceID(s.opts.Instance))
	}
	if s.opts.SessionTimeout > 0 {
		opts = append(opts, kgo.SessionTimeout(s.opts.SessionTimeout))
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

// forget drops revoked or lost partitions once every batch in flight is
// durable (polling is blocked during the callback, so no new one starts):
// the next owner — this source again, after a rebalance — resumes from the
// index's positions, which are then exact.
func (s *Source) forget(_ context.Context, _ *kgo.Client, revoked map[string][]int32) {
	s.flight.Wait()
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

// batchInFlight is a batch handed to the stream and what to report once
// it is durable.
type batchInFlight struct {
	wait     func() ([]ingest.Result, error)
	progress map[int32]*partitionProgress
	produced []time.Time
	sources  []*kgo.Record
}

// handOver turns one poll into one batch: valid events to the apply path,
// the rest to the dead-letter topic, and every partition's new position
// committed with the events. It returns nil when the poll held nothing for
// an assigned partition.
func (s *Source) handOver(ctx context.Context, cl *kgo.Client, to *ingest.Stream, fetches kgo.Fetches) (*batchInFlight, error) {
	var (
		events []ingest.Event
		bad    []deadLetter
	)
	b := &batchInFlight{progress: map[int32]*partitionProgress{}}
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
			b.produced = append(b.produced, r.Timestamp)
			b.sources = append(b.sources, r)
		}
		b.progress[fp.Partition] = pp
	})
	s.mu.Unlock()
	if len(b.progress) == 0 {
		return nil, nil
	}
	s.meter.Consumed(len(bad) + len(events))

	// Schema failures are found before the commit, so the dead-letter copy
	// is acknowledged before the position moves past them.
	if len(events) > 0 {
		keep := 0
		for i, probs := range to.Check(events) {
			if len(probs) > 0 {
				bad = append(bad, deadLetter{rec: b.sources[i], reason: ingest.ProblemsText(probs)})
				continue
			}
			events[keep], b.produced[keep], b.sources[keep] = events[i], b.produced[i], b.sources[i]
			keep++
		}
		events, b.produced, b.sources = events[:keep], b.produced[:keep], b.sources[:keep]
	}
	if len(bad) > 0 {
		s.meter.Rejected(len(bad))
		if err := s.deadLetter(ctx, cl, bad); err != nil {
			return nil, err
		}
	}

	positions := make(map[string][]byte, len(b.progress))
	for p, pp := range b.progress {
		positions[PositionKey(s.opts.Topic, p)] = pp.pos.encode()
	}
	s.flight.Add(1)
	wait, err := s.enqueue(ctx, to, ingest.SourceBatch{Events: events, Positions: positions})
	if err != nil {
		s.flight.Done()
		return nil, err
	}
	b.wait = wait
	// The next batch continues from here.
	s.mu.Lock()
	for p, pp := range b.progress {
		if _, still := s.parts[p]; still {
			s.parts[p] = pp.pos
		}
	}
	s.mu.Unlock()
	return b, nil
}

// commitLoop waits for each batch in order; once one is durable it counts
// it, reports lag, dead-letters what the commit rejected, and tells the
// group (for monitoring only; the index resumes from its own log). A batch
// that fails ends the run.
func (s *Source) commitLoop(ctx context.Context, fail context.CancelCauseFunc, cl *kgo.Client, inflight <-chan batchInFlight) {
	for b := range inflight {
		err := s.commitOne(ctx, cl, b)
		s.flight.Done()
		if err != nil {
			fail(err)
			for range inflight { // the poller stops; release the rest
				s.flight.Done()
			}
			return
		}
	}
}

func (s *Source) commitOne(ctx context.Context, cl *kgo.Client, b batchInFlight) error {
	results, err := b.wait()
	if err != nil {
		return fmt.Errorf("kafka: apply: %w", err)
	}
	s.meter.Committed(results, b.produced)
	var late []deadLetter
	for i, r := range results {
		if r.Status == ingest.StatusRejected {
			late = append(late, deadLetter{rec: b.sources[i], reason: ingest.ProblemsText(r.Problems)})
		}
	}
	if len(late) > 0 {
		// Rejected at commit (a partial upsert that does not merge): the
		// position is already past them, so this copy is best effort.
		if err := s.deadLetter(ctx, cl, late); err != nil {
			return err
		}
	}
	commit := map[string]map[int32]kgo.EpochOffset{s.opts.Topic: {}}
	now := time.Now()
	for p, pp := range b.progress {
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
	cl.CommitOffsets(ctx, commit, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, _ *kmsg.OffsetCommitResponse, err error) {
		if err != nil && !errors.Is(err, context.Canceled) {
			s.logger.Warn("committing group offsets (monitoring only)", "err", err)
		}
	})
	return nil
}

// enqueue hands the batch to the stream, waiting — without polling — while
// the apply queue is full.
func (s *Source) enqueue(ctx context.Context, to *ingest.Stream, b ingest.SourceBatch) (func() ([]ingest.Result, error), error) {
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
	return wait, nil
}
