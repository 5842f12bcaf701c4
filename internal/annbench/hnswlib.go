package annbench

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
)

// hnswlibScript measures hnswlib (the C++ library behind most HNSW
// deployments, through its Python binding) on the exported data set.
//
//go:embed hnswlib_bench.py
var hnswlibScript []byte

// benchHNSWLib runs hnswlibScript with python on the data set in dir and
// returns its figures: build rate and, per ef, recall@10 and single-thread
// QPS (one batch call over all queries, so no per-query Python overhead).
func benchHNSWLib(ctx context.Context, python, dir string, cfg Config, firstID int) (*IndexReport, error) {
	script := filepath.Join(dir, "hnswlib_bench.py")
	if err := os.WriteFile(script, hnswlibScript, 0o644); err != nil {
		return nil, fmt.Errorf("annbench: hnswlib: %w", err)
	}
	args, _ := json.Marshal(map[string]any{"dir": dir, "space": map[bool]string{true: "l2", false: "ip"}[cfg.L2],
		"m": cfg.M, "efc": cfg.EfConstruction, "seed": cfg.Seed, "efs": cfg.Efs, "repeats": cfg.Repeats, "first_id": firstID})
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, script, string(args))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("annbench: hnswlib with %s: %w\n%s(install it with: apt-get install python3-hnswlib)", python, err, stderr.Bytes())
	}
	var rep IndexReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return nil, fmt.Errorf("annbench: hnswlib output: %w", err)
	}
	return &rep, nil
}

// Ratio compares Tessera with hnswlib at one recall target.
type Ratio struct {
	Recall float64 `json:"recall_at_10"`
	// QPS of each engine at that recall, interpolated between the ef
	// sweep's points (0 when the sweep never reached it).
	TesseraQPS float64 `json:"tessera_qps"`
	HNSWLibQPS float64 `json:"hnswlib_qps"`
	Ratio      float64 `json:"ratio"` // Tessera over hnswlib; > 1 is faster
}

// RatioRecalls are the recall targets the comparison is reported at.
var RatioRecalls = []float64{0.95, 0.99}

// qpsAtRecall interpolates QPS at a recall target along an ef sweep
// (linear in recall, log-linear in QPS between the two points around it).
func qpsAtRecall(points []Point, target float64) float64 {
	for i, p := range points {
		if p.Recall < target {
			continue
		}
		if i == 0 || points[i-1].Recall >= p.Recall {
			return p.QPS
		}
		a := points[i-1]
		t := (target - a.Recall) / (p.Recall - a.Recall)
		return math.Exp(math.Log(a.QPS) + t*(math.Log(p.QPS)-math.Log(a.QPS)))
	}
	return 0
}

func ratios(ours, theirs []Point) []Ratio {
	var out []Ratio
	for _, r := range RatioRecalls {
		x := Ratio{Recall: r, TesseraQPS: qpsAtRecall(ours, r), HNSWLibQPS: qpsAtRecall(theirs, r)}
		if x.TesseraQPS > 0 && x.HNSWLibQPS > 0 {
			x.Ratio = x.TesseraQPS / x.HNSWLibQPS
		}
		out = append(out, x)
	}
	return out
}
