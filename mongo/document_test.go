package mongo

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestEncodeVectorMatchesDriver(t *testing.T) {
	for _, v := range [][]float32{{}, {1}, edgeVector()} {
		got := encodeVector(v)
		want := bson.NewVector(v).Binary()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("encodeVector(%v) = %x, driver gives %x", v, got.Data, want.Data)
		}
		back, err := decodeVector(want.Data)
		if err != nil || !sameBits(back, v) {
			t.Errorf("decodeVector(driver's %v) = %v, %v", v, back, err)
		}
	}
}

func TestDecodeVectorErrors(t *testing.T) {
	int8Vec := bson.NewVector([]int8{1, 2}).Binary().Data
	for name, data := range map[string][]byte{
		"short":      {0x27},
		"int8 dtype": int8Vec,
		"padding":    {0x27, 3, 0, 0, 0, 0},
		"ragged":     {0x27, 0, 1, 2, 3},
	} {
		if _, err := decodeVector(data); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
	raw := bson.RawValue{Type: bson.TypeBinary}
	_, raw.Value, _ = bson.MarshalValue(bson.Binary{Subtype: 0, Data: []byte{1, 2}})
	if _, err := vectorFromValue(raw); err == nil || !strings.Contains(err.Error(), "subtype 0") {
		t.Errorf("generic binary as vector: %v, want a subtype error", err)
	}
}

func rawDoc(t *testing.T, d bson.D) bson.Raw { return bson.Raw(mustMarshal(t, d)) }

func TestDecodeDocumentLayouts(t *testing.T) {
	at := time.UnixMilli(1700000000000).UTC()
	oid := bson.NewObjectID()
	got, err := decodeDocument(rawDoc(t, bson.D{
		{Key: "_id", Value: "a"},
		{Key: "stray", Value: "ignored because fields is present"},
		{Key: "fields", Value: bson.D{
			{Key: "n32", Value: int32(3)}, {Key: "ref", Value: oid}, {Key: "nested", Value: bson.D{{Key: "k", Value: bson.A{true, nil}}}},
		}},
		{Key: "version", Value: int32(4)},
		{Key: "deleted", Value: true},
		{Key: "updated_at", Value: bson.DateTime(at.UnixMilli())},
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := Doc{ID: "a", Version: 4, Deleted: true, UpdatedAt: at, Fields: map[string]any{
		"n32": int64(3), "ref": oid.Hex(), "nested": map[string]any{"k": []any{true, nil}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	for name, tc := range map[string]struct {
		doc  bson.D
		want string
		is   error
	}{
		"ObjectID _id":         {doc: bson.D{{Key: "_id", Value: oid}}, is: errNonStringID},
		"no _id":               {doc: bson.D{{Key: "title", Value: "x"}}, want: "no _id"},
		"string updated_at":    {doc: bson.D{{Key: "_id", Value: "a"}, {Key: "updated_at", Value: "yesterday"}}, want: "updated_at is string"},
		"fields not a doc":     {doc: bson.D{{Key: "_id", Value: "a"}, {Key: "fields", Value: 3}}, want: "fields is 32-bit integer"},
		"version text":         {doc: bson.D{{Key: "_id", Value: "a"}, {Key: "version", Value: "v1"}}, want: "version is string"},
		"regex field":          {doc: bson.D{{Key: "_id", Value: "a"}, {Key: "r", Value: bson.Regex{Pattern: "x"}}}, want: "unsupported BSON type"},
		"text in vector array": {doc: bson.D{{Key: "_id", Value: "a"}, {Key: "vector", Value: bson.A{"x"}}}, want: "vector element 0"},
	} {
		_, err := decodeDocument(rawDoc(t, tc.doc))
		switch {
		case tc.is != nil && !errors.Is(err, tc.is):
			t.Errorf("%s: %v, want %v", name, err, tc.is)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want an error containing %q", name, err, tc.want)
		}
	}
}
