package main

import "runtime/metrics"

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
}

var phaseMetricNames = []string{"/sync/mutex/wait/total:seconds", "/gc/cycles/total:gc-cycles"}

// readPhaseMetrics reads the cumulative counters; since subtracts an
// earlier reading.
func readPhaseMetrics() phaseMetrics {
	s := make([]metrics.Sample, len(phaseMetricNames))
	for i, n := range phaseMetricNames {
		s[i].Name = n
	}
	metrics.Read(s)
	m := phaseMetrics{CPUS: processCPU().Seconds()}
	if s[0].Value.Kind() == metrics.KindFloat64 {
		m.LockWaitMS = s[0].Value.Float64() * 1000
	}
	if s[1].Value.Kind() == metrics.KindUint64 {
		m.GCCycles = s[1].Value.Uint64()
	}
	return m
}

func (m phaseMetrics) since(prev phaseMetrics) phaseMetrics {
	return phaseMetrics{CPUS: m.CPUS - prev.CPUS, LockWaitMS: m.LockWaitMS - prev.LockWaitMS, GCCycles: m.GCCycles - prev.GCCycles}
}
