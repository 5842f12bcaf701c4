package hnsw

import "testing"

func BenchmarkTmpBuild386(b *testing.B) {
	data := clustered(3, 40000, 386, 100)
	for b.Loop() {
		g := New(386, DefaultConfig())
		g.Reserve(len(data))
		for i, v := range data {
			g.Add(uint32(i), v)
		}
	}
	b.ReportMetric(float64(len(data)*b.N)/b.Elapsed().Seconds(), "inserts/s")
}

func TestTmpCount(t *testing.T) {
	data := clustered(3, 15000, 386, 100)
	g := New(386, DefaultConfig())
	g.Reserve(len(data))
	for i, v := range data[:10000] {
		g.Add(uint32(i), v)
	}
	TmpDots = 0
	for i, v := range data[10000:] {
		g.Add(uint32(10000+i), v)
	}
	t.Logf("dots per insert %d", TmpDots/5000)
}
