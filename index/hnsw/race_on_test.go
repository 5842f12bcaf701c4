//go:build race

package hnsw

// The race detector slows graph builds ~10x; shrink data sets under it.
const raceEnabled = true
