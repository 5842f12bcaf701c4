package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/tessera-search/tessera/index/annbench"
)

// benchIndexCmd runs `tessera bench index`: it builds Tessera's HNSW graph
// (and coder/hnsw as a baseline) on synthetic clustered vectors or TEXMEX
// files and reports recall@10, single-thread QPS, latency, allocations,
// build rate (single-threaded and with AddBatch on every core), memory and
// save/load speed.
func benchIndexCmd(ctx context.Context, args []string, stdout io.Writer) error {
	def := annbench.DefaultConfig()
	fs := newFlags("bench index", stdout)
	n := fs.Int("n", def.N, "synthetic base vectors")
	dim := fs.Int("dim", def.Dim, "synthetic dimension")
	queries := fs.Int("queries", def.Queries, "queries (caps a --queries-file)")
	m := fs.Int("m", def.M, "HNSW M (layer 0 keeps 2M links)")
	efc := fs.Int("efc", def.EfConstruction, "efConstruction")
	efs := fs.String("ef", "16,32,64,128,256", "comma-separated ef values to sweep")
	seed := fs.Int64("seed", def.Seed, "random seed for data and levels")
	base := fs.String("base", "", "base vectors (.fvecs or .bvecs) instead of synthetic data")
	qfile := fs.String("queries-file", "", "query vectors (.fvecs or .bvecs), with --base")
	truth := fs.String("truth", "", "ground truth (.ivecs, ids = base row numbers); computed exactly when omitted")
	rows := fs.String("rows", "", "base row range START:END to index (ids stay row numbers), e.g. 100:10000")
	metric := fs.String("metric", "ip", "ip (inner product) or l2 (Euclidean, computed directly)")
	export := fs.String("export", "", "write base.fvecs, queries.fvecs, truth.ivecs to this directory")
	asJSON := fs.Bool("json", false, "print JSON")
	baseline := fs.Bool("baseline", true, "also measure coder/hnsw v0.6.1")
	repeats := fs.Int("repeats", def.Repeats, "timed passes per ef (medians reported)")
	verbose := fs.Bool("v", false, "log progress to stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := def
	cfg.N, cfg.Dim, cfg.Queries, cfg.M, cfg.EfConstruction = *n, *dim, *queries, *m, *efc
	cfg.Seed, cfg.BaseFile, cfg.QueriesFile, cfg.TruthFile = *seed, *base, *qfile, *truth
	cfg.ExportDir, cfg.Baseline, cfg.Repeats = *export, *baseline, *repeats
	cfg.Efs = cfg.Efs[:0]
	for _, s := range strings.Split(*efs, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || v <= 0 {
			return fmt.Errorf("bench index: --ef: %q is not a positive integer", s)
		}
		cfg.Efs = append(cfg.Efs, v)
	}
	switch *metric {
	case "ip":
	case "l2":
		cfg.L2 = true
	default:
		return fmt.Errorf("bench index: --metric %q: want ip or l2", *metric)
	}
	if *rows != "" {
		a, b, ok := strings.Cut(*rows, ":")
		start, err1 := strconv.Atoi(a)
		end := -1
		var err2 error
		if b != "" {
			end, err2 = strconv.Atoi(b)
		}
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("bench index: --rows %q: want START:END", *rows)
		}
		cfg.BaseStart, cfg.BaseEnd = start, end
	}
	if *verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	rep, err := annbench.Run(ctx, cfg)
	if err != nil {
		return fmt.Errorf("bench index: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "\nsearch timings are single-threaded on %d CPUs; medians of %d passes; the parallel build uses GOMAXPROCS workers\n", runtime.NumCPU(), cfg.Repeats)
	return err
}
