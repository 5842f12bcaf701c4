package hnsw

// An updated vector that moves too far to be nudged (see nudgeMaxMove) is
// relinked. How depends on how far it moved:
//
//   - up to localMaxMove of its length: a local relink (relinkLocal), a
//     short search from its old neighbourhood whose finds are merged into
//     its old lists;
//   - further: a far relink (relinkFar), a search from the entry point at
//     EfConstruction, as for a new node, whose finds are merged into its
//     old lists too. Replacing the lists instead, as hnswlib does, recalled
//     far worse on near-duplicate rows: recall@10 at ef 32 next to the
//     moved rows, mean over twelve sets (three seeds of clustered 48-dim
//     rows moved to fresh points or by 0.45, near-duplicate clusters at 128
//     and 384 dims moved by 0.4–0.5; four rounds each updating half the
//     rows), 0.8472 replaced against 0.9487 merged (general queries 0.8315
//     against 0.9353; near-duplicates alone 0.62–0.77 against 0.80–0.99;
//     clustered rows moved to fresh points alike, 0.9975–0.9990 against
//     0.9970–0.9980).
//
// Why: a stream updates existing rows far more often than it adds rows,
// and each update was relinked like a fresh insert — 36% of the process's
// CPU while `tessera-bench stream --source kafka://kfake/bench` consumed
// 1,000 updates/s (2.48 of 6.81 s sampled; searches took 2.0 s), on a
// two-core machine where that CPU is taken from searches (issue #18). Its
// updates change a title and a price: 70% move by 0.1–0.2 of the vector's
// length, 17% by 0.2–0.3, 9% further. BenchmarkRelink (384 dims, moves
// of 0.15): 116–135 µs per update relinked fully, 39–45 µs locally.
//
// Measured (TestUpdatesKeepRecall's kind of data, 10,000 clustered 64-dim
// unit vectors, eight rounds each moving half the nodes by a fixed
// fraction; recall@10 against exact search at ef 32 of queries next to
// the moved nodes / of general queries; time per update):
//
//	move  full relink               local, ef 24, merged      keep the lists (no relink)
//	0.15  0.9947 / 0.9960, 67 µs    0.9963 / 0.9990, 22 µs    0.9923 / 0.9930
//	0.25  0.9967 / 0.9935, 68 µs    0.9987 / 0.9985, 25 µs    0.9803 / 0.9710
//	0.30  0.9927 / 0.9905, 76 µs    0.9927 / 0.9975, 26 µs
//	0.40  0.9767 / 0.9930, 93 µs    0.9560 / 0.9970, 55 µs (ef 32)   0.8430 / 0.9210
//
// A local relink whose finds *replaced* the old lists, as a full relink's
// do, was worse than no relink at all (0.8673 / 0.9110 at 0.15, ef 32):
// from a short candidate list the neighbour heuristic keeps only a few
// links, and the node loses the routes its old lists gave (filled up to M
// links from its candidates: 0.8300 / 0.8317). Merged, the new neighbours
// come first and old ones fill the list's free room, so a node that keeps
// drifting sheds its oldest links as it goes. The cost: longer lists
// (layer-0 out-degree 22 against 12 after full relinks above), and on the
// stream benchmark's near-duplicate rows a search computes about 9% more
// distances (on the data above, 17% fewer).
const (
	localMaxMove = 0.3
	// relinkEf is a local relink's candidate list, against EfConstruction
	// (default 100) for a far one. Ef 24 and 32 measured alike (above);
	// 12 against 24, recall@10 at ef 32 averaged over twelve sets (three
	// seeds of clustered 48-dim data moved by 0.28 and of near-duplicate
	// clusters at 128 and 384 dims moved by 0.12–0.2, four rounds each
	// moving half the nodes): next to the moved nodes 0.9474 against
	// 0.9483, general queries 0.9448 against 0.9500, where the sets' own
	// spread from seed to seed is ±3 points (relinking fully with the lists replaced: 0.8923 /
	// 0.8764). It halves the relink's search, the CPU that set the search
	// tail while a stream updates rows (issue #18): in `tessera-bench
	// stream --source kafka://kfake/bench --rounds 4`, three runs each,
	// alternating, the consuming phases took 0.9–1.4 s less CPU of
	// 14.5–14.7 s and the search p99 ratio fell from 1.70 / 1.56 / 1.62×
	// to 1.41 / 1.44 / 1.31×.
	relinkEf = 12
)

// relinkKind says how far an updated vector moved from old: nudge it
// (replacedNudged), relink it locally (replacedRelinkLocal) or fully
// (replacedRelink).
func relinkKind(old, v []float32) replaced {
	var d, n float32
	for i, x := range old {
		e := v[i] - x
		d += e * e
		n += x * x
	}
	switch {
	case d <= nudgeMaxMove*nudgeMaxMove*n:
		return replacedNudged
	case d <= localMaxMove*localMaxMove*n:
		return replacedRelinkLocal
	}
	return replacedRelink
}

// relinkLocal rebuilds the neighbour lists of a node whose vector moved a
// little (see localMaxMove): on each of its layers it searches at relinkEf
// from its old neighbours and from where a greedy descent from the entry
// point lands (as an insert's does; cheap, few nodes live above layer 0),
// puts the neighbour heuristic's choice first in its list and keeps its
// old neighbours in the room left, and links the chosen ones back to it.
// The caller holds mu (shared, with wmu shared, or exclusive).
func (g *Graph) relinkLocal(b *searchBuf, id uint32) {
	entry, top := g.entry()
	if entry == id || top < 0 {
		g.relinkFar(b, id) // the entry point itself: see relinkFrom
		return
	}
	g.link(b, id, int(g.level[id]), entry, top, linkLocal)
}

// searchFromNeighbours is searchLayer on layer l for the vector q of node
// id, seeded with ep and id's current layer-l neighbours; id itself never
// enters the results.
func (g *Graph) searchFromNeighbours(b *searchBuf, q []float32, ep cand, id uint32, ef, l int) {
	b.begin(len(g.state))
	b.visit(id)
	if b.visit(ep.id) {
		b.front.push(ep)
		b.res.push(ep)
	}
	b.ids = g.appendLinks(b.ids[:0], id, l)
	nb := b.nbr[:0]
	for _, n := range b.ids {
		if b.visit(n) {
			nb = append(nb, n)
		}
	}
	b.nbr = nb
	g.prefetch(nb)
	sc := b.scores(len(nb))
	g.scoreMany(q, nb, sc)
	for j, n := range nb {
		c := cand{id: n, score: sc[j]}
		b.front.push(c)
		b.res.push(c)
		if len(b.res) > ef {
			b.res.pop()
		}
	}
	g.expand(b, q, ef, l, nil, false, id)
}
