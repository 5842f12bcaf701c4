package hnsw

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestNudgeSpansKeepsLinksAndCodes: a small change to a few dimensions is
// written in place (lists untouched) with byte codes within half a step of
// every element, whether or not the new values fit the old scale; a
// large change is refused and leaves the node as it was.
func TestNudgeSpansKeepsLinksAndCodes(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const n, dim = 500, 12
	g := New(dim, DefaultConfig())
	for i := range n {
		v := make([]float32, dim)
		for d := range v {
			v[d] = float32(rng.NormFloat64())
		}
		if i%10 == 0 {
			v[1] = 5 // the largest magnitude, inside a span
		}
		if err := g.Add(uint32(i), v); err != nil {
			t.Fatal(err)
		}
	}
	links := func(id uint32) []uint32 { return slices.Clone(g.links(id, 0)) }
	spans := []Span{{Off: 1, Len: 2}, {Off: 10, Len: 1}}
	var ids []uint32
	var parts [][]float32
	for i := range 100 {
		v := g.Vector(uint32(i))
		p := []float32{v[1] + 0.01, v[2] - 0.01, v[10] + 0.01}
		if i%10 == 0 {
			p[0] = 5.05 // over the scale: every code is redone
		}
		ids, parts = append(ids, uint32(i)), append(parts, p)
	}
	before := make([][]uint32, n)
	for i := range before {
		before[i] = links(uint32(i))
	}
	old := make([][]float32, len(ids))
	for k, id := range ids {
		old[k] = g.Vector(id)
	}
	done := g.NudgeSpans(ids, spans, parts)
	for k, id := range ids {
		if !done[k] {
			t.Fatalf("id %d: a small nudge was refused", id)
		}
		got, want := g.Vector(id), old[k]
		SetSpans(want, spans, parts[k])
		if !slices.Equal(got, want) {
			t.Fatalf("id %d: vector %v, want %v", id, got, want)
		}
		sc, code := g.scales[id], g.code(id)
		for d, x := range got {
			if e := absf32(x - sc*float32(code[d])); e > sc*0.5001 {
				t.Fatalf("id %d dim %d: %v coded %d × %v (error %v over half a step)", id, d, x, code[d], sc, e)
			}
		}
		if k%10 == 0 && sc*127 < 5.05*0.9999 {
			t.Fatalf("id %d: scale %v does not cover the new largest value 5.05", id, sc)
		}
	}
	for i := range before {
		if !slices.Equal(before[i], links(uint32(i))) {
			t.Fatalf("node %d's links changed", i)
		}
	}
	// A large move is refused and changes nothing.
	prev := g.Vector(200)
	if done := g.NudgeSpans([]uint32{200}, spans, [][]float32{{50, -50, 50}}); done[0] {
		t.Fatal("a large move was nudged")
	}
	if !slices.Equal(g.Vector(200), prev) {
		t.Fatal("a refused nudge changed the vector")
	}
}
