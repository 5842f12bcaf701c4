package main

import (
	"math"
	"runtime/metrics"
	"time"

	"github.com/tessera-search/tessera/index"
)

// phaseMetrics is what the Go runtime says about one phase of the stream
// benchmark, and the CPU the process used (getrusage; the runtime's own
// CPU classes are updated only at garbage collections, too seldom for a
// 10-second phase). With the broker in the process (kfake, embedded NATS)
// its CPU and the producer's count too.
type phaseMetrics struct {
	CPUS float64 `json:"cpu_s"`
	// LockWaitMS is the time goroutines spent blocked on sync.Mutex,
	// sync.RWMutex (searches queued behind a writer, writers behind
	// searches) and the runtime's internal locks, summed over goroutines.
	LockWaitMS float64 `json:"lock_wait_ms"`
	GCCycles   uint64  `json:"gc_cycles"`
	// AllocMB is what the process allocated (the broker's and producer's
	// share included): what sets the GC cycles' pace.
	AllocMB float64 `json:"alloc_mb"`
	// SchedP99MS is the 99th percentile of the time a goroutine was ready
	// to run before it ran (/sched/latencies): how long work waited for a
	// core the process's other goroutines held (or the machine's other
	// processes took from its threads). sched holds the histogram.
	SchedP99MS float64 `json:"sched_p99_ms"`

	// What the collection says of its searches (index.SearchWaits): the
	// p99 of a search's wait for the read lock, the p99 and longest hold
	// of the write lock by stream writes (bucket upper bounds: powers of
	// two microseconds), and the pending rows a search scanned on average.
	ReadLockP99MS  float64 `json:"read_lock_p99_ms"`
	WriteHolds     int64   `json:"write_holds"`
	WriteHoldP99MS float64 `json:"write_hold_p99_ms"`
	WriteHoldMaxMS float64 `json:"write_hold_max_ms"`
	PendingPerS    float64 `json:"pending_per_search"`
}

var phaseMetricNames = []string{"/sync/mutex/wait/total:seconds", "/gc/cycles/total:gc-cycles", "/sched/latencies:seconds", "/gc/heap/allocs:bytes"}

// phaseCounters are the cumulative counters behind phaseMetrics, read at a
// phase's start and end; their difference (since) is one phase's, and the
// phases of several rounds add up (plus) before they are summarised.
type phaseCounters struct {
	cpuS, lockWaitS, allocB float64
	gcCycles                uint64
	schedCounts             []uint64
	schedBuckets            []float64
	waits                   index.SearchWaits
}

// readPhaseCounters reads the process's and the collection's counters now.
func readPhaseCounters(col *index.Collection) phaseCounters {
	s := make([]metrics.Sample, len(phaseMetricNames))
	for i, n := range phaseMetricNames {
		s[i].Name = n
	}
	metrics.Read(s)
	c := phaseCounters{cpuS: processCPU().Seconds(), waits: col.SearchWaits()}
	if s[0].Value.Kind() == metrics.KindFloat64 {
		c.lockWaitS = s[0].Value.Float64()
	}
	if s[1].Value.Kind() == metrics.KindUint64 {
		c.gcCycles = s[1].Value.Uint64()
	}
	if s[2].Value.Kind() == metrics.KindFloat64Histogram {
		h := s[2].Value.Float64Histogram()
		c.schedCounts, c.schedBuckets = h.Counts, h.Buckets
	}
	if s[3].Value.Kind() == metrics.KindUint64 {
		c.allocB = float64(s[3].Value.Uint64())
	}
	return c
}

// since is what the counters moved by after prev.
func (c phaseCounters) since(prev phaseCounters) phaseCounters {
	return c.combine(prev, -1)
}

// plus adds another phase's movement (from since) to c's; the zero value
// is where a sum starts.
func (c phaseCounters) plus(other phaseCounters) phaseCounters {
	return c.combine(other, 1)
}

// combine is c + sign·o, counter by counter.
func (c phaseCounters) combine(o phaseCounters, sign int64) phaseCounters {
	out := phaseCounters{
		cpuS: c.cpuS + float64(sign)*o.cpuS, lockWaitS: c.lockWaitS + float64(sign)*o.lockWaitS,
		allocB: c.allocB + float64(sign)*o.allocB, gcCycles: uint64(int64(c.gcCycles) + sign*int64(o.gcCycles)),
		schedBuckets: c.schedBuckets,
		waits: index.SearchWaits{
			Searches:       c.waits.Searches + sign*o.waits.Searches,
			PendingScanned: c.waits.PendingScanned + sign*o.waits.PendingScanned,
			ReadLock:       combineWaits(c.waits.ReadLock, o.waits.ReadLock, sign),
			WriteHold:      combineWaits(c.waits.WriteHold, o.waits.WriteHold, sign),
		},
	}
	switch {
	case len(c.schedCounts) == len(o.schedCounts):
		out.schedCounts = make([]uint64, len(c.schedCounts))
		for i := range out.schedCounts {
			out.schedCounts[i] = uint64(int64(c.schedCounts[i]) + sign*int64(o.schedCounts[i]))
		}
	case c.schedCounts == nil && sign > 0: // a sum's first phase
		out.schedCounts, out.schedBuckets = append([]uint64(nil), o.schedCounts...), o.schedBuckets
	}
	return out
}

func combineWaits(a, b index.WaitHistogram, sign int64) index.WaitHistogram {
	for i := range a.Counts {
		a.Counts[i] += sign * b.Counts[i]
	}
	a.Total += time.Duration(sign) * b.Total
	return a
}

// summary turns one or more phases' movement into the report's figures.
func (c phaseCounters) summary() phaseMetrics {
	m := phaseMetrics{CPUS: c.cpuS, LockWaitMS: c.lockWaitS * 1000, GCCycles: c.gcCycles, AllocMB: c.allocB / (1 << 20)}
	if c.schedCounts != nil {
		m.SchedP99MS = histogramQuantile(c.schedCounts, c.schedBuckets, 0.99) * 1000
	}
	read, hold := c.waits.ReadLock, c.waits.WriteHold
	m.ReadLockP99MS = read.Quantile(0.99).Seconds() * 1000
	m.WriteHolds = hold.N()
	m.WriteHoldP99MS = hold.Quantile(0.99).Seconds() * 1000
	m.WriteHoldMaxMS = hold.Quantile(1).Seconds() * 1000
	if c.waits.Searches > 0 {
		m.PendingPerS = float64(c.waits.PendingScanned) / float64(c.waits.Searches)
	}
	return m
}

// histogramQuantile is the upper bound of the bucket holding quantile q of
// a runtime/metrics histogram (counts[i] between buckets[i] and
// buckets[i+1]); 0 when it is empty.
func histogramQuantile(counts []uint64, buckets []float64, q float64) float64 {
	var total uint64
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i, c := range counts {
		seen += c
		if seen >= rank {
			if hi := buckets[i+1]; !math.IsInf(hi, 1) {
				return hi
			}
			return buckets[i]
		}
	}
	return buckets[len(buckets)-1]
}
