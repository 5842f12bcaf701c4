package mongo

import (
	"context"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest"
)

// Sink writes the apply path's batches to a store: an ingest.Sink.
type Sink struct {
	Store *Store
	// Fingerprint, when set, reports the fingerprint of the schema that
	// encoded the batches being written. When it is not the bound
	// generation's (a replica between noticing a schema change and
	// switching its own index), the vectors are left out: every reader
	// encodes such documents for the new schema itself, so the new
	// generation never holds a vector of the old one.
	Fingerprint func() string
}

var _ ingest.Sink = Sink{}

// Write upserts the records (last writer wins by version).
func (m Sink) Write(ctx context.Context, recs []index.Record) error {
	st := m.Store.view()
	withVectors := m.Fingerprint == nil || m.Fingerprint() == st.Meta().Fingerprint
	docs := make([]Doc, len(recs))
	for i, r := range recs {
		docs[i] = Doc{ID: r.ID, Fields: r.Fields, Vector: r.Vector, Version: r.Version, Deleted: r.Deleted}
		if !withVectors {
			docs[i].Vector = nil
		}
	}
	return st.upsertOwn(ctx, docs)
}
