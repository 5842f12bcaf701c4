package nats

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tessera-search/tessera/ingest"
)

// lagMeter keeps the consumer's distance behind its stream: messages the
// broker has not delivered yet plus those delivered but not yet committed,
// and in seconds the newest stored message's timestamp minus that of the
// last committed one.
type lagMeter struct {
	meter *ingest.SourceMeter
	name  string

	mu          sync.Mutex
	undelivered uint64    // matching messages the broker has not delivered
	uncommitted int       // new messages handed on, not yet committed
	newest      time.Time // the newest message stored in the stream
	committedTS time.Time // the last committed message's timestamp
	oldestSeen  time.Time // before any commit: the first message read
	refreshed   time.Time
}

func newLagMeter(m *ingest.SourceMeter, name string) *lagMeter {
	return &lagMeter{meter: m, name: name}
}

// lagRefreshEvery bounds how often the broker is asked for the consumer's
// and stream's state while messages flow (two requests each time).
const lagRefreshEvery = time.Second

// pending records a delivery's view: how many matching messages follow it.
func (l *lagMeter) pending(undelivered uint64, ts time.Time) {
	l.mu.Lock()
	l.undelivered = undelivered
	if ts.After(l.newest) {
		l.newest = ts
	}
	if l.oldestSeen.IsZero() {
		l.oldestSeen = ts
	}
	l.mu.Unlock()
	l.report()
}

func (l *lagMeter) handed(n int) {
	l.mu.Lock()
	l.uncommitted += n
	l.mu.Unlock()
	l.report()
}

func (l *lagMeter) committed(n int, lastTS time.Time) {
	l.mu.Lock()
	l.uncommitted -= n
	if !lastTS.IsZero() {
		l.committedTS = lastTS
	}
	l.mu.Unlock()
	l.report()
}

// maybeRefresh refreshes from the broker at most every lagRefreshEvery.
func (l *lagMeter) maybeRefresh(ctx context.Context, s jetstream.Stream, c jetstream.Consumer) {
	l.mu.Lock()
	due := time.Since(l.refreshed) >= lagRefreshEvery
	l.mu.Unlock()
	if due {
		l.refresh(ctx, s, c)
	}
}

// refresh asks the broker for the consumer's pending count and the
// stream's newest message; a failure keeps the last known values.
func (l *lagMeter) refresh(ctx context.Context, s jetstream.Stream, c jetstream.Consumer) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	ci, err := c.Info(ctx)
	if err != nil {
		return
	}
	newest, err := newestMatching(ctx, s, ci.Config.FilterSubject)
	if err != nil {
		return
	}
	l.mu.Lock()
	l.undelivered = ci.NumPending
	if newest.After(l.newest) {
		l.newest = newest
	}
	l.refreshed = time.Now()
	l.mu.Unlock()
	l.report()
}

func (l *lagMeter) report() {
	l.mu.Lock()
	msgs := int64(l.undelivered) + int64(max(l.uncommitted, 0))
	var secs float64
	if msgs > 0 {
		base := l.committedTS
		if base.IsZero() {
			base = l.oldestSeen
		}
		if !base.IsZero() && l.newest.After(base) {
			secs = l.newest.Sub(base).Seconds()
		}
	}
	l.mu.Unlock()
	l.meter.SetLag(ingest.PartitionLag{Partition: l.name, Messages: msgs, Seconds: secs})
}

// newestMatching is the time of the newest message the consumer's filter
// matches: the stream's last message when it has no filter, else the last
// one on the filter's subjects. The stream's last message alone overstated
// lag_seconds whenever other subjects of a shared stream were newer.
func newestMatching(ctx context.Context, s jetstream.Stream, filter string) (time.Time, error) {
	if filter == "" {
		si, err := s.Info(ctx)
		if err != nil {
			return time.Time{}, err
		}
		return si.State.LastTime, nil
	}
	m, err := s.GetLastMsgForSubject(ctx, filter)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, err
	}
	return m.Time, nil
}
