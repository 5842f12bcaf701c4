package read

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

// genReader produces a CSV or NDJSON file of n rows on the fly, so the test
// itself holds no file in memory.
type genReader struct {
	n, i   int
	ndjson bool
	buf    bytes.Buffer
}

func (g *genReader) Read(p []byte) (int, error) {
	for g.buf.Len() < len(p) && g.i <= g.n {
		switch {
		case g.i == 0 && !g.ndjson:
			g.buf.WriteString("id,title,price,rating,category,description\n")
		case g.i == 0:
		case g.ndjson:
			fmt.Fprintf(&g.buf, `{"id":%d,"title":"Product %d","price":"₹%d","rating":4.%d,"category":"A|B|C","description":"Some text, with commas"}`+"\n", g.i, g.i, 1000+g.i, g.i%10)
		default:
			fmt.Fprintf(&g.buf, "%d,Product %d,\"₹1,%03d\",4.%d,A|B|C,\"Some text, with commas\"\n", g.i, g.i, g.i%1000, g.i%10)
		}
		g.i++
	}
	if g.buf.Len() == 0 {
		return 0, io.EOF
	}
	return g.buf.Read(p)
}

// TestCSVStreamsInConstantMemory reads 200k generated rows and checks that
// the live heap stays flat and allocation per row stays small.
func TestCSVStreamsInConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 200k rows")
	}
	const rows = 200_000
	r, err := New(&genReader{n: rows}, "gen.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var maxHeap uint64
	ctx := context.Background()
	n := 0
	for {
		rec, err := r.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if rec.Values["id"] != strconv.Itoa(n) {
			t.Fatalf("row %d id %v", n, rec.Values["id"])
		}
		if n%50_000 == 0 {
			var m runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m)
			maxHeap = max(maxHeap, m.HeapAlloc)
		}
	}
	runtime.ReadMemStats(&after)
	if n != rows {
		t.Fatalf("%d rows, want %d", n, rows)
	}
	perRow := float64(after.TotalAlloc-before.TotalAlloc) / rows
	t.Logf("%.0f bytes allocated per row, live heap at most %d KiB", perRow, maxHeap>>10)
	if perRow > 2048 {
		t.Errorf("%.0f bytes allocated per row, want ≤ 2048", perRow)
	}
	if maxHeap > before.HeapAlloc+16<<20 {
		t.Errorf("live heap grew to %d bytes from %d: not streaming", maxHeap, before.HeapAlloc)
	}
}

func drain(b *testing.B, r Reader) int {
	ctx := context.Background()
	n := 0
	for {
		_, err := r.Next(ctx)
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
}

func benchmarkGen(b *testing.B, name string, ndjson bool) {
	const rows = 50_000
	b.ReportAllocs()
	total := 0
	for b.Loop() {
		r, err := New(&genReader{n: rows, ndjson: ndjson}, name, Options{})
		if err != nil {
			b.Fatal(err)
		}
		total += drain(b, r)
		r.Close()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkCSV(b *testing.B)    { benchmarkGen(b, "gen.csv", false) }
func BenchmarkNDJSON(b *testing.B) { benchmarkGen(b, "gen.ndjson", true) }

// BenchmarkXLSX reads a 50k-row workbook written with excelize's stream
// writer (shared strings and numbers, as spreadsheet programs save).
func BenchmarkXLSX(b *testing.B) {
	const rows = 50_000
	path := filepath.Join(b.TempDir(), "bench.xlsx")
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	sw.SetRow("A1", []any{"id", "title", "price", "rating", "category"})
	for i := 1; i <= rows; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		sw.SetRow(cell, []any{i, "Product " + strconv.Itoa(i), 1000.5 + float64(i), 4.5, "A|B|C"})
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	f.Close()
	st, _ := os.Stat(path)
	b.ReportAllocs()
	b.SetBytes(st.Size())
	total := 0
	for b.Loop() {
		r, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		total += drain(b, r)
		r.Close()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "rows/s")
}
