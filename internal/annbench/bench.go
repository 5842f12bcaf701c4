package annbench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	coder "github.com/coder/hnsw"
	"github.com/viterin/vek/vek32"

	"github.com/tessera-search/tessera/index/hnsw"
	"github.com/tessera-search/tessera/internal/texmex"
)

// Config describes one benchmark run.
type Config struct {
	N, Dim, Queries   int    // synthetic data set size (ignored with BaseFile)
	Set               string // synthetic set: SetClustered (default) or SetAnisotropic
	M, EfConstruction int    // graph parameters for both libraries
	Efs               []int  // search ef values to sweep
	Seed              int64
	// BaseFile/QueriesFile/TruthFile name TEXMEX files. Base rows
	// [BaseStart, BaseEnd) are indexed with their row numbers as ids (the
	// ids ground-truth files refer to); BaseEnd < 0 means all rows. Without
	// TruthFile the truth is computed exactly.
	BaseFile, QueriesFile, TruthFile string
	BaseStart, BaseEnd               int
	// L2 ranks by Euclidean distance (Tessera's hnsw.L2 metric, computed
	// directly, no transform); otherwise inner product.
	L2 bool
	// ExportDir, when set, receives base.fvecs, queries.fvecs and
	// truth.ivecs (exact top-100) for the data set used.
	ExportDir string
	Baseline  bool // also measure coder/hnsw
	// HNSWLib, when set, is a Python interpreter with hnswlib and numpy:
	// hnswlib is measured on the same data (exported to ExportDir, or a
	// temporary directory) and the report compares the two at fixed recalls.
	HNSWLib string
	Repeats int // timed passes per ef; medians are reported
	Logger  *slog.Logger
}

// DefaultConfig is 100k×386 synthetic vectors, M=16, efc=200.
func DefaultConfig() Config {
	return Config{N: 100000, Dim: 386, Queries: 1000, M: 16, EfConstruction: 100,
		Efs: []int{16, 32, 64, 128, 256}, Seed: 1, BaseEnd: -1, Baseline: true, Repeats: 3}
}

// Point is one ef setting's measurements.
type Point struct {
	Ef             int     `json:"ef"`
	Recall         float64 `json:"recall_at_10"`
	QPS            float64 `json:"qps"`
	P50us          float64 `json:"p50_us"`
	P99us          float64 `json:"p99_us"`
	AllocsPerQuery float64 `json:"allocs_per_query"`
	// RecallParallel is recall@10 of the same search on the graph built
	// with AddBatch (Tessera only; 0 when not measured).
	RecallParallel float64 `json:"recall_at_10_parallel_build,omitempty"`
}

// IndexReport is what one library achieved.
type IndexReport struct {
	Name         string  `json:"name"`
	BuildSeconds float64 `json:"build_seconds"`
	BuildPerS    float64 `json:"build_per_s"`
	// BuildParallelPerS is the insert rate of AddBatch with BuildWorkers
	// goroutines (Tessera only).
	BuildParallelPerS float64 `json:"build_parallel_per_s,omitempty"`
	BuildWorkers      int     `json:"build_workers,omitempty"`
	BytesPerVector    float64 `json:"bytes_per_vector"`
	SaveMBps          float64 `json:"save_mb_per_s"`
	LoadMBps          float64 `json:"load_mb_per_s"`
	Results           []Point `json:"results"`
}

// Report is the outcome of Run: Tessera's figures at the top level and
// coder/hnsw's under "baseline".
type Report struct {
	Dataset    string `json:"dataset"`
	N          int    `json:"n"`
	Dim        int    `json:"dim"`
	Queries    int    `json:"queries"`
	Metric     string `json:"metric"`
	M          int    `json:"m"`
	EfC        int    `json:"ef_construction"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	IndexReport
	Baseline *IndexReport `json:"baseline,omitempty"`
	HNSWLib  *IndexReport `json:"hnswlib,omitempty"`
	// VsHNSWLib is Tessera's QPS over hnswlib's at RatioRecalls.
	VsHNSWLib []Ratio `json:"vs_hnswlib,omitempty"`
}

// Run loads or generates the data, computes exact truth, and measures
// Tessera's graph and optionally coder/hnsw.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Repeats <= 0 {
		cfg.Repeats = 1
	}
	if len(cfg.Efs) == 0 {
		return nil, errors.New("annbench: no ef values")
	}
	if cfg.HNSWLib != "" && cfg.ExportDir == "" {
		tmp, err := os.MkdirTemp("", "tessera-hnswlib-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		cfg.ExportDir = tmp
	}
	base, queries, truth, name, firstID, err := load(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if base.Rows() == 0 || queries.Rows() == 0 {
		return nil, fmt.Errorf("annbench: empty data set (%d base, %d queries)", base.Rows(), queries.Rows())
	}
	if truth.Dim < 10 {
		return nil, fmt.Errorf("annbench: ground truth has %d ids per query, need 10", truth.Dim)
	}
	rep := &Report{Dataset: name, N: base.Rows(), Dim: base.Dim, Queries: queries.Rows(),
		Metric: map[bool]string{true: "l2", false: "ip"}[cfg.L2], M: cfg.M, EfC: cfg.EfConstruction,
		GOMAXPROCS: runtime.GOMAXPROCS(0)}
	ours, err := benchTessera(ctx, cfg, base, queries, truth, firstID, log)
	if err != nil {
		return nil, err
	}
	rep.IndexReport = *ours
	if cfg.Baseline {
		b, err := benchCoder(ctx, cfg, base, queries, truth, firstID, log)
		if err != nil {
			return nil, err
		}
		rep.Baseline = b
	}
	if cfg.HNSWLib != "" {
		log.Info("measuring hnswlib", "python", cfg.HNSWLib)
		h, err := benchHNSWLib(ctx, cfg.HNSWLib, cfg.ExportDir, cfg, firstID)
		if err != nil {
			return nil, err
		}
		rep.HNSWLib = h
		rep.VsHNSWLib = ratios(rep.Results, h.Results)
	}
	return rep, nil
}

func load(ctx context.Context, cfg Config, log *slog.Logger) (base, queries texmex.Matrix, truth texmex.IntMatrix, name string, firstID int, err error) {
	if cfg.BaseFile != "" {
		if cfg.QueriesFile == "" {
			return base, queries, truth, "", 0, errors.New("annbench: --base needs --queries-file")
		}
		if base, err = texmex.ReadFloats(ctx, cfg.BaseFile, cfg.BaseStart, cfg.BaseEnd); err != nil {
			return
		}
		if queries, err = texmex.ReadFloats(ctx, cfg.QueriesFile, 0, -1); err != nil {
			return
		}
		if queries.Dim != base.Dim {
			err = fmt.Errorf("annbench: queries have %d dims, base %d", queries.Dim, base.Dim)
			return
		}
		if cfg.Queries > 0 && cfg.Queries < queries.Rows() {
			queries.Data = queries.Data[:cfg.Queries*queries.Dim]
		}
		name, firstID = filepath.Base(cfg.BaseFile), cfg.BaseStart
		if cfg.TruthFile != "" {
			if truth, err = texmex.ReadInts(ctx, cfg.TruthFile, 0, queries.Rows()); err != nil {
				return
			}
			for _, id := range truth.Data {
				if int(id) < firstID || int(id) >= firstID+base.Rows() {
					err = fmt.Errorf("annbench: truth id %d outside indexed rows [%d, %d)", id, firstID, firstID+base.Rows())
					return
				}
			}
		}
	} else {
		if cfg.N <= 0 || cfg.Dim <= 0 || cfg.Queries <= 0 {
			err = fmt.Errorf("annbench: invalid synthetic size n=%d dim=%d queries=%d", cfg.N, cfg.Dim, cfg.Queries)
			return
		}
		switch cfg.Set {
		case "", SetClustered:
			base, queries = Synthetic(cfg.N, cfg.Queries, cfg.Dim, cfg.Seed)
			name = fmt.Sprintf("synthetic-clustered-%dx%d", cfg.N, cfg.Dim)
		case SetAnisotropic:
			base, queries = Anisotropic(cfg.N, cfg.Queries, cfg.Dim, cfg.Seed)
			name = fmt.Sprintf("synthetic-anisotropic-%dx%d", cfg.N, cfg.Dim)
		default:
			err = fmt.Errorf("annbench: unknown set %q (want %s or %s)", cfg.Set, SetClustered, SetAnisotropic)
			return
		}
	}
	if truth.Rows() == 0 || cfg.ExportDir != "" {
		log.Info("computing exact ground truth", "queries", queries.Rows(), "base", base.Rows())
		truth = ExactTopK(base, queries, min(100, base.Rows()), cfg.L2, firstID)
	}
	if cfg.ExportDir != "" {
		if err = os.MkdirAll(cfg.ExportDir, 0o755); err != nil {
			err = fmt.Errorf("annbench: export: %w", err)
			return
		}
		for _, e := range []error{
			texmex.WriteFvecs(filepath.Join(cfg.ExportDir, "base.fvecs"), base),
			texmex.WriteFvecs(filepath.Join(cfg.ExportDir, "queries.fvecs"), queries),
			texmex.WriteIvecs(filepath.Join(cfg.ExportDir, "truth.ivecs"), truth),
		} {
			if e != nil {
				err = fmt.Errorf("annbench: export: %w", e)
				return
			}
		}
	}
	return
}

// searcher runs one query and returns the ids found.
type searcher func(q []float32, dst []uint32) []uint32

// measure sweeps the efs with a per-ef searcher factory.
func measure(ctx context.Context, cfg Config, queries texmex.Matrix, truth texmex.IntMatrix, firstID int, at func(ef int) searcher) ([]Point, error) {
	var out []Point
	nq := queries.Rows()
	lat := make([]time.Duration, nq)
	ids := make([]uint32, 0, 10)
	for _, ef := range cfg.Efs {
		s := at(ef)
		// Recall (untimed, once: searches are deterministic).
		hit := 0
		for qi := range nq {
			ids = s(queries.Row(qi), ids[:0])
			want := truth.Row(qi)[:10]
			for _, id := range ids {
				if slices.Contains(want, int32(id)) {
					hit++
				}
			}
		}
		var qps, p50, p99, allocs []float64
		for range cfg.Repeats {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			start := time.Now()
			for qi := range nq {
				t := time.Now()
				ids = s(queries.Row(qi), ids[:0])
				lat[qi] = time.Since(t)
			}
			total := time.Since(start)
			runtime.ReadMemStats(&m1)
			slices.Sort(lat)
			qps = append(qps, float64(nq)/total.Seconds())
			p50 = append(p50, us(lat[nq/2]))
			p99 = append(p99, us(lat[min(nq-1, nq*99/100)]))
			allocs = append(allocs, float64(m1.Mallocs-m0.Mallocs)/float64(nq))
		}
		out = append(out, Point{Ef: ef, Recall: float64(hit) / float64(10*nq),
			QPS: Median(qps), P50us: Median(p50), P99us: Median(p99), AllocsPerQuery: Median(allocs)})
	}
	return out, nil
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// Median is the middle of x (the mean of the two middle values for an even
// count; 0 for none), x left as it was.
func Median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func benchTessera(ctx context.Context, cfg Config, base, queries texmex.Matrix, truth texmex.IntMatrix, firstID int, log *slog.Logger) (*IndexReport, error) {
	hc := hnsw.Config{M: cfg.M, EfConstruction: cfg.EfConstruction, EfSearch: 64, Seed: cfg.Seed}
	if cfg.L2 {
		hc.Metric = hnsw.L2
	}
	rep := &IndexReport{Name: "tessera/index/hnsw", BuildWorkers: runtime.GOMAXPROCS(0)}

	// Parallel build first, measured and checked for recall, then dropped
	// so the single-threaded graph's memory is measured alone.
	ids := make([]uint32, base.Rows())
	rows := make([][]float32, base.Rows())
	for i := range ids {
		ids[i], rows[i] = uint32(firstID+i), base.Row(i)
	}
	pg := hnsw.New(base.Dim, hc)
	pg.Reserve(firstID + base.Rows())
	log.Info("building tessera hnsw in parallel", "n", base.Rows(), "workers", rep.BuildWorkers)
	start := time.Now()
	if err := pg.AddBatch(ids, rows, rep.BuildWorkers); err != nil {
		return nil, err
	}
	rep.BuildParallelPerS = float64(base.Rows()) / time.Since(start).Seconds()
	parRecall := make(map[int]float64, len(cfg.Efs))
	for _, ef := range cfg.Efs {
		parRecall[ef] = recallAt(pg, queries, truth, ef)
	}
	pg, ids, rows = nil, nil, nil

	heap0 := heapInUse()
	g := hnsw.New(base.Dim, hc)
	g.Reserve(firstID + base.Rows())
	log.Info("building tessera hnsw", "n", base.Rows())
	start = time.Now()
	for i := range base.Rows() {
		if i%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err := g.Add(uint32(firstID+i), base.Row(i)); err != nil {
			return nil, err
		}
	}
	rep.BuildSeconds = time.Since(start).Seconds()
	rep.BuildPerS = float64(base.Rows()) / rep.BuildSeconds
	rep.BytesPerVector = float64(heapInUse()-heap0) / float64(base.Rows())

	var saveT, loadT []float64
	var size int
	for range cfg.Repeats {
		var buf bytes.Buffer
		buf.Grow(int(g.MemoryBytes()) + 1<<20)
		t := time.Now()
		if _, err := g.WriteTo(&buf); err != nil {
			return nil, err
		}
		saveT = append(saveT, time.Since(t).Seconds())
		size = buf.Len()
		t = time.Now()
		if _, err := hnsw.ReadFrom(bytes.NewReader(buf.Bytes())); err != nil {
			return nil, err
		}
		loadT = append(loadT, time.Since(t).Seconds())
	}
	rep.SaveMBps = float64(size) / 1e6 / Median(saveT)
	rep.LoadMBps = float64(size) / 1e6 / Median(loadT)

	log.Info("searching tessera hnsw")
	var err error
	rep.Results, err = measure(ctx, cfg, queries, truth, firstID, func(ef int) searcher {
		opt := hnsw.SearchOptions{Ef: ef}
		return func(q []float32, dst []uint32) []uint32 {
			for _, r := range g.Search(q, 10, opt) {
				dst = append(dst, r.ID)
			}
			return dst
		}
	})
	for i := range rep.Results {
		rep.Results[i].RecallParallel = parRecall[rep.Results[i].Ef]
	}
	runtime.KeepAlive(g)
	return rep, err
}

// recallAt is recall@10 of g searched at ef over all queries.
func recallAt(g *hnsw.Graph, queries texmex.Matrix, truth texmex.IntMatrix, ef int) float64 {
	hit := 0
	for qi := range queries.Rows() {
		want := truth.Row(qi)[:10]
		for _, r := range g.Search(queries.Row(qi), 10, hnsw.SearchOptions{Ef: ef}) {
			if slices.Contains(want, int32(r.ID)) {
				hit++
			}
		}
	}
	return float64(hit) / float64(10*queries.Rows())
}

func coderIP(a, b []float32) float32 { return 1 - vek32.Dot(a, b) }

func init() { coder.RegisterDistanceFunc("tessera-ip", coderIP) }

func benchCoder(ctx context.Context, cfg Config, base, queries texmex.Matrix, truth texmex.IntMatrix, firstID int, log *slog.Logger) (*IndexReport, error) {
	rep := &IndexReport{Name: "github.com/coder/hnsw v0.6.1"}
	heap0 := heapInUse()
	g := coder.NewGraph[uint32]()
	g.M = cfg.M
	g.EfSearch = cfg.EfConstruction // coder/hnsw searches with EfSearch while inserting
	g.Distance = coderIP
	if cfg.L2 {
		g.Distance = coder.EuclideanDistance
	}
	log.Info("building coder/hnsw baseline", "n", base.Rows())
	start := time.Now()
	for i := range base.Rows() {
		if i%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		// coder/hnsw keeps the caller's slice; copy so memory is counted
		// the same way as for Tessera, which copies on Add.
		g.Add(coder.MakeNode(uint32(firstID+i), slices.Clone(base.Row(i))))
	}
	rep.BuildSeconds = time.Since(start).Seconds()
	rep.BuildPerS = float64(base.Rows()) / rep.BuildSeconds
	rep.BytesPerVector = float64(heapInUse()-heap0) / float64(base.Rows())

	var saveT, loadT []float64
	var size int
	for range cfg.Repeats {
		var buf bytes.Buffer
		t := time.Now()
		if err := g.Export(&buf); err != nil {
			return nil, fmt.Errorf("annbench: coder export: %w", err)
		}
		saveT = append(saveT, time.Since(t).Seconds())
		size = buf.Len()
		h := coder.NewGraph[uint32]()
		t = time.Now()
		if err := h.Import(bytes.NewReader(buf.Bytes())); err != nil {
			return nil, fmt.Errorf("annbench: coder import: %w", err)
		}
		loadT = append(loadT, time.Since(t).Seconds())
	}
	rep.SaveMBps = float64(size) / 1e6 / Median(saveT)
	rep.LoadMBps = float64(size) / 1e6 / Median(loadT)

	log.Info("searching coder/hnsw baseline")
	var err error
	rep.Results, err = measure(ctx, cfg, queries, truth, firstID, func(ef int) searcher {
		g.EfSearch = ef
		return func(q []float32, dst []uint32) []uint32 {
			for _, n := range g.Search(q, 10) {
				dst = append(dst, n.Key)
			}
			return dst
		}
	})
	runtime.KeepAlive(g)
	return rep, err
}
