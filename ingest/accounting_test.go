package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-search/tessera/ingest"
)

// Re-ingesting a file whose rows are all stored as they are reports every
// row unchanged and writes nothing: no WAL frame, no re-encode.
func TestReingestingAnUnchangedFileWritesNothing(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir, "")
	var csv strings.Builder
	csv.WriteString(demoHeader)
	for i := 1; i <= 600; i++ { // more than one 512-row batch
		csv.WriteString(demoRow(fmt.Sprintf("U-%d", i), fmt.Sprintf("Book number %d", i), fmt.Sprintf("%d.50", i%90+1)))
	}
	path := writeFile(t, "books.csv", csv.String())
	ctx := context.Background()
	first, err := db.Applier.IngestFile(ctx, path, ingest.BulkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Ingested != 600 || first.Updated != 0 || first.Unchanged != 0 {
		t.Fatalf("first ingest %+v", first)
	}
	wal := filepath.Join(dir, "index", "wal.log")
	before := fileSize(t, wal)
	want := contents(db.Collection)

	again, err := db.Applier.IngestFile(ctx, path, ingest.BulkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, again)
	if again.Read != 600 || again.Unchanged != 600 || again.Updated != 0 {
		t.Fatalf("re-ingest %+v, want 600 unchanged", again)
	}
	if !strings.Contains(again.String(), "0 new, 0 updated, 600 unchanged") {
		t.Fatalf("summary line %q", again.String())
	}
	if after := fileSize(t, wal); after != before {
		t.Fatalf("the WAL grew from %d to %d bytes on an unchanged file", before, after)
	}
	sameContents(t, "unchanged re-ingest", want, contents(db.Collection))

	// One changed row is the one row written.
	changed := strings.Replace(csv.String(), "U-7,Book number 7,", "U-7,Book number seven,", 1)
	path2 := writeFile(t, "books.csv", changed)
	third, err := db.Applier.IngestFile(ctx, path2, ingest.BulkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if third.Updated != 1 || third.Unchanged != 599 {
		t.Fatalf("one changed row: %+v", third)
	}
	if fileSize(t, wal) <= before {
		t.Fatal("the changed row was not logged")
	}
}

// An 11-row file with a quote opened at row 4 and never closed properly
// reads 11 rows: the good ones, and one reject, at the line where the quote
// opened, standing for the rows it swallowed.
func TestUnclosedQuoteCountsEveryRow(t *testing.T) {
	db := openDB(t, t.TempDir(), "")
	var csv strings.Builder
	csv.WriteString(demoHeader)
	for i := 1; i <= 11; i++ {
		row := demoRow(fmt.Sprintf("Q-%d", i), fmt.Sprintf("Title %d", i), "5")
		switch i {
		case 4:
			row = strings.Replace(row, "Title 4", `"Title 4 opens a quote`, 1)
		case 7:
			row = strings.Replace(row, "Title 7", `"Title" 7`, 1)
		}
		csv.WriteString(row)
	}
	var rej strings.Builder
	sum, err := db.Applier.IngestFile(context.Background(), writeFile(t, "q.csv", csv.String()), ingest.BulkOptions{Rejects: &rej})
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, sum)
	if sum.Read != 11 || sum.Ingested != 7 || sum.Rejected != 4 {
		t.Fatalf("summary %s, want read 11 = ingested 7 + rejected 4", sum)
	}
	if len(sum.Problems) != 1 || sum.Problems[0].Row != 4 || !strings.HasPrefix(sum.Problems[0].Reason, "line 5: quote opened on this line") {
		t.Fatalf("problems %v, want one at row 4 naming line 5", sum.Problems)
	}
	if n := strings.Count(rej.String(), "\n"); n != 1 {
		t.Fatalf("rejects file has %d lines:\n%s", n, rej.String())
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// An id with several different rows in one file is accounted for by its
// last row (the one that stays stored): re-ingesting the unchanged file
// reports it unchanged, not updated, and the summary says how many ids
// the file repeats.
func TestRepeatedIDsAreAccountedByTheirLastRow(t *testing.T) {
	// Batch size 1 puts every repeat in a later batch than the id's first
	// row; the default keeps them in one.
	for _, batch := range []int{0, 1} {
		t.Run(fmt.Sprintf("batch size %d", batch), func(t *testing.T) {
			opt := ingest.BulkOptions{BatchSize: batch}
			db := openDB(t, t.TempDir(), "")
			ctx := context.Background()
			var csv strings.Builder
			csv.WriteString(demoHeader)
			csv.WriteString(demoRow("R-1", "First draft", "10"))
			csv.WriteString(demoRow("R-2", "Only row", "20"))
			csv.WriteString(demoRow("R-1", "Second draft", "11"))
			csv.WriteString(demoRow("R-3", "Same twice", "30"))
			csv.WriteString(demoRow("R-1", "Final", "12"))
			csv.WriteString(demoRow("R-3", "Same twice", "30"))
			path := writeFile(t, "repeats.csv", csv.String())

			first, err := db.Applier.IngestFile(ctx, path, opt)
			if err != nil {
				t.Fatal(err)
			}
			checkAccounting(t, first)
			if first.Read != 6 || first.Ingested != 3 || first.Merged != 3 || first.RepeatedIDs != 2 || first.Updated != 0 || first.Unchanged != 0 {
				t.Fatalf("first ingest %+v", first)
			}
			if doc, _ := db.Collection.Get("R-1"); doc.Fields["title"] != "Final" {
				t.Fatalf("R-1 stored as %v, want its last row", doc.Fields)
			}
			again, err := db.Applier.IngestFile(ctx, path, opt)
			if err != nil {
				t.Fatal(err)
			}
			checkAccounting(t, again)
			if again.Ingested != 3 || again.Unchanged != 3 || again.Updated != 0 || again.RepeatedIDs != 2 {
				t.Fatalf("re-ingest of the same file: %s, want 3 unchanged", again)
			}
			if !strings.Contains(again.String(), "0 new, 0 updated, 3 unchanged (2 ids repeated in the file, ") {
				t.Fatalf("summary line %q", again.String())
			}
			// A file whose last row for R-1 differs from what is stored updates
			// it, even though its first R-1 row equals the stored one.
			changed := strings.Replace(csv.String(), "R-1,Final,", "R-1,Final cut,", 1)
			changed = strings.Replace(changed, "R-1,First draft,", "R-1,Final,", 1)
			third, err := db.Applier.IngestFile(ctx, writeFile(t, "repeats2.csv", changed), opt)
			if err != nil {
				t.Fatal(err)
			}
			if third.Updated != 1 || third.Unchanged != 2 {
				t.Fatalf("last row changed: %s, want 1 updated, 2 unchanged", third)
			}
		})
	}
}
