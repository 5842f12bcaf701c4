//go:build amd64 && !purego

package hnsw

import "golang.org/x/sys/cpu"

// has4 reports whether the four-row kernels can run (AVX2 and FMA).
var has4 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func dot4AVX2(q []float32, a, b, c, d *float32, out *[4]float32)

//go:noescape
func l2sq4AVX2(q []float32, a, b, c, d *float32, out *[4]float32)
