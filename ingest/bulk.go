package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest/read"
)

// BulkOptions tune one bulk ingestion.
type BulkOptions struct {
	Read read.Options
	// Workers encode batches in parallel; 0 means GOMAXPROCS.
	Workers int
	// BatchSize rows go through the pipeline together; 0 means
	// DefaultBatchSize.
	BatchSize int
	// Rejects, when set, receives one NDJSON Problem per rejected row.
	Rejects io.Writer
	// Progress, when set, is called after every committed batch.
	Progress func(Progress)
	// MaxProblems caps the problems kept in the Summary (all go to
	// Rejects); 0 means 1,000.
	MaxProblems int
}

// Progress is a running count during a bulk ingestion.
type Progress struct {
	Read     int     `json:"read"`
	Fraction float64 `json:"progress"` // of the input bytes, when the reader knows them; else 0
}

// Summary accounts for every row of a bulk ingestion:
// Read = Ingested + Merged + Rejected always holds.
type Summary struct {
	File      string `json:"file"`
	Read      int    `json:"read"`
	Ingested  int    `json:"ingested"`  // rows whose id first appeared in this file
	Updated   int    `json:"updated"`   // of Ingested, rows that replaced a different document stored before this file
	Unchanged int    `json:"unchanged"` // of Ingested, rows identical to the stored document: nothing was written
	Merged    int    `json:"merged"`    // later rows for an id seen earlier in this file: they replaced it
	// RepeatedIDs is how many ids have more than one row in this file
	// (Merged counts their rows after the first). The last row wins, and
	// such an id's Updated or Unchanged compares its last row with what
	// was stored before the file.
	RepeatedIDs int       `json:"repeated_ids"`
	Rejected    int       `json:"rejected"`
	Problems    []Problem `json:"rejects,omitempty"`
	Warnings    []string  `json:"warnings,omitempty"`
	Seconds     float64   `json:"seconds"`
	RowsPerSec  float64   `json:"rows_per_s"`
}

// String is the one-line account the CLI prints.
func (s Summary) String() string {
	repeated := ""
	if s.RepeatedIDs > 0 {
		repeated = fmt.Sprintf("%d ids repeated in the file, ", s.RepeatedIDs)
	}
	return fmt.Sprintf("%s: read %d = ingested %d + merged duplicates %d + rejected %d; %d new, %d updated, %d unchanged (%s%.1fs, %.0f rows/s)",
		s.File, s.Read, s.Ingested, s.Merged, s.Rejected, s.Ingested-s.Updated-s.Unchanged, s.Updated, s.Unchanged, repeated, s.Seconds, s.RowsPerSec)
}

type batch struct {
	seq   int
	items []Item
	err   error
	read  int
	frac  float64
	// consumed and size are Consumed's figures after the batch's last
	// row, when the reader knows them (size 0 otherwise).
	consumed, size int64
}

// IngestFile reads a CSV, TSV, XLSX, NDJSON or JSON file into the
// collection through the apply path.
func (a *Applier) IngestFile(ctx context.Context, path string, opt BulkOptions) (Summary, error) {
	return a.ingestPath(ctx, path, filepath.Base(path), opt)
}

func (a *Applier) ingestPath(ctx context.Context, path, name string, opt BulkOptions) (Summary, error) {
	a = a.current()
	// The schema's ingest options are the defaults for its files.
	d := a.schema.Ingest
	if opt.Read.Format == "" {
		opt.Read.Format = d.Format
	}
	if opt.Read.Sheet == "" {
		opt.Read.Sheet = d.Sheet
	}
	if opt.Read.Delimiter == 0 {
		switch r := []rune(d.Delimiter); {
		case len(r) == 1:
			opt.Read.Delimiter = r[0]
		case d.Delimiter == `\t`, d.Delimiter == "tab":
			opt.Read.Delimiter = '\t'
		}
	}
	r, err := read.Open(path, opt.Read)
	if err != nil {
		return Summary{File: name}, fmt.Errorf("%s: %w", name, err)
	}
	defer r.Close()
	return a.Ingest(ctx, r, name, opt)
}

// Ingest streams rows from r through parse → clean → encode → commit with
// bounded queues: memory stays constant whatever the file size.
func (a *Applier) Ingest(ctx context.Context, r read.Reader, name string, opt BulkOptions) (Summary, error) {
	a = a.current()
	start := time.Now()
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultBatchSize
	}
	if opt.MaxProblems <= 0 {
		opt.MaxProblems = 1000
	}
	sum := Summary{File: name, Warnings: a.checkColumns(r.Columns())}
	daysBefore := a.newestDays()
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	toEncode := make(chan *batch, opt.Workers)
	toCommit := make(chan *batch, opt.Workers*2)
	var readErr error
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(toEncode)
		readErr = a.readBatches(ctx, r, name, opt.BatchSize, toEncode)
	}()
	var wg sync.WaitGroup
	for w := 0; w < opt.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range toEncode {
				b.err = retry(ctx, "encode batch", func() error { return a.Encode(ctx, b.items) })
				select {
				case toCommit <- b:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(toCommit) }()

	seen := fileIDs{ids: map[string]idState{}}
	waiting := map[int]*batch{}
	next := 0
	var rejects *json.Encoder
	if opt.Rejects != nil {
		rejects = json.NewEncoder(opt.Rejects)
	}
	var commitErr error
	lastFrac := 0.0
	reserved := false
	for b := range toCommit {
		if commitErr != nil {
			continue
		}
		waiting[b.seq] = b
		for {
			b, ok := waiting[next]
			if !ok {
				break
			}
			delete(waiting, next)
			next++
			if err := a.commitBatch(ctx, b, &sum, &seen, rejects, opt.MaxProblems); err != nil {
				commitErr = err
				cancel()
				break
			}
			if !reserved && b.size > 0 && b.consumed >= max(reserveAfter, b.size/20) {
				reserved = true
				a.reserve(sum, float64(b.consumed)/float64(b.size))
			}
			if opt.Progress != nil {
				opt.Progress(Progress{Read: sum.Read, Fraction: b.frac})
				lastFrac = b.frac
			}
		}
	}
	seen.settle(&sum)
	// The reader must be finished before readErr is read and before the
	// caller closes r, also when encoding or committing failed first.
	cancel()
	<-readDone
	sum.Seconds = time.Since(start).Seconds()
	if sum.Seconds > 0 {
		sum.RowsPerSec = float64(sum.Read) / sum.Seconds
	}
	if commitErr != nil {
		return sum, commitErr
	}
	if opt.Progress != nil && readErr == nil && parent.Err() == nil && lastFrac != 1 {
		opt.Progress(Progress{Read: sum.Read, Fraction: 1})
	}
	if readErr != nil && !errors.Is(readErr, context.Canceled) {
		return sum, readErr
	}
	if err := parent.Err(); err != nil {
		return sum, err
	}
	// "done" with nothing read looks like success to a client polling the
	// job; a file with a header and no rows is almost always the wrong
	// file, sheet or format.
	if sum.Read == 0 {
		return sum, fmt.Errorf("%s: %w", name, ErrNoRows)
	}
	if a.newestDays() != daysBefore {
		// Rows were encoded against the newest value seen so far; the file
		// moved it, so the recency parts are re-encoded against the final one.
		if _, err := a.RefreshRecency(parent); err != nil {
			return sum, fmt.Errorf("%s: re-encode recency against the newest value: %w", name, err)
		}
	}
	return sum, nil
}

// DefaultBatchSize is how many rows of a bulk file go through the pipeline
// together (encoded together, committed in one write-ahead log frame and
// fsync). Against 512: 19,100–19,900 rows/s against 16,800–19,500 and
// 98–106 µs of CPU a row against 108–117, five rounds alternating
// (tessera-bench ingest --rows 100000 --stages=false --batch N); 4,096 was
// no better than 2,048. The cost is memory: up to about ten batches are in
// flight (read, encoding, queued, committing): 20,000 rows, an estimated
// 80 MB at the demo schema's 476 dimensions (not measured).
const DefaultBatchSize = 2048

// reserveAfter is how many bytes of a file its rows must have come from
// (and at least a twentieth of it) before the file's new rows are
// projected for Collection.Reserve. Consumed is a lower bound, short by
// at most the reader's read-ahead (160 KiB), so the projection errs high,
// by at most a sixth here and by less the larger the file.
const reserveAfter = 1 << 20

// reserve makes room in the collection for the new rows a file will still
// bring, projected from the share of it the rows so far came from. Rows
// that update stored ones need no room, so a re-ingested file reserves
// nothing. A low projection only leaves the rest to the graph's usual
// growth.
func (a *Applier) reserve(sum Summary, frac float64) {
	fresh := sum.Ingested - sum.Updated - sum.Unchanged
	if fresh <= 0 || frac <= 0 || frac >= 1 {
		return
	}
	more := float64(fresh) * (1 - frac) / frac * 1.05
	a.coll.Reserve(int(more))
}

// ErrNoRows is the error of a bulk ingestion that read no data row.
var ErrNoRows = errors.New("no data rows after the header (wrong file, sheet or format?)")

// newestDays is the day of each as_of: newest recency space's newest value:
// a recency part depends on the day only (its reference is the next
// midnight), so only a new day makes stored parts stale.
func (a *Applier) newestDays() string {
	newest := a.enc.Newest()
	days := make([]string, 0, len(newest))
	for name, t := range newest {
		days = append(days, name+"="+t.Format("2006-01-02"))
	}
	sort.Strings(days)
	return strings.Join(days, ";")
}

func (a *Applier) commitBatch(ctx context.Context, b *batch, sum *Summary, seen *fileIDs, rejects *json.Encoder, maxProblems int) error {
	if b.err != nil {
		return b.err
	}
	before := seen.storedBefore(a.coll, b.items)
	firstStored := map[string]map[string]any{} // for repeats within this batch
	res, err := a.Commit(ctx, b.items)
	if err != nil {
		return err
	}
	for i, r := range res {
		// A reader error can stand for several source rows (an unclosed
		// quote swallows the lines after it): every one is counted.
		rows := max(b.items[i].rows, 1)
		sum.Read += rows
		if r.Status == StatusRejected {
			sum.Rejected += rows
			for _, p := range r.Problems {
				if len(sum.Problems) < maxProblems {
					sum.Problems = append(sum.Problems, p)
				}
				if rejects != nil {
					if err := rejects.Encode(p); err != nil {
						return fmt.Errorf("write rejects: %w", err)
					}
				}
			}
			continue
		}
		if seen.repeat(&b.items[i], firstStored[b.items[i].ID]) {
			sum.Merged++
			continue
		}
		seen.first(&b.items[i], r.Outcome, before[i])
		if before[i] != nil {
			firstStored[b.items[i].ID] = before[i]
		}
		sum.Ingested++
		switch r.Outcome {
		case index.Updated.String():
			sum.Updated++
		case index.Unchanged.String():
			sum.Unchanged++
		}
	}
	return nil
}

// readBatches is the sequential first stage: read, map columns to fields,
// clean and learn (Prepare), in file order.
func (a *Applier) readBatches(ctx context.Context, r read.Reader, name string, size int, out chan<- *batch) error {
	seq := 0
	events := make([]Event, 0, size)
	var rowErrs []Problem
	var rowSpans []int
	// fraction is how far through its input the reader is, when it knows;
	// 1 is kept for the end, so a running job never shows 100 %.
	fraction := func() float64 { return 0 }
	if f, ok := r.(interface{ Fraction() float64 }); ok {
		fraction = func() float64 { return min(f.Fraction(), 0.99) }
	}
	consumed := func() (int64, int64) { return 0, 0 }
	if c, ok := r.(interface{ Consumed() (int64, int64) }); ok {
		consumed = c.Consumed
	}
	flush := func(frac float64) bool {
		if len(events) == 0 && len(rowErrs) == 0 {
			return true
		}
		items := a.Prepare(events)
		for i, p := range rowErrs {
			items = append(items, Item{Event: Event{Source: name, Row: p.Row}, problems: []Problem{p}, rows: rowSpans[i]})
		}
		if len(rowErrs) > 0 {
			// Keep file order, so rejects are reported in row order.
			sort.SliceStable(items, func(i, j int) bool { return items[i].Row < items[j].Row })
		}
		b := &batch{seq: seq, items: items, frac: frac}
		b.consumed, b.size = consumed()
		seq++
		events, rowErrs, rowSpans = make([]Event, 0, size), nil, nil
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		rec, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			flush(1)
			return nil
		}
		var rowErr *read.RowError
		if errors.As(err, &rowErr) {
			// Row and column have fields of their own; the reason keeps
			// the physical line, which a ragged row's row number may not
			// find.
			rowErrs = append(rowErrs, Problem{File: name, Row: rowErr.Row, Column: rowErr.Column,
				Reason: fmt.Sprintf("line %d: %v", rowErr.Line, rowErr.Err)})
			rowSpans = append(rowSpans, max(rowErr.Rows, 1))
		} else if err != nil {
			flush(0)
			return fmt.Errorf("%s: %w", name, err)
		} else {
			events = append(events, Event{Op: OpReplace, Fields: a.fieldsOf(rec.Values), Source: name, Row: rec.Row})
		}
		if len(events)+len(rowErrs) >= size {
			if !flush(fraction()) {
				return ctx.Err()
			}
		}
	}
}

// fieldsOf maps a source row's columns onto schema fields.
func (a *Applier) fieldsOf(values map[string]any) map[string]any {
	fields := make(map[string]any, len(a.schema.Fields))
	for name, f := range a.schema.Fields {
		if v, ok := values[f.SourceColumn(name)]; ok {
			fields[name] = v
		}
	}
	return fields
}

// checkColumns warns about schema fields whose source column the file lacks.
func (a *Applier) checkColumns(cols []string) []string {
	have := map[string]bool{}
	for _, c := range cols {
		have[c] = true
	}
	var warn []string
	for _, name := range a.schema.FieldNames() {
		col := a.schema.Fields[name].SourceColumn(name)
		if !have[col] {
			warn = append(warn, fmt.Sprintf("column %q (field %s) is not in the file: the field is missing on every row", col, name))
		}
	}
	return warn
}
