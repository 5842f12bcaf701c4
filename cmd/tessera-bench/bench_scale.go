package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/index/hnsw"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/query"
	"github.com/tessera-search/tessera/spaces"
)

// The scale targets of issue #14 (item 3), checked at 1M rows.
const (
	targetScaleRecall      = 0.97 // recall@10 against exact search, every set
	targetScaleHTTPP99MS   = 5.0  // plain queries, one client
	targetScaleFilterP99MS = 10.0 // filters passing 10–50 % of rows, one client
)

// scaleReport is what `tessera-bench scale` measures on one data
// directory.
type scaleReport struct {
	Dir         string  `json:"dir"`
	Source      string  `json:"source"`
	Rows        int     `json:"rows"`
	Dim         int     `json:"dim"`
	CPUs        int     `json:"cpus"`
	BuildS      float64 `json:"build_s,omitempty"` // 0: the directory was reused
	OpenS       float64 `json:"open_s"`
	HeapPerRow  float64 `json:"heap_bytes_per_row"`  // Go heap in use after open, per row (documents, columns, lexical, graph)
	IndexPerRow float64 `json:"index_bytes_per_row"` // vectors, int8 codes and links
	DiskPerRow  float64 `json:"disk_bytes_per_row"`  // snapshot + graph files
	// Graph is the shape of the graph's bottom layer: on replicated rows,
	// how many links join copies of one row (issue #14's recall).
	Graph hnsw.Health `json:"graph"`
	// CopyGroups counts the items whose copies the index groups
	// (index.Collection.CopyGroups).
	CopyGroups int        `json:"copy_groups"`
	Duration   string     `json:"duration_per_set"`
	Sets       []scaleSet `json:"sets"`
	Meets      bool       `json:"meets_targets"`
}

// scaleSet is one kind of request: the plain query mix, or text queries
// under filters passing about Target of the rows.
type scaleSet struct {
	Name    string  `json:"name"`
	Target  float64 `json:"target_passing,omitempty"`
	Passing float64 `json:"mean_passing"` // mean share of rows the filters pass
	Queries int     `json:"queries"`
	Recall  float64 `json:"recall_at_10"` // index search against exact, ties counted
	Worst   float64 `json:"min_recall_at_10"`
	// ByKind is the recall of each kind of request in the set.
	ByKind map[string]float64 `json:"recall_by_kind"`
	// IndexP50/P99 time Collection.Search alone, one query at a time.
	IndexP50 float64   `json:"index_p50_ms"`
	IndexP99 float64   `json:"index_p99_ms"`
	HTTP     latencies `json:"http"` // POST /v1/search, one client
	Meets    bool      `json:"meets_targets"`
	reqs     []query.Request
	// Worst are the requests of the lowest recall, for --worst.
	WorstQueries []scaleMiss `json:"worst_queries,omitempty"`
}

// scaleMiss is one request's recall, with the scores that explain it.
type scaleMiss struct {
	Request query.Request `json:"request"`
	Recall  float64       `json:"recall"`
	Ef      int           `json:"-"`
	Got     []float32     `json:"got_scores"`
	Want    []float32     `json:"exact_scores"`
}

func benchScaleCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("scale", stdout)
	dir := fs.String("dir", "", "data directory to build once and reuse (required; never inside the repository)")
	rows := fs.Int("rows", 1_000_000, "rows to build: the source replicated with new ids and jittered numbers")
	baseFile := fs.String("base-file", "", "CSV to replicate instead of the built-in demo catalogue (needs --schema)")
	schemaPath := fs.String("schema", "", "schema for --base-file")
	nq := fs.Int("queries", 200, "queries per set (recall and HTTP)")
	dur := fs.Duration("duration", 10*time.Second, "HTTP time per set (one client)")
	seed := fs.Uint64("seed", 1, "random seed for jitter and queries")
	buildOnly := fs.Bool("build-only", false, "build the directory and stop")
	asJSON := fs.Bool("json", false, "print JSON")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the HTTP phase to this file")
	ef := fs.Int("ef", 0, "base graph search breadth of the recall measurement's index searches, widened per query for its weights as always (0: the schema's ef_search)")
	worst := fs.Int("worst", 0, "print each set's N requests of the lowest recall with their scores")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("bench scale: --dir is required (a 1M-row directory takes minutes to build; it is reused)")
	}
	if *rows <= 0 || *nq <= 0 || *dur <= 0 {
		return errors.New("bench scale: --rows, --queries and --duration must be positive")
	}
	if (*baseFile == "") != (*schemaPath == "") {
		return errors.New("bench scale: --base-file and --schema go together")
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	src, schema, err := baseCatalogue(*baseFile, *schemaPath)
	if err != nil {
		return fmt.Errorf("bench scale: %w", err)
	}
	source := "built-in demo catalogue"
	if *baseFile != "" {
		source = *baseFile
	}
	emb, err := newEmbedder("")
	if err != nil {
		return fmt.Errorf("bench scale: %w", err)
	}
	rep := scaleReport{Dir: *dir, Source: source, CPUs: runtime.NumCPU(), Duration: dur.String()}
	took, err := buildScaleDir(ctx, *dir, src, schema, emb, *rows, *seed)
	if err != nil {
		return fmt.Errorf("bench scale: build: %w", err)
	}
	rep.BuildS = took.Seconds()
	if *buildOnly {
		fmt.Fprintf(stdout, "built %s (%d rows) in %.1f s\n", *dir, *rows, rep.BuildS)
		return nil
	}
	if err := measureScale(ctx, &rep, emb, *nq, *dur, *seed, *ef, *worst, *cpuProfile); err != nil {
		return fmt.Errorf("bench scale: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.writeText(stdout)
}

// buildScaleDir ingests rows replicated rows into dir/data, waits for the
// graph and snapshots. A directory built before with the same shape is
// reused (a 1M-row build takes 6–10 minutes).
func buildScaleDir(ctx context.Context, dir string, src, schema []byte, emb spaces.Embedder, rows int, seed uint64) (time.Duration, error) {
	marker := filepath.Join(dir, "bench-shape")
	shape := fmt.Sprintf("rows=%d seed=%d source=%08x", rows, seed, fingerprint(src))
	if b, err := os.ReadFile(marker); err == nil && string(b) == shape {
		return 0, nil
	}
	sch, err := spaces.ParseSchema(schema)
	if err != nil {
		return 0, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	start := time.Now()
	csvPath := filepath.Join(dir, "rows.csv")
	if _, err := replicateCSV(src, sch, rows, seed, csvPath); err != nil {
		return 0, err
	}
	defer os.Remove(csvPath)
	db, err := tessera.Open(ctx, tessera.Options{DataDir: filepath.Join(dir, "data"), Schema: schema, Embedder: emb, NoSync: true})
	if err != nil {
		return 0, err
	}
	if _, err := db.Applier.IngestFile(ctx, csvPath, ingest.BulkOptions{}); err != nil {
		db.Close()
		return 0, err
	}
	if !db.Collection.WaitIndexed(2 * time.Hour) {
		db.Close()
		return 0, errors.New("the graph did not catch up")
	}
	if err := db.Collection.Snapshot(); err != nil {
		db.Close()
		return 0, err
	}
	if err := db.Close(); err != nil {
		return 0, err
	}
	return time.Since(start), os.WriteFile(marker, []byte(shape), 0o644)
}

// settleHeap collects garbage twice. With one collection the heap per row
// came out 0 in 1 of 8 runs of TestBenchScaleReportsTargets' 3,000-row
// build (0 of 24 with two): most likely the build's pooled buffers (a
// 2,048-row WAL frame, search buffers sized to its graph), which a
// sync.Pool's victim cache keeps through one collection, were counted in
// the heap before the open and gone after it.
func settleHeap() {
	runtime.GC()
	runtime.GC()
}

// fingerprint is a cheap hash of the source (FNV-1a), so a directory
// built from another file is not reused.
func fingerprint(b []byte) uint32 {
	h := uint32(2166136261)
	for _, x := range b {
		h = (h ^ uint32(x)) * 16777619
	}
	return h
}

func measureScale(ctx context.Context, rep *scaleReport, emb spaces.Embedder, nq int, dur time.Duration, seed uint64, ef, worst int, cpuProfile string) error {
	var before runtime.MemStats
	settleHeap()
	runtime.ReadMemStats(&before)
	start := time.Now()
	db, err := tessera.Open(ctx, tessera.Options{DataDir: filepath.Join(rep.Dir, "data"), Embedder: emb, NoSync: true})
	if err != nil {
		return err
	}
	defer db.Close()
	db.Collection.WaitIndexed(time.Hour)
	rep.OpenS = time.Since(start).Seconds()
	rep.Rows, rep.Dim = db.Collection.Len(), db.Encoder.Dim()
	if rep.Rows == 0 {
		return errors.New("the collection is empty")
	}
	var after runtime.MemStats
	settleHeap()
	runtime.ReadMemStats(&after)
	rep.HeapPerRow = float64(after.HeapInuse-min(after.HeapInuse, before.HeapInuse)) / float64(rep.Rows)
	rep.IndexPerRow = float64(db.Collection.MemoryBytes()) / float64(rep.Rows)
	rep.Graph = db.Collection.GraphHealth()
	rep.CopyGroups = db.Collection.CopyGroups()
	for _, f := range []string{"snapshot.bin", "graph.bin"} {
		if st, err := os.Stat(filepath.Join(rep.Dir, "data", "index", f)); err == nil {
			rep.DiskPerRow += float64(st.Size()) / float64(rep.Rows)
		}
	}

	sets, err := scaleSets(db, nq, seed)
	if err != nil {
		return err
	}
	for i := range sets {
		if err := scaleRecall(ctx, db, &sets[i], ef, worst); err != nil {
			return fmt.Errorf("%s: %w", sets[i].Name, err)
		}
	}
	// The recall's exact scans leave gigabytes of garbage: collected here,
	// not by a cycle that would land in the HTTP phase by chance. With
	// 5 GB live at 1M rows a cycle takes 1.5 s of a core, and one that
	// fell inside the 20 s HTTP phase slowed 7 % of its requests (HTTP p99
	// 4–11 ms between runs of the same build, GODEBUG=gctrace=1); a server
	// meets such a cycle every few minutes (GOGC 100 at ~25 MB/s of
	// request garbage), under 1 % of its time.
	runtime.GC()
	// The profile covers the HTTP phase: the recall's exact scans would
	// swamp it.
	stop, err := startCPUProfile(cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	bodies := make([][]query.Request, len(sets))
	for i, s := range sets {
		bodies[i] = s.reqs
	}
	lat, err := measureHTTP(ctx, db, bodies, dur, 1)
	if err != nil {
		return err
	}
	rep.Meets = true
	for i := range sets {
		s := &sets[i]
		s.HTTP = lat[i]
		limit := targetScaleHTTPP99MS
		if s.Target > 0 {
			limit = targetScaleFilterP99MS
		}
		s.Meets = s.Recall >= targetScaleRecall && s.HTTP.P99MS <= limit && s.HTTP.Errors == 0
		rep.Meets = rep.Meets && s.Meets
	}
	rep.Sets = sets
	return nil
}

// scaleSets builds the request sets: the query mix of `tessera-bench
// query` without its filtered kind, and text queries (with and without
// reweighting) under filters passing about 10, 25 and 50 % of the rows,
// half a price range, half a set of categories.
func scaleSets(db *tessera.DB, nq int, seed uint64) ([]scaleSet, error) {
	mix, kinds := queryMix(db, 2*nq, 10, seed)
	var plain, texts []query.Request
	for i, r := range mix {
		if kinds[i] == "text+filter" {
			continue
		}
		if len(plain) < nq {
			plain = append(plain, r)
		}
		if kinds[i] == "text" || kinds[i] == "text+weights" {
			texts = append(texts, r)
		}
	}
	if len(texts) == 0 {
		return nil, errors.New("the schema has no text space to query")
	}
	// The filter fields: the first numeric and the first single-category
	// filter of the schema.
	var numField, catField string
	for _, f := range db.Schema.Filters {
		switch fd := db.Schema.Fields[f]; {
		case fd == nil:
		case numField == "" && (fd.Type == spaces.TypeNumber || fd.Type == spaces.TypeInteger):
			numField = f
		case catField == "" && fd.Type == spaces.TypeCategory:
			catField = f
		}
	}
	if numField == "" && catField == "" {
		return nil, errors.New("the schema has no number or category filter")
	}
	var nums []float64
	counts := map[string]int{}
	db.Collection.Each(func(r index.Record) bool {
		if x, ok := index.Number(r.Fields[numField]); ok {
			nums = append(nums, x)
		}
		if s, ok := r.Fields[catField].(string); ok {
			counts[s]++
		}
		return true
	})
	slices.Sort(nums)
	if len(nums) == 0 {
		numField = "" // no row has a number there
	}
	if numField == "" && len(counts) == 0 {
		return nil, errors.New("no row has a value in the schema's number or category filters")
	}
	values := make([]string, 0, len(counts))
	for v := range counts {
		values = append(values, v)
	}
	slices.Sort(values)
	rows := float64(db.Collection.Len())
	rng := rand.New(rand.NewPCG(seed, 0x5ca1e))
	sets := []scaleSet{{Name: "plain mix", reqs: plain}}
	for _, share := range []float64{0.10, 0.25, 0.50} {
		s := scaleSet{Name: fmt.Sprintf("filter ~%.0f%%", share*100), Target: share}
		for i := range nq {
			r := texts[i%len(texts)]
			useCat := len(values) > 0 && (numField == "" || i%2 == 1)
			if useCat {
				// Categories in random order, kept while the total stays
				// near the share.
				order := rng.Perm(len(values))
				in := []any{}
				total := 0
				for _, j := range order {
					c := counts[values[j]]
					if float64(total+c) <= share*rows*1.2 {
						in = append(in, values[j])
						total += c
					}
					if float64(total) >= share*rows*0.8 {
						break
					}
				}
				if numField != "" && (len(in) == 0 || float64(total) < share*rows*0.5) {
					useCat = false // no combination comes close: a price range instead
				} else {
					r.Filter = map[string]any{catField: map[string]any{"in": in}}
				}
			}
			if !useCat {
				// A window of the sorted values holding share of the rows.
				lo := rng.IntN(max(1, int(float64(len(nums))*(1-share))))
				hi := min(len(nums)-1, lo+int(float64(len(nums))*share))
				r.Filter = map[string]any{numField: map[string]any{"gte": nums[lo], "lte": nums[hi]}}
			}
			s.reqs = append(s.reqs, r)
		}
		sets = append(sets, s)
	}
	return sets, nil
}

// scaleRecall runs each request's dense search through the index, as the
// engine prepares it, against an exact scan of the rows its filter passes,
// and times the index search. A returned row counts when its score reaches
// the exact 10th best (replicated rows tie; any of them will do).
func scaleRecall(ctx context.Context, db *tessera.DB, s *scaleSet, ef, worst int) error {
	const k = 10
	s.Worst = 1
	s.ByKind = map[string]float64{}
	perKind := map[string]int{}
	lat := make([]time.Duration, 0, len(s.reqs))
	rows := float64(db.Collection.Len())
	for _, r := range s.reqs {
		p, err := db.Engine.Prepare(ctx, r)
		if err != nil {
			return fmt.Errorf("%+v: %w", r, err)
		}
		opt := p.IndexOptions()
		opt.Ef = ef
		t := time.Now()
		hits, err := db.Collection.Search(ctx, p.Vector.Vector, k, opt)
		lat = append(lat, time.Since(t))
		if err != nil {
			return err
		}
		exact := opt
		exact.Exact = true
		want, err := db.Collection.Search(ctx, p.Vector.Vector, k, exact)
		if err != nil {
			return err
		}
		if opt.Select != nil {
			s.Passing += float64(db.Collection.CountPassing(opt)) / rows
		} else {
			s.Passing++
		}
		rec := 1.0
		if len(want) > 0 {
			kth := want[len(want)-1].Score
			tol := 1e-5 * max(1, float32(math.Abs(float64(kth))))
			good := 0
			for _, h := range hits {
				if h.Score >= kth-tol {
					good++
				}
			}
			rec = float64(min(good, len(want))) / float64(len(want))
		}
		s.Recall += rec
		s.Worst = min(s.Worst, rec)
		s.ByKind[requestKind(r)] += rec
		perKind[requestKind(r)]++
		if worst > 0 {
			m := scaleMiss{Request: r, Recall: rec}
			for _, h := range hits {
				m.Got = append(m.Got, h.Score)
			}
			for _, h := range want {
				m.Want = append(m.Want, h.Score)
			}
			s.WorstQueries = append(s.WorstQueries, m)
			slices.SortStableFunc(s.WorstQueries, func(a, b scaleMiss) int { return cmp.Compare(a.Recall, b.Recall) })
			s.WorstQueries = s.WorstQueries[:min(len(s.WorstQueries), worst)]
		}
		s.Queries++
	}
	if s.Queries > 0 {
		n := float64(s.Queries)
		for k, c := range perKind {
			s.ByKind[k] /= float64(c)
		}
		s.Recall /= n
		s.Passing /= n
		slices.Sort(lat)
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		s.IndexP50, s.IndexP99 = ms(lat[len(lat)/2]), ms(lat[min(len(lat)-1, len(lat)*99/100)])
	}
	return nil
}

// requestKind names a request's shape: what parts it sets.
func requestKind(r query.Request) string {
	var parts []string
	if r.Text != "" {
		parts = append(parts, "text")
	}
	if len(r.Weights) > 0 {
		parts = append(parts, "weights")
	}
	if len(r.Similar) > 0 {
		parts = append(parts, "similar")
	}
	if r.LikeID != "" {
		parts = append(parts, "like_id")
	}
	return strings.Join(parts, "+")
}

func (r scaleReport) writeText(w io.Writer) error {
	built := "reused"
	if r.BuildS > 0 {
		built = "built in " + strconv.FormatFloat(r.BuildS, 'f', 0, 64) + " s"
	}
	fmt.Fprintf(w, "%s: %d rows × %d dims of the %s (%s; opened in %.1f s), %d CPUs\n", r.Dir, r.Rows, r.Dim, r.Source, built, r.OpenS, r.CPUs)
	fmt.Fprintf(w, "memory: %.0f B/row on the Go heap (documents, columns, lexical index, graph), of which the index (vectors, int8 codes, links) %.0f B/row; on disk %.0f B/row\n\n",
		r.HeapPerRow, r.IndexPerRow, r.DiskPerRow)
	if g := r.Graph; g.Live > 0 {
		fmt.Fprintf(w, "graph: layer-0 out-degree mean %.1f, %.0f %% of links to a near-duplicate of their node, %d of %d nodes linked to near-duplicates only, %d unreachable; %d items with copies grouped\n\n",
			g.OutDegreeMean, 100*g.TwinLinkShare, g.NoFarLinks, g.Live, g.Unreachable, r.CopyGroups)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "set\tpassing\trecall@10\tmin\tindex p50 ms\tindex p99 ms\tHTTP p50 ms\tHTTP p99 ms\tHTTP QPS\ttarget\t")
	for _, s := range r.Sets {
		target := fmt.Sprintf("recall ≥ %.2f, p99 ≤ %.0f ms", targetScaleRecall, targetScaleHTTPP99MS)
		if s.Target > 0 {
			target = fmt.Sprintf("recall ≥ %.2f, p99 ≤ %.0f ms", targetScaleRecall, targetScaleFilterP99MS)
		}
		verdict := "meets"
		if !s.Meets {
			verdict = "MISSES"
		}
		fmt.Fprintf(tw, "%s\t%.1f%%\t%.3f\t%.2f\t%.3f\t%.3f\t%.3f\t%.3f\t%.0f\t%s %s\t\n", s.Name, s.Passing*100, s.Recall, s.Worst,
			s.IndexP50, s.IndexP99, s.HTTP.P50MS, s.HTTP.P99MS, s.HTTP.QPS, verdict, target)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range r.Sets {
		kinds := slices.Sorted(maps.Keys(s.ByKind))
		fmt.Fprintf(w, "%s recall@10 by kind:", s.Name)
		for _, k := range kinds {
			fmt.Fprintf(w, "  %s %.3f", k, s.ByKind[k])
		}
		fmt.Fprintln(w)
	}
	for _, s := range r.Sets {
		for _, m := range s.WorstQueries {
			b, _ := json.Marshal(m.Request)
			fmt.Fprintf(w, "%s: recall %.2f for %s\n    got   %v\n    exact %v\n", s.Name, m.Recall, b, m.Got, m.Want)
		}
	}
	verdict := "all targets met"
	if !r.Meets {
		verdict = "targets missed"
	}
	_, err := fmt.Fprintf(w, "\n%d queries per set; HTTP: one client, %s per set in alternating rounds, default ranking; recall: the index search the engine runs, against an exact scan of the rows its filter passes — %s\n",
		len(r.Sets[0].reqs), r.Duration, verdict)
	return err
}
