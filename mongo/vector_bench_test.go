package mongo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

const benchDims = 768

func benchVector() []float32 {
	r := rand.New(rand.NewPCG(1, 2))
	v := make([]float32, benchDims)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}

// vectorValue is v as stored in the given layout: "binary" (BSON float32
// vector, what the store writes) or "doubles" (an array of doubles).
func vectorValue(layout string, v []float32) any {
	if layout == "binary" {
		return encodeVector(v)
	}
	d := make([]float64, len(v))
	for i, f := range v {
		d[i] = float64(f)
	}
	return d
}

// BenchmarkVectorCodec compares encoding and decoding one document's vector
// as a BSON binary vector and as an array of doubles, without a server.
func BenchmarkVectorCodec(b *testing.B) {
	v := benchVector()
	for _, layout := range []string{"binary", "doubles"} {
		b.Run("marshal/"+layout, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bson.Marshal(bson.D{{Key: "_id", Value: "x"}, {Key: "vector", Value: vectorValue(layout, v)}}); err != nil {
					b.Fatal(err)
				}
			}
		})
		raw := bson.Raw(must(bson.Marshal(bson.D{{Key: "_id", Value: "x"}, {Key: "vector", Value: vectorValue(layout, v)}})))
		b.Run("unmarshal/"+layout, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, err := vectorFromValue(raw.Lookup("vector")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkServerVectorIO compares writing and reading 768-dimension vectors
// through a real server (MONGODB_URI) in both layouts. One op writes or
// reads benchServerDocs documents.
func BenchmarkServerVectorIO(b *testing.B) {
	s, _, _ := openTestStore(b)
	ctx := context.Background()
	v := benchVector()
	const benchServerDocs = 200
	for _, layout := range []string{"binary", "doubles"} {
		coll := s.coll.Database().Collection("bench_" + layout)
		docs := make([]any, benchServerDocs)
		round := 0
		b.Run("write/"+layout, func(b *testing.B) {
			for b.Loop() {
				round++
				for i := range docs {
					docs[i] = bson.D{{Key: "_id", Value: fmt.Sprintf("r%d-%d", round, i)}, {Key: "vector", Value: vectorValue(layout, v)}}
				}
				if _, err := coll.InsertMany(ctx, docs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*benchServerDocs)/b.Elapsed().Seconds(), "docs/s")
		})
		b.Run("read/"+layout, func(b *testing.B) {
			for b.Loop() {
				cur, err := coll.Find(ctx, bson.D{}, nil)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for cur.Next(ctx) && n < benchServerDocs {
					if _, err := vectorFromValue(cur.Current.Lookup("vector")); err != nil {
						b.Fatal(err)
					}
					n++
				}
				cur.Close(ctx)
				if n != benchServerDocs {
					b.Fatalf("read %d docs, want %d", n, benchServerDocs)
				}
			}
			b.ReportMetric(float64(b.N*benchServerDocs)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
