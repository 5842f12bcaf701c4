//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

// useAVX2 is decided once: the assembly needs both AVX2 and FMA.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func dotAVX2(a, b []float32) float32

//go:noescape
func l2sqAVX2(a, b []float32) float32

func dot(a, b []float32) float32 {
	if useAVX2 {
		return dotAVX2(a, b)
	}
	return dotGo(a, b)
}

func l2sq(a, b []float32) float32 {
	if useAVX2 {
		return l2sqAVX2(a, b)
	}
	return l2sqGo(a, b)
}

// dotInt8AVX2 handles the first len(q) &^ 7 elements.
//
//go:noescape
func dotInt8AVX2(q *float32, c *int8, n int) float32

func dotInt8(q []float32, c []int8) float32 {
	if !useAVX2 || len(q) < 8 {
		return dotInt8Go(q, c)
	}
	n := len(q) &^ 7
	s := dotInt8AVX2(&q[0], &c[0], n)
	if n < len(q) {
		s += dotInt8Go(q[n:], c[n:])
	}
	return s
}
