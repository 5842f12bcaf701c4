package hnsw

import "testing"

func BenchmarkTmpBuild386(b *testing.B) {
	data := clustered(3, 15000, 386, 100)
	for b.Loop() {
		g := New(386, DefaultConfig())
		g.Reserve(len(data))
		for i, v := range data {
			g.Add(uint32(i), v)
		}
	}
	b.ReportMetric(float64(len(data)*b.N)/b.Elapsed().Seconds(), "inserts/s")
}
