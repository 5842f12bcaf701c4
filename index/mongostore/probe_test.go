package mongostore

import (
	"fmt"
	"testing"
	"time"

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
	t0 := time.Now()
	if err := s.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	t.Logf("insert 2000: %v", time.Since(t0))
	for round := range 3 {
		ids := []string{}
		for i := range 40 {
			ids = append(ids, docs[i+round*40].ID)
		}
		t0 = time.Now()
		sv, err := s.storedVersions(ctx, ids)
		t.Logf("storedVersions: %v %d %v", time.Since(t0), len(sv), err)
		now := s.now()
		var models []mongo.WriteModel
		for i := range 40 {
			d := docs[i+round*40]
			d.Version = 2
			models = append(models, updateModel(d, sv[d.ID].raw, now))
		}
		t0 = time.Now()
		res, err := s.coll.BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		t.Logf("bulk update 40: %v matched %d %v", time.Since(t0), res.MatchedCount, err)
	}
}
