package web

import (
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/tessera-search/tessera/ingest"
)

// rateMeter counts events per second over a sliding window of one-second
// buckets.
type rateMeter struct {
	mu      sync.Mutex
	window  time.Duration
	buckets map[int64]int
}

func newRateMeter(window time.Duration) *rateMeter {
	return &rateMeter{window: window, buckets: map[int64]int{}}
}

func (m *rateMeter) add(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buckets[now.Unix()]++
	if len(m.buckets) > int(m.window/time.Second)+2 {
		cut := now.Add(-m.window).Unix()
		for k := range m.buckets {
			if k < cut {
				delete(m.buckets, k)
			}
		}
	}
}

// rate is the mean per second over the last window (or since start).
func (m *rateMeter) rate(now time.Time, since time.Time) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	cut := now.Add(-m.window).Unix()
	n := 0
	for k, v := range m.buckets {
		if k >= cut {
			n += v
		}
	}
	span := m.window.Seconds()
	if up := now.Sub(since).Seconds(); up < span {
		span = max(up, 1)
	}
	return float64(n) / span
}

func (s *Server) stats(c *gin.Context) {
	now := time.Now()
	coll := s.cfg.Applier.Collection()
	st := s.cfg.Stream.Stats()
	out := gin.H{
		"rows":           coll.Len(),
		"dim":            coll.Dim(),
		"index_pending":  coll.Pending(),
		"queries_per_s":  s.qps.rate(now, s.started),
		"searches":       s.cfg.Engine.Searches(),
		"queue_depth":    st.QueueDepth,
		"events_applied": st.Applied,
		"applied_per_s":  st.AppliedPerS,
		"freshness_ms":   gin.H{"p50": st.FreshP50MS, "p99": st.FreshP99MS},
		"uptime_s":       now.Sub(s.started).Seconds(),
	}
	if len(s.cfg.Sources) > 0 {
		srcs := make([]ingest.SourceStats, len(s.cfg.Sources))
		for i, src := range s.cfg.Sources {
			srcs[i] = src.Stats()
		}
		out["sources"] = srcs
	}
	if t := coll.LastUpdate(); !t.IsZero() {
		out["last_update"] = t.UTC().Format(time.RFC3339Nano)
		out["last_update_age_s"] = now.Sub(t).Seconds()
	}
	c.JSON(http.StatusOK, out)
}
