package ingest

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrQueueFull is returned by Submit when the apply queue is full; the
// caller should retry later (HTTP 429 with Retry-After).
var ErrQueueFull = errors.New("apply queue is full")

// StreamOptions configure a Stream.
type StreamOptions struct {
	// QueueSize bounds the submissions waiting to be applied; 0 means 1,024.
	QueueSize int
	// MaxBatch caps the events applied (and fsynced) together; 0 means 4,096.
	MaxBatch int
}

// Stream is the stream hook's entrance: a bounded queue in front of the
// apply path. One goroutine drains it, grouping whatever is waiting into
// one Commit — one WAL fsync — so load turns into larger batches rather
// than unbounded memory.
type Stream struct {
	a     *Applier
	ctx   context.Context
	opts  StreamOptions
	queue chan *submission

	mu        sync.Mutex
	fresh     latencies // recent receipt→searchable latencies
	applied   int64
	perSecond rate // applied events
	lastApply time.Time
	onFresh   []func(d time.Duration, lag time.Duration)
	done      chan struct{}
}

type submission struct {
	ctx       context.Context
	events    []Event
	positions map[string][]byte // a source's positions after events (source.go)
	received  time.Time
	results   []Result
	err       error
	done      chan struct{}
}

// NewStream starts the apply loop; it stops when ctx is done.
func NewStream(ctx context.Context, a *Applier, opts StreamOptions) *Stream {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1024
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 4096
	}
	s := &Stream{a: a, opts: opts, ctx: ctx, queue: make(chan *submission, opts.QueueSize), perSecond: rate{}, done: make(chan struct{})}
	go s.loop(ctx)
	return s
}

// OnFreshness registers fn to observe each applied event's receipt→searchable
// latency and, when the event carries ts, its event-time lag.
func (s *Stream) OnFreshness(fn func(fresh, lag time.Duration)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onFresh = append(s.onFresh, fn)
}

// Submit queues events and waits until they are durable and searchable.
// It returns ErrQueueFull at once when the queue is full.
func (s *Stream) Submit(ctx context.Context, events []Event) ([]Result, error) {
	sub := &submission{ctx: ctx, events: events, received: time.Now(), done: make(chan struct{})}
	select {
	case s.queue <- sub:
	default:
		return nil, ErrQueueFull
	}
	select {
	case <-sub.done:
		return sub.results, sub.err
	case <-ctx.Done():
		// The events may still be applied; the caller did not get an ack.
		return nil, ctx.Err()
	}
}

// QueueDepth is the number of submissions waiting.
func (s *Stream) QueueDepth() int { return len(s.queue) }

// Done is closed when the apply loop has drained and stopped.
func (s *Stream) Done() <-chan struct{} { return s.done }

func (s *Stream) loop(ctx context.Context) {
	defer close(s.done)
	for {
		var first *submission
		select {
		case first = <-s.queue:
		case <-ctx.Done():
			s.drain()
			return
		}
		s.applyGroup(s.gather(first))
	}
}

// drain applies what is already queued at shutdown, so graceful stops lose
// nothing that was accepted.
func (s *Stream) drain() {
	for {
		select {
		case sub := <-s.queue:
			s.applyGroup(s.gather(sub))
		default:
			return
		}
	}
}

func (s *Stream) gather(first *submission) []*submission {
	group := []*submission{first}
	n := len(first.events)
	for n < s.opts.MaxBatch {
		select {
		case sub := <-s.queue:
			group = append(group, sub)
			n += len(sub.events)
		default:
			return group
		}
	}
	return group
}

func (s *Stream) applyGroup(group []*submission) {
	var events []Event
	var positions map[string][]byte
	for _, sub := range group {
		events = append(events, sub.events...)
		// Later submissions are later in their source's log: their
		// positions replace earlier ones of the same key.
		for k, v := range sub.positions {
			if positions == nil {
				positions = map[string][]byte{}
			}
			positions[metaSourcePrefix+k] = v
		}
	}
	// The loop's work must not be cancelled by one caller going away; it
	// retries (an embedder outage) until it succeeds or the stream stops.
	var results []Result
	err := retry(s.ctx, "apply events", func() error {
		var err error
		results, err = s.a.applyWithMeta(context.Background(), events, positions)
		return err
	})
	now := time.Now()
	off, applied := 0, 0
	s.mu.Lock()
	for _, sub := range group {
		n := len(sub.events)
		if err != nil {
			sub.err = err
		} else {
			sub.results = results[off : off+n]
			fresh := now.Sub(sub.received)
			for i, r := range sub.results {
				if r.Status != StatusApplied {
					continue
				}
				s.applied++
				applied++
				s.fresh.add(fresh)
				var lag time.Duration
				if ts := sub.events[i].TS; !ts.IsZero() {
					lag = now.Sub(ts)
				}
				for _, fn := range s.onFresh {
					fn(fresh, lag)
				}
			}
		}
		off += n
		close(sub.done)
	}
	if err == nil {
		s.lastApply = now
	}
	s.perSecond.add(now, applied)
	s.mu.Unlock()
}

// StreamStats summarise the stream hook.
type StreamStats struct {
	QueueDepth  int       `json:"queue_depth"`
	Applied     int64     `json:"applied"`
	AppliedPerS float64   `json:"applied_per_s"` // over the last ten seconds
	LastApply   time.Time `json:"last_apply,omitzero"`
	FreshP50MS  float64   `json:"p50"`
	FreshP99MS  float64   `json:"p99"`
}

// Stats reports queue depth, applied events and freshness percentiles over
// the last few thousand events.
func (s *Stream) Stats() StreamStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := StreamStats{QueueDepth: len(s.queue), Applied: s.applied, LastApply: s.lastApply,
		AppliedPerS: s.perSecond.perSecond(time.Now())}
	st.FreshP50MS, st.FreshP99MS = s.fresh.percentiles()
	return st
}
