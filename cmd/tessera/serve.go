package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/config"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/breaker"
	"github.com/tessera-search/tessera/web"
)

// serveCmd runs `tessera serve`. Settings come from flags, TESSERA_*
// variables and an optional --config file (see the config package). The
// listener opens before the data directory so that /healthz answers and
// /readyz says "starting" while the write-ahead log replays.
func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stdout)
	loader := config.Flags(fs.FlagSet)
	// A one-off recovery, not a setting: it is never read from the
	// configuration file or the environment.
	walTruncateAt := fs.Int64("wal-truncate-at", -1, "recover from a corrupt write-ahead log: keep the frames before this byte offset (the refusal to start names it) and discard the rest; a copy of the whole log is kept")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected arguments %q", fs.Args())
	}
	cfg, err := loader.Load(nil)
	if err != nil {
		return err
	}
	if err := cfg.CheckBind(); err != nil {
		return err
	}
	logger := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	slog.SetDefault(logger)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	var handler atomic.Pointer[http.Handler]
	starting := startingHandler()
	handler.Store(&starting)
	hs := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load()).ServeHTTP(w, r) }),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout, ReadTimeout: cfg.ReadTimeout, WriteTimeout: cfg.WriteTimeout,
		IdleTimeout: cfg.IdleTimeout, MaxHeaderBytes: 1 << 20,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	defer hs.Close()
	logger.Info("tessera starting", "addr", "http://"+ln.Addr().String(), "data", cfg.Data)

	metrics := web.NewMetrics()
	emb, err := tessera.NewEmbedder(cfg.Embedder, cfg.OpenAI())
	if err != nil {
		return err
	}
	if b, ok := emb.(*breaker.Breaker); ok {
		b.OnStateChange(func(from, to breaker.State) {
			logger.Warn("text embedder circuit "+to.String(), "from", from.String(), "embedder", b.Name())
		})
	}
	a, err := tessera.Open(ctx, tessera.Options{DataDir: cfg.Data, SchemaPath: cfg.Schema, Embedder: metrics.InstrumentEmbedder(emb),
		LLM: cfg.LLM(), Logger: logger, Store: cfg.Store, FollowPoll: cfg.FollowPoll,
		Holder:    tessera.Holder{Command: "tessera serve", Addr: clientURL(ln.Addr())},
		OnWALSync: metrics.ObserveWALSync, OnSnapshot: metrics.ObserveSnapshot,
		TruncateWAL: *walTruncateAt >= 0, TruncateWALAt: *walTruncateAt})
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.Search == "atlas" {
		if err := a.UseAtlas(cfg.AtlasIndex); err != nil {
			return err
		}
	}
	if err := a.LoadDemo(ctx); err != nil {
		return err
	}

	// Background work lives until the server has drained.
	work, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	stream := ingest.NewStream(work, a.Applier, ingest.StreamOptions{})
	jobs := ingest.NewJobs(a.Applier)
	if cfg.RecencyRefresh > 0 && a.Encoder.RecencySpaces() != nil {
		go refreshLoop(work, a, cfg.RecencyRefresh)
	}
	sources, err := openSources(cfg.StreamSources, logger)
	if err != nil {
		return err
	}
	sourcesDone := runSources(work, sources, stream, logger)
	if a.Follower != nil {
		go func() {
			if err := a.Follower.Run(work); err != nil {
				logger.Error("store follower stopped", "err", err)
			}
		}()
	}
	keys := make([]web.APIKey, len(cfg.APIKeys))
	for i, k := range cfg.APIKeys {
		keys[i] = web.APIKey{Key: k.Key, Write: k.Access == config.Write}
	}
	srv := web.New(web.Config{
		Applier: a.Applier, Engine: a.Engine, Stream: stream, Sources: sources, Jobs: jobs, Context: work,
		UploadDir: filepath.Join(cfg.Data, "uploads"), Logger: logger, Metrics: metrics,
		MaxBodyBytes: cfg.MaxBodyBytes, MaxUploadBytes: cfg.MaxUploadBytes, UploadTimeout: cfg.UploadTimeout,
		APIKeys: keys, PublicRead: cfg.PublicRead, CORSOrigins: cfg.CORSOrigins,
		RateLimit: cfg.RateLimit, RateBurst: cfg.RateBurst, Schema: a,
		Ready: func() error {
			rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			return a.Ready(rctx)
		},
	})
	ready := srv.Handler()
	handler.Store(&ready)
	logger.Info("tessera serving", "addr", "http://"+ln.Addr().String(), "data", cfg.Data, "schema", a.Schema.Name,
		"documents", a.Collection.Len(), "api_keys", len(keys), "public_read", cfg.PublicRead,
		"cors_origins", cfg.CORSOrigins, "rate_limit", cfg.RateLimit)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Graceful shutdown: stop accepting, finish requests and the apply
	// queue, snapshot, exit.
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("http shutdown", "err", err)
	}
	stopWork()
	// Sources stop first: what they enqueued is applied by the stream's
	// drain, with their positions, before the final snapshot.
	<-sourcesDone
	<-stream.Done()
	jobs.Wait()
	if err := a.Applier.Collection().Snapshot(); err != nil {
		return fmt.Errorf("final snapshot: %w", err)
	}
	logger.Info("stopped cleanly", "documents", a.Applier.Collection().Len())
	return nil
}

// clientURL is the URL a client on this machine reaches a listener at: a
// wildcard address (0.0.0.0, ::) is reached on loopback.
func clientURL(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
	}
	return "http://" + a.String()
}

// startingHandler answers while the data directory opens: alive, not
// ready, everything else 503 with Retry-After.
func startingHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"error":{"code":"not_ready","message":"starting: opening the index and replaying its write-ahead log"}}`)
	})
	return mux
}

// newLogger writes JSON, or text when format is auto and w is a terminal.
// Records logged with a request's context carry its request_id.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	f, isFile := w.(*os.File)
	var h slog.Handler
	if format == "text" || (format != "json" && isFile && isTerminal(f)) {
		h = slog.NewTextHandler(w, opts)
	} else {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(web.ContextHandler(h))
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
