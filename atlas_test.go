package tessera

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/tessera-search/tessera/query"
)

func TestAtlasNeedsStore(t *testing.T) {
	db, err := Open(context.Background(), Options{DataDir: t.TempDir(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.UseAtlas(""); err == nil {
		t.Fatal("atlas search without a store must be refused")
	}
}

// TestAtlasLive runs only against a real Atlas cluster (ATLAS_URI): it loads
// the demo catalogue into the store, creates the vector index, waits until
// it answers, and checks Atlas and the local HNSW agree on the top result.
func TestAtlasLive(t *testing.T) {
	uri := os.Getenv("ATLAS_URI")
	if uri == "" {
		t.Skip("ATLAS_URI not set: the live Atlas Vector Search test is opt-in")
	}
	ctx := context.Background()
	db, err := Open(ctx, Options{DataDir: t.TempDir(), Store: uri})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	req := query.Request{Text: "wireless earbuds", Limit: 5}
	local, err := db.Engine.Search(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	def, _ := db.AtlasIndexDefinition(DefaultAtlasIndex)
	if _, err := db.Store.CreateSearchIndex(ctx, def); err != nil {
		t.Logf("create index: %v (may already exist)", err)
	}
	if err := db.UseAtlas(DefaultAtlasIndex); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		remote, err := db.Engine.Search(ctx, req)
		if err == nil && len(remote.Results) > 0 {
			if remote.Results[0].ID != local.Results[0].ID {
				t.Fatalf("atlas top %s, local top %s", remote.Results[0].ID, local.Results[0].ID)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("atlas index never answered: %v", err)
		}
		time.Sleep(5 * time.Second)
	}
}
