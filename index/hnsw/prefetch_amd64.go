//go:build amd64 && !purego

package hnsw

import "unsafe"

// prefetchVecs asks the CPU to start loading the size-byte rows at
// base+id*stride for every id. Graph walks are bound by memory latency: each
// neighbour's vector is a cold cache miss, and issuing all of an
// expansion's misses at once overlaps them instead of paying each in turn
// inside the dot product (hnswlib does the same with _mm_prefetch).
//
//go:noescape
func prefetchVecs(base unsafe.Pointer, ids []uint32, stride, size uintptr)
