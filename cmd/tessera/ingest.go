package main

import (
	"context"
	"flag"
	"fmt"
	tessera "github.com/tessera-search/tessera"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/tessera-search/tessera/ingest"
)

func ingestCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", defaultDataDir(), "data directory")
	schemaPath := fs.String("schema", "", "schema file (default: the saved copy in --data, else the built-in demo)")
	embedder := fs.String("embedder", "", "text embedder: builtin (default) or openai")
	rejects := fs.String("rejects", "", "write rejected rows here as NDJSON (default: DATA/rejects-<time>.ndjson when any)")
	sheet := fs.String("sheet", "", "xlsx sheet name or 1-based index")
	format := fs.String("format", "", "csv, tsv, xlsx, ndjson or json (default: from the file name)")
	store := fs.String("store", os.Getenv("TESSERA_STORE"), "mongodb:// URI of the system of record: rows are written there too")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("ingest: no files given")
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	a, err := tessera.Open(ctx, tessera.Options{DataDir: *data, SchemaPath: *schemaPath, EmbedderKind: *embedder, Store: *store})
	if err != nil {
		return err
	}
	defer a.Close()
	rejPath := *rejects
	if rejPath == "" {
		rejPath = fmt.Sprintf("%s/rejects-%s.ndjson", *data, time.Now().UTC().Format("20060102T150405"))
	}
	rejFile, err := os.Create(rejPath)
	if err != nil {
		return fmt.Errorf("rejects file: %w", err)
	}
	anyRejected := false
	defer func() {
		rejFile.Close()
		if !anyRejected && *rejects == "" {
			os.Remove(rejPath)
		}
	}()
	for _, path := range files {
		opt := ingest.BulkOptions{Rejects: rejFile}
		opt.Read.Sheet, opt.Read.Format = *sheet, *format
		var bar *progressbar.ProgressBar
		if f, ok := stderr.(*os.File); ok && isTerminal(f) {
			bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription(path),
				progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
				progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
			opt.Progress = func(p ingest.Progress) { _ = bar.Set(p.Read) }
		} else {
			last := time.Now()
			opt.Progress = func(p ingest.Progress) {
				if time.Since(last) >= 2*time.Second {
					last = time.Now()
					fmt.Fprintf(stderr, "%s: %d rows read\n", path, p.Read)
				}
			}
		}
		sum, err := a.Applier.IngestFile(ctx, path, opt)
		if bar != nil {
			_ = bar.Finish()
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, sum.String())
		for _, w := range sum.Warnings {
			fmt.Fprintln(stdout, "  warning:", w)
		}
		if sum.Rejected > 0 {
			anyRejected = true
			fmt.Fprintf(stdout, "  %d rejected rows written to %s\n", sum.Rejected, rejPath)
			for i, p := range sum.Problems {
				if i == 5 {
					fmt.Fprintf(stdout, "  … and %d more\n", len(sum.Problems)-5)
					break
				}
				fmt.Fprintln(stdout, " ", p)
			}
		}
	}
	return a.Collection.Snapshot()
}
