package query

import (
	"cmp"
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
	slices.SortStableFunc(out, func(a, b candidate) int {
		if a.onTopic != b.onTopic {
			if a.onTopic {
				return -1
			}
			return 1
		}
		if a.band != b.band {
			return cmp.Compare(a.band, b.band)
		}
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return cmp.Compare(a.hit.ID, b.hit.ID)
	})
	return out
}

func TestRankOrderIsTheStableOrder(t *testing.T) {
	cands := rankPool()
	got, want := rankOrder(slices.Clone(cands)), stableOrder(cands)
	for i := range want {
		if got[i].hit.ID != want[i].hit.ID {
			t.Fatalf("position %d: %s, want %s", i, got[i].hit.ID, want[i].hit.ID)
		}
	}
}

// BenchmarkRankOrder compares sorting candidate indices (rankOrder) with
// the stable sort of the candidates themselves it replaced.
func BenchmarkRankOrder(b *testing.B) {
	cands := rankPool()
	b.Run("indices", func(b *testing.B) {
		for b.Loop() {
			rankOrder(cands)
		}
	})
	b.Run("stable-structs", func(b *testing.B) {
		for b.Loop() {
			stableOrder(cands)
		}
	})
}
