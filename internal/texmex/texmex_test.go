package texmex

import (
	"bytes"
	"context"
	"errors"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestBigannFiles(t *testing.T) {
	dir := sharedtest.Path(t, "bigann10k")
	ctx := context.Background()
	base, err := ReadFloats(ctx, filepath.Join(dir, "bigann10k_base.bvecs"), 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if base.Dim != 128 || base.Rows() != 10000 {
		t.Fatalf("base: dim %d rows %d", base.Dim, base.Rows())
	}
	queries, err := ReadFloats(ctx, filepath.Join(dir, "bigann10k_query.bvecs"), 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if queries.Dim != 128 || queries.Rows() != 100 {
		t.Fatalf("queries: dim %d rows %d", queries.Dim, queries.Rows())
	}
	// A row range returns exactly the same rows as a full read.
	part, err := ReadFloats(ctx, filepath.Join(dir, "bigann10k_base.bvecs"), 100, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if part.Rows() != 9900 || !slices.Equal(part.Row(0), base.Row(100)) || !slices.Equal(part.Row(9899), base.Row(9999)) {
		t.Fatal("row range does not match the full read")
	}
	truth, err := ReadInts(ctx, filepath.Join(dir, "bigann10k_heldout_groundtruth.ivecs"), 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if truth.Rows() != 100 || truth.Dim != 100 {
		t.Fatalf("truth: dim %d rows %d", truth.Dim, truth.Rows())
	}
	// The held-out ground truth is the exact L2 top-100 over rows 100..9999:
	// recompute it for a few queries (comparing distances, which are
	// integers for uint8 data, so ties cannot flip the check).
	for qi := range 5 {
		q := queries.Row(qi)
		dists := make([]float64, 0, 9900)
		for i := 100; i < 10000; i++ {
			dists = append(dists, l2(q, base.Row(i)))
		}
		sort.Float64s(dists)
		for j, id := range truth.Row(qi)[:10] {
			if id < 100 || id >= 10000 {
				t.Fatalf("query %d: truth id %d outside rows 100..9999", qi, id)
			}
			if got := l2(q, base.Row(int(id))); got != dists[j] {
				t.Fatalf("query %d rank %d: id %d distance %v, exact %v", qi, j, id, got, dists[j])
			}
		}
	}
}

func l2(a, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return s
}

func TestWriteReadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	m := Matrix{Dim: 3, Data: []float32{1, 2, 3, -4.5, 5e-7, 6, 7, 8, 9e9}}
	fp := filepath.Join(dir, "x.fvecs")
	if err := WriteFvecs(fp, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFloats(context.Background(), fp, 1, -1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Dim != 3 || !slices.Equal(got.Data, m.Data[3:]) {
		t.Fatalf("fvecs round trip = %+v", got)
	}
	im := IntMatrix{Dim: 2, Data: []int32{1, -2, 3, 1 << 30}}
	ip := filepath.Join(dir, "x.ivecs")
	if err := WriteIvecs(ip, im); err != nil {
		t.Fatal(err)
	}
	gi, err := ReadInts(context.Background(), ip, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gi.Data, im.Data[:2]) {
		t.Fatalf("ivecs round trip = %+v", gi)
	}
	// Streaming reader over the same bytes.
	raw, _ := os.ReadFile(fp)
	r := NewReader(bytes.NewReader(raw), Fvecs)
	var rows int
	for {
		row, err := r.Floats(nil)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(row, m.Row(rows)) {
			t.Fatalf("row %d = %v", rows, row)
		}
		rows++
	}
	if rows != 3 || r.Dim() != 3 {
		t.Fatalf("streamed %d rows, dim %d", rows, r.Dim())
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	fp := filepath.Join(dir, "x.fvecs")
	if err := WriteFvecs(fp, Matrix{Dim: 4, Data: make([]float32, 8)}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(fp)
	cut := filepath.Join(dir, "cut.fvecs")
	os.WriteFile(cut, raw[:len(raw)-3], 0o644)
	if _, err := ReadFloats(context.Background(), cut, 0, -1); err == nil || !strings.Contains(err.Error(), "not a multiple") {
		t.Fatalf("truncated file error = %v", err)
	}
	if _, err := ReadFloats(context.Background(), fp, 0, 5); err == nil || !strings.Contains(err.Error(), "outside 2 rows") {
		t.Fatalf("range error = %v", err)
	}
	if _, err := ReadFloats(context.Background(), filepath.Join(dir, "x.txt"), 0, -1); err == nil {
		t.Fatal("unknown extension accepted")
	}
	// Streaming: a partial row is an error, not a silent EOF.
	r := NewReader(bytes.NewReader(raw[:len(raw)-3]), Fvecs)
	if _, err := r.Floats(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Floats(nil); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("partial row error = %v", err)
	}
	bad := []byte{0xff, 0xff, 0xff, 0x7f}
	if _, err := NewReader(bytes.NewReader(bad), Fvecs).Floats(nil); err == nil || !strings.Contains(err.Error(), "invalid dimension") {
		t.Fatalf("bad dimension error = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadFloats(ctx, fp, 0, -1); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled read error = %v", err)
	}
}
