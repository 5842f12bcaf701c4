package tessera

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/index/mongostore"
	"github.com/tessera-search/tessera/query/atlas"
)

// DefaultAtlasIndex is the Atlas Vector Search index name Tessera uses.
const DefaultAtlasIndex = "tessera_vector"

// atlasSearcher does the nearest-neighbour work with Atlas $vectorSearch on
// the store's collection; Tessera builds the weighted query vector and
// explains the scores as usual.
type atlasSearcher struct {
	store *mongostore.Store
	index string
}

func (a atlasSearcher) SearchVector(ctx context.Context, q []float32, k int, filter map[string]any) ([]index.Hit, error) {
	pipe, err := atlas.Pipeline(atlas.SearchParams{Index: a.index, Path: "vector", QueryVector: q, Limit: k + 1,
		Filter: storedFieldPaths(filter), Project: []string{"fields", "vector", "version"}})
	if err != nil {
		return nil, err
	}
	docs, err := a.store.Aggregate(ctx, pipe, atlas.ScoreField)
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
			out["fields."+k] = v
		}
	}
	return out
}

// AtlasIndexDefinition is the Atlas Vector Search index for this schema:
// the vector with dotProduct similarity and the schema's filter fields.
func (a *DB) AtlasIndexDefinition(name string) (bson.D, error) {
	var filters []string
	for _, f := range a.Schema.Filters {
		filters = append(filters, "fields."+f)
	}
	return atlas.IndexDefinition(name, "vector", a.Encoder.Dim(), filters)
}

// UseAtlas makes searches run on Atlas Vector Search (store mode only).
func (a *DB) UseAtlas(indexName string) error {
	if a.Store == nil {
		return fmt.Errorf("atlas search needs a MongoDB store (--store)")
	}
	if indexName == "" {
		indexName = DefaultAtlasIndex
	}
	a.Engine.UseVectorSearcher(atlasSearcher{store: a.Store, index: indexName})
	return nil
}
