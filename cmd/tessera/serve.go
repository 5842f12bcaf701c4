package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/web"
)

func serveCmd(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	data := fs.String("data", defaultDataDir(), "data directory (documents, vectors, write-ahead log)")
	schemaPath := fs.String("schema", "", "schema file (default: the saved copy in --data, else the built-in demo)")
	embedder := fs.String("embedder", "", "text embedder: builtin (default) or openai (env TESSERA_EMBEDDER)")
	recencyEvery := fs.Duration("recency-refresh", time.Hour, "how often recency parts are re-encoded (0 disables)")
	store := fs.String("store", os.Getenv("TESSERA_STORE"), "mongodb:// URI of the system of record (MongoDB-backed replicas)")
	followPoll := fs.Duration("follow-poll", time.Second, "store follower polling interval (where change streams are missing)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	slog.SetDefault(logger)

	a, err := tessera.Open(ctx, tessera.Options{DataDir: *data, SchemaPath: *schemaPath, EmbedderKind: *embedder, Logger: logger,
		Store: *store, FollowPoll: *followPoll})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.LoadDemo(ctx); err != nil {
		return err
	}
	if n, err := a.Applier.RefreshRecency(ctx); err != nil {
		return fmt.Errorf("refresh recency: %w", err)
	} else if n > 0 {
		logger.Info("re-encoded recency parts", "documents", n)
	}

	// Background work lives until the server has drained.
	work, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	stream := ingest.NewStream(work, a.Applier, ingest.StreamOptions{})
	jobs := ingest.NewJobs(a.Applier)
	if *recencyEvery > 0 && a.Encoder.RecencySpaces() != nil {
		go refreshLoop(work, a, *recencyEvery)
	}
	if a.Follower != nil {
		go func() {
			if err := a.Follower.Run(work); err != nil {
				logger.Error("store follower stopped", "err", err)
			}
		}()
	}
	srv := web.New(web.Config{
		Applier: a.Applier, Engine: a.Engine, Stream: stream, Jobs: jobs, Context: work,
		UploadDir: filepath.Join(*data, "uploads"), Logger: logger,
		Ready: func() error {
			rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			return a.Ready(rctx)
		},
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	logger.Info("tessera serving", "addr", "http://"+ln.Addr().String(), "data", *data, "schema", a.Schema.Name, "documents", a.Collection.Len())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Graceful shutdown: stop accepting, finish requests and the apply
	// queue, snapshot, exit.
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("http shutdown", "err", err)
	}
	stopWork()
	<-stream.Done()
	jobs.Wait()
	if err := a.Collection.Snapshot(); err != nil {
		return fmt.Errorf("final snapshot: %w", err)
	}
	logger.Info("stopped cleanly", "documents", a.Collection.Len())
	return nil
}

func refreshLoop(ctx context.Context, a *tessera.DB, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := a.Applier.RefreshRecency(ctx); err != nil {
				slog.Error("recency refresh", "err", err)
			} else {
				slog.Info("re-encoded recency parts", "documents", n)
			}
		}
	}
}

// stderrIsTerminal reports whether stderr is a terminal (for progress bars).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
