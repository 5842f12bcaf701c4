package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/mongo/atlas"
	"github.com/tessera-search/tessera/query"
)

// DefaultAtlasIndex is the Atlas Vector Search index name Tessera uses.
const DefaultAtlasIndex = "tessera_vector"

// AtlasSearcher does the nearest-neighbour work with Atlas $vectorSearch on
// the store's collection (a query.VectorSearcher); Tessera builds the
// weighted query vector and explains the scores as usual.
type AtlasSearcher struct {
	Store *Store
	Index string // Atlas Vector Search index name
}

var _ query.VectorSearcher = AtlasSearcher{}

// SearchVector returns the k nearest documents (one more, as the local
// index does) that pass filter, Tessera's JSON filter over stored fields.
func (a AtlasSearcher) SearchVector(ctx context.Context, q []float32, k int, filter map[string]any) ([]index.Hit, error) {
	pipe, err := atlas.Pipeline(atlas.SearchParams{Index: a.Index, Path: keyVector, QueryVector: q, Limit: k + 1,
		Filter: storedFieldPaths(filter), Project: []string{keyFields, keyVector, keyVersion}})
	if err != nil {
		return nil, err
	}
	docs, err := a.Store.aggregate(ctx, pipe, atlas.ScoreField)
	if err != nil {
		return nil, err
	}
	hits := make([]index.Hit, 0, len(docs))
	for _, d := range docs {
		hits = append(hits, index.Hit{ID: d.ID, Score: float32(atlas.ScoreFromAtlas(d.Score)), Fields: d.Fields, Vector: d.Vector})
	}
	return hits, nil
}

// storedFieldPaths prefixes filter fields with "fields.", where the store
// keeps document fields.
func storedFieldPaths(f map[string]any) map[string]any {
	if len(f) == 0 {
		return nil
	}
	out := make(map[string]any, len(f))
	for k, v := range f {
		switch k {
		case "and", "or":
			list, _ := v.([]any)
			subs := make([]any, len(list))
			for i, e := range list {
				m, _ := e.(map[string]any)
				subs[i] = storedFieldPaths(m)
			}
			out[k] = subs
		default:
			out[keyFields+"."+k] = v
		}
	}
	return out
}

// AtlasIndexDefinition is the Atlas Vector Search index for a collection
// of dim-dimensional vectors: the vector with dotProduct similarity and the
// given filter fields (the schema's filters).
func AtlasIndexDefinition(name string, dim int, filterFields []string) (bson.D, error) {
	var filters []string
	for _, f := range filterFields {
		filters = append(filters, keyFields+"."+f)
	}
	return atlas.IndexDefinition(name, keyVector, dim, filters)
}
