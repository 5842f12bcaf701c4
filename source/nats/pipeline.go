package nats

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-search/tessera/ingest"
)

// hand enqueues a fetch's new events with the position after them and
// passes it to the acker. It reports false when ctx ended first.
func (r *run) hand(ctx context.Context, f *inFlight, pipe chan<- *inFlight, pause *pauser) bool {
	defer pause.begin()()
	if f.fresh > 0 {
		wait, err := r.to.Enqueue(ctx, ingest.SourceBatch{
			Events:    f.events,
			Positions: map[string][]byte{r.key: r.handed.encode()},
		})
		if err != nil {
			return false
		}
		f.wait = wait
		r.lag.handed(f.fresh)
	}
	select {
	case pipe <- f:
		return true
	case <-ctx.Done():
		return false
	}
}

// acker waits for each batch's commit, in order, then dead-letters what the
// apply path rejected and acks the batch's messages. Nothing is acked
// before the WAL holds the position after it.
func (r *run) acker(ctx context.Context, pipe <-chan *inFlight) error {
	for f := range pipe {
		if f.wait != nil {
			results, err := f.wait()
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("apply: %w", err)
			}
			r.meter.Committed(results, f.produced)
			for i, res := range results {
				if res.Status != ingest.StatusRejected || i >= len(f.applied) {
					continue
				}
				m := f.applied[i]
				seq := streamSeq(m)
				reason := fmt.Sprintf("stream sequence %d (subject %s): %s", seq, m.Subject(), ingest.ProblemsText(res.Problems))
				r.deadLetter(ctx, m, seq, reason)
				for j := range f.msgs {
					if f.msgs[j] == m {
						f.reasons[j] = reason
					}
				}
			}
			r.lag.committed(f.fresh, f.lastTS)
		}
		for i, m := range f.msgs {
			var err error
			if f.reasons[i] != "" {
				// Term: dead-lettered, never to be redelivered.
				err = m.TermWithReason(truncate(f.reasons[i], 200))
			} else {
				err = m.Ack()
			}
			if err != nil {
				// The position is committed: a redelivery is skipped.
				r.logger.Debug("nats ack failed", "err", err)
			}
		}
	}
	return nil
}

func streamSeq(m jetstream.Msg) uint64 {
	meta, err := m.Metadata()
	if err != nil {
		return 0
	}
	return meta.Sequence.Stream
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// pauser marks the source paused while it waits to hand a batch on — the
// apply queue (or the in-flight window) is full and it is not fetching. An
// enqueue into a queue with room takes microseconds; the grace keeps those
// from flickering Paused in the stats.
type pauser struct {
	meter   *ingest.SourceMeter
	mu      sync.Mutex
	waiting bool
}

const pauseGrace = 10 * time.Millisecond

func newPauser(m *ingest.SourceMeter) *pauser { return &pauser{meter: m} }

// begin starts a wait; the returned func ends it.
func (p *pauser) begin() (end func()) {
	p.mu.Lock()
	p.waiting = true
	p.mu.Unlock()
	t := time.AfterFunc(pauseGrace, func() {
		p.mu.Lock()
		if p.waiting {
			p.meter.SetPaused(true)
		}
		p.mu.Unlock()
	})
	return func() {
		t.Stop()
		p.mu.Lock()
		p.waiting = false
		p.meter.SetPaused(false)
		p.mu.Unlock()
	}
}

// sleep waits d or until ctx ends; false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// backoff is 100ms doubling to 5s.
func backoff(attempt int) time.Duration {
	d := 100 * time.Millisecond << min(attempt, 6)
	return min(d, 5*time.Second)
}
