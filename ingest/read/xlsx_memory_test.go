package read

import (
	"archive/zip"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// hostileWorkbook writes a workbook whose parts come from the given
// writers (streamed through fast deflate, so a few hundred MB of XML make
// a file of a few MB) and returns its path.
func hostileWorkbook(t *testing.T, sharedStrings, sheet func(w io.Writer)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hostile.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	// The small parts come from the hand-built test workbook.
	src := buildXLSX(t, []string{"S"}, []string{""}, false)
	rewriteWorkbook(t, zw, src, zip.Deflate, sharedStrings, sheet)
	return path
}

// peakHeap runs fn while sampling the live heap every millisecond and
// returns the highest growth over the heap before fn started.
func peakHeap(fn func()) (peak uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var max atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		var s runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&s)
				if s.HeapAlloc > max.Load() {
					max.Store(s.HeapAlloc)
				}
			}
		}
	}()
	fn()
	close(stop)
	<-done
	if m := max.Load(); m > base {
		return m - base
	}
	return 0
}

// headerRow writes sheet row 1: one column, "name".
func headerRow(w io.Writer) {
	io.WriteString(w, `<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>`)
}

// TestXLSXMemoryBound feeds workbooks built to make a reader hold a lot —
// a shared-strings table of hundreds of MB, one enormous cell, a row of
// 16,384 wide cells — each well inside the 1 GiB expansion limit, and
// requires that the reader's heap stays under 256 MB and that the limit
// it hit is named.
func TestXLSXMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads several hundred MB of XML; skipped with -short")
	}
	const budget = 256 << 20
	chunk := strings.Repeat("x", 1000)
	cases := []struct {
		name          string
		sharedStrings func(io.Writer)
		sheet         func(io.Writer)
		want          string // in the fatal or row error, or else the value read
	}{
		// Read in full: past 32 MiB the table moves to a temporary file.
		{"100 MB of shared strings", func(w io.Writer) {
			for i := 0; i < 100_000; i++ {
				fmt.Fprintf(w, "<si><t>%d %s</t></si>", i, chunk)
			}
		}, func(w io.Writer) {
			headerRow(w)
			io.WriteString(w, `<row r="2"><c r="A2" t="s"><v>99999</v></c></row>`)
		}, "99999 xxx"},
		{"one 300 MB cell", func(io.Writer) {}, func(w io.Writer) {
			headerRow(w)
			io.WriteString(w, `<row r="2"><c r="A2" t="inlineStr"><is><t>`)
			for i := 0; i < 300_000; i++ {
				io.WriteString(w, chunk)
			}
			io.WriteString(w, `</t></is></c></row>`)
		}, "cell size limit"},
		{"16384 cells of 1.1 KB in one row", func(io.Writer) {}, func(w io.Writer) {
			headerRow(w)
			io.WriteString(w, `<row r="2">`)
			cell := chunk + strings.Repeat("y", 100)
			for i := 0; i < 16384; i++ {
				fmt.Fprintf(w, `<c t="inlineStr"><is><t>%s</t></is></c>`, cell)
			}
			io.WriteString(w, `</row><row r="3"><c r="A3" t="inlineStr"><is><t>after</t></is></c></row>`)
		}, "row size limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := hostileWorkbook(t, c.sharedStrings, c.sheet)
			var errs []error
			var values []string
			start := time.Now()
			peak := peakHeap(func() {
				r, err := Open(path, Options{})
				if err != nil {
					errs = append(errs, err)
					return
				}
				defer r.Close()
				for {
					rec, err := r.Next(context.Background())
					if err == nil {
						values = append(values, fmt.Sprint(rec.Values["name"]))
					}
					if errors.Is(err, io.EOF) {
						return
					}
					if err != nil {
						errs = append(errs, err)
						var re *RowError
						if !errors.As(err, &re) {
							return
						}
					}
				}
			})
			t.Logf("peak heap growth %d MB in %v; errors %v", peak>>20, time.Since(start).Round(time.Millisecond), errs)
			if peak > budget {
				t.Errorf("reader held %d MB at its peak, budget %d MB", peak>>20, budget>>20)
			}
			if !strings.Contains(fmt.Sprint(errs, values), c.want) {
				t.Errorf("errors %v, values %.40q: want %q in them", errs, values, c.want)
			}
		})
	}
}
