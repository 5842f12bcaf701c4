package main

import (
	"math"
	"runtime/metrics"

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
	sched      *metrics.Float64Histogram

	// What the collection says of its searches (index.SearchWaits): the
	// p99 of a search's wait for the read lock, the p99 and longest hold
	// of the write lock by stream writes (bucket upper bounds: powers of
	// two microseconds), and the pending rows a search scanned on average.
	ReadLockP99MS  float64 `json:"read_lock_p99_ms"`
	WriteHolds     int64   `json:"write_holds"`
	WriteHoldP99MS float64 `json:"write_hold_p99_ms"`
	WriteHoldMaxMS float64 `json:"write_hold_max_ms"`
	PendingPerS    float64 `json:"pending_per_search"`
	waits          index.SearchWaits
}

var phaseMetricNames = []string{"/sync/mutex/wait/total:seconds", "/gc/cycles/total:gc-cycles", "/sched/latencies:seconds", "/gc/heap/allocs:bytes"}

// readPhaseMetrics reads the cumulative counters; since subtracts an
// earlier reading.
func readPhaseMetrics(col *index.Collection) phaseMetrics {
	s := make([]metrics.Sample, len(phaseMetricNames))
	for i, n := range phaseMetricNames {
		s[i].Name = n
	}
	metrics.Read(s)
	m := phaseMetrics{CPUS: processCPU().Seconds(), waits: col.SearchWaits()}
	if s[0].Value.Kind() == metrics.KindFloat64 {
		m.LockWaitMS = s[0].Value.Float64() * 1000
	}
	if s[1].Value.Kind() == metrics.KindUint64 {
		m.GCCycles = s[1].Value.Uint64()
	}
	if s[2].Value.Kind() == metrics.KindFloat64Histogram {
		m.sched = s[2].Value.Float64Histogram()
	}
	if s[3].Value.Kind() == metrics.KindUint64 {
		m.AllocMB = float64(s[3].Value.Uint64()) / (1 << 20)
	}
	return m
}

func (m phaseMetrics) since(prev phaseMetrics) phaseMetrics {
	out := phaseMetrics{CPUS: m.CPUS - prev.CPUS, LockWaitMS: m.LockWaitMS - prev.LockWaitMS, GCCycles: m.GCCycles - prev.GCCycles, AllocMB: m.AllocMB - prev.AllocMB}
	if m.sched != nil && prev.sched != nil && len(m.sched.Counts) == len(prev.sched.Counts) {
		counts := make([]uint64, len(m.sched.Counts))
		for i := range counts {
			counts[i] = m.sched.Counts[i] - prev.sched.Counts[i]
		}
		out.SchedP99MS = histogramQuantile(counts, m.sched.Buckets, 0.99) * 1000
	}
	read, hold := m.waits.ReadLock.Since(prev.waits.ReadLock), m.waits.WriteHold.Since(prev.waits.WriteHold)
	out.ReadLockP99MS = read.Quantile(0.99).Seconds() * 1000
	out.WriteHolds = hold.N()
	out.WriteHoldP99MS = hold.Quantile(0.99).Seconds() * 1000
	out.WriteHoldMaxMS = hold.Quantile(1).Seconds() * 1000
	if n := m.waits.Searches - prev.waits.Searches; n > 0 {
		out.PendingPerS = float64(m.waits.PendingScanned-prev.waits.PendingScanned) / float64(n)
	}
	return out
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
