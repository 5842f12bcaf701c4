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
	"time"

	"github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/internal/annbench"
	"github.com/tessera-search/tessera/spaces"
)

// benchIndexCmd runs `tessera-bench index`: it builds Tessera's HNSW graph
// (and coder/hnsw as a baseline) on synthetic clustered vectors or TEXMEX
// files and reports recall@10, single-thread QPS, latency, allocations,
// build rate (single-threaded and with AddBatch on every core), memory and
// save/load speed.
func benchIndexCmd(ctx context.Context, args []string, stdout io.Writer) error {
	def := annbench.DefaultConfig()
	fs := newFlags("index", stdout)
	n := fs.Int("n", def.N, "synthetic base vectors")
	dim := fs.Int("dim", def.Dim, "synthetic dimension")
	set := fs.String("set", annbench.SetClustered, "synthetic set: clustered (tight clusters; easy) or anisotropic (one low-rank cloud; 0.95 recall needs a large ef)")
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
	hnswlib := fs.String("hnswlib", "", "also measure hnswlib with this Python interpreter (Debian: apt-get install python3-hnswlib; then /usr/bin/python3) and print the QPS ratio at recall 0.95 and 0.99")
	repeats := fs.Int("repeats", def.Repeats, "timed passes per ef (medians reported)")
	verbose := fs.Bool("v", false, "log progress to stderr")
	fromData := fs.String("from-data", "", "measure reweighted recall on the vectors of this data directory (stop its server first) instead")
	orderBook := fs.Int("orderbook", 0, "measure reweighted recall on a generated duplicate-heavy order book of this many lines instead")
	classQueries := fs.Int("class-queries", 200, "with --from-data or --orderbook: queries per weight class")
	searchEf := fs.Int("search-ef", 0, "with --from-data or --orderbook: ef for every search (0: the schema's, widened per query)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	if *fromData != "" || *orderBook > 0 {
		rc := annbench.ReweightConfig{Queries: *classQueries, Ef: *searchEf, Seed: *seed}
		return benchReweighted(ctx, *fromData, *orderBook, rc, *asJSON, stdout)
	}
	cfg := def
	cfg.N, cfg.Dim, cfg.Queries, cfg.M, cfg.EfConstruction, cfg.Set = *n, *dim, *queries, *m, *efc, *set
	cfg.Seed, cfg.BaseFile, cfg.QueriesFile, cfg.TruthFile = *seed, *base, *qfile, *truth
	cfg.ExportDir, cfg.Baseline, cfg.Repeats, cfg.HNSWLib = *export, *baseline, *repeats, *hnswlib
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

// benchReweighted measures recall@10 of reweighted queries against exact
// search, per weight class, on a data directory's vectors (dir) or on a
// generated order book of orderBook lines.
func benchReweighted(ctx context.Context, dir string, orderBook int, rc annbench.ReweightConfig, asJSON bool, stdout io.Writer) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts := tessera.Options{DataDir: dir, EmbedderKind: "builtin", Logger: quiet, NoSync: true}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "tessera-bench-orderbook-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		opts.DataDir, opts.Schema = tmp, []byte(annbench.OrderBookSchema)
		opts.Clock = func() time.Time { return annbench.OrderBookNow }
	}
	db, err := tessera.Open(ctx, opts)
	if err != nil {
		return fmt.Errorf("bench index: %w", err)
	}
	defer db.Close()
	if dir == "" {
		recs, err := annbench.EncodeRecords(ctx, db.Encoder, annbench.OrderBook(orderBook, max(1, orderBook/11), rc.Seed), "id")
		if err != nil {
			return fmt.Errorf("bench index: %w", err)
		}
		if _, err := db.Collection.Apply(ctx, recs, nil); err != nil {
			return fmt.Errorf("bench index: %w", err)
		}
	}
	db.Collection.WaitIndexed(time.Hour)
	for _, f := range db.Schema.Filters {
		if fd := db.Schema.Fields[f]; fd != nil && (fd.Type == spaces.TypeCategory || fd.Type == spaces.TypeText) {
			rc.FilterFields = append(rc.FilterFields, f)
		}
	}
	rep, err := annbench.Reweighted(ctx, db.Encoder, db.Collection, rc)
	if err != nil {
		return fmt.Errorf("bench index: %w", err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "\nfilters: one of %v equal to a random row's value; weights: default = the schema's, random = each space in [-2, 5], single = one space 1 and the others 0, negative = one space in [-2, -0.5]; %d CPUs\n", rc.FilterFields, runtime.NumCPU())
	return err
}
