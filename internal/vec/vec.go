// Package vec holds the float32 kernels the vector index spends its time in
// (and that spaces uses to split scores by space): dot product and squared
// Euclidean distance, with AVX2/FMA assembly on amd64 and a pure-Go
// unrolled fallback everywhere else.
package vec

// Dot returns the inner product of a and b over the first min(len(a), len(b))
// elements. Callers pass equal-length vectors; the min keeps a length bug from
// reading past the shorter slice.
func Dot(a, b []float32) float32 {
	n := min(len(a), len(b))
	if n == 0 {
		return 0
	}
	return dot(a[:n], b[:n])
}

// L2Sq returns the squared Euclidean distance between a and b over the first
// min(len(a), len(b)) elements.
func L2Sq(a, b []float32) float32 {
	n := min(len(a), len(b))
	if n == 0 {
		return 0
	}
	return l2sq(a[:n], b[:n])
}

// dotGo is the portable kernel: four independent accumulators let the CPU
// overlap the multiply-adds instead of serialising on one register.
func dotGo(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// l2sqGo is the portable squared-distance kernel, unrolled like dotGo.
func l2sqGo(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		d0 := a[i] - b[i]
		d1 := a[i+1] - b[i+1]
		d2 := a[i+2] - b[i+2]
		d3 := a[i+3] - b[i+3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(a); i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}
