// Package web serves Tessera over HTTP: the REST API (search, schema,
// ingestion jobs, stream events, stats) and the embedded demo UI. It is the
// only package that knows HTTP.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/query"
	"github.com/tessera-search/tessera/web/ui"
)

// Config wires the server to the rest of Tessera.
type Config struct {
	Applier *ingest.Applier
	Engine  *query.Engine
	Stream  *ingest.Stream
	Jobs    *ingest.Jobs
	// UploadDir holds uploaded files while they are ingested.
	UploadDir string
	// MaxBodyBytes limits JSON bodies (default 16 MiB); MaxUploadBytes
	// limits file uploads (default 1 GiB).
	MaxBodyBytes   int64
	MaxUploadBytes int64
	Logger         *slog.Logger
	// Ready reports whether the server can take traffic (index loaded,
	// WAL replayed, store reachable); nil means always.
	Ready func() error
	// Context bounds background work started by requests (ingest jobs);
	// nil means context.Background.
	Context context.Context
}

// Server is the HTTP front of one collection.
type Server struct {
	cfg     Config
	engine  *gin.Engine
	started time.Time
	qps     *rateMeter
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 16 << 20
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = 1 << 30
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, engine: gin.New(), started: time.Now(), qps: newRateMeter(time.Minute)}
	s.routes()
	return s
}

// Handler is the root http.Handler.
func (s *Server) Handler() http.Handler { return s.engine }

func (s *Server) routes() {
	r := s.engine
	r.Use(gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, err any) {
		s.cfg.Logger.Error("panic serving request", "path", c.Request.URL.Path, "panic", err)
		abort(c, http.StatusInternalServerError, "internal", "", "internal error")
	}))
	r.Use(s.limitBody)
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.readyz)
	r.GET("/openapi.json", s.openapi)
	v1 := r.Group("/v1")
	v1.GET("/schema", s.schema)
	v1.POST("/search", s.search)
	v1.POST("/search/:name", s.namedSearch)
	v1.POST("/encode", s.encode)
	v1.POST("/ingest", s.ingest)
	v1.GET("/jobs/:id", s.job)
	v1.POST("/events", s.events)
	v1.GET("/stats", s.stats)
	v1.GET("/documents/:id", s.document)
	ui := ui.Handler()
	r.NoRoute(func(c *gin.Context) {
		if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
			ui.ServeHTTP(c.Writer, c.Request)
			return
		}
		abort(c, http.StatusNotFound, "not_found", "", "no such endpoint")
	})
}

func (s *Server) limitBody(c *gin.Context) {
	limit := s.cfg.MaxBodyBytes
	if c.Request.URL.Path == "/v1/ingest" {
		limit = s.cfg.MaxUploadBytes
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	c.Next()
}

func (s *Server) readyz(c *gin.Context) {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(); err != nil {
			abort(c, http.StatusServiceUnavailable, "not_ready", "", err.Error())
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
