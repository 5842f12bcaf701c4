package web

import (
	"context"
	"errors"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/breaker"
	"github.com/tessera-search/tessera/spaces"
)

// Metrics is the server's Prometheus registry, private so that tests and
// several servers in one process never collide. Create it before opening
// the data directory when the embedder should be instrumented too.
type Metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.HistogramVec // route, method, status
	inflight  prometheus.Gauge
	ingest    *prometheus.CounterVec // bulk rows by outcome
	events    *prometheus.CounterVec // stream events by status
	freshness prometheus.Histogram
	lag       prometheus.Histogram
	embed     *prometheus.HistogramVec // outcome
	walSync   prometheus.Histogram
	snapshot  prometheus.Histogram
}

// latencyBuckets span 0.5 ms to about 16 s.
var latencyBuckets = prometheus.ExponentialBuckets(0.0005, 2, 16)

// NewMetrics creates the registry with the Go runtime and process
// collectors (memory, CPU, open files) and Tessera's own metrics.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "tessera_http_request_duration_seconds", Help: "HTTP request latency by route template, method and status.",
		Buckets: latencyBuckets}, []string{"route", "method", "status"})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{Name: "tessera_http_requests_in_flight", Help: "HTTP requests being served."})
	m.ingest = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tessera_ingest_rows_total", Help: "Bulk-ingested rows by outcome: inserted (new id), updated (replaced a stored or earlier row), unchanged (identical to the stored row: nothing written), stale, rejected."},
		[]string{"outcome"})
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tessera_events_total", Help: "Stream events by status (applied, stale, rejected) and outcome (inserted, updated, unchanged, deleted)."},
		[]string{"status", "outcome"})
	m.freshness = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "tessera_event_freshness_seconds", Help: "Time from receiving a stream event to it being durable and searchable.", Buckets: latencyBuckets})
	m.lag = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "tessera_event_lag_seconds", Help: "Time from an event's own ts to it being searchable (events that carry ts).",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 12)})
	m.embed = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "tessera_embed_duration_seconds", Help: "Text embedder calls by outcome (ok, error, timeout, circuit_open), retries included.",
		Buckets: latencyBuckets}, []string{"outcome"})
	m.walSync = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "tessera_wal_fsync_seconds", Help: "Write-ahead log fsyncs (one per committed batch).", Buckets: latencyBuckets})
	m.snapshot = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "tessera_snapshot_seconds", Help: "Snapshots of the collection (documents, vectors and graph).", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)})
	m.reg.MustRegister(m.requests, m.inflight, m.ingest, m.events, m.freshness, m.lag, m.embed, m.walSync, m.snapshot,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveWALSync records one WAL fsync; pass it as index.Options.OnSync.
func (m *Metrics) ObserveWALSync(d time.Duration) { m.walSync.Observe(d.Seconds()) }

// ObserveSnapshot records one snapshot; pass it as index.Options.OnSnapshot.
func (m *Metrics) ObserveSnapshot(d time.Duration) { m.snapshot.Observe(d.Seconds()) }

func (m *Metrics) handler() gin.HandlerFunc {
	return gin.WrapH(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
}

// watch registers the gauges read from the server's parts and subscribes
// to ingest and stream outcomes.
func (m *Metrics) watch(cfg Config) {
	if cfg.Engine != nil {
		eng := cfg.Engine
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "tessera_searches_total", Help: "Searches run (rate() gives searches per second)."},
			func() float64 { return float64(eng.Searches()) }))
	}
	if cfg.Applier != nil {
		// Read through the applier each time: a schema change switches
		// it to a new collection.
		app := cfg.Applier
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tessera_index_documents", Help: "Documents in the index."},
			func() float64 { return float64(app.Collection().Len()) }))
		cfg.Applier.Observe(m.observeCommit)
	}
	if len(cfg.Sources) > 0 {
		m.reg.MustRegister(newSourceCollector(cfg.Sources))
	}
	if cfg.Stream != nil {
		st := cfg.Stream
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tessera_apply_queue_depth", Help: "Stream submissions waiting for the apply loop."},
			func() float64 { return float64(st.QueueDepth()) }))
		st.OnFreshness(func(fresh, lag time.Duration) {
			m.freshness.Observe(fresh.Seconds())
			if lag > 0 {
				m.lag.Observe(lag.Seconds())
			}
		})
	}
}

// observeCommit counts a committed batch: bulk rows carry their source
// file, stream events do not.
func (m *Metrics) observeCommit(items []ingest.Item, results []ingest.Result) {
	for i, r := range results {
		if items[i].Source != "" {
			outcome := r.Outcome
			if r.Status != ingest.StatusApplied {
				outcome = r.Status
			}
			m.ingest.WithLabelValues(outcome).Inc()
			continue
		}
		m.events.WithLabelValues(r.Status, r.Outcome).Inc()
	}
}

// InstrumentEmbedder wraps e so that every call's latency and outcome is
// recorded, and, when e reports Degraded (a *breaker.Breaker), exports it
// as tessera_embedder_degraded. Name and Dim are e's.
func (m *Metrics) InstrumentEmbedder(e spaces.Embedder) spaces.Embedder {
	ie := &instrumentedEmbedder{Embedder: e, m: m}
	if d, ok := e.(interface{ Degraded() bool }); ok {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tessera_embedder_degraded", Help: "1 while the text embedder's circuit breaker is open or probing, else 0."},
			func() float64 {
				if d.Degraded() {
					return 1
				}
				return 0
			}))
	}
	return ie
}

type instrumentedEmbedder struct {
	spaces.Embedder
	m *Metrics
}

func (e *instrumentedEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	start := time.Now()
	vecs, err := e.Embedder.Embed(ctx, texts)
	outcome := "ok"
	switch {
	case err == nil:
	case errors.Is(err, breaker.ErrOpen):
		outcome = "circuit_open"
	case errors.Is(err, context.DeadlineExceeded):
		outcome = "timeout"
	default:
		outcome = "error"
	}
	e.m.embed.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
	return vecs, err
}

// Degraded forwards the wrapped embedder's state, so wrapping does not
// hide it from the query engine.
func (e *instrumentedEmbedder) Degraded() bool {
	d, ok := e.Embedder.(interface{ Degraded() bool })
	return ok && d.Degraded()
}

// Unwrap returns the wrapped embedder.
func (e *instrumentedEmbedder) Unwrap() spaces.Embedder { return e.Embedder }
