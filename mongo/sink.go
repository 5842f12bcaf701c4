package mongo

import (
	"context"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest"
)

// Sink writes the apply path's batches to a store: an ingest.Sink.
type Sink struct{ Store *Store }

var _ ingest.Sink = Sink{}

// Write upserts the records (last writer wins by version).
func (m Sink) Write(ctx context.Context, recs []index.Record) error {
	docs := make([]Doc, len(recs))
	for i, r := range recs {
		docs[i] = Doc{ID: r.ID, Fields: r.Fields, Vector: r.Vector, Version: r.Version, Deleted: r.Deleted}
	}
	return m.Store.Upsert(ctx, docs)
}
