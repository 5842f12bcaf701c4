//go:build !amd64 || purego

package vec

// useAVX2 is false off amd64 so tests and benchmarks know which kernel runs.
const useAVX2 = false

func dot(a, b []float32) float32  { return dotGo(a, b) }
func l2sq(a, b []float32) float32 { return l2sqGo(a, b) }

func dotInt8(q []float32, c []int8) float32 { return dotInt8Go(q, c) }
