package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/viterin/vek/vek32"
)

func naiveDot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func naiveL2(a, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return s
}

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// close reports whether got is within 1e-4 relative of want, with an absolute
// floor scaled by the magnitude of the terms so near-zero sums of large terms
// are judged fairly.
func closeTo(got float32, want, scale float64) bool {
	return math.Abs(float64(got)-want) <= 1e-4*math.Max(math.Abs(want), scale)
}

func TestDotMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	lengths := []int{1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 65, 127, 128, 129, 385, 386, 387, 1023}
	for range 200 {
		lengths = append(lengths, 1+r.IntN(2000))
	}
	for _, n := range lengths {
		a, b := randVec(r, n), randVec(r, n)
		want := naiveDot(a, b)
		scale := math.Sqrt(float64(n)) // typical magnitude of a random-sign sum
		if got := Dot(a, b); !closeTo(got, want, scale) {
			t.Fatalf("Dot len %d = %v, naive %v", n, got, want)
		}
		if got := dotGo(a, b); !closeTo(got, want, scale) {
			t.Fatalf("dotGo len %d = %v, naive %v", n, got, want)
		}
		wantL2 := naiveL2(a, b)
		if got := L2Sq(a, b); !closeTo(got, wantL2, scale) {
			t.Fatalf("L2Sq len %d = %v, naive %v", n, got, wantL2)
		}
		if got := l2sqGo(a, b); !closeTo(got, wantL2, scale) {
			t.Fatalf("l2sqGo len %d = %v, naive %v", n, got, wantL2)
		}
	}
}

func TestDotEdgeCases(t *testing.T) {
	if got := Dot(nil, nil); got != 0 {
		t.Fatalf("Dot(nil, nil) = %v", got)
	}
	// Unequal lengths use the shorter prefix instead of reading past it.
	if got := Dot([]float32{1, 2, 3}, []float32{4, 5}); got != 14 {
		t.Fatalf("Dot prefix = %v, want 14", got)
	}
	if got := L2Sq([]float32{1, 2}, []float32{4, 6, 100}); got != 25 {
		t.Fatalf("L2Sq prefix = %v, want 25", got)
	}
	// Sub-slices at odd offsets exercise unaligned loads.
	r := rand.New(rand.NewPCG(3, 4))
	a, b := randVec(r, 400), randVec(r, 400)
	for off := range 9 {
		x, y := a[off:off+386], b[off+1:off+387]
		if got, want := Dot(x, y), naiveDot(x, y); !closeTo(got, want, 20) {
			t.Fatalf("offset %d: %v vs %v", off, got, want)
		}
	}
}

func benchDot(b *testing.B, n int, f func(a, b []float32) float32) {
	r := rand.New(rand.NewPCG(5, 6))
	x, y := randVec(r, n), randVec(r, n)
	b.SetBytes(int64(8 * n))
	var s float32
	for b.Loop() {
		s += f(x, y)
	}
	_ = s
}

func BenchmarkDot386(b *testing.B)     { benchDot(b, 386, Dot) }
func BenchmarkDotGo386(b *testing.B)   { benchDot(b, 386, dotGo) }
func BenchmarkDotVek386(b *testing.B)  { benchDot(b, 386, vek32.Dot) }
func BenchmarkL2Sq128(b *testing.B)    { benchDot(b, 128, L2Sq) }
func BenchmarkL2SqGo128(b *testing.B)  { benchDot(b, 128, l2sqGo) }
func BenchmarkDot1536(b *testing.B)    { benchDot(b, 1536, Dot) }
func BenchmarkDotGo1536(b *testing.B)  { benchDot(b, 1536, dotGo) }
func BenchmarkDotVek1536(b *testing.B) { benchDot(b, 1536, vek32.Dot) }
