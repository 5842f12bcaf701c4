package annbench

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tessera-search/tessera/internal/texmex"
)

func datasets(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "datasets", "bigann10k")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("bigann10k data set missing at %s", p)
		}
		t.Skipf("bigann10k data set not found at %s", p)
	}
	return p
}

// TestBigann10k indexes base rows 100..9999 under their row numbers with
// the L2 metric and checks recall@10 against the held-out ground truth.
func TestBigann10k(t *testing.T) {
	dir := datasets(t)
	cfg := DefaultConfig()
	cfg.BaseFile = filepath.Join(dir, "bigann10k_base.bvecs")
	cfg.QueriesFile = filepath.Join(dir, "bigann10k_query.bvecs")
	cfg.TruthFile = filepath.Join(dir, "bigann10k_heldout_groundtruth.ivecs")
	cfg.BaseStart, cfg.BaseEnd = 100, 10000
	cfg.L2 = true
	cfg.Efs = []int{64, 128}
	cfg.Baseline = false
	cfg.Repeats = 1
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.N != 9900 || rep.Queries != 100 || rep.Dim != 128 {
		t.Fatalf("data set shape %d×%d, %d queries", rep.N, rep.Dim, rep.Queries)
	}
	for _, p := range rep.Results {
		t.Logf("bigann10k ef=%d recall@10=%.4f qps=%.0f allocs=%.1f", p.Ef, p.Recall, p.QPS, p.AllocsPerQuery)
	}
	if r := rep.Results[1].Recall; r < 0.99 {
		t.Fatalf("bigann10k recall@10 at ef=128 = %.4f, want >= 0.99", r)
	}
}

// TestSyntheticWithBaselineAndExport runs the whole harness small: both
// libraries, JSON keys, and the exported files read back.
func TestSyntheticWithBaselineAndExport(t *testing.T) {
	cfg := DefaultConfig()
	cfg.N, cfg.Dim, cfg.Queries = 3000, 32, 50
	cfg.Efs = []int{32, 128}
	cfg.Repeats = 1
	cfg.ExportDir = t.TempDir()
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Baseline == nil || len(rep.Baseline.Results) != 2 || len(rep.Results) != 2 {
		t.Fatalf("report incomplete: %+v", rep)
	}
	if r := rep.Results[1].Recall; r < 0.95 {
		t.Fatalf("tessera recall@10 at ef=128 = %.4f", r)
	}
	if rep.BuildPerS <= 0 || rep.BytesPerVector < 4*32 || rep.LoadMBps <= 0 {
		t.Fatalf("implausible build/memory/load figures: %+v", rep.IndexReport)
	}
	raw, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"recall_at_10"`, `"qps"`, `"p99_us"`, `"build_per_s"`, `"bytes_per_vector"`, `"baseline":{`} {
		if !strings.Contains(string(raw), key) {
			t.Fatalf("JSON lacks %s: %s", key, raw)
		}
	}
	base, err := texmex.ReadFloats(context.Background(), filepath.Join(cfg.ExportDir, "base.fvecs"), 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := texmex.ReadInts(context.Background(), filepath.Join(cfg.ExportDir, "truth.ivecs"), 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if base.Rows() != 3000 || base.Dim != 32 || truth.Rows() != 50 || truth.Dim != 100 {
		t.Fatalf("exported shapes: base %d×%d truth %d×%d", base.Rows(), base.Dim, truth.Rows(), truth.Dim)
	}
	var sb strings.Builder
	if err := rep.WriteText(&sb); err != nil || !strings.Contains(sb.String(), "coder/hnsw") {
		t.Fatalf("text report: %v\n%s", err, sb.String())
	}
}
