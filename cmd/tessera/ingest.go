package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
)

// maxRejects is --max-rejects: how many rejected rows a file may have
// before the command fails, as a count or a percentage of its rows.
type maxRejects struct {
	n       int
	percent float64
	isPct   bool
}

func (m *maxRejects) String() string {
	if m.isPct {
		return strconv.FormatFloat(m.percent, 'f', -1, 64) + "%"
	}
	return strconv.Itoa(m.n)
}

func (m *maxRejects) Set(s string) error {
	if p, ok := strings.CutSuffix(strings.TrimSpace(s), "%"); ok {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || v < 0 || v > 100 {
			return fmt.Errorf("want a count or a percentage from 0%% to 100%%, got %q", s)
		}
		*m = maxRejects{percent: v, isPct: true}
		return nil
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v < 0 {
		return fmt.Errorf("want a count or a percentage such as 1%%, got %q", s)
	}
	*m = maxRejects{n: v}
	return nil
}

// allows reports whether a file with rejected of read rows rejected is
// within the limit.
func (m *maxRejects) allows(rejected, read int) bool {
	if m.isPct {
		return float64(rejected)*100 <= m.percent*float64(read)
	}
	return rejected <= m.n
}

// ingestOptions are the flags both ways of ingesting share.
type ingestOptions struct {
	rejects    string
	sheet      string
	format     string
	maxRejects maxRejects
}

func ingestCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ingest", stdout)
	data := fs.String("data", defaultDataDir(), "data directory (env TESSERA_DATA)")
	schemaPath := fs.String("schema", "", "schema `FILE`, needed for a new data directory (later runs use the copy saved there)")
	embedder := fs.String("embedder", "", "text embedder `NAME`: builtin or openai (default: TESSERA_EMBEDDER, else builtin)")
	store := fs.String("store", os.Getenv("TESSERA_STORE"), "mongodb:// URI of the system of record: rows are written there too (env TESSERA_STORE)")
	server := fs.String("server", "", "send the files to the tessera server at this `URL` instead of opening a data directory")
	apiKey := fs.String("api-key", os.Getenv("TESSERA_API_KEY"), "API key with write access, for --server (env TESSERA_API_KEY)")
	var o ingestOptions
	fs.StringVar(&o.rejects, "rejects", "", "write rejected rows to `FILE` as NDJSON (default: DATA/rejects-<UTC time>.ndjson, removed when nothing is rejected)")
	fs.StringVar(&o.sheet, "sheet", "", "Excel sheet `NAME` or 1-based index (default: the schema's ingest.sheet, else the first)")
	fs.StringVar(&o.format, "format", "", "file `FORMAT`: csv, tsv, xlsx, ndjson or json (default: from the file name, then by sniffing)")
	fs.Var(&o.maxRejects, "max-rejects", "how many rejected rows a file may have, a count or a percentage of its rows, before the command fails (default 0: any reject fails)")
	files, err := fs.ParseInterspersed(args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return errors.New("ingest: no files given (see tessera ingest -h)")
	}
	if *server != "" {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for _, name := range []string{"data", "schema", "embedder", "store"} {
			if set[name] {
				return fmt.Errorf("ingest: --%s does not go with --server: the server ingests with its own data directory and schema", name)
			}
		}
		return ingestRemote(ctx, *server, *apiKey, files, o, stdout, stderr)
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	opts, err := withModels(tessera.Options{DataDir: *data, SchemaPath: *schemaPath, Store: *store,
		RequireSchema: true, Holder: tessera.Holder{Command: "tessera ingest"}}, *embedder)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	a, err := tessera.Open(ctx, opts)
	if err != nil {
		var le *tessera.LockedError
		if errors.As(err, &le) && le.Holder.Addr != "" {
			return fmt.Errorf("ingest: %w; stop it first, or send the files to it: tessera ingest --server %s FILE...", err, le.Holder.Addr)
		}
		return fmt.Errorf("ingest: %w", err)
	}
	defer a.Close()
	rejPath := o.rejects
	if rejPath == "" {
		rejPath = filepath.Join(*data, fmt.Sprintf("rejects-%s.ndjson", time.Now().UTC().Format("20060102T150405")))
	}
	rejFile, err := os.Create(rejPath)
	if err != nil {
		return fmt.Errorf("ingest: rejects file: %w", err)
	}
	anyRejected := false
	defer func() {
		rejFile.Close()
		if !anyRejected && o.rejects == "" {
			os.Remove(rejPath)
		}
	}()
	var over []string
	wrote := false
	for _, path := range files {
		opt := ingest.BulkOptions{Rejects: rejFile}
		opt.Read.Sheet, opt.Read.Format = o.sheet, o.format
		p := newProgress(stderr, filepath.Base(path), fileSize(path))
		opt.Progress = func(pr ingest.Progress) { p.update(pr.Read, pr.Fraction) }
		sum, err := a.Applier.IngestFile(ctx, path, opt)
		p.done()
		if err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
		if sum.Rejected > 0 {
			anyRejected = true
		}
		if sum.Ingested > sum.Unchanged || sum.Merged > 0 {
			wrote = true
		}
		if msg := report(stdout, sum, rejPath, &o.maxRejects); msg != "" {
			over = append(over, msg)
		}
	}
	// A snapshot rewrites every document: after a run that stored nothing
	// new (every row unchanged or rejected) the last one is still current.
	if wrote {
		if err := a.Collection.Snapshot(); err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
	}
	return overLimit(over)
}

// report prints a file's summary, warnings and first problems, and
// returns why the file breaks --max-rejects ("" when it does not).
func report(stdout io.Writer, sum ingest.Summary, rejPath string, limit *maxRejects) string {
	fmt.Fprintln(stdout, sum.String())
	for _, w := range sum.Warnings {
		fmt.Fprintln(stdout, "  warning:", w)
	}
	if sum.Rejected > 0 {
		if rejPath != "" {
			fmt.Fprintf(stdout, "  %d rejected rows written to %s\n", sum.Rejected, rejPath)
		}
		for i, p := range sum.Problems {
			if i == 5 {
				fmt.Fprintf(stdout, "  … and %d more\n", len(sum.Problems)-5)
				break
			}
			fmt.Fprintln(stdout, " ", p)
		}
	}
	if limit.allows(sum.Rejected, sum.Read) {
		return ""
	}
	return fmt.Sprintf("%s: %d of %d rows rejected, over --max-rejects %s", sum.File, sum.Rejected, sum.Read, limit)
}

// overLimit is the command's error when files broke --max-rejects: the
// other rows are stored, but a script must not take the run for a clean
// one.
func overLimit(over []string) error {
	if len(over) == 0 {
		return nil
	}
	return fmt.Errorf("ingest: %s (the other rows are stored; raise --max-rejects to accept this)", strings.Join(over, "; "))
}

// fileSize is the size of the file at path, or 0 when it is unknown.
func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return 0
	}
	return st.Size()
}
