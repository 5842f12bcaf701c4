package tessera_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"github.com/tessera-search/tessera/query"
)

// mongoURI returns a URI for a fresh database on the test MongoDB server
// (MONGODB_URI, started by .ci/test.sh). Without one the test skips, or
// fails in CI.
func mongoURI(t *testing.T) string {
	t.Helper()
	return sharedtest.MongoURI(t, "tessera_test")
}

func searchIDs(t *testing.T, db *tessera.DB, req query.Request) []string {
	t.Helper()
	resp, err := db.Engine.Search(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(resp.Results))
	for i, r := range resp.Results {
		ids[i] = fmt.Sprintf("%s:%.6f", r.ID, r.Score)
	}
	return ids
}

// TestStoreReplicaRebuildAndFollow: instance A ingests into MongoDB and
// stops; instance B starts on an empty local directory, rebuilds from the
// store and serves the same results; a row written straight into the
// collection by another program appears in B's search through the follower.
func TestStoreReplicaRebuildAndFollow(t *testing.T) {
	uri := mongoURI(t)
	ctx := context.Background()
	a, err := tessera.Open(ctx, tessera.Options{DataDir: t.TempDir(), Store: uri, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	req := query.Request{Text: "wireless earbuds", Weights: query.Weights{"price": 1}, Limit: 10}
	want := searchIDs(t, a, req)
	if n, _ := a.Store.Count(ctx); n != int64(a.Collection.Len()) {
		t.Fatalf("store has %d documents, local index %d", n, a.Collection.Len())
	}
	a.Close()

	b, err := tessera.Open(ctx, tessera.Options{DataDir: t.TempDir(), Store: uri, NoSync: true, FollowPoll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Collection.Len() != 309 {
		t.Fatalf("replica rebuilt %d documents, want 309", b.Collection.Len())
	}
	if got := searchIDs(t, b, req); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("replica answers\n%v\nfirst instance answered\n%v", got, want)
	}

	fctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- b.Follower.Run(fctx) }()
	defer func() { cancel(); <-done }()

	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	u, _ := url.Parse(uri)
	coll := client.Database(u.Path[1:]).Collection(b.Schema.Name)
	_, err = coll.InsertOne(ctx, bson.D{
		{Key: "_id", Value: "EXT-1"},
		{Key: "fields", Value: bson.D{
			{Key: "title", Value: "Hyperion walnut chess set with weighted pieces"},
			{Key: "description", Value: "Hand-finished walnut board."},
			{Key: "category", Value: "Toys & Games"}, {Key: "price", Value: 89.5}, {Key: "rating", Value: 4.7},
			{Key: "review_count", Value: 12}, {Key: "added_at", Value: "2026-11-20T10:00:00Z"},
		}},
		{Key: "updated_at", Value: time.Now()},
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, ok := b.Collection.Get("EXT-1"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the directly written row never reached the replica through the follower")
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := b.Engine.Search(ctx, query.Request{Text: "walnut chess set", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Results) == 0 || resp.Results[0].ID != "EXT-1" {
		t.Fatalf("search does not find the followed row: %+v", resp.Results)
	}
}
