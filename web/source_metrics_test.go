package web_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/web"
)

// meteredSource is a stream source that reports what its meter recorded;
// the sources themselves are tested in their own packages.
type meteredSource struct{ meter *ingest.SourceMeter }

func (s meteredSource) Name() string                                    { return s.meter.Stats().Name }
func (s meteredSource) Run(ctx context.Context, _ *ingest.Stream) error { <-ctx.Done(); return nil }
func (s meteredSource) Stats() ingest.SourceStats                       { return s.meter.Stats() }

// TestSourceMetrics: a source's counters, per-partition lag, freshness and
// state are in /metrics, labelled by source and partition, and agree with
// /v1/stats.
func TestSourceMetrics(t *testing.T) {
	m := ingest.NewSourceMeter("kafka://b:9092/orders?group=g", "kafka")
	m.SetConnected(true)
	m.Consumed(7)
	m.Rejected(2)
	m.DeadLettered(2)
	m.Committed([]ingest.Result{{Status: ingest.StatusApplied}, {Status: ingest.StatusApplied}, {Status: ingest.StatusStale}},
		[]time.Time{time.Now().Add(-40 * time.Millisecond), time.Now().Add(-40 * time.Millisecond), {}})
	m.SetLag(ingest.PartitionLag{Partition: "0", Messages: 12, Seconds: 1.5})
	m.SetLag(ingest.PartitionLag{Partition: "1", Messages: 3, Seconds: 0.25})
	s := startOps(t, func(c *web.Config) { c.Sources = []ingest.Source{meteredSource{m}} }, nil)

	got := s.scrape(t)
	src := "source=kafka://b:9092/orders?group=g"
	for name, want := range map[string]float64{
		series("tessera_source_messages_total", src, "outcome=consumed"):      7,
		series("tessera_source_messages_total", src, "outcome=applied"):       2,
		series("tessera_source_messages_total", src, "outcome=rejected"):      2,
		series("tessera_source_messages_total", src, "outcome=dead_lettered"): 2,
		series("tessera_source_lag_messages", src, "partition=0"):             12,
		series("tessera_source_lag_messages", src, "partition=1"):             3,
		series("tessera_source_lag_seconds", src, "partition=0"):              1.5,
		series("tessera_source_connected", src):                               1,
		series("tessera_source_paused", src):                                  0,
	} {
		if v, ok := got[name]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", name, v, ok, want)
		}
	}
	if p99 := got[series("tessera_source_freshness_seconds", src, "quantile=0.99")]; p99 < 0.04 || p99 > 5 {
		t.Errorf("freshness p99 %vs, want about 0.04", p99)
	}
	if eps := got[series("tessera_source_events_per_second", src)]; eps != 0.2 {
		t.Errorf("events/s %v, want 2 applied over ten seconds", eps)
	}

	_, body := s.do(t, "GET", "/v1/stats", "")
	var stats struct{ Sources []ingest.SourceStats }
	if err := json.Unmarshal([]byte(body), &stats); err != nil || len(stats.Sources) != 1 {
		t.Fatalf("/v1/stats sources: %v %s", err, body)
	}
	if st := stats.Sources[0]; st.LagMessages != 15 || st.LagSeconds != 1.5 || st.Applied != 2 || st.Kind != "kafka" {
		t.Fatalf("/v1/stats source %+v", st)
	}
}
