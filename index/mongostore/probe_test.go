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
	docs := make([]Doc, 1000)
	for i := range docs {
		docs[i] = Doc{ID: fmt.Sprintf("d%05d", i), Version: 1, Vector: make([]float32, 64), Fields: map[string]any{"i": int64(i)}}
	}
	t0 := time.Now()
	if err := s.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	t.Logf("insert 1000: %v", time.Since(t0))
	ids := []string{}
	for i := range 40 {
		ids = append(ids, docs[i].ID)
	}
	t0 = time.Now()
	sv, err := s.storedVersions(ctx, ids)
	t.Logf("storedVersions: %v %d %v", time.Since(t0), len(sv), err)
	now := s.now()
	var models []mongo.WriteModel
	for i := range 40 {
		d := docs[i]
		d.Version = 2
		models = append(models, updateModel(d, sv[d.ID].raw, now))
	}
	t0 = time.Now()
	res, err := s.coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	t.Logf("bulk update 40: %v %+v %v", time.Since(t0), res, err)
	models = models[:0]
	for i := range 40 {
		d := docs[i+40]
		models = append(models, mongo.NewUpdateOneModel().SetFilter(bson.D{{"_id", d.ID}}).SetUpdate(bson.D{{"$set", bson.D{{"version", int64(2)}}}}))
	}
	t0 = time.Now()
	res, err = s.coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	t.Logf("bulk update 40 by id only, small: %v %+v %v", time.Since(t0), res, err)
	models = models[:0]
	for i := range 40 {
		d := docs[i+80]
		models = append(models, mongo.NewReplaceOneModel().SetFilter(bson.D{{"_id", d.ID}, {"version", int64(1)}}).SetReplacement(newDocument(d, now)))
	}
	t0 = time.Now()
	res, err = s.coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
	t.Logf("bulk replace 40: %v %+v %v", time.Since(t0), res, err)
}
