package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/ingest/read"
	"github.com/tessera-search/tessera/internal/datasets"
	"github.com/tessera-search/tessera/spaces"
)

// ingestReport is what `tessera-bench ingest` measures.
type ingestReport struct {
	Source    string        `json:"source"`
	Schema    string        `json:"schema"`
	Rows      int           `json:"rows"`
	FileBytes int64         `json:"file_bytes"`
	Dim       int           `json:"dim"`
	Embedder  string        `json:"embedder"`
	Workers   int           `json:"workers"`
	BatchSize int           `json:"batch_size"`
	CPUs      int           `json:"cpus"`
	Sync      bool          `json:"fsync"`
	Rounds    int           `json:"rounds"`
	Stages    []stageResult `json:"stages"`
	EndToEnd  stageResult   `json:"end_to_end"`
	// EndToEndMedian is the median round's rate and CPU per row.
	EndToEndMedian stageResult `json:"end_to_end_median"`
	// NoLexical is the same end-to-end ingest without the lexical index.
	NoLexical          stageResult `json:"end_to_end_no_lexical"`
	LexicalBytesPerRow float64     `json:"lexical_bytes_per_row"`
	Summary            string      `json:"summary"`
}

type stageResult struct {
	Name       string  `json:"name"`
	Rows       int     `json:"rows"`
	Seconds    float64 `json:"seconds"`
	RowsPerSec float64 `json:"rows_per_s"`
	// CPUPerRow is the process's CPU time (user and system) per row, in
	// microseconds: on a shared machine it moves less than wall time when
	// other tenants take the cores (end-to-end runs only).
	CPUPerRow float64 `json:"cpu_us_per_row,omitempty"`
}

func stage(name string, rows int, d time.Duration) stageResult {
	s := stageResult{Name: name, Rows: rows, Seconds: d.Seconds()}
	if s.Seconds > 0 {
		s.RowsPerSec = float64(rows) / s.Seconds
	}
	return s
}

// benchIngestCmd runs `tessera-bench ingest`: it scales a CSV file up to
// --rows rows by repeating it with fresh ids, then times each stage of the
// bulk pipeline on its own (parse; parse and clean; encode; commit to the
// index and write-ahead log) and the whole pipeline end to end.
func benchIngestCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("ingest", stdout)
	rows := fs.Int("rows", 100_000, "rows to ingest (the source repeats with new ids)")
	file := fs.String("file", "", "source CSV (default: the built-in demo catalogue)")
	schemaPath := fs.String("schema", "", "schema for --file (default: the demo schema)")
	embedder := fs.String("embedder", "", "text embedder: builtin (default) or openai")
	noSync := fs.Bool("nosync", false, "skip the write-ahead log fsync after each batch")
	workers := fs.Int("workers", 0, "encoding workers (0: GOMAXPROCS)")
	batch := fs.Int("batch", 0, "rows per batch (0: the pipeline default, ingest.DefaultBatchSize)")
	asJSON := fs.Bool("json", false, "print JSON")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	withStages := fs.Bool("stages", true, "time each pipeline stage on its own first (--stages=false: end to end only)")
	rounds := fs.Int("rounds", 2, "end-to-end rounds with and without the lexical index, alternating (best and median reported)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return fmt.Errorf("bench ingest: %w", err)
	}
	defer stopProfile()
	if *rows <= 0 {
		return fmt.Errorf("bench ingest: --rows must be positive")
	}
	if *rounds <= 0 {
		return fmt.Errorf("bench ingest: --rounds must be positive")
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))

	rep := ingestReport{Source: "built-in demo catalogue", Schema: "built-in demo schema", Rows: *rows,
		Workers: *workers, BatchSize: *batch, CPUs: runtime.NumCPU(), Sync: !*noSync, Rounds: *rounds}
	if rep.Workers <= 0 {
		rep.Workers = runtime.GOMAXPROCS(0)
	}
	if rep.BatchSize <= 0 {
		rep.BatchSize = ingest.DefaultBatchSize
	}
	src, schema := datasets.DemoCatalogue(), datasets.DemoSchema()
	if *file != "" {
		var err error
		if src, err = os.ReadFile(*file); err != nil {
			return fmt.Errorf("bench ingest: %w", err)
		}
		rep.Source = *file
	}
	if *schemaPath != "" {
		var err error
		if schema, err = os.ReadFile(*schemaPath); err != nil {
			return fmt.Errorf("bench ingest: %w", err)
		}
		rep.Schema = *schemaPath
	}
	s, err := spaces.ParseSchema(schema)
	if err != nil {
		return fmt.Errorf("bench ingest: %s: %w", rep.Schema, err)
	}

	tmp, err := os.MkdirTemp("", "tessera-bench-ingest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	scaled := filepath.Join(tmp, "scaled.csv")
	if rep.FileBytes, err = replicateCSV(src, s, *rows, 1, scaled); err != nil {
		return fmt.Errorf("bench ingest: %s: %w", rep.Source, err)
	}
	emb, err := newEmbedder(*embedder)
	if err != nil {
		return err
	}
	rep.Embedder = emb.Name()
	open := func(dir string) (*tessera.DB, error) {
		return tessera.Open(ctx, tessera.Options{DataDir: filepath.Join(tmp, dir), Schema: schema, Embedder: emb, NoSync: *noSync})
	}
	endToEnd := func(dir string, noLexical bool) (stageResult, string, int64, error) {
		db, err := tessera.Open(ctx, tessera.Options{DataDir: filepath.Join(tmp, dir), Schema: schema, Embedder: emb, NoSync: *noSync, NoLexical: noLexical})
		if err != nil {
			return stageResult{}, "", 0, err
		}
		defer db.Close()
		start, cpu := time.Now(), processCPU()
		sum, err := db.Applier.IngestFile(ctx, scaled, ingest.BulkOptions{Workers: rep.Workers, BatchSize: rep.BatchSize})
		if err != nil {
			return stageResult{}, "", 0, fmt.Errorf("bench ingest: %w", err)
		}
		name := "end to end (IngestFile)"
		if noLexical {
			name = "end to end, no lexical index"
		}
		res := stage(name, sum.Read, time.Since(start))
		res.CPUPerRow = float64((processCPU() - cpu).Microseconds()) / float64(max(sum.Read, 1))
		return res, sum.String(), db.Collection.LexicalBytes(), nil
	}

	// Stages, each timed on its own.
	db, err := open("stages")
	if err != nil {
		return err
	}
	defer db.Close()
	rep.Dim = db.Encoder.Dim()
	if *withStages {
		stages, err := benchStages(ctx, db, s, scaled, rep.Workers, rep.BatchSize)
		if err != nil {
			return fmt.Errorf("bench ingest: %w", err)
		}
		rep.Stages = stages
	}
	db.Close()

	// End to end, into fresh data directories, with and without the
	// lexical index alternately, so the lexical index's cost is a ratio
	// measured side by side.
	var withLex []stageResult
	for round := range *rounds {
		for _, noLex := range []bool{false, true} {
			res, summary, lexBytes, err := endToEnd(fmt.Sprintf("e2e-%d-%v", round, noLex), noLex)
			if err != nil {
				return err
			}
			if noLex {
				if res.RowsPerSec > rep.NoLexical.RowsPerSec {
					rep.NoLexical = res
				}
				continue
			}
			withLex = append(withLex, res)
			if res.RowsPerSec > rep.EndToEnd.RowsPerSec {
				rep.EndToEnd, rep.Summary = res, summary
				rep.LexicalBytesPerRow = float64(lexBytes) / float64(res.Rows)
			}
		}
	}

	rep.EndToEndMedian = medianStage(withLex)

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.writeText(stdout)
}

func (r ingestReport) writeText(w io.Writer) error {
	sync := "on"
	if !r.Sync {
		sync = "off (--nosync)"
	}
	fmt.Fprintf(w, "source   %s, scaled to %d rows (%.1f MB)\nschema   %s, %d dims, embedder %s\n",
		r.Source, r.Rows, float64(r.FileBytes)/1e6, r.Schema, r.Dim, r.Embedder)
	fmt.Fprintf(w, "workers  %d, batch %d rows, %d CPUs, fsync %s\n\n", r.Workers, r.BatchSize, r.CPUs, sync)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stage\trows\tseconds\trows/s\t")
	for _, s := range append(r.Stages, r.EndToEnd, r.NoLexical) {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.0f\t\n", s.Name, s.Rows, s.Seconds, s.RowsPerSec)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.NoLexical.RowsPerSec > 0 {
		fmt.Fprintf(w, "\nend to end, best of %d rounds each: with the lexical index %.0f rows/s, without %.0f rows/s (%.2f×); lexical index %.0f B/row\n",
			r.Rounds, r.EndToEnd.RowsPerSec, r.NoLexical.RowsPerSec, r.EndToEnd.RowsPerSec/r.NoLexical.RowsPerSec, r.LexicalBytesPerRow)
		fmt.Fprintf(w, "end to end with the lexical index, median round: %.0f rows/s, process CPU %.1f µs/row (best round %.1f µs/row)\n",
			r.EndToEndMedian.RowsPerSec, r.EndToEndMedian.CPUPerRow, r.EndToEnd.CPUPerRow)
	}
	_, err := fmt.Fprintf(w, "\n%s\n", r.Summary)
	return err
}

// medianStage is the round with the median rate, carrying the median CPU
// per row (the two medians need not come from one round). With an even
// number of rounds it takes the upper of the two middle ones: with the
// default two, the faster round and the higher CPU per row.
func medianStage(rounds []stageResult) stageResult {
	if len(rounds) == 0 {
		return stageResult{}
	}
	byRate := slices.Clone(rounds)
	slices.SortFunc(byRate, func(a, b stageResult) int { return cmp.Compare(a.RowsPerSec, b.RowsPerSec) })
	byCPU := slices.Clone(rounds)
	slices.SortFunc(byCPU, func(a, b stageResult) int { return cmp.Compare(a.CPUPerRow, b.CPUPerRow) })
	m := byRate[len(byRate)/2]
	m.CPUPerRow = byCPU[len(byCPU)/2].CPUPerRow
	return m
}

// benchStages times the pipeline's stages one after the other on the same
// rows: each stage's rate is its own cost, without overlap.
func benchStages(ctx context.Context, db *tessera.DB, s *spaces.Schema, path string, workers, size int) ([]stageResult, error) {
	var out []stageResult

	// Parse only.
	start := time.Now()
	n, err := eachRecord(ctx, path, func(read.Record) {})
	if err != nil {
		return nil, err
	}
	out = append(out, stage("parse", n, time.Since(start)))

	// Parse and clean (Prepare: clean, validate, learn categories).
	a := db.Applier
	var batches [][]ingest.Item
	events := make([]ingest.Event, 0, size)
	start = time.Now()
	n, err = eachRecord(ctx, path, func(rec read.Record) {
		fields := make(map[string]any, len(s.Fields))
		for name, f := range s.Fields {
			if v, ok := rec.Values[f.SourceColumn(name)]; ok {
				fields[name] = v
			}
		}
		events = append(events, ingest.Event{Op: ingest.OpReplace, Fields: fields, Row: rec.Row})
		if len(events) == size {
			batches = append(batches, a.Prepare(events))
			events = events[:0]
		}
	})
	if err != nil {
		return nil, err
	}
	if len(events) > 0 {
		batches = append(batches, a.Prepare(events))
	}
	out = append(out, stage("parse + clean", n, time.Since(start)))

	// Encode only, batches spread over the workers as in the pipeline.
	start = time.Now()
	work := make(chan []ingest.Item)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for items := range work {
				if err := a.Encode(ctx, items); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for _, b := range batches {
		work <- b
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	out = append(out, stage("encode", n, time.Since(start)))

	// Commit: merge, write-ahead log (fsync per batch unless --nosync),
	// index.
	start = time.Now()
	for _, b := range batches {
		if _, err := a.Commit(ctx, b); err != nil {
			return nil, err
		}
	}
	out = append(out, stage("index + commit", n, time.Since(start)))
	return out, nil
}

// eachRecord reads every record of path, failing on any bad row: the
// scaled file is well formed.
func eachRecord(ctx context.Context, path string, fn func(read.Record)) (int, error) {
	r, err := read.Open(path, read.Options{})
	if err != nil {
		return 0, err
	}
	defer r.Close()
	n := 0
	for {
		rec, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		fn(rec)
		n++
	}
}
