package mongo

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// changeEvent builds an event of the documented change stream shape.
func changeEvent(t *testing.T, op string, extra ...bson.E) bson.Raw {
	t.Helper()
	ev := bson.D{
		{Key: "_id", Value: bson.D{{Key: "_data", Value: "8265A1B2C3000000012B022C0100296E5A1004"}}},
		{Key: "operationType", Value: op},
		{Key: "clusterTime", Value: bson.Timestamp{T: 1705000000, I: 1}},
		{Key: "wallTime", Value: bson.DateTime(1705000000123)},
		{Key: "ns", Value: bson.D{{Key: "db", Value: "shop"}, {Key: "coll", Value: "products"}}},
	}
	ev = append(ev, extra...)
	return bson.Raw(mustMarshal(t, ev))
}

func TestDecodeChangeEvent(t *testing.T) {
	at := time.UnixMilli(1705000000100).UTC()
	full := bson.D{
		{Key: "_id", Value: "sku-1"},
		{Key: "fields", Value: bson.D{{Key: "title", Value: "Lamp"}, {Key: "price", Value: 12.5}}},
		{Key: "vector", Value: encodeVector([]float32{0.5, -0.25})},
		{Key: "version", Value: int64(7)},
		{Key: "deleted", Value: false},
		{Key: "updated_at", Value: bson.DateTime(at.UnixMilli())},
	}
	key := bson.E{Key: "documentKey", Value: bson.D{{Key: "_id", Value: "sku-1"}}}
	want := Doc{ID: "sku-1", Fields: map[string]any{"title": "Lamp", "price": 12.5}, Vector: []float32{0.5, -0.25}, Version: 7, UpdatedAt: at}

	tests := []struct {
		name    string
		event   bson.Raw
		want    Doc
		ok      bool
		wantErr string
		is      error
	}{
		{name: "insert", event: changeEvent(t, "insert", bson.E{Key: "fullDocument", Value: full}, key), want: want, ok: true},
		{name: "replace", event: changeEvent(t, "replace", bson.E{Key: "fullDocument", Value: full}, key), want: want, ok: true},
		{name: "update with lookup", event: changeEvent(t, "update", key,
			bson.E{Key: "updateDescription", Value: bson.D{{Key: "updatedFields", Value: bson.D{{Key: "version", Value: int64(7)}}}, {Key: "removedFields", Value: bson.A{}}}},
			bson.E{Key: "fullDocument", Value: full}), want: want, ok: true},
		{name: "update of a since-deleted document", event: changeEvent(t, "update", key,
			bson.E{Key: "fullDocument", Value: nil}), ok: false},
		{name: "delete", event: changeEvent(t, "delete", key),
			want: Doc{ID: "sku-1", Deleted: true, UpdatedAt: time.UnixMilli(1705000000123).UTC()}, ok: true},
		{name: "third-party insert, top-level fields, array vector", event: changeEvent(t, "insert", key, bson.E{Key: "fullDocument", Value: bson.D{
			{Key: "_id", Value: "sku-1"}, {Key: "title", Value: "Lamp"}, {Key: "vector", Value: bson.A{1.0, int32(2)}},
		}}), want: Doc{ID: "sku-1", Fields: map[string]any{"title": "Lamp"}, Vector: []float32{1, 2}}, ok: true},
		{name: "index creation is not a document change", event: changeEvent(t, "createIndexes"), ok: false},
		{name: "invalidate", event: changeEvent(t, "invalidate"), is: ErrStreamInvalidated},
		{name: "drop", event: changeEvent(t, "drop"), is: ErrStreamInvalidated},
		{name: "insert without fullDocument", event: changeEvent(t, "insert", key), wantErr: "no fullDocument"},
		{name: "delete without documentKey", event: changeEvent(t, "delete"), wantErr: "no documentKey._id"},
		{name: "delete of an ObjectID", event: changeEvent(t, "delete", bson.E{Key: "documentKey", Value: bson.D{{Key: "_id", Value: bson.NewObjectID()}}}), is: errNonStringID},
		{name: "no operationType", event: bson.Raw(mustMarshal(t, bson.D{{Key: "_id", Value: bson.D{}}})), wantErr: "operationType"},
		{name: "no resume token", event: bson.Raw(mustMarshal(t, bson.D{{Key: "operationType", Value: "insert"}})), wantErr: "resume token"},
		{name: "bad vector", event: changeEvent(t, "insert", key, bson.E{Key: "fullDocument", Value: bson.D{
			{Key: "_id", Value: "sku-1"}, {Key: "vector", Value: "nope"}}}), wantErr: "vector is string"},
		{name: "truncated", event: changeEvent(t, "insert")[:10], wantErr: "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := decodeChangeEvent(tt.event)
			switch {
			case tt.is != nil:
				if !errors.Is(err, tt.is) {
					t.Fatalf("err = %v, want %v", err, tt.is)
				}
				return
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			case err != nil:
				t.Fatalf("unexpected error: %v", err)
			}
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if ok && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
