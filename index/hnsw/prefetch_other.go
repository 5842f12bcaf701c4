//go:build !amd64 || purego

package hnsw

// prefetchVecs is a no-op where no prefetch instruction is wired up.
func prefetchVecs(base *float32, ids []uint32, stride, size uintptr) {}
