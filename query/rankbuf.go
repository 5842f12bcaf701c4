package query

import (
	"slices"
	"sync"
)

// rankBuf is a relevance search's per-call memory: the candidates and
// their similarities, pooled. At 100k rows they were half of what a
// search allocated (≈25 KB of candidates, ≈20 KB of similarities and as
// much again in the similarities' growth, of ≈135 KB a search).
type rankBuf struct {
	cands  []candidate
	flat   []float64
	labels []label
}

var rankBufs = sync.Pool{New: func() any { return new(rankBuf) }}

// candidates returns n zeroed candidates.
func (b *rankBuf) candidates(n int) []candidate {
	if cap(b.cands) < n {
		b.cands = make([]candidate, n)
	}
	b.cands = b.cands[:n]
	return b.cands
}

// release clears what the candidates reference (documents' fields, lexical
// scores) so that the pool holds no rows alive, and returns b to the pool.
func (b *rankBuf) release() {
	clear(b.cands[:cap(b.cands)])
	b.cands = b.cands[:0]
	clear(b.labels[:cap(b.labels)])
	b.labels = b.labels[:0]
	rankBufs.Put(b)
}

// readLabels sets each candidate's labels (the values of the label
// fields), read from its document once for the named-category steering,
// the named-head steering and the affinity alike: the first read of each
// candidate's fields misses the cache. At 100k rows (CPU profile of the
// demo copies' query mix) the three steps took 242 µs a search reading
// the fields each, 151 µs with this one read.
func (b *rankBuf) readLabels(cands []candidate, labelFields []string) {
	b.labels = readLabels(cands, labelFields, b.labels[:0])
}

// simTable holds each hit's similarities and penalties in one flat slice,
// a row of stride values per hit, by the hit's index: the index visits
// vectors out of order (rows still pending for the graph first), so a row
// goes where its index says, not where the last one ended.
type simTable struct {
	stride int
	flat   []float64
}

// row returns hit i's row, growing the table to hold it.
func (t *simTable) row(i int) []float64 {
	if need := (i + 1) * t.stride; len(t.flat) < need {
		n := len(t.flat)
		t.flat = slices.Grow(t.flat, need-n)[:need]
		clear(t.flat[n:]) // pooled memory: a row never visited reads 0
	}
	return t.flat[i*t.stride : (i+1)*t.stride : (i+1)*t.stride]
}
