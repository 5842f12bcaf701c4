package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestDotInt8MatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 1))
	for _, n := range []int{1, 7, 8, 9, 31, 32, 33, 100, 386, 476, 1000} {
		q := randVec(r, n)
		c := make([]int8, n)
		for i := range c {
			c[i] = int8(r.IntN(256) - 128)
		}
		var want float64
		for i := range q {
			want += float64(q[i]) * float64(c[i])
		}
		if got := DotInt8(q, c); math.Abs(float64(got)-want) > 1e-3*(1+math.Abs(want)) {
			t.Errorf("n=%d: DotInt8 = %v, want %v", n, got, want)
		}
		if got := dotInt8Go(q, c); math.Abs(float64(got)-want) > 1e-3*(1+math.Abs(want)) {
			t.Errorf("n=%d: dotInt8Go = %v, want %v", n, got, want)
		}
	}
}

// The quantized product must stay close to the float one: the scan that
// uses it reranks its best candidates exactly, but only if they are there.
func TestQuantizeInt8Error(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 1))
	for trial := 0; trial < 200; trial++ {
		n := 8 + r.IntN(600)
		q, v := randVec(r, n), randVec(r, n)
		c := make([]int8, n)
		scale := QuantizeInt8(c, v)
		exact := float64(Dot(q, v))
		approx := float64(scale * DotInt8(q, c))
		var qn float64
		for _, x := range q {
			qn += float64(x) * float64(x)
		}
		// Rounding errs by at most scale/2 per element.
		bound := float64(scale) / 2 * math.Sqrt(qn) * math.Sqrt(float64(n))
		if math.Abs(exact-approx) > bound {
			t.Fatalf("n=%d: |%v - %v| > %v", n, exact, approx, bound)
		}
	}
	zero := make([]int8, 4)
	if s := QuantizeInt8(zero, []float32{0, 0, 0, 0}); s != 0 {
		t.Fatalf("zero vector scale %v", s)
	}
	// A NaN element must not poison the scale of the others.
	if s := QuantizeInt8(zero, []float32{0.5, float32(math.NaN()), -1, 0}); s != float32(1)/127 || zero[0] != 64 || zero[2] != -127 {
		t.Fatalf("NaN element: scale %v codes %v", s, zero)
	}
}

// BenchmarkInt8 measures the kernels of quantized scans at the demo
// schema's 476 dimensions.
func BenchmarkInt8(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	q, v := randVec(r, 476), randVec(r, 476)
	c := make([]int8, 476)
	QuantizeInt8(c, v)
	for _, bench := range []struct {
		name string
		fn   func()
	}{
		{"DotInt8", func() { DotInt8(q, c) }},
		{"QuantizeInt8", func() { QuantizeInt8(c, v) }},
	} {
		b.Run(bench.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				bench.fn()
			}
		})
	}
}
