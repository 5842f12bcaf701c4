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
	fresh     latencies // recent produce→searchable latencies
	perSecond rate      // applied events
	lag       map[string]PartitionLag
}

// NewSourceMeter starts a meter for the named source of the given kind.
func NewSourceMeter(name, kind string) *SourceMeter {
	return &SourceMeter{stats: SourceStats{Name: name, Kind: kind}, perSecond: rate{}, lag: map[string]PartitionLag{}}
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
	applied := 0
	for i, r := range results {
		switch r.Status {
		case StatusRejected:
			m.stats.Rejected++
			continue
		case StatusApplied:
			m.stats.Applied++
			applied++
		}
		if i < len(produced) && !produced[i].IsZero() {
			m.fresh.add(now.Sub(produced[i]))
		}
	}
	m.perSecond.add(now, applied)
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

// Stats is the source's current SourceStats: counters, events/s over the
// last ten seconds, lag summed (messages) and maxed (seconds) over
// partitions, and freshness percentiles over the last few thousand events.
func (m *SourceMeter) Stats() SourceStats {
	m.mu.Lock()
	st := m.stats
	st.EventsPerS = m.perSecond.perSecond(time.Now())
	st.FreshP50MS, st.FreshP99MS = m.fresh.percentiles()
	st.Partitions = make([]PartitionLag, 0, len(m.lag))
	for _, l := range m.lag {
		st.Partitions = append(st.Partitions, l)
		st.LagMessages += l.Messages
		st.LagSeconds = max(st.LagSeconds, l.Seconds)
	}
	m.mu.Unlock()
	sort.Slice(st.Partitions, func(i, j int) bool { return st.Partitions[i].Partition < st.Partitions[j].Partition })
	return st
}
