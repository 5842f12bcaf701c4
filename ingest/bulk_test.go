package ingest_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/ingest/read"
	"github.com/tessera-search/tessera/internal/datasets"
	"github.com/tessera-search/tessera/spaces/openai"
)

// repoRoot walks up from the test's directory to the one holding go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// example returns the path of a schema in examples/.
func example(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "examples", name)
}

// openDB opens a fresh (or existing) data directory with a schema file;
// schemaPath "" means the built-in demo schema.
func openDB(t testing.TB, dir, schemaPath string) *tessera.DB {
	t.Helper()
	// A fixed clock: recency parts must not change between two opens.
	clock := func() time.Time { return time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC) }
	db, err := tessera.Open(context.Background(), tessera.Options{DataDir: dir, SchemaPath: schemaPath, Clock: clock})
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// contents is every stored record by id.
func contents(c *index.Collection) map[string]index.Record {
	out := map[string]index.Record{}
	c.Each(func(r index.Record) bool {
		out[r.ID] = r
		return true
	})
	return out
}

// sameContents fails unless both collections hold the same ids with equal
// documents and bit-identical vectors.
func sameContents(t *testing.T, what string, a, b map[string]index.Record) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d documents vs %d", what, len(a), len(b))
	}
	ids := make([]string, 0, len(a))
	for id := range a {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	bad := 0
	for _, id := range ids {
		ra, rb := a[id], b[id]
		if _, ok := b[id]; !ok {
			t.Fatalf("%s: id %s missing from the second", what, id)
		}
		if !reflect.DeepEqual(ra.Fields, rb.Fields) {
			bad++
			if bad <= 3 {
				t.Errorf("%s: id %s documents differ:\n %#v\n %#v", what, id, ra.Fields, rb.Fields)
			}
			continue
		}
		if d := firstBitDiff(ra.Vector, rb.Vector); d >= 0 {
			bad++
			if bad <= 3 {
				t.Errorf("%s: id %s vectors differ at dim %d of %d", what, id, d, len(ra.Vector))
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%s: %d of %d ids differ", what, bad, len(ids))
	}
}

// firstBitDiff is the first index where a and b differ bitwise, or -1.
func firstBitDiff(a, b []float32) int {
	if len(a) != len(b) {
		return 0
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// checkAccounting asserts the invariant every Summary keeps.
func checkAccounting(t *testing.T, s ingest.Summary) {
	t.Helper()
	if s.Read != s.Ingested+s.Merged+s.Rejected {
		t.Fatalf("read %d ≠ ingested %d + merged %d + rejected %d", s.Read, s.Ingested, s.Merged, s.Rejected)
	}
	if s.Updated > s.Ingested {
		t.Fatalf("updated %d > ingested %d", s.Updated, s.Ingested)
	}
}

const demoHeader = "id,title,description,category,brand,price,rating,review_count,added_at\n"

func demoRow(id, title, price string) string {
	return id + "," + title + ",A plain description.,Books,Acme," + price + ",4.5,10,2026-01-02T03:04:05Z\n"
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readRejects decodes the NDJSON rejects file.
func readRejects(t *testing.T, data []byte) []ingest.Problem {
	t.Helper()
	var out []ingest.Problem
	dec := json.NewDecoder(bytes.NewReader(data))
	for dec.More() {
		var p ingest.Problem
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("rejects file is not NDJSON: %v\n%s", err, data)
		}
		out = append(out, p)
	}
	return out
}

func TestMalformedCSVRejectsRowsAndKeepsGoodOnes(t *testing.T) {
	db := openDB(t, t.TempDir(), "")
	csv := demoHeader +
		demoRow("M-1", "Good one", "10.50") +
		"M-2,Ragged row,too few fields\n" +
		demoRow("M-3", "Wrong price", "ten dollars") +
		"M-4,Bare \"quote in the middle,desc,Books,Acme,3,4,1,2026-01-02T03:04:05Z\n" +
		demoRow("M-5", "Good two", `"1,299"`) +
		"M-6,Too,many,fields,Books,Acme,3,4,1,2026-01-02T03:04:05Z,extra\n" +
		demoRow("M-7", "Bad rating", "5") + // rating column replaced below
		demoRow("", "No id", "5") +
		demoRow("M-9", "Good three", "7")
	csv = strings.Replace(csv, "M-7,Bad rating,A plain description.,Books,Acme,5,4.5,", "M-7,Bad rating,A plain description.,Books,Acme,5,9 out of 5,", 1)
	path := writeFile(t, "broken.csv", csv)
	var rej bytes.Buffer
	sum, err := db.Applier.IngestFile(context.Background(), path, ingest.BulkOptions{Rejects: &rej})
	if err != nil {
		t.Fatalf("row-level problems must not fail the file: %v", err)
	}
	checkAccounting(t, sum)
	if sum.Read != 9 || sum.Ingested != 3 || sum.Rejected != 6 {
		t.Fatalf("summary %+v", sum)
	}
	for _, id := range []string{"M-1", "M-5", "M-9"} {
		if _, ok := db.Collection.Get(id); !ok {
			t.Errorf("good row %s did not land", id)
		}
	}
	if r, _ := db.Collection.Get("M-5"); r.Fields["price"] != 1299.0 {
		t.Errorf("M-5 price = %v, want 1299", r.Fields["price"])
	}
	for _, id := range []string{"M-2", "M-3", "M-4", "M-6", "M-7"} {
		if _, ok := db.Collection.Get(id); ok {
			t.Errorf("bad row %s landed", id)
		}
	}
	probs := readRejects(t, rej.Bytes())
	byRow := map[int]ingest.Problem{}
	for _, p := range probs {
		if p.File != "broken.csv" {
			t.Errorf("reject without its source file: %+v", p)
		}
		if p.Reason == "" {
			t.Errorf("reject without a reason: %+v", p)
		}
		byRow[p.Row] = p
	}
	want := map[int]struct{ column, value, reason string }{
		2: {"category", "", "has 3 fields, header has 9"}, // the first column missing
		3: {"price", "ten dollars", ""},
		4: {"", "", "quote"},
		6: {"10", "", "has 11 fields, header has 9"}, // where the extra fields begin
		7: {"rating", "9 out of 5", "not a number"},
		8: {"id", "", "missing id"},
	}
	for row, w := range want {
		p, ok := byRow[row]
		if !ok {
			t.Errorf("row %d: no reject line in %s", row, rej.String())
			continue
		}
		if p.Column != w.column || p.Value != w.value || !strings.Contains(p.Reason, w.reason) {
			t.Errorf("row %d: reject %+v, want column %q value %q reason containing %q", row, p, w.column, w.value, w.reason)
		}
	}
	// What `tessera ingest` prints: what is known, nothing empty.
	for row, want := range map[int]string{
		2: "row 2, column category: line 3: has 3 fields, header has 9",
		3: `row 3, column price, value "ten dollars": `,
		8: "row 8, column id: ",
	} {
		if got := byRow[row].String(); !strings.HasPrefix(got, want) {
			t.Errorf("row %d prints %q, want it to start %q", row, got, want)
		}
	}
	if len(sum.Problems) != len(probs) {
		t.Errorf("summary keeps %d problems, rejects file has %d", len(sum.Problems), len(probs))
	}
}

func TestCorruptXLSXIsAClearError(t *testing.T) {
	db := openDB(t, t.TempDir(), "")
	junk := writeFile(t, "junk.xlsx", "this is not a zip file at all, just text pretending")
	_, err := db.Applier.IngestFile(context.Background(), junk, ingest.BulkOptions{})
	if err == nil || !strings.Contains(err.Error(), "junk.xlsx") || !strings.Contains(err.Error(), "xlsx") {
		t.Fatalf("corrupt xlsx: err = %v, want one naming the file and the format", err)
	}
	// A real workbook cut in half: the zip directory at the end is gone.
	whole := buildXLSX(t, [][]any{{"id", "title", "price"}, {"X-1", "Thing", 3.5}})
	cut := writeFile(t, "cut.xlsx", string(whole[:len(whole)/2]))
	if _, err := db.Applier.IngestFile(context.Background(), cut, ingest.BulkOptions{}); err == nil || !strings.Contains(err.Error(), "cut.xlsx") {
		t.Fatalf("truncated xlsx: err = %v", err)
	}
	if db.Collection.Len() != 0 {
		t.Fatalf("%d documents from corrupt files", db.Collection.Len())
	}
}

// buildXLSX writes rows into a one-sheet workbook with excelize.
func buildXLSX(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zipBomb rebuilds a workbook with its sheet replaced by size bytes of
// highly compressible XML; when lie is set the zip headers declare a tiny
// uncompressed size, as a hostile file would.
func zipBomb(t *testing.T, size int, lie bool) []byte {
	t.Helper()
	good := buildXLSX(t, [][]any{{"id", "title"}, {"B-1", "fine"}})
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if f.Name != "xl/worksheets/sheet1.xml" {
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
			continue
		}
		// <sheetData> with one row whose inline string is size spaces.
		head := `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>`
		tail := `</t></is></c></row></sheetData></worksheet>`
		raw := make([]byte, 0, size+len(head)+len(tail))
		raw = append(raw, head...)
		raw = append(raw, bytes.Repeat([]byte(" "), size)...)
		raw = append(raw, tail...)
		var comp bytes.Buffer
		fw, _ := flate.NewWriter(&comp, flate.BestCompression)
		fw.Write(raw)
		fw.Close()
		hdr := &zip.FileHeader{Name: f.Name, Method: zip.Deflate,
			CRC32: crc32.ChecksumIEEE(raw), CompressedSize64: uint64(comp.Len()), UncompressedSize64: uint64(len(raw))}
		if lie {
			hdr.UncompressedSize64 = 1024
		}
		w, err := zw.CreateRaw(hdr)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(comp.Bytes())
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestZipBombXLSXIsRefused(t *testing.T) {
	db := openDB(t, t.TempDir(), "")
	const size = 64 << 20 // 64 MiB of XML in well under 1 MiB of file
	opt := ingest.BulkOptions{Read: read.Options{MaxXLSXBytes: 8 << 20}}

	honest := zipBomb(t, size, false)
	if len(honest) > 1<<20 {
		t.Fatalf("bomb is %d bytes: not a bomb", len(honest))
	}
	p := writeFile(t, "bomb.xlsx", string(honest))
	_, err := db.Applier.IngestFile(context.Background(), p, opt)
	if !errors.Is(err, read.ErrTooLarge) || !strings.Contains(err.Error(), "bomb.xlsx") {
		t.Fatalf("declared-size bomb: err = %v, want read.ErrTooLarge naming the file", err)
	}

	// Headers that lie about the size: archive/zip stops at the declared
	// size, so the read fails instead of inflating 64 MiB.
	liar := writeFile(t, "liar.xlsx", string(zipBomb(t, size, true)))
	sum, err := db.Applier.IngestFile(context.Background(), liar, opt)
	if err == nil || !strings.Contains(err.Error(), "liar.xlsx") || !strings.Contains(err.Error(), "zip") {
		t.Fatalf("lying bomb: err = %v (%s), want a zip error naming the file", err, sum)
	}
	if db.Collection.Len() != 0 {
		t.Fatalf("%d documents from bombs", db.Collection.Len())
	}
}

func TestReingestIsIdempotent(t *testing.T) {
	raw := sharedtest.Path(t, "amazon-india/raw_products.csv")
	db := openDB(t, t.TempDir(), example(t, "amazon-raw.schema.yaml"))
	ctx := context.Background()
	first, err := db.Applier.IngestFile(ctx, raw, ingest.BulkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := contents(db.Collection)
	second, err := db.Applier.IngestFile(ctx, raw, ingest.BulkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, first)
	checkAccounting(t, second)
	if first.Updated != 0 || first.Ingested != 1351 {
		t.Fatalf("first ingest: %+v", first)
	}
	// Every id of the second pass is stored already, as the file leaves
	// it: an id whose repeated rows differ is written twice (its first row
	// replaces the stored document, its last one puts it back), but it is
	// accounted for by its last row, so every id is unchanged.
	if second.Read != 1465 || second.Ingested != 1351 || second.Unchanged != 1351 || second.Updated != 0 || second.Merged != 114 || second.Rejected != 0 {
		t.Fatalf("second ingest: %s (updated %d)", second, second.Updated)
	}
	if first.RepeatedIDs != second.RepeatedIDs || first.RepeatedIDs < 1 || first.RepeatedIDs > first.Merged {
		t.Fatalf("ids repeated in the file: %d then %d (merged rows %d)", first.RepeatedIDs, second.RepeatedIDs, first.Merged)
	}
	t.Logf("%s", second)
	if !strings.Contains(second.String(), fmt.Sprintf("0 new, %d updated, %d unchanged", second.Updated, second.Unchanged)) {
		t.Fatalf("summary line does not account for updates and unchanged rows: %s", second)
	}
	if db.Collection.Len() != 1351 {
		t.Fatalf("%d documents after re-ingest, want 1351", db.Collection.Len())
	}
	sameContents(t, "before/after re-ingest", before, contents(db.Collection))
}

func TestRestartKeepsEveryRow(t *testing.T) {
	raw := sharedtest.Path(t, "amazon-india/raw_products.csv")
	dir := t.TempDir()
	schema := example(t, "amazon-raw.schema.yaml")
	ctx := context.Background()

	db, err := tessera.Open(ctx, tessera.Options{DataDir: dir, SchemaPath: schema})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Applier.IngestFile(ctx, raw, ingest.BulkOptions{}); err != nil {
		t.Fatal(err)
	}
	want := contents(db.Collection)
	vocab := db.Encoder.Vocabulary()
	// No snapshot: the reopened directory must rebuild from the WAL alone.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	re, err := tessera.Open(ctx, tessera.Options{DataDir: dir})
	if err != nil {
		t.Fatalf("reopen without --schema (saved copy): %v", err)
	}
	sameContents(t, "WAL replay", want, contents(re.Collection))
	if !reflect.DeepEqual(vocab, re.Encoder.Vocabulary()) {
		t.Fatalf("learned categories not restored:\n %v\n %v", vocab, re.Encoder.Vocabulary())
	}
	// And from a snapshot.
	if err := re.Collection.Snapshot(); err != nil {
		t.Fatal(err)
	}
	re.Close()
	again := openDB(t, dir, "")
	sameContents(t, "snapshot load", want, contents(again.Collection))
	// New rows after the restart encode against the same category slots.
	if _, err := again.Applier.IngestFile(ctx, raw, ingest.BulkOptions{}); err != nil {
		t.Fatal(err)
	}
	sameContents(t, "re-ingest after restart", want, contents(again.Collection))
}

func TestProgressIsReported(t *testing.T) {
	db := openDB(t, t.TempDir(), "")
	var b strings.Builder
	b.WriteString(demoHeader)
	for i := range 1000 {
		b.WriteString(demoRow(fmt.Sprintf("P-%04d", i), "Item", "9.99"))
	}
	path := writeFile(t, "many.csv", b.String())
	var seen []ingest.Progress
	sum, err := db.Applier.IngestFile(context.Background(), path, ingest.BulkOptions{
		BatchSize: 100, Progress: func(p ingest.Progress) { seen = append(seen, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Ingested != 1000 || len(seen) < 10 {
		t.Fatalf("%+v, %d progress calls, want ≥ 10", sum, len(seen))
	}
	for i, p := range seen[:10] {
		if p.Read != (i+1)*100 {
			t.Fatalf("progress %d: read %d", i, p.Read)
		}
	}
	if last := seen[len(seen)-1]; last.Fraction != 1 || last.Read != 1000 {
		t.Fatalf("last progress %+v, want all 1000 rows and fraction 1", last)
	}
}

func TestSchemaIngestSheetIsTheDefault(t *testing.T) {
	schema := string(datasets.DemoSchema()) + "ingest: {sheet: data}\n"
	dir := t.TempDir()
	db, err := tessera.Open(context.Background(), tessera.Options{DataDir: dir, Schema: []byte(schema)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := excelize.NewFile()
	f.NewSheet("data")
	rows := [][]any{
		{"id", "title", "description", "category", "brand", "price", "rating", "review_count", "added_at"},
		{"S-1", "From the data sheet", "d", "Books", "Acme", 4.5, 4.0, 3, "2026-01-02T03:04:05Z"},
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("data", cell, &row)
	}
	f.SetCellValue("Sheet1", "A1", "not the data")
	p := filepath.Join(t.TempDir(), "two-sheets.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	sum, err := db.Applier.IngestFile(context.Background(), p, ingest.BulkOptions{})
	if err != nil || sum.Ingested != 1 {
		t.Fatalf("sheet from the schema's ingest options: %+v %v", sum, err)
	}
	if r, ok := db.Collection.Get("S-1"); !ok || r.Fields["price"] != 4.5 {
		t.Fatalf("S-1: %+v", r)
	}
}

// BenchmarkIngestPipeline runs the built-in demo catalogue, repeated with
// fresh ids, through IngestFile end to end (parse → clean → encode →
// commit, fsync on); it reports rows/s.
func BenchmarkIngestPipeline(b *testing.B) {
	const rows = 20_000
	src := strings.SplitAfter(string(datasets.DemoCatalogue()), "\n")
	header, data := src[0], src[1:]
	if data[len(data)-1] == "" {
		data = data[:len(data)-1]
	}
	var sb strings.Builder
	sb.WriteString(header)
	for i := range rows {
		line := data[i%len(data)]
		id, rest, _ := strings.Cut(line, ",")
		fmt.Fprintf(&sb, "%s~%d,%s", id, i/len(data), rest)
	}
	path := filepath.Join(b.TempDir(), "demo-scaled.csv")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	emb, err := tessera.NewEmbedder("", openai.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := tessera.Open(context.Background(), tessera.Options{DataDir: b.TempDir(), Embedder: emb})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		sum, err := db.Applier.IngestFile(context.Background(), path, ingest.BulkOptions{})
		if err != nil || sum.Ingested != rows {
			b.Fatalf("%s %v", sum, err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestXLSXExpansionAndEmptyAreFailures: a workbook that unpacks beyond the
// limit (the server passes its upload limit) fails before it is unpacked,
// and one with a header and no rows fails instead of reporting "done".
func TestXLSXExpansionAndEmptyAreFailures(t *testing.T) {
	db := openDB(t, t.TempDir(), "")
	// The audit's shape: a header cell of millions of spaces, a few KB
	// zipped; it used to end "done" with 0 rows.
	bomb := zipBomb(t, 4<<20, false)
	path := writeFile(t, "bomb.xlsx", string(bomb))
	_, err := db.Applier.IngestFile(context.Background(), path, ingest.BulkOptions{Read: read.Options{MaxXLSXBytes: 1 << 20}})
	if !errors.Is(err, read.ErrTooLarge) {
		t.Fatalf("a %d-byte workbook unpacking to 4 MB under a 1 MB limit: %v", len(bomb), err)
	}
	// Within the expansion limit, its 4 MB cell is past the reader's cell
	// size limit (1 MiB; Excel's own is 32,767 characters).
	if _, err := db.Applier.IngestFile(context.Background(), path, ingest.BulkOptions{}); !errors.Is(err, read.ErrTooLarge) || !strings.Contains(err.Error(), "cell size limit") {
		t.Fatalf("the same workbook within the expansion limit: %v, want ErrTooLarge naming the cell size limit", err)
	}
	// A header cell of 512 KB of spaces is a blank header: no rows.
	blank := writeFile(t, "blank.xlsx", string(zipBomb(t, 512<<10, false)))
	if _, err := db.Applier.IngestFile(context.Background(), blank, ingest.BulkOptions{}); !errors.Is(err, ingest.ErrNoRows) {
		t.Fatalf("a blank header of spaces: %v, want ErrNoRows", err)
	}
	empty := writeFile(t, "empty.xlsx", string(buildXLSX(t, [][]any{{"id", "title", "price"}})))
	sum, err := db.Applier.IngestFile(context.Background(), empty, ingest.BulkOptions{})
	if !errors.Is(err, ingest.ErrNoRows) || sum.Read != 0 {
		t.Fatalf("header-only workbook: %v (%d read)", err, sum.Read)
	}
}

// TestBulkReservesTheFile: a file's new rows get their room in the graph
// early (projected from the share read), not a quarter at a time; a
// re-ingested file, all updates, reserves nothing more.
func TestBulkReservesTheFile(t *testing.T) {
	db := openDB(t, t.TempDir(), "")
	// 4,000 rows of about 1 KB: the projection waits for 1 MiB of rows.
	const rows = 4000
	var b strings.Builder
	b.WriteString(demoHeader)
	pad := strings.Repeat(" wireless", 110)
	for i := range rows {
		b.WriteString(demoRow(fmt.Sprintf("P-%05d", i), fmt.Sprintf("Item %d%s", i, pad), "9.99"))
	}
	path := writeFile(t, "many.csv", b.String())
	capAt := map[int]int{}
	sum, err := db.Applier.IngestFile(context.Background(), path, ingest.BulkOptions{
		BatchSize: 200, Progress: func(p ingest.Progress) { capAt[p.Read] = db.Collection.Capacity() }})
	if err != nil || sum.Ingested != rows {
		t.Fatalf("%s %v", sum, err)
	}
	// By the time half of the rows are in, the room for all of them is
	// there: growing by a quarter from 2,000 rows gives at most about 2,500.
	if c := capAt[rows/2]; c < rows || c > rows*13/10 {
		t.Fatalf("capacity %d after %d of %d rows; want the whole file reserved (≤ 1.3×)", c, rows/2, rows)
	}
	final := db.Collection.Capacity()
	if _, err := db.Applier.IngestFile(context.Background(), path, ingest.BulkOptions{BatchSize: 200}); err != nil {
		t.Fatal(err)
	}
	if got := db.Collection.Capacity(); got != final {
		t.Fatalf("re-ingesting the same file moved the capacity %d → %d", final, got)
	}
}
