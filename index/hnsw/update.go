package hnsw

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/tessera-search/tessera/internal/rwgate"
	"github.com/tessera-search/tessera/internal/vec"
)

// nudgeMaxMove bounds a "nudge": a new vector whose distance from the old
// one is at most this fraction of the old one's length replaces it in
// place, keeping the node's neighbour lists. Relinking a node instead
// replaces its own lists from a fresh search and prunes its neighbours'
// lists again, which loses routes among near-duplicates: issue #17 saw
// exact-title searches over 3,000 near-duplicate rows miss 128–141 rows
// after every row was relinked with a barely changed vector (20 before);
// index's TestRestartKeepsRecallOnNearDuplicates sees 0 → 1 → 5 misses
// with relinking and no change with nudges. A node that moved by a tenth
// of its length is still nearest to the nodes it was nearest to, unless
// they were that close (then either list serves a search equally well).
// A larger move is relinked, locally up to localMaxMove (relink.go).
const nudgeMaxMove = 0.1

// Span is a run of vector dimensions: Len of them from Off.
type Span struct{ Off, Len int }

// SetSpans writes part (the spans' values, concatenated) into v.
func SetSpans(v []float32, spans []Span, part []float32) {
	k := 0
	for _, sp := range spans {
		k += copy(v[sp.Off:sp.Off+sp.Len], part[k:])
	}
}

// NudgeSpans replaces the dimensions in spans of existing live ids with
// parts[i] (the spans' values, concatenated), in place and without
// relinking, where the move is within nudgeMaxMove of the vector's
// length, and reports for each id whether it did; the caller re-adds the
// others (Add relinks them). Only the spans are written and, while the new
// values fit the vector's scale, only their byte codes are recomputed: a
// recency refresh moves a few dimensions of each vector, and whole-vector
// work (copies, compares, re-quantisation) made it 558 ms of a 1.09 s
// start at 100k×476. The ids are split over every core; searches wait
// while it writes.
func (g *Graph) NudgeSpans(ids []uint32, spans []Span, parts [][]float32) []bool {
	done := make([]bool, len(ids))
	g.mu.Lock()
	defer g.mu.Unlock()
	eachChunk(len(ids), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			done[i] = g.nudgeSpans(ids[i], spans, parts[i])
		}
	})
	return done
}

// nudgeSpans is NudgeSpans for one id; g.mu is held for writing.
func (g *Graph) nudgeSpans(id uint32, spans []Span, part []float32) bool {
	if int(id) >= len(g.state) || g.state[id] != slotLive {
		return false
	}
	v := g.vec(id)
	var norm, move, newMax float32
	for _, x := range v {
		norm += x * x
	}
	k := 0
	for _, sp := range spans {
		for _, x := range v[sp.Off : sp.Off+sp.Len] {
			e := part[k] - x
			move += e * e
			if a := absf32(part[k]); a > newMax {
				newMax = a
			}
			k++
		}
	}
	if !(move <= nudgeMaxMove*nudgeMaxMove*norm) {
		return false
	}
	SetSpans(v, spans, part)
	if !g.quantized() {
		return true
	}
	// Codes need only a scale that every element fits (|code| ≤ 127):
	// the one in use still serves when the new values fit it, and then
	// only the spans are re-coded.
	code := g.code(id)
	if sc := g.scales[id]; sc > 0 && newMax*(1/sc) <= 127 {
		inv := 1 / sc
		for _, sp := range spans {
			for d := sp.Off; d < sp.Off+sp.Len; d++ {
				code[d] = vec.QuantizeOne(v[d], inv)
			}
		}
		return true
	}
	// Otherwise the whole vector is re-coded, with room for the spans to
	// keep moving: a recency part rotates (cos, sin) pairs, so no element
	// of it exceeds the part's length. Without that room a daily refresh
	// re-coded about half the vectors every time (its cosines grow):
	// 0.52 s of CPU over three refreshes of 100k×476 vectors; the codes lose at most a factor √2 of
	// resolution, and a scan re-scores its candidates exactly anyway.
	var m, spanSq float32
	for _, x := range v {
		if a := absf32(x); a > m {
			m = a
		}
	}
	for _, x := range part {
		spanSq += x * x
	}
	room := float32(math.Sqrt(float64(spanSq)))
	if !(room > m) || m == 0 || room > math.MaxFloat32 {
		g.scales[id] = vec.QuantizeInt8(code, v)
		return true
	}
	inv := 127 / room
	for d, x := range v {
		code[d] = vec.QuantizeOne(x, inv)
	}
	g.scales[id] = room / 127
	return true
}

// eachChunk runs fn over [0, n) split into one range per core.
func eachChunk(n int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), (n+255)/256)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	step := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += step {
		wg.Go(func() { fn(lo, min(lo+step, n)) })
	}
	wg.Wait()
}

// absf32 is |x|; NaN stays NaN (and never compares greater).
func absf32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// SameVector reports whether id is live with exactly vector v.
func (g *Graph) SameVector(id uint32, v []float32) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if int(id) >= len(g.state) || g.stateOf(id) != slotLive || len(v) != g.dim {
		return false
	}
	return slices.Equal(g.vec(id), v)
}

// LiveIDs lists the live ids in increasing order.
func (g *Graph) LiveIDs() []uint32 {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]uint32, 0, g.live.Load())
	for id := range g.state {
		if g.stateOf(uint32(id)) == slotLive {
			out = append(out, uint32(id))
		}
	}
	return out
}

// What replace did with one id.
type replaced uint8

const (
	replacedNone        replaced = iota // not an existing id: the caller inserts it
	replacedNudged                      // written in place, lists kept (see nudgeMaxMove)
	replacedRelink                      // written; the caller relinks it (relinkShared)
	replacedRelinkLocal                 // written, moved a little; the caller relinks it locally (relink.go)
	replacedDone                        // inserted under the write lock (freed meanwhile)
)

// replace writes the vectors of the ids that already hold one (live or
// deleted: a deleted id comes back to life) with every other operation
// stopped, all in one hold of the write lock, and reports for each id what
// it did; ids[i] with skip[i] set are left alone. With skip nil (one
// upsert) an id freed meanwhile is inserted here; AddBatch passes its skip
// list and inserts such ids itself.
//
// Searches read vectors without locks of their own, so a vector cannot
// change under them; but only the write needs them stopped. Relinking
// (a search and the neighbours' pruning, tens of times longer than the
// write) runs afterwards under the shared lock like an
// insert, and taking the write lock once per batch instead of once per
// vector keeps the queue of searches behind it short: while a stream
// updated 1,000 ids/s, one write lock per update held the search p99 at
// 3–5× the idle one (issue #18). Between the write and the relink a
// search may walk the node's old lists with its new vector — a stale
// route, not a broken one; Tessera's collection keeps such slots pending
// (scanned exactly) until the batch is linked. The write lock is taken
// between searches, not in front of them (rwgate).
func (g *Graph) replace(ids []uint32, vecs [][]float32, skip []bool) []replaced {
	out := make([]replaced, len(ids))
	// Byte codes are computed before the lock (the write only copies).
	var codes []int8
	var scales []float32
	coded := make([]bool, len(ids))
	if g.quantized() {
		codes = make([]int8, len(ids)*g.dim)
		scales = make([]float32, len(ids))
	}
	existing := false
	g.mu.RLock()
	for i, id := range ids {
		if (skip != nil && skip[i]) || int(id) >= len(g.state) {
			continue
		}
		// A pending id is being inserted by a concurrent Add (under the
		// shared lock): by the time the write lock is ours it is live.
		if st := g.stateOf(id); st != slotEmpty {
			existing = true
			if codes != nil {
				scales[i] = vec.QuantizeInt8(codes[i*g.dim:(i+1)*g.dim], vecs[i])
				coded[i] = true
			}
		}
	}
	g.mu.RUnlock()
	if !existing {
		return out
	}
	rwgate.LockBetween(&g.mu, writerPatience)
	defer g.mu.Unlock()
	var b *searchBuf
	for i, id := range ids {
		if (skip != nil && skip[i]) || int(id) >= len(g.state) {
			continue
		}
		v := vecs[i]
		switch g.state[id] {
		case slotEmpty: // freed (Compact) since the caller looked
			if skip != nil {
				continue // AddBatch's workers insert it under the shared lock
			}
			if b == nil {
				b = g.pool.Get().(*searchBuf)
				defer g.pool.Put(b)
			}
			g.state[id] = slotPending
			g.insert(b, id, v)
			out[i] = replacedDone
			continue
		case slotDeleted:
			g.deleted.Add(-1)
			g.live.Add(1)
			g.state[id] = slotLive
			out[i] = replacedRelink
		case slotLive:
			out[i] = relinkKind(g.vec(id), v) // nudged (its lists still fit), or relinked locally or fully
		default:
			continue // pending: not while the write lock is held (inserts hold the shared one)
		}
		copy(g.vec(id), v)
		if codes != nil {
			if !coded[i] { // it was not there a moment ago
				scales[i] = vec.QuantizeInt8(codes[i*g.dim:(i+1)*g.dim], v)
			}
			copy(g.code(id), codes[i*g.dim:(i+1)*g.dim])
			g.scales[id] = scales[i]
		}
	}
	return out
}

// writerPatience bounds how long replace waits for a moment with no
// search in the graph before it queues for the write lock (and new
// searches queue behind it): see rwgate. Searches take about a
// millisecond, so gaps come long before; the builder can afford the wait.
const writerPatience = 10 * time.Millisecond

// relinkShared relinks id (see replace) alongside searches and inserts:
// locally when how is replacedRelinkLocal, else fully (relink.go).
func (g *Graph) relinkShared(id uint32, how replaced) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	g.wmu.RLock()
	defer g.wmu.RUnlock()
	if g.stateOf(id) != slotLive {
		return // deleted meanwhile: its old lists route well enough
	}
	b := g.pool.Get().(*searchBuf)
	defer g.pool.Put(b)
	if how == replacedRelinkLocal {
		g.relinkLocal(b, id)
		return
	}
	g.relinkFar(b, id)
}
