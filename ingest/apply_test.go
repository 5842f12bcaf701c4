package ingest_test

import (
	"context"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"testing"

	"github.com/tessera-search/tessera/ingest"
)

// TestBulkAndStreamAreBitIdentical sends the same messy rows through the
// bulk entrance (IngestFile) and the stream entrance (Apply with upsert
// events whose fields are the CSV's raw strings): documents and vectors
// must match bit for bit, duplicates, null tokens and defaults included.
func TestBulkAndStreamAreBitIdentical(t *testing.T) {
	raw := sharedtest.Path(t, "amazon-india/raw_products.csv")
	schema := example(t, "amazon-raw.schema.yaml")
	ctx := context.Background()

	bulk := openDB(t, t.TempDir(), schema)
	sum, err := bulk.Applier.IngestFile(ctx, raw, ingest.BulkOptions{Workers: 3, BatchSize: 97})
	if err != nil || sum.Rejected != 0 {
		t.Fatalf("bulk: %s %v", sum, err)
	}

	stream := openDB(t, t.TempDir(), schema)
	header, rows := rawRows(t, raw)
	fieldOf := map[string]string{} // column → field
	for name, f := range stream.Schema.Fields {
		fieldOf[f.SourceColumn(name)] = name
	}
	events := make([]ingest.Event, 0, len(rows))
	for _, row := range rows {
		fields := map[string]any{}
		for i, c := range header {
			if name, ok := fieldOf[c]; ok {
				fields[name] = row[i]
			}
		}
		// No id: the applier takes it from the id field, as for a row.
		events = append(events, ingest.Event{Op: ingest.OpUpsert, Fields: fields})
	}
	applied := 0
	for start := 0; start < len(events); start += 50 {
		res, err := stream.Applier.Apply(ctx, events[start:min(start+50, len(events))])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Status != ingest.StatusApplied {
				t.Fatalf("stream event %s: %+v", r.ID, r)
			}
			applied++
		}
	}
	if applied != 1465 {
		t.Fatalf("applied %d events", applied)
	}
	sameContents(t, "bulk vs stream", contents(bulk.Collection), contents(stream.Collection))
	if got, want := stream.Encoder.Categories("category"), bulk.Encoder.Categories("category"); len(got) != len(want) || got[0] != want[0] || got[len(got)-1] != want[len(want)-1] {
		t.Fatalf("category slots differ: %d vs %d", len(got), len(want))
	}
}

// A partial upsert after a bulk load re-encodes only what changed and
// lands on the same vector as a bulk row with the merged values.
func TestPartialUpsertMatchesFullRow(t *testing.T) {
	ctx := context.Background()
	a := openDB(t, t.TempDir(), "")
	b := openDB(t, t.TempDir(), "")
	first := writeFile(t, "one.csv", demoHeader+demoRow("U-1", "Walnut desk organiser", "24.00"))
	if _, err := a.Applier.IngestFile(ctx, first, ingest.BulkOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := a.Applier.Apply(ctx, []ingest.Event{{Op: ingest.OpUpsert, ID: "U-1", Fields: map[string]any{"price": "19.50"}}})
	if err != nil || res[0].Status != ingest.StatusApplied || res[0].Outcome != "updated" {
		t.Fatalf("upsert: %+v %v", res, err)
	}
	merged := writeFile(t, "merged.csv", demoHeader+demoRow("U-1", "Walnut desk organiser", "19.50"))
	if _, err := b.Applier.IngestFile(ctx, merged, ingest.BulkOptions{}); err != nil {
		t.Fatal(err)
	}
	sameContents(t, "partial upsert vs full row", contents(a.Collection), contents(b.Collection))
}
