package index

import (
	"sort"

	"github.com/tessera-search/tessera/index/vec"
)

// flat stores vectors contiguously by slot and answers exactly. It backs
// small collections and is the reference the graph is tested against.
type flat struct {
	dim  int
	data []float32
	live []bool
	n    int
}

func newFlat(dim int) *flat { return &flat{dim: dim} }

func (f *flat) grow(slot uint32) {
	need := int(slot) + 1
	if need <= len(f.live) {
		return
	}
	if need > cap(f.live) {
		c := max(need, 2*cap(f.live), 1024)
		live := make([]bool, len(f.live), c)
		copy(live, f.live)
		f.live = live
		data := make([]float32, len(f.data), c*f.dim)
		copy(data, f.data)
		f.data = data
	}
	f.live = f.live[:need]
	f.data = f.data[:need*f.dim]
}

func (f *flat) add(slot uint32, v []float32) {
	f.grow(slot)
	copy(f.data[int(slot)*f.dim:], v)
	if !f.live[slot] {
		f.live[slot] = true
		f.n++
	}
}

func (f *flat) remove(slot uint32) {
	if int(slot) < len(f.live) && f.live[slot] {
		f.live[slot] = false
		f.n--
	}
}

func (f *flat) vector(slot uint32) []float32 {
	if int(slot) >= len(f.live) || !f.live[slot] {
		return nil
	}
	return f.data[int(slot)*f.dim : (int(slot)+1)*f.dim]
}

// search scans every live vector that passes filter and keeps the top k.
func (f *flat) search(q []float32, k int, filter func(uint32) bool) []Result {
	top := make([]Result, 0, k+1)
	for s := range f.live {
		if !f.live[s] || (filter != nil && !filter(uint32(s))) {
			continue
		}
		score := vec.Dot(q, f.data[s*f.dim:(s+1)*f.dim])
		if len(top) == k && score <= top[k-1].Score {
			continue
		}
		i := sort.Search(len(top), func(i int) bool { return top[i].Score < score })
		if len(top) < k {
			top = append(top, Result{})
		}
		copy(top[i+1:], top[i:len(top)-1])
		top[i] = Result{Slot: uint32(s), Score: score}
	}
	return top
}
