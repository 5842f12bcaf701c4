package tessera

import (
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tessera-search/tessera/mongo"
)

// DefaultAtlasIndex is the Atlas Vector Search index name Tessera uses.
const DefaultAtlasIndex = mongo.DefaultAtlasIndex

// AtlasIndexDefinition is the Atlas Vector Search index for this schema:
// the vector with dotProduct similarity and the schema's filter fields.
func (a *DB) AtlasIndexDefinition(name string) (bson.D, error) {
	return mongo.AtlasIndexDefinition(name, a.Encoder.Dim(), a.Schema.Filters)
}

// UseAtlas makes searches run on Atlas Vector Search (store mode only).
func (a *DB) UseAtlas(indexName string) error {
	if a.Store == nil {
		return fmt.Errorf("atlas search needs a MongoDB store (--store)")
	}
	if indexName == "" {
		indexName = DefaultAtlasIndex
	}
	a.Engine.UseVectorSearcher(mongo.AtlasSearcher{Store: a.Store, Index: indexName})
	return nil
}
