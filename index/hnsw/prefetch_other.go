//go:build !amd64 || purego

package hnsw

import "unsafe"

// prefetchVecs is a no-op where no prefetch instruction is wired up.
func prefetchVecs(base unsafe.Pointer, ids []uint32, stride, size uintptr) {}
