//go:build !amd64 || purego

package hnsw

const has4 = false

func dot4AVX2(q []float32, a, b, c, d *float32, out *[4]float32)  { panic("unreachable") }
func l2sq4AVX2(q []float32, a, b, c, d *float32, out *[4]float32) { panic("unreachable") }
