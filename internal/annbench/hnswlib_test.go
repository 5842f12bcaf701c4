package annbench

import (
	"context"
	"os"
	"os/exec"
	"testing"
)

func hnswlibPython(t *testing.T) string {
	t.Helper()
	py := os.Getenv("TESSERA_HNSWLIB_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	if err := exec.Command(py, "-c", "import hnswlib, numpy").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s cannot import hnswlib (bash .ci/hnswlib.sh installs it): %v", py, err)
		}
		t.Skipf("%s cannot import hnswlib; bash .ci/hnswlib.sh installs it", py)
	}
	return py
}

// TestHNSWLibComparison runs the whole comparison small: hnswlib is built
// and searched on the exported data, its recall is computed against the
// same truth, and the ratios at the recall targets come out.
func TestHNSWLibComparison(t *testing.T) {
	cfg := DefaultConfig()
	cfg.N, cfg.Dim, cfg.Queries, cfg.Set = 3000, 32, 100, SetAnisotropic
	cfg.Efs = []int{16, 64, 256}
	cfg.Repeats, cfg.Baseline = 1, false
	cfg.HNSWLib = hnswlibPython(t)
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.HNSWLib == nil || len(rep.HNSWLib.Results) != 3 {
		t.Fatalf("no hnswlib figures: %+v", rep.HNSWLib)
	}
	// Both engines find nearly everything with a wide search on 3,000
	// rows; a wrong id mapping or metric would give recall near 0.
	for _, r := range []*IndexReport{&rep.IndexReport, rep.HNSWLib} {
		if got := r.Results[2].Recall; got < 0.98 {
			t.Errorf("%s: recall@10 at ef 256 = %.3f", r.Name, got)
		}
	}
	if len(rep.VsHNSWLib) != len(RatioRecalls) {
		t.Fatalf("ratios %+v", rep.VsHNSWLib)
	}
	for _, x := range rep.VsHNSWLib {
		if x.Ratio <= 0 {
			t.Errorf("recall %.2f: no ratio (%+v)", x.Recall, x)
		}
	}
}

// TestAnisotropicIsHarder: the anisotropic set needs a wider search than
// the clustered one for the same recall, which is its purpose.
func TestAnisotropicIsHarder(t *testing.T) {
	recallAtEf16 := func(set string) float64 {
		cfg := DefaultConfig()
		cfg.N, cfg.Dim, cfg.Queries, cfg.Set = 4000, 64, 100, set
		cfg.Efs, cfg.Repeats, cfg.Baseline = []int{16}, 1, false
		rep, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return rep.Results[0].Recall
	}
	clustered, aniso := recallAtEf16(SetClustered), recallAtEf16(SetAnisotropic)
	t.Logf("recall@10 at ef 16: clustered %.3f, anisotropic %.3f", clustered, aniso)
	if aniso > clustered-0.03 {
		t.Fatalf("anisotropic recall %.3f is not clearly below clustered %.3f", aniso, clustered)
	}
}

func TestQPSAtRecall(t *testing.T) {
	pts := []Point{{Recall: 0.90, QPS: 1000}, {Recall: 0.98, QPS: 100}, {Recall: 0.995, QPS: 50}}
	if got := qpsAtRecall(pts, 0.94); got < 310 || got > 320 { // exp(mid of ln 1000, ln 100) = 316
		t.Fatalf("interpolated QPS %.1f, want 316", got)
	}
	if got := qpsAtRecall(pts, 0.85); got != 1000 {
		t.Fatalf("below the sweep: %.1f", got)
	}
	if got := qpsAtRecall(pts, 0.999); got != 0 {
		t.Fatalf("never reached: %.1f", got)
	}
}
