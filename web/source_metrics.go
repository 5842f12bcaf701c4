package web

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tessera-search/tessera/ingest"
)

// sourceCollector exports every stream source's SourceStats at scrape
// time, so the numbers in /metrics are the ones in /v1/stats.
type sourceCollector struct {
	sources []ingest.Source

	events, perSecond, lagMessages, lagSeconds, fresh, paused, connected *prometheus.Desc
}

func newSourceCollector(sources []ingest.Source) *sourceCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, append([]string{"source"}, labels...), nil)
	}
	return &sourceCollector{sources: sources,
		events: d("tessera_source_messages_total",
			"Stream source messages by outcome: consumed (read from the log), applied, rejected (not a valid event or failed the schema), dead_lettered (sent to the dead-letter destination).", "outcome"),
		perSecond:   d("tessera_source_events_per_second", "Events the source applied per second over the last ten seconds."),
		lagMessages: d("tessera_source_lag_messages", "Messages behind the end of the log, per partition (Kafka) or consumer (NATS).", "partition"),
		lagSeconds:  d("tessera_source_lag_seconds", "Age of the last message read while more wait behind it, per partition; 0 when caught up.", "partition"),
		fresh:       d("tessera_source_freshness_seconds", "Produce time (the message's timestamp) to searchable, over recent events.", "quantile"),
		paused:      d("tessera_source_paused", "1 while the source has stopped fetching because the apply queue is full."),
		connected:   d("tessera_source_connected", "1 while the source reaches its brokers."),
	}
}

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.events, c.perSecond, c.lagMessages, c.lagSeconds, c.fresh, c.paused, c.connected} {
		ch <- d
	}
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	flag := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	for _, src := range c.sources {
		st := src.Stats()
		name := st.Name
		for outcome, n := range map[string]int64{"consumed": st.Consumed, "applied": st.Applied, "rejected": st.Rejected, "dead_lettered": st.DeadLettered} {
			ch <- prometheus.MustNewConstMetric(c.events, prometheus.CounterValue, float64(n), name, outcome)
		}
		ch <- prometheus.MustNewConstMetric(c.perSecond, prometheus.GaugeValue, st.EventsPerS, name)
		for _, p := range st.Partitions {
			ch <- prometheus.MustNewConstMetric(c.lagMessages, prometheus.GaugeValue, float64(p.Messages), name, p.Partition)
			ch <- prometheus.MustNewConstMetric(c.lagSeconds, prometheus.GaugeValue, p.Seconds, name, p.Partition)
		}
		ch <- prometheus.MustNewConstMetric(c.fresh, prometheus.GaugeValue, st.FreshP50MS/1000, name, "0.5")
		ch <- prometheus.MustNewConstMetric(c.fresh, prometheus.GaugeValue, st.FreshP99MS/1000, name, "0.99")
		ch <- prometheus.MustNewConstMetric(c.paused, prometheus.GaugeValue, flag(st.Paused), name)
		ch <- prometheus.MustNewConstMetric(c.connected, prometheus.GaugeValue, flag(st.Connected), name)
	}
}
