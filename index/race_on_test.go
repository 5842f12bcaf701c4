//go:build race

package index

// The race detector slows graph builds about tenfold.
const raceEnabled = true
