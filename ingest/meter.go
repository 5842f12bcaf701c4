package ingest

import (
	"sort"
	"time"
)

// latencies keeps the most recent latencies (ms) in a ring, for the
// freshness percentiles of the stream hook and of each source. Not safe
// for concurrent use: its owner's mutex guards it.
type latencies struct {
	ms   []float64
	next int
}

// latencyWindow is how many recent events the percentiles cover.
const latencyWindow = 4096

func (l *latencies) add(d time.Duration) {
	ms := float64(d.Microseconds()) / 1000
	if l.ms == nil {
		l.ms = make([]float64, 0, latencyWindow)
	}
	if len(l.ms) < cap(l.ms) {
		l.ms = append(l.ms, ms)
		return
	}
	l.ms[l.next] = ms
	l.next = (l.next + 1) % len(l.ms)
}

// percentiles gives the median and 99th percentile; zeros when empty.
func (l *latencies) percentiles() (p50, p99 float64) {
	if len(l.ms) == 0 {
		return 0, 0
	}
	vals := append([]float64(nil), l.ms...)
	sort.Float64s(vals)
	return vals[len(vals)/2], vals[min(len(vals)-1, len(vals)*99/100)]
}

// rate counts events by Unix second over the last minute. Not safe for
// concurrent use.
type rate map[int64]int

func (r rate) add(now time.Time, n int) {
	r[now.Unix()] += n
	for sec := range r {
		if sec < now.Unix()-60 {
			delete(r, sec)
		}
	}
}

// perSecond is the mean over the last ten seconds.
func (r rate) perSecond(now time.Time) float64 {
	n := 0
	for sec, c := range r {
		if sec > now.Unix()-10 {
			n += c
		}
	}
	return float64(n) / 10
}
