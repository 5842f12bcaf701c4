package hnsw

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/bits-and-blooms/bitset"

	"github.com/tessera-search/tessera/internal/vec"
)

// categorised is a graph whose vectors are clustered "text" plus a one-hot
// block for one of cats categories, as a schema's category space makes
// them: rows of another category than the query's score lower by the
// block's weight, whatever their text.
var categorised struct {
	once    sync.Once
	g       *Graph
	cat     []int
	queries [][]float32
	qcat    []int
}

const categories = 20

func categorisedGraph(t *testing.T) (*Graph, []int, [][]float32, []int) {
	t.Helper()
	categorised.once.Do(func() {
		n := 20000
		if raceEnabled {
			n = 4000
		}
		const textDim = 88
		text := clustered(11, n+100, textDim, 100)
		// A row's category follows its text, as a product's does: the
		// nearest of categories random directions.
		r := rand.New(rand.NewPCG(3, 5))
		dirs := make([][]float32, categories)
		for i := range dirs {
			dirs[i] = randUnit(r, textDim)
		}
		vecs := make([][]float32, len(text))
		cats := make([]int, len(text))
		for i, tv := range text {
			v := make([]float32, textDim+categories)
			copy(v, tv)
			for c, d := range dirs {
				if vec.Dot(tv, d) > vec.Dot(tv, dirs[cats[i]]) {
					cats[i] = c
				}
			}
			v[textDim+cats[i]] = 0.7
			vecs[i] = v
		}
		categorised.g = build(t, vecs[:n], DefaultConfig())
		categorised.cat, categorised.queries, categorised.qcat = cats[:n], vecs[n:], cats[n:]
	})
	return categorised.g, categorised.cat, categorised.queries, categorised.qcat
}

// A category filter passing 10–50 % of the rows, none of them in the
// query's own category (the worst case of a walk: the best rows for the
// query all fail it). The walk, forced by a FilterCount of every row,
// finds the filtered top 10 both ways, and the walk over passing rows
// entered at the filter's own rows scores far fewer nodes than the plain
// walk, which expands the rejected rows that outscore the passing ones.
func TestSeededWalkFindsAFarFilter(t *testing.T) {
	g, cat, queries, qcat := categorisedGraph(t)
	n := len(cat)
	for _, share := range []float64{0.10, 0.25, 0.50} {
		var seeded, plain float64
		var seededVisits, plainVisits int
		for qi, q := range queries[:40] {
			allow := bitset.New(uint(n))
			pick := map[int]bool{}
			for c := (qcat[qi] + 1) % categories; len(pick) < int(share*categories); c = (c + 1) % categories {
				pick[c] = true
			}
			for i, c := range cat {
				if pick[c] {
					allow.Set(uint(i))
				}
			}
			pass := func(id uint32) bool { return allow.Test(uint(id)) }
			want := g.SearchExact(q, 10, pass)
			opt := SearchOptions{Ef: 64, Allow: allow, FilterCount: n}
			seeded += overlap(t, g.Search(q, 10, opt), want, pass)
			seedFilteredWalks = false
			plain += overlap(t, g.Search(q, 10, opt), want, pass)
			seedFilteredWalks = true
			seededVisits += walkVisits(g, q, allow, true)
			plainVisits += walkVisits(g, q, allow, false)
		}
		seeded, plain = seeded/40, plain/40
		t.Logf("category filter passing %.0f%% of %d rows, not the query's: recall@10 seeded %.3f, plain walk %.3f; nodes visited %d vs %d",
			share*100, n, seeded, plain, seededVisits/40, plainVisits/40)
		if seeded < 0.95 {
			t.Errorf("share %.2f: seeded walk recall %.3f, want ≥ 0.95", share, seeded)
		}
		// The fewer rows pass, the more the plain walk expands: at 20,000
		// rows 7.1× the seeded walk's nodes at 10 %, 2.2× at 50 % (the race
		// build's 4,000-row graph: 3.3× and 1.3×).
		if seededVisits >= plainVisits || (share == 0.10 && 2*seededVisits > plainVisits) {
			t.Errorf("share %.2f: the seeded walk visited %d nodes, the plain one %d", share, seededVisits/40, plainVisits/40)
		}
	}
}

// overlap is the share of want that got holds; every result must pass.
func overlap(t *testing.T, got, want []Result, pass func(uint32) bool) float64 {
	t.Helper()
	ids := map[uint32]bool{}
	for _, r := range got {
		if !pass(r.ID) {
			t.Fatalf("id %d does not pass the filter", r.ID)
		}
		ids[r.ID] = true
	}
	hit := 0
	for _, r := range want {
		if ids[r.ID] {
			hit++
		}
	}
	return float64(hit) / float64(max(1, len(want)))
}

// walkVisits runs Search's filtered walk at ef 64, seeded or not, and
// counts the nodes it visited (scored, or looked through for their links).
func walkVisits(g *Graph, q []float32, allow *bitset.BitSet, seeded bool) int {
	b := new(searchBuf)
	entry, top := g.entry()
	ep := cand{id: entry, score: g.score(q, entry)}
	for l := top; l > 0; l-- {
		ep = g.greedy(b, q, ep, l)
	}
	sv := sieve{allow: allow}
	if seeded {
		g.searchLayer0From(b, q, append(g.filterSeeds(b, q, sv), ep), 128, sv.walkFilter())
	} else {
		g.searchLayer(b, q, ep, 64, 0, sv.walkFilter(), true, noID)
	}
	visits := 0
	for _, v := range b.visited {
		if v == b.gen {
			visits++
		}
	}
	return visits
}
