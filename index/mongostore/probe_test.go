package mongostore

import (
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func TestProbe(t *testing.T) {
	s, _, _ := openTestStore(t)
	ctx := testCtx(t, 100*time.Second)
	docs := make([]Doc, 2000)
	for i := range docs {
		v := make([]float32, 64)
		docs[i] = Doc{ID: fmt.Sprintf("d%05d", i), Version: 1, Vector: v, Fields: map[string]any{"i": int64(i)}}
	}
	if err := s.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	for _, round := range []int{0, 25, 49} {
		ids := []string{}
		for i := range 40 {
			ids = append(ids, docs[i+round*40].ID)
		}
		t0 := time.Now()
		sv, err := s.storedVersions(ctx, ids)
		t.Logf("storedVersions: %v %d %v", time.Since(t0), len(sv), err)
		t0 = time.Now()
		for _, id := range ids {
			s.coll.FindOne(ctx, bson.D{{"_id", id}})
		}
		t.Logf("40 findOne: %v", time.Since(t0))
		now := s.now()
		var models []mongo.WriteModel
		for i := range 40 {
			d := docs[i+round*40]
			d.Version = 2
			models = append(models, mongo.NewReplaceOneModel().SetFilter(bson.D{{"_id", d.ID}}).SetReplacement(newDocument(d, now)))
		}
		t0 = time.Now()
		res, err := s.coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		t.Logf("bulk replace 40: %v matched %d %v", time.Since(t0), res.MatchedCount, err)
	}
}
