package hnsw

import "sync/atomic"

// Link lists are [count, ids...] blocks. Writers hold the owning node's
// stripe lock and store every element atomically, ids before the count;
// searches read without a lock using atomic loads. A reader racing a
// rewrite may see a mix of the old and new list, but every id it sees was
// stored by some writer and so names a node whose vector and lists were
// complete before it was linked: a search can take a slightly stale route,
// never a broken one.

// appendLinks appends id's layer-l neighbours to dst with atomic loads.
func (g *Graph) appendLinks(dst []uint32, id uint32, l int) []uint32 {
	lst := g.links(id, l)
	n := min(int(atomic.LoadUint32(&lst[0])), len(lst)-1)
	for i := 1; i <= n; i++ {
		dst = append(dst, atomic.LoadUint32(&lst[i]))
	}
	return dst
}

// storeLinks replaces the list lst with ids; the caller holds the owner's
// stripe lock (or the graph's write lock).
func storeLinks(lst []uint32, ids []uint32) {
	for i, x := range ids {
		atomic.StoreUint32(&lst[1+i], x)
	}
	atomic.StoreUint32(&lst[0], uint32(len(ids)))
}

// storeCands is storeLinks for a selection of candidates.
func storeCands(lst []uint32, cs []cand) {
	for i, c := range cs {
		atomic.StoreUint32(&lst[1+i], c.id)
	}
	atomic.StoreUint32(&lst[0], uint32(len(cs)))
}
