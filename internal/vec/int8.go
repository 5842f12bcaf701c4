package vec

import "math"

// QuantizeInt8 writes v to dst (len(dst) >= len(v)) as signed bytes with
// one scale for the whole vector, and returns the scale:
// v[i] ≈ scale × dst[i]. Scanning bytes instead of float32s reads a quarter
// of the memory.
func QuantizeInt8(dst []int8, v []float32) float32 {
	var m float32
	for _, x := range v {
		// Plain comparisons, not max: NaNs must drop out.
		if x > m {
			m = x
		} else if -x > m {
			m = -x
		}
	}
	if m == 0 || m > math.MaxFloat32 {
		clear(dst[:len(v)])
		return 0
	}
	inv := 127 / m
	dst = dst[:len(v)]
	for i, x := range v {
		dst[i] = QuantizeOne(x, inv)
	}
	return m / 127
}

// QuantizeOne is one element's code under QuantizeInt8 with inv = 127/m,
// m the vector's largest magnitude: a caller that changes a few elements
// without changing m re-codes just those.
func QuantizeOne(x, inv float32) int8 {
	// Round half away from zero in float32, without a float64 round trip
	// through math.Round.
	y := x * inv
	if y >= 0 {
		return int8(y + 0.5)
	}
	return int8(y - 0.5)
}

// DotInt8 returns the inner product of the float query q with the
// quantized vector c over min(len(q), len(c)) elements, before the scale:
// Dot(q, v) ≈ scale × DotInt8(q, c).
func DotInt8(q []float32, c []int8) float32 {
	n := min(len(q), len(c))
	if n == 0 {
		return 0
	}
	return dotInt8(q[:n], c[:n])
}

// dotInt8Go is the portable kernel, four accumulators as in dotGo.
func dotInt8Go(q []float32, c []int8) float32 {
	c = c[:len(q)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(q); i += 4 {
		s0 += q[i] * float32(c[i])
		s1 += q[i+1] * float32(c[i+1])
		s2 += q[i+2] * float32(c[i+2])
		s3 += q[i+3] * float32(c[i+3])
	}
	for ; i < len(q); i++ {
		s0 += q[i] * float32(c[i])
	}
	return s0 + s1 + s2 + s3
}
