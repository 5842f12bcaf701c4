package lexical

import (
	"testing"
	"time"
)

// BenchmarkSet indexes the real product rows (title, category,
// description) into a fresh index, reporting ns and bytes per row.
func BenchmarkSet(b *testing.B) {
	ps := products(b)
	docs := make([]map[string]any, len(ps))
	for i, p := range ps {
		docs[i] = p.doc()
	}
	var x *Index
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		if i%len(docs) == 0 {
			b.StopTimer()
			x = New([]string{"title", "category", "description"})
			b.StartTimer()
		}
		x.Set(uint32(i%len(docs)), docs[i%len(docs)])
	}
	b.StopTimer()
	reportCPU(b, start)
	full := New([]string{"title", "category", "description"})
	for i, d := range docs {
		full.Set(uint32(i), d)
	}
	b.ReportMetric(float64(full.Bytes())/float64(full.Len()), "bytes/row")
}

// BenchmarkReset re-indexes rows already present: Delete then Set.
func BenchmarkReset(b *testing.B) {
	ps := products(b)
	x := New([]string{"title", "category", "description"})
	for i, p := range ps {
		x.Set(uint32(i), p.doc())
	}
	docs := make([]map[string]any, len(ps))
	for i, p := range ps {
		docs[i] = p.doc()
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		j := i % len(ps)
		x.Set(uint32(j), docs[(j+1)%len(ps)])
	}
	reportCPU(b, start)
}

// BenchmarkTop searches the titles of the real rows, replicated 20 times
// (27,000 slots), with a mix of queries.
func BenchmarkTop(b *testing.B) {
	ps := products(b)
	x := New([]string{"title", "category"})
	slot := uint32(0)
	for range 20 {
		for _, p := range ps {
			x.Set(slot, map[string]any{"title": p.title, "category": p.category})
			slot++
		}
	}
	var qs []*Query
	for _, text := range []string{"smartphone", "power bank", "usb type-c cable", "boAt earbuds", "iPhone13 tempered glass", "wireless mouse", "led tv 43 inch", "xyzzy"} {
		qs = append(qs, x.Prepare(text))
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		x.Top(qs[i%len(qs)], "title", 10, nil)
	}
	reportCPU(b, start)
	b.ReportMetric(float64(x.Bytes())/float64(x.Len()), "bytes/row")
}

// reportCPU reports the CPU time per op since start, measured by cpuTime.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkScore scores one row for a three-word query, as fusing a
// dense candidate list does.
func BenchmarkScore(b *testing.B) {
	ps := products(b)
	x := New([]string{"title", "category"})
	for i, p := range ps {
		x.Set(uint32(i), map[string]any{"title": p.title, "category": p.category})
	}
	q := x.Prepare("usb type-c cable")
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		x.Score(q, "title", uint32(i%len(ps)))
	}
	reportCPU(b, start)
}
