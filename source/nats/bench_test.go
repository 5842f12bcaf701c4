package nats_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	natssource "github.com/tessera-search/tessera/source/nats"
)

// BenchmarkCatchUp measures a backlog drained through the source into a
// fsynced index: events/s from the first fetch to the last commit.
//
//	go test ./source/nats -run '^$' -bench CatchUp -benchtime 3x
func BenchmarkCatchUp(b *testing.B) {
	const backlog = 5000
	for _, batch := range []int{100, 500} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			var rate float64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				br := newBroker(b)
				ts := openTessera(b, b.TempDir(), tessera.Options{}, ingest.StreamOptions{})
				for j := 0; j < backlog; j++ {
					br.publish("products.upsert", event(fmt.Sprintf("c%d", j%2000), int64(j+1), fmt.Sprintf("catch up lamp %d", j)))
				}
				b.StartTimer()
				start := time.Now()
				r := runSource(b, br, ts, natssource.Options{Batch: batch})
				for ts.position("tessera").Seq < backlog {
					time.Sleep(2 * time.Millisecond)
				}
				rate += backlog / time.Since(start).Seconds()
				b.StopTimer()
				r.halt(b)
				ts.close()
			}
			b.ReportMetric(rate/float64(b.N), "events/s")
		})
	}
	// The same backlog decoded and enqueued straight into the stream,
	// batches of 500, without a broker: what the source costs on top of
	// the apply path.
	b.Run("direct", func(b *testing.B) {
		var rate float64
		for i := 0; i < b.N; i++ {
			ts := openTessera(b, b.TempDir(), tessera.Options{}, ingest.StreamOptions{})
			var raw [][]byte
			for j := 0; j < backlog; j++ {
				raw = append(raw, event(fmt.Sprintf("c%d", j%2000), int64(j+1), fmt.Sprintf("catch up lamp %d", j)))
			}
			start := time.Now()
			var events []ingest.Event
			for _, data := range raw {
				ev, err := ingest.MessageMapping{}.Decode(data, nil, 0)
				if err != nil {
					b.Fatal(err)
				}
				events = append(events, ev)
			}
			var waits []func() ([]ingest.Result, error)
			for j := 0; j < backlog; j += 500 {
				w, err := ts.stream.Enqueue(context.Background(), ingest.SourceBatch{Events: events[j : j+500]})
				if err != nil {
					b.Fatal(err)
				}
				waits = append(waits, w)
			}
			for _, w := range waits {
				if _, err := w(); err != nil {
					b.Fatal(err)
				}
			}
			rate += backlog / time.Since(start).Seconds()
			ts.close()
		}
		b.ReportMetric(rate/float64(b.N), "events/s")
	})
}

// BenchmarkFreshness publishes at a steady rate with the source running
// and reports produce (the stream's timestamp) to searchable.
//
//	go test ./source/nats -run '^$' -bench Freshness -benchtime 1x
func BenchmarkFreshness(b *testing.B) {
	for _, perSecond := range []int{200, 2000} {
		b.Run(fmt.Sprintf("rate=%d", perSecond), func(b *testing.B) {
			var p50, p99 float64
			for i := 0; i < b.N; i++ {
				br := newBroker(b)
				ts := openTessera(b, b.TempDir(), tessera.Options{}, ingest.StreamOptions{})
				r := runSource(b, br, ts, natssource.Options{})
				tick := time.NewTicker(10 * time.Millisecond)
				n := 0
				for end := time.Now().Add(3 * time.Second); time.Now().Before(end); {
					<-tick.C
					for j := 0; j < perSecond/100; j++ {
						n++
						br.publish("products.upsert", event(fmt.Sprintf("f%d", n%1000), int64(n), fmt.Sprintf("fresh lamp %d", n)))
					}
				}
				tick.Stop()
				for ts.position("tessera").Seq < uint64(n) {
					time.Sleep(2 * time.Millisecond)
				}
				st := r.src.Stats()
				p50, p99 = p50+st.FreshP50MS, p99+st.FreshP99MS
				r.halt(b)
				ts.close()
			}
			b.ReportMetric(p50/float64(b.N), "p50-ms")
			b.ReportMetric(p99/float64(b.N), "p99-ms")
		})
	}
}
