package index

import (
	"github.com/bits-and-blooms/bitset"

	"github.com/tessera-search/tessera/index/hnsw"
)

// Release empties a closed collection: its documents, vectors, graph and
// lexical index go, so a collection that a schema change replaced frees
// its memory while objects that still reference it stay safe to call (it
// then holds nothing: searches find nothing, Get finds nothing). Call it
// after Close, once nothing should read the collection any more.
func (c *Collection) Release() {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids, c.docs, c.vers, c.times, c.free = nil, nil, nil, nil, nil
	c.alive = bitset.New(0)
	c.slots = map[string]uint32{}
	c.tombs = map[string]tombstone{}
	c.cols = map[string]*column{}
	c.pending = map[uint32][]float32{}
	c.graph = hnsw.New(c.dim, c.opts.Graph)
	if c.lex != nil {
		c.lex = newLexical(c.opts)
	}
}

// Tombstones returns the deletions the collection remembers (id →
// version and event time), so a schema change's new collection refuses
// the same stale writes.
func (c *Collection) Tombstones() []Record {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Record, 0, len(c.tombs))
	for id, t := range c.tombs {
		out = append(out, Record{ID: id, Deleted: true, Version: t.Version, TS: t.TS})
	}
	return out
}
