package vec

import "math"

// QuantizeInt8 writes v to dst (len(dst) >= len(v)) as signed bytes with
// one scale for the whole vector, and returns the scale:
// v[i] ≈ scale × dst[i]. Scanning bytes instead of float32s moves a quarter
// of the memory, which is what bounds a scan over many stored vectors.
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
		// Round half away from zero in float32: no float64 round trip,
		// which made loading a saved graph three times slower.
		y := x * inv
		if y >= 0 {
			dst[i] = int8(y + 0.5)
		} else {
			dst[i] = int8(y - 0.5)
		}
	}
	return m / 127
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

// QueryInt16 quantizes a query for DotInt16x8: q[i] ≈ scale × dst[i],
// with |dst[i]| ≤ queryLevels so that the kernel's 32-bit sums cannot
// overflow below maxInt8Dim elements.
func QueryInt16(dst []int16, q []float32) float32 {
	var m float32
	for _, x := range q {
		m = max(m, float32(math.Abs(float64(x))))
	}
	if m == 0 || math.IsNaN(float64(m)) || math.IsInf(float64(m), 0) {
		clear(dst[:len(q)])
		return 0
	}
	inv := queryLevels / m
	for i, x := range q {
		dst[i] = int16(math.Round(float64(x * inv)))
	}
	return m / queryLevels
}

const (
	// queryLevels bounds a quantized query element: 12 bits of precision,
	// far finer than the 8-bit codes it multiplies.
	queryLevels = 4095
	// maxInt8Dim is how many elements one kernel call sums in int32:
	// 4096 products of at most 4095×128 stay below 2³¹.
	maxInt8Dim = 1 << 12
)

// DotInt16x8 returns the inner product of a quantized query and a
// quantized vector over min(len(q), len(c)) elements, before both scales:
// Dot(q, v) ≈ qscale × vscale × DotInt16x8(q16, c). Integer products are
// exact, so this costs a quarter of DotInt8's instructions per element.
func DotInt16x8(q []int16, c []int8) int64 {
	n := min(len(q), len(c))
	var s int64
	for n > 0 {
		m := min(n, maxInt8Dim)
		s += dotInt16x8(q[:m], c[:m])
		q, c, n = q[m:], c[m:], n-m
	}
	return s
}

func dotInt16x8Go(q []int16, c []int8) int64 {
	c = c[:len(q)]
	var s0, s1 int64
	i := 0
	for ; i+2 <= len(q); i += 2 {
		s0 += int64(q[i]) * int64(c[i])
		s1 += int64(q[i+1]) * int64(c[i+1])
	}
	if i < len(q) {
		s0 += int64(q[i]) * int64(c[i])
	}
	return s0 + s1
}
