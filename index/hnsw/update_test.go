package hnsw

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tessera-search/tessera/index/vec"
)

// TestNudgeSpansKeepsLinksAndCodes: a small change to a few dimensions is
// written in place (lists untouched) with the byte codes a full
// quantisation gives, whether or not the change moves the vector's
// largest magnitude; a large change is refused and leaves the node as it
// was.
func TestNudgeSpansKeepsLinksAndCodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const n, dim = 500, 12
	g := New(dim, DefaultConfig())
	vecs := make([][]float32, n)
	for i := range vecs {
		vecs[i] = make([]float32, dim)
		for d := range vecs[i] {
			vecs[i][d] = float32(rng.NormFloat64())
		}
		if i%10 == 0 {
			vecs[i][1] = 5 // the largest magnitude, inside a span
		}
		if err := g.Add(uint32(i), vecs[i]); err != nil {
			t.Fatal(err)
		}
	}
	links := func(id uint32) []uint32 { return slices.Clone(g.links(id, 0)) }
	spans := []Span{{Off: 1, Len: 2}, {Off: 10, Len: 1}}
	var ids []uint32
	var parts [][]float32
	for i := range 100 {
		v := vecs[i]
		p := []float32{v[1] + 0.01, v[2] - 0.01, v[10] + 0.01}
		if i%10 == 0 {
			p[0] = 5.05 // the scale changes: every code is redone
		}
		ids, parts = append(ids, uint32(i)), append(parts, p)
	}
	before := make([][]uint32, n)
	for i := range before {
		before[i] = links(uint32(i))
	}
	done := g.NudgeSpans(ids, spans, parts)
	for k, id := range ids {
		got := g.Vector(id)
		if !done[k] {
			t.Fatalf("id %d: a small nudge was refused", id)
		}
		want := slices.Clone(got)
		SetSpans(want, spans, parts[k])
		if !slices.Equal(got, want) {
			t.Fatalf("id %d: vector %v, want %v", id, got, want)
		}
		code := make([]int8, dim)
		scale := vec.QuantizeInt8(code, got)
		if g.scales[id] != scale || !slices.Equal(g.code(id), code) {
			t.Fatalf("id %d: codes %v × %v, a full quantisation gives %v × %v", id, g.code(id), g.scales[id], code, scale)
		}
	}
	for i := range before {
		if !slices.Equal(before[i], links(uint32(i))) {
			t.Fatalf("node %d's links changed", i)
		}
	}
	// A large move is refused and changes nothing.
	old := g.Vector(200)
	if done := g.NudgeSpans([]uint32{200}, spans, [][]float32{{50, -50, 50}}); done[0] {
		t.Fatal("a large move was nudged")
	}
	if !slices.Equal(g.Vector(200), old) {
		t.Fatal("a refused nudge changed the vector")
	}
}
