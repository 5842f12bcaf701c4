package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/ingest/read"
)

// FuzzIngestCSV feeds arbitrary bytes through the whole bulk pipeline as a
// CSV file under the demo schema: it must never panic, every row must be
// accounted for, every reject must say where and why, and whatever was
// stored must have a full vector.
func FuzzIngestCSV(f *testing.F) {
	f.Add([]byte(demoHeader + demoRow("F-1", "Good", "1.5")))
	f.Add([]byte(demoHeader + "F-2,\"unterminated,x\n" + demoRow("F-3", "After", "2")))
	f.Add([]byte(demoHeader + "F-4,a,b,c\n,,,,,,,,\n"))
	f.Add([]byte(demoHeader + demoRow("F-5", "Price", `"1,79,691"`) + demoRow("F-5", "Again", "₹7")))
	f.Add([]byte("\xEF\xBB\xBFid;title;price\nF-6;semi;3,5\n"))
	f.Add([]byte{0xFF, 0xFE, 'i', 0, 'd', 0, '\n', 0})
	f.Add([]byte(""))
	db := openDB(f, f.TempDir(), "")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := read.New(bytes.NewReader(data), "fuzz.csv", read.Options{Format: "csv"})
		if err != nil {
			return // no header: refused up front, which is fine
		}
		defer r.Close()
		var rej bytes.Buffer
		sum, err := db.Applier.Ingest(context.Background(), r, "fuzz.csv", ingest.BulkOptions{Rejects: &rej, BatchSize: 3})
		if err != nil && !strings.Contains(err.Error(), "fuzz.csv") && !errors.Is(err, context.Canceled) {
			t.Fatalf("file-level error without the file name: %v", err)
		}
		if sum.Read != sum.Ingested+sum.Merged+sum.Rejected {
			t.Fatalf("accounting broken: %+v", sum)
		}
		for _, p := range readRejects(t, rej.Bytes()) {
			if p.File != "fuzz.csv" || p.Row <= 0 || p.Reason == "" {
				t.Fatalf("reject without location or reason: %+v", p)
			}
		}
		db.Collection.Each(func(rec index.Record) bool {
			if len(rec.Vector) != db.Encoder.Dim() {
				t.Fatalf("%s stored with %d dims", rec.ID, len(rec.Vector))
			}
			return true
		})
	})
}
