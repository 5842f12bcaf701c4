package ingest

import (
	"sort"
	"sync"
	"time"
)

// SourceMeter keeps a source's counters for SourceStats, so every source
// reports progress, lag and freshness the same way. It is safe for
// concurrent use; the zero value is not: use NewSourceMeter.
type SourceMeter struct {
	mu        sync.Mutex
	stats     SourceStats
	fresh     []float64 // recent produce→searchable latencies, ms (ring)
	freshNext int
	perSecond map[int64]int // applied events by Unix second, last minute
	lag       map[string]PartitionLag
}

// NewSourceMeter starts a meter for the named source of the given kind.
func NewSourceMeter(name, kind string) *SourceMeter {
	return &SourceMeter{stats: SourceStats{Name: name, Kind: kind}, fresh: make([]float64, 0, 4096),
		perSecond: map[int64]int{}, lag: map[string]PartitionLag{}}
}

// Consumed counts n messages read from the log.
func (m *SourceMeter) Consumed(n int) {
	m.mu.Lock()
	m.stats.Consumed += int64(n)
	m.mu.Unlock()
}

// DeadLettered counts n messages sent to the dead-letter destination.
func (m *SourceMeter) DeadLettered(n int) {
	m.mu.Lock()
	m.stats.DeadLettered += int64(n)
	m.mu.Unlock()
}

// Committed records a committed batch: its results and, per event, when the
// message was produced (zero when the log does not say). Rejected events
// count as rejected; applied ones as applied, with their freshness.
func (m *SourceMeter) Committed(results []Result, produced []time.Time) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, r := range results {
		switch r.Status {
		case StatusRejected:
			m.stats.Rejected++
			continue
		case StatusApplied:
			m.stats.Applied++
			m.perSecond[now.Unix()]++
		}
		if i < len(produced) && !produced[i].IsZero() {
			m.recordFresh(now.Sub(produced[i]))
		}
	}
	for sec := range m.perSecond {
		if sec < now.Unix()-60 {
			delete(m.perSecond, sec)
		}
	}
}

// Rejected counts n messages that never reached the apply path (not valid
// JSON, not an event).
func (m *SourceMeter) Rejected(n int) {
	m.mu.Lock()
	m.stats.Rejected += int64(n)
	m.mu.Unlock()
}

// SetLag records one partition's (or consumer's) lag behind its log.
func (m *SourceMeter) SetLag(l PartitionLag) {
	m.mu.Lock()
	m.lag[l.Partition] = l
	m.mu.Unlock()
}

// DropLag forgets a partition no longer assigned to this consumer.
func (m *SourceMeter) DropLag(partition string) {
	m.mu.Lock()
	delete(m.lag, partition)
	m.mu.Unlock()
}

// SetConnected records whether the source reaches its broker.
func (m *SourceMeter) SetConnected(ok bool) {
	m.mu.Lock()
	m.stats.Connected = ok
	m.mu.Unlock()
}

// SetPaused records whether fetching is paused by a full apply queue.
func (m *SourceMeter) SetPaused(p bool) {
	m.mu.Lock()
	m.stats.Paused = p
	m.mu.Unlock()
}

// SetError records the last error (nil clears it).
func (m *SourceMeter) SetError(err error) {
	m.mu.Lock()
	if err == nil {
		m.stats.LastError = ""
	} else {
		m.stats.LastError = err.Error()
	}
	m.mu.Unlock()
}

func (m *SourceMeter) recordFresh(d time.Duration) {
	ms := float64(d.Microseconds()) / 1000
	if len(m.fresh) < cap(m.fresh) {
		m.fresh = append(m.fresh, ms)
		return
	}
	m.fresh[m.freshNext] = ms
	m.freshNext = (m.freshNext + 1) % len(m.fresh)
}

// Stats is the source's current SourceStats: counters, events/s over the
// last ten seconds, lag summed (messages) and maxed (seconds) over
// partitions, and freshness percentiles over the last few thousand events.
func (m *SourceMeter) Stats() SourceStats {
	m.mu.Lock()
	st := m.stats
	vals := append([]float64(nil), m.fresh...)
	now := time.Now().Unix()
	n := 0
	for sec, c := range m.perSecond {
		if sec > now-10 {
			n += c
		}
	}
	st.EventsPerS = float64(n) / 10
	st.Partitions = make([]PartitionLag, 0, len(m.lag))
	for _, l := range m.lag {
		st.Partitions = append(st.Partitions, l)
		st.LagMessages += l.Messages
		st.LagSeconds = max(st.LagSeconds, l.Seconds)
	}
	m.mu.Unlock()
	sort.Slice(st.Partitions, func(i, j int) bool { return st.Partitions[i].Partition < st.Partitions[j].Partition })
	st.FreshP50MS, st.FreshP99MS = percentiles(vals)
	return st
}

// percentiles gives the median and 99th percentile of vals (sorted in
// place); zeros when empty.
func percentiles(vals []float64) (p50, p99 float64) {
	if len(vals) == 0 {
		return 0, 0
	}
	sort.Float64s(vals)
	return vals[len(vals)/2], vals[min(len(vals)-1, len(vals)*99/100)]
}
