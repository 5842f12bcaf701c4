// Package web serves Tessera over HTTP: the REST API (search, schema,
// ingestion jobs, stream events, stats) and the embedded demo UI. It is the
// only package that knows HTTP.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/ui"
	"github.com/tessera-search/tessera/query"
)

// Config wires the server to the rest of Tessera.
type Config struct {
	Applier *ingest.Applier
	Engine  *query.Engine
	Stream  *ingest.Stream
	// Sources are the logs the server consumes (Kafka, NATS): reported in
	// /v1/stats, /metrics and the UI's status strip.
	Sources []ingest.Source
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

	// Metrics is served at /metrics; nil means a new private registry.
	Metrics *Metrics
	// APIKeys turn on access control: reads need a key (unless
	// PublicRead), writes a write key. Empty means every route is open.
	APIKeys    []APIKey
	PublicRead bool
	// CORSOrigins are the browser origins allowed to call the API ("*"
	// for any); empty means no CORS headers at all.
	CORSOrigins []string
	// RateLimit is requests per second per API key (per client address
	// for requests without one) on /v1; 0 disables. RateBurst is the
	// bucket size; 0 means twice the rate.
	RateLimit float64
	RateBurst int
	// Schema plans and applies schema changes (/v1/schema/plan and
	// /v1/schema/apply, write key); nil answers them 501.
	Schema SchemaAdmin
	// UploadTimeout replaces the server's read and write deadlines for
	// /v1/ingest uploads; 0 leaves them.
	UploadTimeout time.Duration
}

// Server is the HTTP front of one collection.
type Server struct {
	cfg     Config
	engine  *gin.Engine
	started time.Time
	qps     *rateMeter
	metrics *Metrics
	keys    *keyring
	limiter *limiter
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
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	engine := gin.New()
	// Match routes on the escaped path, so an id holding '/' can be asked
	// for percent-encoded (/v1/documents/a%2Fb); parameters are unescaped.
	engine.UseRawPath = true
	engine.UnescapePathValues = true
	s := &Server{cfg: cfg, engine: engine, started: time.Now(), qps: newRateMeter(time.Minute),
		metrics: cfg.Metrics, keys: newKeyring(cfg.APIKeys)}
	if cfg.RateLimit > 0 {
		s.limiter = newLimiter(cfg.RateLimit, cfg.RateBurst, nil)
	}
	s.metrics.watch(cfg)
	s.routes()
	return s
}

// Handler is the root http.Handler.
func (s *Server) Handler() http.Handler { return s.engine }

// routes registers middleware and endpoints. Health, readiness, metrics
// and the UI's files are open; /v1 reads need a read key and writes a
// write key whenever keys are configured.
func (s *Server) routes() {
	r := s.engine
	// Client addresses come from the connection, never from headers a
	// client can forge (X-Forwarded-For), since rate limits key on them.
	_ = r.SetTrustedProxies(nil)
	r.Use(s.observe)
	r.Use(gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, err any) {
		s.cfg.Logger.ErrorContext(c.Request.Context(), "panic serving request", "path", c.Request.URL.Path, "panic", err)
		abort(c, http.StatusInternalServerError, "internal", "", "internal error")
	}))
	if len(s.cfg.CORSOrigins) > 0 {
		r.Use(s.cors)
	}
	r.Use(s.limitBody)
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", s.metrics.handler())
	r.GET("/openapi.json", s.openapi)
	v1 := r.Group("/v1", s.authenticate, s.rateLimit)
	read := v1.Group("", s.require(accessRead))
	read.GET("/schema", s.schema)
	read.POST("/search", s.search)
	read.POST("/search/:name", s.namedSearch)
	read.POST("/encode", s.encode)
	read.GET("/jobs/:id", s.job)
	read.GET("/jobs/:id/rejects", s.jobRejects)
	read.GET("/stats", s.stats)
	read.GET("/documents/:id", s.document)
	write := v1.Group("", s.require(accessWrite))
	write.POST("/ingest", s.uploadDeadline, s.ingest)
	write.POST("/events", s.events)
	write.POST("/schema/plan", s.planSchema)
	write.POST("/schema/apply", s.applySchema)
	write.GET("/schema/apply", s.schemaApplyStatus)
	ui := ui.Handler()
	r.NoRoute(func(c *gin.Context) {
		// The API answers JSON even for paths it does not know (an id
		// with an unencoded '/'): clients parse every /v1 answer.
		if strings.HasPrefix(c.Request.URL.Path, "/v1/") {
			abort(c, http.StatusNotFound, "not_found", "", "no such endpoint or resource (an id containing '/' must be percent-encoded as %2F)")
			return
		}
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
