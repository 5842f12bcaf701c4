package mongo

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestScanSkipsForeignDocuments checks that documents outside the layout
// (an ObjectID _id, a vector of text) neither stop a rebuild nor appear in it.
func TestScanSkipsForeignDocuments(t *testing.T) {
	s, _, _ := openTestStore(t)
	ctx := testCtx(t, 30*time.Second)
	if err := s.Upsert(ctx, []Doc{{ID: "good", Version: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.coll.InsertMany(ctx, []any{
		bson.D{{Key: "title", Value: "no string id"}},
		bson.D{{Key: "_id", Value: "badvec"}, {Key: "vector", Value: "text"}},
	}); err != nil {
		t.Fatal(err)
	}
	got := scanAll(t, s, 10)
	if len(got) != 1 || got["good"].ID != "good" {
		t.Errorf("Scan yielded %v, want only the good document", got)
	}
}
