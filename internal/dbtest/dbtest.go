// Package dbtest holds checks on a whole opened database, shared by the
// root package's tests and the real-binary tests in cmd/tessera.
package dbtest

import (
	"context"
	"fmt"
	"math"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/index"
)

// EncodingMismatch re-encodes every stored document's fields with db's
// current encoder and describes the first stored vector that differs from
// its encoding (beyond float rounding), or returns "" when all match: the
// proof that a schema change left no mix of old and new vectors.
func EncodingMismatch(ctx context.Context, db *tessera.DB) (string, error) {
	enc := db.Engine.Encoder()
	var recs []index.Record
	db.Applier.Collection().Each(func(r index.Record) bool {
		recs = append(recs, r)
		return true
	})
	docs := make([]map[string]any, len(recs))
	vecs := make([][]float32, len(recs))
	for i, r := range recs {
		docs[i], vecs[i] = r.Fields, make([]float32, enc.Dim())
	}
	if err := enc.EncodeItems(ctx, docs, vecs, nil); err != nil {
		return "", err
	}
	for i, r := range recs {
		if len(r.Vector) != len(vecs[i]) {
			return fmt.Sprintf("%s has %d dims, the schema encodes %d", r.ID, len(r.Vector), len(vecs[i])), nil
		}
		for k := range vecs[i] {
			if math.Abs(float64(r.Vector[k]-vecs[i][k])) > 1e-5 {
				return fmt.Sprintf("%s dim %d is %v, the schema encodes %v", r.ID, k, r.Vector[k], vecs[i][k]), nil
			}
		}
	}
	return "", nil
}
