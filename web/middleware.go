package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

type ctxKey int

const requestIDKey ctxKey = iota

// requestIDHeader carries the request id in both directions.
const requestIDHeader = "X-Request-ID"

// requestID returns the id of the request ctx belongs to, or "".
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// validRequestID accepts a caller's id only if it is short and plain, so
// that it cannot forge log lines or bloat them.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.' || b == ':') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand panics on a broken system source)
	return hex.EncodeToString(b[:])
}

// ContextHandler wraps h so that every record logged with a request's
// context (slog.InfoContext(c.Request.Context(), …)) carries its
// request_id.
func ContextHandler(h slog.Handler) slog.Handler { return contextHandler{h} }

type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := requestID(ctx); id != "" {
		has := false
		r.Attrs(func(a slog.Attr) bool {
			has = a.Key == "request_id"
			return !has
		})
		if !has {
			r.AddAttrs(slog.String("request_id", id))
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(as)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}

// quietRoutes are polled by probes and scrapers: their access lines are
// logged at debug level.
var quietRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// observe is the outermost middleware: it gives the request an id (the
// caller's X-Request-ID when it is plain, else a new one), returns it in
// the response header, puts it in the request's context, and after the
// request records its latency and writes one access-log line.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	id := c.GetHeader(requestIDHeader)
	if !validRequestID(id) {
		id = newRequestID()
	}
	c.Header(requestIDHeader, id)
	ctx := context.WithValue(c.Request.Context(), requestIDKey, id)
	c.Request = c.Request.WithContext(ctx)
	s.metrics.inflight.Inc()
	defer s.metrics.inflight.Dec()

	c.Next()

	d := time.Since(start)
	status := c.Writer.Status()
	route := routeLabel(c)
	method := methodLabel(c.Request.Method)
	s.metrics.requests.WithLabelValues(route, method, strconv.Itoa(status)).Observe(d.Seconds())

	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case quietRoutes[route]:
		level = slog.LevelDebug
	}
	if !s.cfg.Logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", c.Request.Method),
		slog.String("route", route),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.Int("bytes", max(c.Writer.Size(), 0)),
		slog.String("remote", c.ClientIP()),
		slog.String("request_id", id),
	}
	if p := principalOf(c); p.valid {
		attrs = append(attrs, slog.String("key", p.id))
	}
	if len(c.Errors) > 0 {
		attrs = append(attrs, slog.String("err", c.Errors.String()))
	}
	s.cfg.Logger.LogAttrs(ctx, level, "request", attrs...)
}

// routeLabel is the route template (/v1/documents/:id), never the raw
// path, so that metrics stay a bounded set of series.
func routeLabel(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		return "ui" // the embedded UI's files and unknown GETs
	}
	return "unmatched"
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// cors lets the configured browser origins call the API: it answers
// preflights and marks responses readable by them. Other origins get no
// CORS headers, so browsers keep the same-origin rule.
func (s *Server) cors(c *gin.Context) {
	origin := c.GetHeader("Origin")
	h := c.Writer.Header()
	h.Add("Vary", "Origin")
	if origin == "" || !(slices.Contains(s.cfg.CORSOrigins, "*") || slices.Contains(s.cfg.CORSOrigins, origin)) {
		c.Next()
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", requestIDHeader+", Retry-After")
	if c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, "+requestIDHeader)
		h.Set("Access-Control-Max-Age", "600")
		c.AbortWithStatus(http.StatusNoContent)
		return
	}
	c.Next()
}

// uploadDeadline gives uploads the long UploadTimeout in place of the
// server's short read and write timeouts, which protect every other route
// from slow clients.
func (s *Server) uploadDeadline(c *gin.Context) {
	if s.cfg.UploadTimeout > 0 {
		rc := http.NewResponseController(c.Writer)
		at := time.Now().Add(s.cfg.UploadTimeout)
		if err := rc.SetReadDeadline(at); err != nil {
			s.cfg.Logger.DebugContext(c.Request.Context(), "upload read deadline not extended", "err", err)
		}
		if err := rc.SetWriteDeadline(at); err != nil {
			s.cfg.Logger.DebugContext(c.Request.Context(), "upload write deadline not extended", "err", err)
		}
	}
	c.Next()
}
