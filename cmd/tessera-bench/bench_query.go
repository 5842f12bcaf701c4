package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/datasets"
	"github.com/tessera-search/tessera/query"
	"github.com/tessera-search/tessera/spaces"
)

// Targets the query path is measured against.
const (
	targetHTTPP99MS   = 5.0  // p99 through HTTP at 100k rows
	targetOverheadPct = 20.0 // in-process cost beyond the index
)

// queryReport is what `tessera-bench query` measures.
type queryReport struct {
	Source      string        `json:"source"`
	Schema      string        `json:"schema"`
	Embedder    string        `json:"embedder"`
	CPUs        int           `json:"cpus"`
	Concurrency int           `json:"concurrency"`
	Duration    string        `json:"duration_per_phase"`
	Limit       int           `json:"limit"`
	Queries     int           `json:"distinct_queries"`
	Runs        []queryRunRep `json:"runs"`
}

type queryRunRep struct {
	Rows         int       `json:"rows"`
	Dim          int       `json:"dim"`
	BuildSeconds float64   `json:"build_s"`
	Index        latencies `json:"index"`  // Collection.Search with the engine's query vectors and filters
	Engine       latencies `json:"engine"` // Engine.Search in process
	HTTP         latencies `json:"http"`   // POST /v1/search on loopback
	// HTTPLinear is the same mix with "rank": "linear", measured in
	// alternating rounds with HTTP.
	HTTPLinear         latencies `json:"http_linear"`
	LexicalBytesPerRow float64   `json:"lexical_bytes_per_row"`
	// ByKind is each kind of query's fastest index and engine time, one
	// query at a time.
	ByKind map[string]kindCost `json:"by_kind"`
	// OverheadPct is the engine's time beyond the index's, from the
	// fastest of repeated runs of each query (robust to other load).
	OverheadPct float64 `json:"overhead_pct"`
	// OverheadMeanPct compares the mean latencies of the concurrent
	// phases; on a busy machine it is noisy.
	OverheadMeanPct float64 `json:"overhead_mean_pct"`
	MeetsP99        bool    `json:"meets_http_p99_target"`
	MeetsOver       bool    `json:"meets_overhead_target"`
}

type latencies struct {
	Ops    int     `json:"ops"`
	Errors int     `json:"errors"`
	QPS    float64 `json:"qps"`
	MeanMS float64 `json:"mean_ms"`
	P50MS  float64 `json:"p50_ms"`
	P99MS  float64 `json:"p99_ms"`
}

// benchQueryCmd runs `tessera-bench query`: for each --n it builds a
// collection of that many rows (the demo catalogue, or --base-file,
// replicated with new ids and jittered numbers) and measures search three
// ways under the same query mix: the index alone, the in-process engine,
// and HTTP on loopback.
func benchQueryCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("query", stdout)
	ns := fs.String("n", "10000,100000", "comma-separated collection sizes")
	dur := fs.Duration("duration", 5*time.Second, "how long each phase runs")
	conc := fs.Int("concurrency", 4, "concurrent searchers (and HTTP connections)")
	baseFile := fs.String("base-file", "", "CSV to replicate instead of the built-in demo catalogue (needs --schema)")
	schemaPath := fs.String("schema", "", "schema for --base-file")
	embedder := fs.String("embedder", "", "text embedder: builtin (default) or openai")
	limit := fs.Int("limit", 10, "results per search")
	nq := fs.Int("queries", 256, "distinct queries in the mix (repeated queries hit the text-embedding cache)")
	seed := fs.Uint64("seed", 1, "random seed for jitter and the query mix")
	asJSON := fs.Bool("json", false, "print JSON")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dur <= 0 || *conc <= 0 || *limit <= 0 || *nq <= 0 {
		return errors.New("bench query: --duration, --concurrency, --limit and --queries must be positive")
	}
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return fmt.Errorf("bench query: %w", err)
	}
	defer stopProfile()
	if (*baseFile == "") != (*schemaPath == "") {
		return errors.New("bench query: --base-file and --schema go together")
	}
	var sizes []int
	for _, s := range strings.Split(*ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("bench query: --n: %q is not a positive integer", s)
		}
		sizes = append(sizes, n)
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))

	rep := queryReport{Source: "built-in demo catalogue", Schema: "built-in demo schema", CPUs: runtime.NumCPU(),
		Concurrency: *conc, Duration: dur.String(), Limit: *limit, Queries: *nq}
	src, schema, err := baseCatalogue(*baseFile, *schemaPath)
	if err != nil {
		return fmt.Errorf("bench query: %w", err)
	}
	if *baseFile != "" {
		rep.Source, rep.Schema = *baseFile, *schemaPath
	}
	sch, err := spaces.ParseSchema(schema)
	if err != nil {
		return fmt.Errorf("bench query: %s: %w", rep.Schema, err)
	}
	emb, err := newEmbedder(*embedder)
	if err != nil {
		return fmt.Errorf("bench query: %w", err)
	}
	rep.Embedder = emb.Name()
	tmp, err := os.MkdirTemp("", "tessera-bench-query-")
	if err != nil {
		return fmt.Errorf("bench query: %w", err)
	}
	defer os.RemoveAll(tmp)

	for i, n := range sizes {
		dir := filepath.Join(tmp, strconv.Itoa(i))
		run, err := benchQueryRun(ctx, benchQueryConfig{dir: dir, src: src, schemaYAML: schema, schema: sch, emb: emb, rows: n,
			dur: *dur, conc: *conc, limit: *limit, queries: *nq, seed: *seed})
		if err != nil {
			return fmt.Errorf("bench query: %d rows: %w", n, err)
		}
		rep.Runs = append(rep.Runs, run)
		os.RemoveAll(dir)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.writeText(stdout)
}

type benchQueryConfig struct {
	dir        string
	src        []byte
	schemaYAML []byte
	schema     *spaces.Schema
	emb        spaces.Embedder
	rows       int
	dur        time.Duration
	conc       int
	limit      int
	queries    int
	seed       uint64
}

func benchQueryRun(ctx context.Context, cfg benchQueryConfig) (queryRunRep, error) {
	run := queryRunRep{Rows: cfg.rows}
	if err := os.MkdirAll(cfg.dir, 0o755); err != nil {
		return run, err
	}
	csvPath := filepath.Join(cfg.dir, "rows.csv")
	if _, err := replicateCSV(cfg.src, cfg.schema, cfg.rows, cfg.seed, csvPath); err != nil {
		return run, err
	}
	start := time.Now()
	db, err := tessera.Open(ctx, tessera.Options{DataDir: filepath.Join(cfg.dir, "data"), Schema: cfg.schemaYAML, Embedder: cfg.emb, NoSync: true})
	if err != nil {
		return run, err
	}
	defer db.Close()
	sum, err := db.Applier.IngestFile(ctx, csvPath, ingest.BulkOptions{})
	if err != nil {
		return run, err
	}
	// Duplicate ids in a --base-file merge and bad rows are rejected: the
	// report gives the rows actually searched.
	if run.Rows = db.Collection.Len(); run.Rows == 0 {
		return run, fmt.Errorf("no rows ingested (%d rejected: %v)", sum.Rejected, sum.Problems)
	}
	// Measure the steady state: the graph has caught up with the bulk load.
	if !db.Collection.WaitIndexed(30 * time.Minute) {
		return run, fmt.Errorf("the graph did not catch up with %d rows", run.Rows)
	}
	run.BuildSeconds = time.Since(start).Seconds()
	run.Dim = db.Encoder.Dim()

	reqs, kinds := queryMix(db, cfg.queries, cfg.limit, cfg.seed)
	// Prepare every request once: it warms the text-embedding cache and
	// gives the index phase the engine's exact vectors and filters.
	prepared := make([]*query.Prepared, len(reqs))
	for i, r := range reqs {
		if prepared[i], err = db.Engine.Prepare(ctx, r); err != nil {
			return run, fmt.Errorf("query %d %+v: %w", i, r, err)
		}
	}

	indexOp := func(i int) error {
		p := prepared[i%len(prepared)]
		// The engine asks for one hit more than the page to know whether
		// a next page exists.
		_, err := db.Collection.Search(ctx, p.Vector.Vector, p.Offset+p.Limit+1, p.IndexOptions())
		return err
	}
	engineOp := func(i int) error {
		_, err := db.Engine.Search(ctx, reqs[i%len(reqs)])
		return err
	}
	// Index and engine alternate in short rounds, so drift in the
	// machine's load falls on both alike and the overhead compares like
	// with like.
	var idx, eng samples
	const rounds = 10
	for range rounds {
		idx.add(measure(ctx, cfg.dur/rounds, cfg.conc, indexOp))
		eng.add(measure(ctx, cfg.dur/rounds, cfg.conc, engineOp))
	}
	run.Index, run.Engine = idx.summary(), eng.summary()
	if run.Index.MeanMS > 0 {
		run.OverheadMeanPct = (run.Engine.MeanMS/run.Index.MeanMS - 1) * 100
	}
	run.ByKind, run.OverheadPct = pairedProfile(ctx, 3, indexOp, engineOp, kinds)
	// The same mix under the linear mix, side by side: what relevance
	// ranking (lexical candidates, hybrid scores, calibration) costs.
	linear := slices.Clone(reqs)
	for i := range linear {
		linear[i].Rank = query.RankLinear
	}
	lat, err := measureHTTP(ctx, db, [][]query.Request{reqs, linear}, cfg.dur, cfg.conc)
	if err != nil {
		return run, err
	}
	run.HTTP, run.HTTPLinear = lat[0], lat[1]
	run.LexicalBytesPerRow = float64(db.Collection.LexicalBytes()) / float64(run.Rows)
	run.MeetsP99 = run.HTTP.P99MS <= targetHTTPP99MS && run.HTTP.Errors == 0
	run.MeetsOver = run.OverheadPct <= targetOverheadPct
	return run, nil
}

// replicateCSV writes rows rows cycling through src, giving copies new ids
// and jittering the fields of number spaces by up to ±15% (kept inside the
// space's range), so copies rank differently. It returns the file's size.
// The ingest and query benchmarks scale real files with it.
func replicateCSV(src []byte, s *spaces.Schema, rows int, seed uint64, dst string) (int64, error) {
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(src, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil {
		return 0, fmt.Errorf("replicate: the source must be a well-formed CSV file: %w", err)
	}
	if len(recs) < 2 {
		return 0, errors.New("replicate: the source has no data rows")
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	idCol, ok := col[s.Fields[s.ID].SourceColumn(s.ID)]
	if !ok {
		return 0, fmt.Errorf("replicate: no id column %q in the header %v", s.ID, recs[0])
	}
	type jitter struct {
		col      int
		min, max float64
	}
	var jit []jitter
	for _, sp := range s.Spaces {
		if sp.Kind != spaces.KindNumber {
			continue
		}
		if c, ok := col[s.Fields[sp.Field].SourceColumn(sp.Field)]; ok && !slices.ContainsFunc(jit, func(j jitter) bool { return j.col == c }) {
			jit = append(jit, jitter{col: c, min: *sp.Min, max: *sp.Max})
		}
	}
	f, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	if err := w.Write(recs[0]); err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x7e55e7a))
	data := recs[1:]
	row := make([]string, len(recs[0]))
	for i := range rows {
		copy(row, data[i%len(data)])
		if k := i / len(data); k > 0 {
			row[idCol] += "~" + strconv.Itoa(k)
			for _, j := range jit {
				x, err := strconv.ParseFloat(row[j.col], 64)
				if err != nil || x < j.min || x > j.max {
					continue // leave values the cleaner or the space treat specially
				}
				x = math.Min(j.max, math.Max(j.min, x*(0.85+0.3*rng.Float64())))
				row[j.col] = strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64)
			}
		}
		if err := w.Write(row); err != nil {
			return 0, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), f.Close()
}

// queryMix builds a deterministic mix of searches from the catalogue
// itself: text only; text with reweighting; text with a filter; weights
// alone; similar values; more like this.
func queryMix(db *tessera.DB, n, limit int, seed uint64) ([]query.Request, []string) {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b9))
	s := db.Schema
	var docs []index.Record
	db.Collection.Each(func(r index.Record) bool {
		docs = append(docs, r)
		return len(docs) < 2000
	})
	slices.SortFunc(docs, func(a, b index.Record) int { return strings.Compare(a.ID, b.ID) })
	textField := ""
	var numberSpaces, categorySpaces []*spaces.SpaceSpec
	for _, sp := range s.Spaces {
		switch sp.Kind {
		case spaces.KindText:
			if textField == "" {
				textField = sp.Field
			}
		case spaces.KindNumber:
			numberSpaces = append(numberSpaces, sp)
		case spaces.KindCategory:
			categorySpaces = append(categorySpaces, sp)
		}
	}
	doc := func() index.Record { return docs[rng.IntN(len(docs))] }
	text := func() string {
		words := strings.Fields(fmt.Sprint(doc().Fields[textField]))
		return strings.Join(words[:min(len(words), 2+rng.IntN(3))], " ")
	}
	filter := func() map[string]any {
		name := s.Filters[rng.IntN(len(s.Filters))]
		v := doc().Fields[name]
		switch x := v.(type) {
		case float64, int64:
			return map[string]any{name: map[string]any{"lte": x}}
		case string:
			return map[string]any{name: map[string]any{"eq": x}}
		case []string:
			if len(x) > 0 {
				return map[string]any{name: map[string]any{"in": []any{x[len(x)-1]}}}
			}
		}
		return nil
	}
	weights := func() query.Weights {
		w := query.Weights{}
		for _, sp := range numberSpaces {
			if sp.Mode != "similar" {
				w[sp.Name] = float64(rng.IntN(4)) / 2
			}
		}
		return w
	}
	reqs := make([]query.Request, 0, n)
	kinds := make([]string, 0, n)
	for len(reqs) < n {
		r := query.Request{Limit: limit}
		var kind string
		switch k := rng.IntN(10); {
		case k < 4 && textField != "":
			kind, r.Text = "text", text()
		case k < 6 && textField != "":
			kind, r.Text, r.Weights = "text+weights", text(), weights()
		case k < 8 && len(s.Filters) > 0:
			kind, r.Text, r.Filter = "text+filter", text(), filter()
		case k < 9:
			kind, r.Weights = "weights+similar", weights()
			if len(categorySpaces) > 0 {
				sp := categorySpaces[rng.IntN(len(categorySpaces))]
				if v := doc().Fields[sp.Field]; v != nil {
					r.Similar = map[string]any{sp.Name: v}
				}
			}
		default:
			kind, r.LikeID = "like_id", doc().ID
		}
		reqs = append(reqs, r)
		kinds = append(kinds, kind)
	}
	return reqs, kinds
}

// pairedProfile times every query of the mix alone, in alternating
// passes of the index and the engine, reps times, and keeps each one's fastest run: the minimum is what the
// code costs without interference from other load, so the per-kind times
// and the overhead stay meaningful on a busy machine.
func pairedProfile(ctx context.Context, reps int, indexOp, engineOp func(int) error, kinds []string) (map[string]kindCost, float64) {
	type best struct{ index, engine time.Duration }
	mins := make([]best, len(kinds))
	for i := range mins {
		mins[i] = best{math.MaxInt64, math.MaxInt64}
	}
	// Whole passes, not index-then-engine per query: the second call of a
	// pair would find the first one's graph nodes in the CPU cache.
	for range reps {
		for i := range kinds {
			t := time.Now()
			if indexOp(i) == nil {
				mins[i].index = min(mins[i].index, time.Since(t))
			}
		}
		for i := range kinds {
			t := time.Now()
			if engineOp(i) == nil {
				mins[i].engine = min(mins[i].engine, time.Since(t))
			}
		}
	}
	out := map[string]kindCost{}
	var sumIndex, sumEngine time.Duration
	for i, k := range kinds {
		if mins[i].index == math.MaxInt64 || mins[i].engine == math.MaxInt64 {
			continue
		}
		c := out[k]
		c.Queries++
		c.IndexMS += float64(mins[i].index.Microseconds()) / 1000
		c.EngineMS += float64(mins[i].engine.Microseconds()) / 1000
		out[k] = c
		sumIndex += mins[i].index
		sumEngine += mins[i].engine
	}
	for k, c := range out {
		c.IndexMS /= float64(c.Queries)
		c.EngineMS /= float64(c.Queries)
		out[k] = c
	}
	if sumIndex == 0 {
		return out, 0
	}
	return out, (float64(sumEngine)/float64(sumIndex) - 1) * 100
}

// kindCost is the mean fastest time of one kind of query.
type kindCost struct {
	Queries  int     `json:"queries"`
	IndexMS  float64 `json:"index_ms"`
	EngineMS float64 `json:"engine_ms"`
}

// samples are the latencies of one or more timed runs.
type samples struct {
	per  [][]time.Duration
	errs []int
	wall time.Duration
}

func (s *samples) add(o samples) {
	s.per = append(s.per, o.per...)
	s.errs = append(s.errs, o.errs...)
	s.wall += o.wall
}

func (s samples) summary() latencies { return summarize(s.per, s.errs, s.wall) }

// measure runs op from conc goroutines for d and records each call's
// latency; op gets a running counter to pick its query.
func measure(ctx context.Context, d time.Duration, conc int, op func(i int) error) samples {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	per := make([][]time.Duration, conc)
	errs := make([]int, conc)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ctx.Err() == nil; i += conc {
				t := time.Now()
				if err := op(i); err != nil {
					if ctx.Err() != nil {
						return
					}
					errs[w]++
				}
				per[w] = append(per[w], time.Since(t))
			}
		}()
	}
	wg.Wait()
	return samples{per: per, errs: errs, wall: time.Since(start)}
}

func summarize(per [][]time.Duration, errs []int, wall time.Duration) latencies {
	var all []time.Duration
	var l latencies
	for w := range per {
		all = append(all, per[w]...)
		l.Errors += errs[w]
	}
	if len(all) == 0 {
		return l
	}
	slices.Sort(all)
	var total time.Duration
	for _, x := range all {
		total += x
	}
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	l.Ops = len(all)
	l.QPS = float64(len(all)) / wall.Seconds()
	l.MeanMS = float64(total.Microseconds()) / 1000 / float64(len(all))
	l.P50MS = ms(all[len(all)/2])
	l.P99MS = ms(all[min(len(all)-1, len(all)*99/100)])
	return l
}

// measureHTTP serves the collection on a loopback port and drives it with
// conc keep-alive connections.
// measureHTTP times POST /v1/search for each request set in alternating
// rounds on one server, so drift in the machine's load falls on every set
// alike and their latencies compare side by side.
func measureHTTP(ctx context.Context, db *tessera.DB, sets [][]query.Request, d time.Duration, conc int) ([]latencies, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lb, err := startLoopback(ctx, db)
	if err != nil {
		return nil, err
	}
	defer lb.Close()
	url := lb.URL + "/v1/search"
	bodies := make([][][]byte, len(sets))
	for si, reqs := range sets {
		bodies[si] = make([][]byte, len(reqs))
		for i, r := range reqs {
			if bodies[si][i], err = json.Marshal(r); err != nil {
				return nil, err
			}
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: conc, MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}}
	defer client.CloseIdleConnections()
	var firstErr error
	var once sync.Once
	op := func(set [][]byte) func(i int) error {
		return func(i int) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(set[i%len(set)]))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			// Read the whole body: the client decodes what it asked for, and
			// the connection goes back to the pool.
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
			if err != nil && ctx.Err() == nil {
				once.Do(func() { firstErr = err })
			}
			return err
		}
	}
	const rounds = 5
	all := make([]samples, len(sets))
	for range rounds {
		for si := range sets {
			all[si].add(measure(ctx, d/rounds, conc, op(bodies[si])))
		}
	}
	out := make([]latencies, len(sets))
	for si := range sets {
		out[si] = all[si].summary()
		if out[si].Errors > 0 {
			return out, fmt.Errorf("%d of %d HTTP searches failed, first: %w", out[si].Errors, out[si].Ops, firstErr)
		}
	}
	return out, nil
}

func (r queryReport) writeText(w io.Writer) error {
	fmt.Fprintf(w, "source: %s (%s), embedder %s, %d CPUs\n", r.Source, r.Schema, r.Embedder, r.CPUs)
	fmt.Fprintf(w, "%d distinct queries, limit %d, %d concurrent searchers, %s per phase\n\n", r.Queries, r.Limit, r.Concurrency, r.Duration)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rows\tdim\tbuild s\tphase\tQPS\tmean ms\tp50 ms\tp99 ms\t")
	for _, run := range r.Runs {
		for _, ph := range []struct {
			name string
			l    latencies
		}{{"index", run.Index}, {"engine", run.Engine}, {"http", run.HTTP}, {"http linear", run.HTTPLinear}} {
			fmt.Fprintf(tw, "%d\t%d\t%.1f\t%s\t%.0f\t%.3f\t%.3f\t%.3f\t\n", run.Rows, run.Dim, run.BuildSeconds, ph.name, ph.l.QPS, ph.l.MeanMS, ph.l.P50MS, ph.l.P99MS)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, run := range r.Runs {
		kinds := make([]string, 0, len(run.ByKind))
		for k := range run.ByKind {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		fmt.Fprintf(w, "%d rows, one query at a time (fastest of 3), index → engine ms:", run.Rows)
		for _, k := range kinds {
			c := run.ByKind[k]
			fmt.Fprintf(w, "  %s %.3f → %.3f", k, c.IndexMS, c.EngineMS)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	for _, run := range r.Runs {
		verdict := func(ok bool) string {
			if ok {
				return "meets"
			}
			return "MISSES"
		}
		fmt.Fprintf(w, "%d rows: engine overhead beyond the index %.1f%% (%s target ≤ %.0f%%; %.1f%% from concurrent means); HTTP p99 %.3f ms (%s target ≤ %.0f ms at 100k rows)\n",
			run.Rows, run.OverheadPct, verdict(run.MeetsOver), targetOverheadPct, run.OverheadMeanPct, run.HTTP.P99MS, verdict(run.MeetsP99), targetHTTPP99MS)
		if run.HTTPLinear.P50MS > 0 {
			fmt.Fprintf(w, "%d rows: relevance ranking against the linear mix, same run: p50 %.2f× (%.3f vs %.3f ms), p99 %.2f× (%.3f vs %.3f ms); lexical index %.0f B/row\n",
				run.Rows, run.HTTP.P50MS/run.HTTPLinear.P50MS, run.HTTP.P50MS, run.HTTPLinear.P50MS, run.HTTP.P99MS/run.HTTPLinear.P99MS, run.HTTP.P99MS, run.HTTPLinear.P99MS, run.LexicalBytesPerRow)
		}
	}
	return nil
}

// baseCatalogue is the rows and schema a bench replicates: the built-in
// demo catalogue, or --base-file with its --schema.
func baseCatalogue(baseFile, schemaPath string) (src, schema []byte, err error) {
	if baseFile == "" {
		return datasets.DemoCatalogue(), datasets.DemoSchema(), nil
	}
	if src, err = os.ReadFile(baseFile); err != nil {
		return nil, nil, err
	}
	if schema, err = os.ReadFile(schemaPath); err != nil {
		return nil, nil, err
	}
	return src, schema, nil
}
