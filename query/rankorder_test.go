package query

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tessera-search/tessera/index"
)

// rankPool is a pool like a relevance search's at 100k replicated rows:
// 150 candidates in few bands, copies of a row tying on score.
func rankPool() []candidate {
	rng := rand.New(rand.NewPCG(1, 2))
	cands := make([]candidate, 150)
	for i := range cands {
		cands[i] = candidate{hit: index.Hit{ID: fmt.Sprintf("DEMO-%04d~%d", rng.IntN(300), i)}, band: rng.IntN(3),
			onTopic: rng.IntN(3) == 0, score: float64(rng.IntN(40)) / 40}
	}
	return cands
}

// stableOrder is the order rankOrder must give: the stable sort it replaced.
func stableOrder(cands []candidate) []candidate {
	out := slices.Clone(cands)
	slices.SortStableFunc(out, func(a, b candidate) int { return compareRank(&a, &b) })
	return out
}

func TestRankOrderIsTheStableOrder(t *testing.T) {
	cands := rankPool()
	got, want := slices.Clone(cands), stableOrder(cands)
	rankOrder(got)
	for i := range want {
		if got[i].hit.ID != want[i].hit.ID {
			t.Fatalf("position %d: %s, want %s", i, got[i].hit.ID, want[i].hit.ID)
		}
	}
}

// BenchmarkRankOrder compares sorting candidate indices and moving each
// candidate once (rankOrder) with the stable sort of the candidates
// themselves it replaced.
func BenchmarkRankOrder(b *testing.B) {
	cands := rankPool()
	b.Run("indices", func(b *testing.B) {
		work := slices.Clone(cands)
		for b.Loop() {
			copy(work, cands)
			rankOrder(work)
		}
	})
	b.Run("stable-structs", func(b *testing.B) {
		for b.Loop() {
			stableOrder(cands) // clones, as the copy above
		}
	})
}

// The index visits vectors out of order (rows pending for the graph
// first): each row lands at its hit's index, and the table grows to hold
// the highest one.
func TestSimTableRowsByIndex(t *testing.T) {
	tab := simTable{stride: 2, flat: []float64{9, 9, 9}[:0]} // pooled memory holds old values
	for _, i := range []int{3, 0, 2, 1} {
		row := tab.row(i)
		row[0], row[1] = float64(i), float64(10*i)
	}
	want := []float64{0, 0, 1, 10, 2, 20, 3, 30}
	if !slices.Equal(tab.flat, want) {
		t.Errorf("rows %v, want %v", tab.flat, want)
	}
	// A row never visited reads 0, not what the pool held.
	tab = simTable{stride: 2, flat: []float64{9, 9, 9, 9}[:0]}
	tab.row(1)
	if tab.flat[0] != 0 || tab.flat[1] != 0 {
		t.Errorf("unvisited row holds %v", tab.flat[:2])
	}
}
