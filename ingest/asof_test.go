package ingest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tessera-search/tessera/ingest"
)

const asOfSchema = `
name: orders
id: id
fields:
  id:    {type: text}
  title: {type: text}
  day:   {type: time}
spaces:
  - {name: title,   kind: text,    field: title}
  - {name: recency, kind: recency, field: day, as_of: newest, periods: [{days: 30}, {days: 400}]}
`

// ordersCSV lists one order a day from 2016-01-01, oldest first or newest
// first.
func ordersCSV(n int, newestFirst bool) string {
	var b strings.Builder
	b.WriteString("id,title,day\n")
	for i := range n {
		k := i
		if newestFirst {
			k = n - 1 - i
		}
		day := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, k)
		fmt.Fprintf(&b, "O-%d,order %d,%s\n", k, k, day.Format("2006-01-02"))
	}
	return b.String()
}

// Rows are encoded against the newest value seen so far; at the end of the
// file every recency part is re-encoded against the file's newest, so the
// vectors do not depend on row order, and the newest survives a restart.
func TestAsOfNewestIsOrderIndependentAndPersists(t *testing.T) {
	ctx := context.Background()
	schema := writeFile(t, "orders.schema.yaml", asOfSchema)
	ingestFile := func(dir, csv string) {
		db := openDB(t, dir, schema)
		sum, err := db.Applier.IngestFile(ctx, writeFile(t, "orders.csv", csv), ingest.BulkOptions{BatchSize: 16})
		if err != nil || sum.Rejected != 0 {
			t.Fatalf("ingest: %v, %s", err, sum)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	oldFirst, newFirst := t.TempDir(), t.TempDir()
	ingestFile(oldFirst, ordersCSV(300, false))
	ingestFile(newFirst, ordersCSV(300, true))
	a, b := openDB(t, oldFirst, ""), openDB(t, newFirst, "")
	sameContents(t, "oldest first vs newest first", contents(a.Collection), contents(b.Collection))
	want := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 299)
	if got := a.Encoder.Newest()["recency"]; !got.Equal(want) {
		t.Fatalf("newest after a restart: %v, want %v", got, want)
	}
	// The 2016 orders sit inside the periods although the clock reads 2026.
	r, _ := a.Collection.Get("O-299")
	seg := a.Encoder.Segments()[1]
	if part := r.Vector[seg.Offset : seg.Offset+seg.Dim]; part[len(part)-1] != 0 || part[0] == 0 {
		t.Fatalf("newest order's recency part %v: outside the periods", part)
	}
}
