package hnsw

// searchBuf is the per-search scratch space. Buffers are pooled so a query
// allocates only its result slice once the pool is warm.
type searchBuf struct {
	// visited[id] == gen marks id as seen in the current search; bumping gen
	// clears the set in O(1) instead of O(n).
	visited []uint32
	gen     uint32
	front   maxHeap
	res     minHeap
	sorted  []cand
	sel     []cand
	prune   []cand   // addLink's candidates, apart from sorted
	ids     []uint32 // the new node's selected neighbours
	nbr     []uint32 // one node's unseen neighbours
	sc      []float32
	bits    []uint // set-bit buffer for scans of an Allow bitset
}

// scores returns a scratch slice for n scores.
func (b *searchBuf) scores(n int) []float32 {
	if cap(b.sc) < n {
		b.sc = make([]float32, n)
	}
	return b.sc[:n]
}

// begin starts a new search over a graph with n slots.
func (b *searchBuf) begin(n int) {
	if len(b.visited) < n {
		b.visited = make([]uint32, n+n/4+64)
		b.gen = 0
	}
	b.gen++
	if b.gen == 0 { // wrapped: stale marks could collide, clear once
		clear(b.visited)
		b.gen = 1
	}
	b.front = b.front[:0]
	b.res = b.res[:0]
}

// visit marks id and reports whether it was unseen.
func (b *searchBuf) visit(id uint32) bool {
	if b.visited[id] == b.gen {
		return false
	}
	b.visited[id] = b.gen
	return true
}
