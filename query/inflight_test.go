package query_test

import (
	"context"
	"testing"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/query"
	"github.com/tessera-search/tessera/query/nl"
)

// inFlightParser records, when the engine asks it to parse (while the
// query is being prepared, before the collection is searched), how many
// searches the collection counts in flight.
type inFlightParser struct {
	coll *index.Collection
	seen []int
}

func (p *inFlightParser) Parse(ctx context.Context, q string) (nl.Interpretation, error) {
	p.seen = append(p.seen, p.coll.SearchesInFlight())
	return nl.Interpretation{Weights: map[string]float64{"price": 1}}, nil
}

// TestSearchIsInFlightWhileItsQueryIsPrepared checks that Engine.Search
// marks the search in flight in the collection from the start, while its
// query is parsed and encoded, so the graph builder steps aside for the
// whole search (index.Collection.BeginSearch), and that the mark ends with
// it.
func TestSearchIsInFlightWhileItsQueryIsPrepared(t *testing.T) {
	p := &inFlightParser{}
	e, coll := newEngine(t, 30, p)
	p.coll = coll
	if _, err := e.Search(context.Background(), query.Request{Q: "cheap", Limit: 3}); err != nil {
		t.Fatal(err)
	}
	if len(p.seen) != 1 || p.seen[0] != 1 {
		t.Fatalf("searches in flight while the query was parsed: %v, want [1]", p.seen)
	}
	if n := coll.SearchesInFlight(); n != 0 {
		t.Fatalf("%d searches in flight after Search returned, want 0", n)
	}
}
