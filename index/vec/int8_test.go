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

func BenchmarkDotInt8_476(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	q := randVec(r, 476)
	c := make([]int8, 476)
	QuantizeInt8(c, randVec(r, 476))
	b.SetBytes(476)
	for i := 0; i < b.N; i++ {
		DotInt8(q, c)
	}
}

func TestDotInt16x8MatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 1))
	for _, n := range []int{1, 15, 16, 17, 63, 64, 65, 100, 476, 1000, maxInt8Dim + 37} {
		q := make([]int16, n)
		c := make([]int8, n)
		var want int64
		for i := range q {
			q[i] = int16(r.IntN(2*queryLevels+1) - queryLevels)
			c[i] = int8(r.IntN(256) - 128)
			want += int64(q[i]) * int64(c[i])
		}
		if got := DotInt16x8(q, c); got != want {
			t.Errorf("n=%d: DotInt16x8 = %d, want %d", n, got, want)
		}
	}
	// The extremes must not overflow the kernel's int32 lanes.
	n := maxInt8Dim
	q, c := make([]int16, n), make([]int8, n)
	for i := range q {
		q[i], c[i] = -queryLevels, -128
	}
	if got, want := DotInt16x8(q, c), int64(n)*queryLevels*128; got != want {
		t.Errorf("extremes: %d, want %d", got, want)
	}
}

func TestQuantizedDotError(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 1))
	for trial := 0; trial < 200; trial++ {
		n := 8 + r.IntN(600)
		q, v := randVec(r, n), randVec(r, n)
		c, q16 := make([]int8, n), make([]int16, n)
		vs, qs := QuantizeInt8(c, v), QueryInt16(q16, q)
		exact := float64(Dot(q, v))
		approx := float64(qs) * float64(vs) * float64(DotInt16x8(q16, c))
		var qn float64
		for _, x := range q {
			qn += float64(x) * float64(x)
		}
		bound := (float64(vs)/2*math.Sqrt(qn) + float64(qs)/2*math.Sqrt(float64(n))) * math.Sqrt(float64(n))
		if math.Abs(exact-approx) > bound {
			t.Fatalf("n=%d: |%v - %v| > %v", n, exact, approx, bound)
		}
	}
}

func BenchmarkDotInt16x8_476(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	q := make([]int16, 476)
	QueryInt16(q, randVec(r, 476))
	c := make([]int8, 476)
	QuantizeInt8(c, randVec(r, 476))
	b.SetBytes(476)
	for i := 0; i < b.N; i++ {
		DotInt16x8(q, c)
	}
}

func BenchmarkQuantizeInt8_476(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	v := randVec(r, 476)
	c := make([]int8, 476)
	b.SetBytes(476 * 4)
	for i := 0; i < b.N; i++ {
		QuantizeInt8(c, v)
	}
}
