package index

import (
	"slices"
	"sort"

	"github.com/tessera-search/tessera/index/hnsw"
)

// bestK keeps the k best-scoring results offered, best first, one per id
// (an id offered again keeps its higher score). Inserting
// into a sorted slice beats a heap here: k is small and most offers lose
// to the k-th best at the first comparison.
type bestK struct {
	k   int
	res []hnsw.Result
}

func newBestK(k int) *bestK { return &bestK{k: k, res: make([]hnsw.Result, 0, k+1)} }

func (b *bestK) full() bool { return len(b.res) == b.k }

// worst is the k-th best score; only meaningful when full.
func (b *bestK) worst() float32 { return b.res[len(b.res)-1].Score }

func (b *bestK) offer(id uint32, score float32) {
	if b.k <= 0 || (b.full() && score <= b.worst()) {
		return
	}
	for j := range b.res {
		if b.res[j].ID == id {
			if score <= b.res[j].Score {
				return
			}
			b.res = slices.Delete(b.res, j, j+1)
			break
		}
	}
	i := sort.Search(len(b.res), func(i int) bool { return b.res[i].Score < score })
	if len(b.res) < b.k {
		b.res = append(b.res, hnsw.Result{})
	}
	copy(b.res[i+1:], b.res[i:len(b.res)-1])
	b.res[i] = hnsw.Result{ID: id, Score: score}
}
