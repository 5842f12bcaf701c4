package hnsw

import (
	"slices"
	"testing"
)

// TestHealthCountsDuplicatesAndReachability builds a graph in which every
// vector appears three times and checks what Health reports.
func TestHealthCountsDuplicatesAndReachability(t *testing.T) {
	data := clustered(21, 1000, 16, 10)
	g := New(16, DefaultConfig())
	for i := range 3000 {
		if err := g.Add(uint32(i), data[i%1000]); err != nil {
			t.Fatal(err)
		}
	}
	h := g.Health()
	t.Logf("%+v", h)
	if h.Live != 3000 || h.Duplicates != 2000 || h.DuplicateGroups != 1000 {
		t.Errorf("live %d, duplicates %d in %d groups; want 3000, 2000 in 1000", h.Live, h.Duplicates, h.DuplicateGroups)
	}
	if h.Unreachable > h.ZeroInDegree+1 || h.InDegreeMax < h.InDegreeP50 || h.OutDegreeMean <= 0 {
		t.Errorf("inconsistent health %+v", h)
	}
}

// TestExactOption checks that SearchOptions.Exact returns the exact top k,
// with and without a filter.
func TestExactOption(t *testing.T) {
	g, _, queries := sharedGraph(t)
	even := func(id uint32) bool { return id%2 == 0 }
	for _, q := range queries[:20] {
		for _, f := range []func(uint32) bool{nil, even} {
			got := g.Search(q, 10, SearchOptions{Exact: true, Filter: f})
			want := g.SearchExact(q, 10, f)
			gi, wi := make([]uint32, len(got)), make([]uint32, len(want))
			for i := range got {
				gi[i] = got[i].ID
			}
			for i := range want {
				wi[i] = want[i].ID
			}
			if !slices.Equal(gi, wi) {
				t.Fatalf("exact option %v, exact scan %v", gi, wi)
			}
		}
	}
}

// TestHealthCountsTwinLinks checks the twin-link measures: on copies of
// a few rows nearly every link joins copies, on distinct rows none does.
func TestHealthCountsTwinLinks(t *testing.T) {
	data := clustered(22, 20, 16, 4)
	copies := New(16, DefaultConfig())
	for i := range 2000 {
		if err := copies.Add(uint32(i), data[i%20]); err != nil {
			t.Fatal(err)
		}
	}
	h := copies.Health()
	t.Logf("100 copies of 20 rows: twin link share %.3f, %d nodes without far links", h.TwinLinkShare, h.NoFarLinks)
	if h.TwinLinkShare < 0.5 || h.NoFarLinks < h.Live/2 {
		t.Errorf("100 copies of 20 rows: twin link share %.3f, %d of %d nodes without far links; want ≥ 0.5 and ≥ half", h.TwinLinkShare, h.NoFarLinks, h.Live)
	}
	distinct := build(t, clustered(23, 2000, 96, 10), DefaultConfig())
	if h := distinct.Health(); h.TwinLinkShare > 0.01 || h.NoFarLinks != 0 {
		t.Errorf("distinct rows: twin link share %.3f, %d nodes without far links; want ~0 and 0", h.TwinLinkShare, h.NoFarLinks)
	}
}
