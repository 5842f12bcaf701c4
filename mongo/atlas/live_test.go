package atlas

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"math"
	"os"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// TestLiveAtlas creates a vector index on a real Atlas cluster and runs a
// filtered search through it. It is opt-in: it needs ATLAS_URI (a cluster
// with Atlas Search) and skips without it, in CI too, since CI has no cluster.
func TestLiveAtlas(t *testing.T) {
	uri := os.Getenv("ATLAS_URI")
	if uri == "" {
		t.Skip("ATLAS_URI is not set; this opt-in test needs an Atlas cluster with Vector Search")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	var b [4]byte
	rand.Read(b[:])
	db := client.Database("tessera_atlas_test_" + hex.EncodeToString(b[:]))
	defer db.Drop(context.Background())
	coll := db.Collection("docs")

	// Unit vectors, as Tessera writes them.
	s := float32(1 / math.Sqrt2)
	docs := []struct {
		id, category string
		price        float64
		vec          []float32
	}{
		{"a", "Books", 10, []float32{1, 0, 0, 0}},
		{"b", "Books", 900, []float32{s, s, 0, 0}},
		{"c", "Toys", 20, []float32{0, 0, 1, 0}},
	}
	for _, d := range docs {
		vec := make(bson.A, len(d.vec))
		for i, f := range d.vec {
			vec[i] = float64(f)
		}
		if _, err := coll.InsertOne(ctx, bson.D{
			{Key: "_id", Value: d.id},
			{Key: "fields", Value: bson.D{{Key: "category", Value: d.category}, {Key: "price", Value: d.price}}},
			{Key: "vector", Value: vec},
		}); err != nil {
			t.Fatal(err)
		}
	}

	const index = "tessera_vec"
	def, err := IndexDefinition(index, "vector", 4, []string{"fields.category", "fields.price"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RunCommand(ctx, bson.D{{Key: "createSearchIndexes", Value: coll.Name()}, {Key: "indexes", Value: bson.A{def}}}).Err(); err != nil {
		t.Fatalf("createSearchIndexes: %v", err)
	}
	waitQueryable(ctx, t, coll, index)

	pipeline, err := Pipeline(SearchParams{
		Index: index, Path: "vector", QueryVector: []float32{1, 0, 0, 0}, Limit: 3,
		Filter:  map[string]any{"fields.category": map[string]any{"eq": "Books"}, "fields.price": map[string]any{"lte": 500}},
		Project: []string{"fields.price"},
	})
	if err != nil {
		t.Fatal(err)
	}
	cur, err := coll.Aggregate(ctx, pipeline)
	if err != nil {
		t.Fatalf("aggregate: %v", err)
	}
	var hits []struct {
		ID    string  `bson:"_id"`
		Score float64 `bson:"score"`
	}
	if err := cur.All(ctx, &hits); err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].ID != "a" {
		t.Fatalf("hits %+v, want only a (b is too dear, c is a toy)", hits)
	}
	if got := ScoreFromAtlas(hits[0].Score); math.Abs(got-1) > 1e-5 {
		t.Errorf("score %v → %v, want the inner product 1", hits[0].Score, got)
	}
}

// waitQueryable polls until Atlas reports the search index queryable.
func waitQueryable(ctx context.Context, t *testing.T, coll *mongo.Collection, name string) {
	t.Helper()
	for {
		cur, err := coll.Aggregate(ctx, bson.A{bson.D{{Key: "$listSearchIndexes", Value: bson.D{{Key: "name", Value: name}}}}})
		if err != nil {
			t.Fatalf("$listSearchIndexes: %v", err)
		}
		var idx []struct {
			Queryable bool   `bson:"queryable"`
			Status    string `bson:"status"`
		}
		if err := cur.All(ctx, &idx); err != nil {
			t.Fatal(err)
		}
		if len(idx) == 1 && idx[0].Queryable {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("index %s not queryable in time (%+v)", name, idx)
		case <-time.After(2 * time.Second):
		}
	}
}
