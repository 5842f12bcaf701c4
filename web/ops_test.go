package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/spaces/openai"
	"github.com/tessera-search/tessera/web"
)

const (
	readKey  = "read-key-0123456789abcdef"
	writeKey = "write-key-fedcba9876543210"
)

// syncBuffer collects log output written by server goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the JSON log records written so far.
func (b *syncBuffer) lines(t testing.TB) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// opsServer is a server over the demo data with its operations settings
// changed by mutate, its embedder instrumented and its JSON logs kept.
type opsServer struct {
	*testServer
	srv     *web.Server
	logs    *syncBuffer
	metrics *web.Metrics
}

func startOps(t *testing.T, mutate func(*web.Config), configure func(*httptest.Server)) *opsServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	m := web.NewMetrics()
	emb, err := tessera.NewEmbedder("builtin", openai.Config{})
	if err != nil {
		t.Fatal(err)
	}
	db, err := tessera.Open(ctx, tessera.Options{DataDir: dir, Embedder: m.InstrumentEmbedder(emb)})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(web.ContextHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	stream := ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{})
	jobs := ingest.NewJobs(db.Applier)
	cfg := web.Config{Applier: db.Applier, Engine: db.Engine, Stream: stream, Jobs: jobs, Context: ctx,
		UploadDir: filepath.Join(dir, "uploads"), Logger: logger, Metrics: m}
	if mutate != nil {
		mutate(&cfg)
	}
	srv := web.New(cfg)
	hs := httptest.NewUnstartedServer(srv.Handler())
	if configure != nil {
		configure(hs)
	}
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		cancel()
		<-stream.Done()
		jobs.Wait()
		db.Close()
	})
	return &opsServer{testServer: &testServer{db: db, url: hs.URL}, srv: srv, logs: logs, metrics: m}
}

// do sends a request with headers ("Name: value") and returns the
// response with its body read.
func (s *opsServer) do(t testing.TB, method, path, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

// scrape reads /metrics into series → value; series are written as in
// the exposition format, labels sorted by name.
func (s *opsServer) scrape(t testing.TB) map[string]float64 {
	t.Helper()
	resp, body := s.do(t, "GET", "/metrics", "")
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// series names a metric with labels in exposition order.
func series(name string, labels ...string) string {
	if len(labels) == 0 {
		return name
	}
	sort.Strings(labels)
	for i, l := range labels {
		k, v, _ := strings.Cut(l, "=")
		labels[i] = fmt.Sprintf("%s=%q", k, v)
	}
	return name + "{" + strings.Join(labels, ",") + "}"
}

func TestMetricsMoveWithTraffic(t *testing.T) {
	s := startOps(t, nil, nil)
	before := s.scrape(t)
	for _, name := range []string{"tessera_searches_total", "tessera_index_documents", "tessera_apply_queue_depth",
		"process_resident_memory_bytes", "go_memstats_heap_alloc_bytes", "tessera_http_requests_in_flight"} {
		if _, ok := before[name]; !ok {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	docs := before["tessera_index_documents"]
	if docs != float64(s.db.Collection.Len()) || docs == 0 {
		t.Fatalf("tessera_index_documents %v, collection has %d", docs, s.db.Collection.Len())
	}

	// A search with a text no cache has seen calls the embedder.
	var r searchResp
	if code := s.post(t, "/v1/search", map[string]any{"text": "ops metrics teapot", "limit": 3}, &r); code != 200 {
		t.Fatalf("search: %d", code)
	}
	if code := s.post(t, "/v1/events", `{"op":"upsert","id":"OPS-1","fields":{"title":"Metric teapot","price":12,"category":"Home & Kitchen"}}`+"\n"+`{"op":"frobnicate","id":"OPS-2"}`, nil); code != 200 {
		t.Fatalf("events: %d", code)
	}
	s.get(t, "/v1/documents/OPS-1", nil)
	s.get(t, "/v1/documents/NOPE-9", nil)
	after := s.scrape(t)

	delta := func(k string) float64 { return after[k] - before[k] }
	checks := map[string]float64{
		"tessera_searches_total": 1,
		series("tessera_http_request_duration_seconds_count", "route=/v1/search", "method=POST", "status=200"):       1,
		series("tessera_http_request_duration_seconds_count", "route=/v1/events", "method=POST", "status=200"):       1,
		series("tessera_http_request_duration_seconds_count", "route=/v1/documents/:id", "method=GET", "status=200"): 1,
		series("tessera_http_request_duration_seconds_count", "route=/v1/documents/:id", "method=GET", "status=404"): 1,
		series("tessera_events_total", "status=applied", "outcome=inserted"):                                         1,
		series("tessera_events_total", "status=rejected", "outcome="):                                                1,
		"tessera_event_freshness_seconds_count":                                                                      1,
		"tessera_index_documents":                                                                                    1,
	}
	for k, want := range checks {
		if got := delta(k); got != want {
			t.Errorf("%s moved by %v, want %v", k, got, want)
		}
	}
	if delta(series("tessera_embed_duration_seconds_count", "outcome=ok")) < 1 {
		t.Errorf("embedder calls not counted: %v", after[series("tessera_embed_duration_seconds_count", "outcome=ok")])
	}
	// Route templates only: no raw ids in label values.
	for k := range after {
		if strings.Contains(k, "OPS-1") || strings.Contains(k, "NOPE-9") {
			t.Fatalf("raw path in a metric label: %s", k)
		}
	}

	// Bulk rows count by outcome.
	csv := "id,title,description,category,brand,price,rating,review_count,added_at\n" +
		"OPS-10,Brass sextant,Navigation.,Sports & Outdoors,Marlowe,99,4.5,3,2026-10-01T00:00:00Z\n" +
		"OPS-11,Broken,desc,Books,X,not-a-price,4.0,1,2026-10-01T00:00:00Z\n"
	resp, body := s.do(t, "POST", "/v1/ingest?filename=ops.csv", csv, "Content-Type: text/csv")
	var job ingest.Job
	json.Unmarshal([]byte(body), &job)
	if resp.StatusCode != 202 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	for deadline := time.Now().Add(30 * time.Second); job.Status == ingest.JobRunning && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		s.get(t, "/v1/jobs/"+job.ID, &job)
	}
	final := s.scrape(t)
	if got := final[series("tessera_ingest_rows_total", "outcome=inserted")]; got != 1 {
		t.Errorf("bulk inserted rows: %v", got)
	}
	if got := final[series("tessera_ingest_rows_total", "outcome=rejected")]; got != 1 {
		t.Errorf("bulk rejected rows: %v", got)
	}
}

func TestRequestIDAndAccessLog(t *testing.T) {
	s := startOps(t, nil, nil)
	// A route added by the test sees the id in the request's context.
	s.srv.Handler().(*gin.Engine).GET("/test/request-id", func(c *gin.Context) {
		slog.New(web.ContextHandler(slog.NewJSONHandler(s.logs, nil))).InfoContext(c.Request.Context(), "handler line")
		c.String(200, web.RequestID(c.Request.Context()))
	})
	resp, body := s.do(t, "GET", "/test/request-id", "")
	gen := resp.Header.Get("X-Request-ID")
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(gen) || body != gen {
		t.Fatalf("generated id %q, context id %q", gen, body)
	}
	resp, body = s.do(t, "GET", "/test/request-id", "", "X-Request-ID: client-abc.123")
	if resp.Header.Get("X-Request-ID") != "client-abc.123" || body != "client-abc.123" {
		t.Fatalf("client id not kept: header %q, context %q", resp.Header.Get("X-Request-ID"), body)
	}
	resp, _ = s.do(t, "GET", "/v1/stats", "", "X-Request-ID: evil\"} {\"status\":200")
	if bad := resp.Header.Get("X-Request-ID"); len(bad) != 32 {
		t.Fatalf("unsafe client id echoed: %q", bad)
	}
	s.do(t, "POST", "/v1/search", `{"text":"lamp","limit":1}`, "X-Request-ID: search-1")

	var access, handler map[string]any
	for _, l := range s.logs.lines(t) {
		if l["msg"] == "request" && l["request_id"] == "search-1" {
			access = l
		}
		if l["msg"] == "handler line" && l["request_id"] == gen {
			handler = l
		}
	}
	if access == nil {
		t.Fatalf("no access line for search-1 in:\n%s", s.logs)
	}
	if access["method"] != "POST" || access["route"] != "/v1/search" || access["status"] != 200.0 {
		t.Fatalf("access line: %v", access)
	}
	if d, ok := access["duration_ms"].(float64); !ok || d <= 0 {
		t.Fatalf("access line duration: %v", access["duration_ms"])
	}
	if handler == nil {
		t.Fatalf("a handler's log line lacks the request id:\n%s", s.logs)
	}
	// Exactly one access line per request.
	n := 0
	for _, l := range s.logs.lines(t) {
		if l["msg"] == "request" && l["request_id"] == "client-abc.123" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d access lines for one request", n)
	}
}

func TestAccessControlMatrix(t *testing.T) {
	keys := []web.APIKey{{Key: readKey}, {Key: writeKey, Write: true}}
	for _, public := range []bool{false, true} {
		t.Run(fmt.Sprintf("public_read=%v", public), func(t *testing.T) {
			s := startOps(t, func(c *web.Config) { c.APIKeys, c.PublicRead = keys, public }, nil)
			bearer := func(k string) string { return "Authorization: Bearer " + k }
			type req struct{ method, path, body string }
			reads := []req{{"GET", "/v1/schema", ""}, {"POST", "/v1/search", `{"text":"mug","limit":1}`},
				{"GET", "/v1/stats", ""}, {"GET", "/v1/documents/NOPE", ""}, {"POST", "/v1/encode", `{"rows":[{"title":"x"}]}`}, {"GET", "/v1/jobs/job-0", ""}}
			writes := []req{{"POST", "/v1/events", `{"op":"delete","id":"NOPE-1","version":1}`}, {"POST", "/v1/ingest?filename=x.txt", "x"}}
			open := []req{{"GET", "/healthz", ""}, {"GET", "/readyz", ""}, {"GET", "/metrics", ""}, {"GET", "/", ""}}
			code := func(r req, h ...string) (int, *http.Response) {
				resp, _ := s.do(t, r.method, r.path, r.body, h...)
				return resp.StatusCode, resp
			}
			authed := func(c int) bool { return c != 401 && c != 403 }
			for _, r := range reads {
				c, resp := code(r)
				if public && !authed(c) {
					t.Errorf("%s %s without a key under public read: %d", r.method, r.path, c)
				}
				if !public && (c != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer")) {
					t.Errorf("%s %s without a key: %d %q, want 401 with WWW-Authenticate: Bearer", r.method, r.path, c, resp.Header.Get("WWW-Authenticate"))
				}
				for _, k := range []string{readKey, writeKey} {
					if c, _ := code(r, bearer(k)); !authed(c) {
						t.Errorf("%s %s with a valid key: %d", r.method, r.path, c)
					}
				}
				if c, _ := code(r, bearer("not-a-key-0123456789")); c != 401 {
					t.Errorf("%s %s with a wrong key: %d, want 401", r.method, r.path, c)
				}
			}
			for _, r := range writes {
				if c, resp := code(r); c != 401 || resp.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s %s without a key: %d", r.method, r.path, c)
				}
				if c, _ := code(r, bearer(readKey)); c != 403 {
					t.Errorf("%s %s with a read key: %d, want 403", r.method, r.path, c)
				}
				if c, _ := code(r, "Authorization: bearer "+writeKey); !authed(c) {
					t.Errorf("%s %s with the write key: %d", r.method, r.path, c)
				}
				if c, _ := code(r, "Authorization: Basic "+writeKey); c != 401 {
					t.Errorf("%s %s with a Basic credential: %d, want 401", r.method, r.path, c)
				}
			}
			for _, r := range open {
				if c, _ := code(r); c != 200 {
					t.Errorf("%s %s is not open: %d", r.method, r.path, c)
				}
			}
			// The write key really writes; the log names the key, never its text.
			if c, _ := code(req{"POST", "/v1/events", `{"op":"upsert","id":"AUTH-1","fields":{"title":"Keyed"}}`}, bearer(writeKey)); c != 200 {
				t.Fatalf("write with the write key: %d", c)
			}
			if _, ok := s.db.Collection.Get("AUTH-1"); !ok {
				t.Fatal("write with the write key did not apply")
			}
			if logs := s.logs.String(); strings.Contains(logs, readKey) || strings.Contains(logs, writeKey) {
				t.Fatal("an API key appears in the logs")
			}
		})
	}
}

func TestCORSOnlyWhenConfigured(t *testing.T) {
	preflight := []string{"Origin: https://shop.example", "Access-Control-Request-Method: POST", "Access-Control-Request-Headers: authorization, content-type"}
	off := startOps(t, nil, nil)
	resp, _ := off.do(t, "POST", "/v1/search", `{"text":"mug"}`, "Origin: https://shop.example")
	if resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.StatusCode != 200 {
		t.Fatalf("CORS off: %d ACAO %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	resp, _ = off.do(t, "OPTIONS", "/v1/search", "", preflight...)
	if resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("Access-Control-Allow-Methods") != "" {
		t.Fatalf("CORS off answered a preflight: %v", resp.Header)
	}

	on := startOps(t, func(c *web.Config) {
		c.CORSOrigins = []string{"https://shop.example"}
		c.APIKeys = []web.APIKey{{Key: readKey}}
	}, nil)
	resp, _ = on.do(t, "OPTIONS", "/v1/search", "", preflight...)
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight (no key needed): %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = on.do(t, "POST", "/v1/search", `{"text":"mug"}`, "Origin: https://shop.example", "Authorization: Bearer "+readKey)
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
		!strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "X-Request-ID") {
		t.Fatalf("allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = on.do(t, "OPTIONS", "/v1/search", "", "Origin: https://evil.example", "Access-Control-Request-Method: POST")
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("other origin allowed: %v", resp.Header)
	}
}

func TestBodyLimits413(t *testing.T) {
	s := startOps(t, func(c *web.Config) { c.MaxBodyBytes, c.MaxUploadBytes = 1024, 4096 }, nil)
	big := `{"text":"` + strings.Repeat("lamp ", 400) + `"}`
	resp, body := s.do(t, "POST", "/v1/search", big)
	if resp.StatusCode != 413 || !strings.Contains(body, "too_large") {
		t.Fatalf("2 KB search body over a 1 KB limit: %d %s", resp.StatusCode, body)
	}
	resp, body = s.do(t, "POST", "/v1/events", strings.Repeat(`{"op":"delete","id":"X-1","version":1}`+"\n", 40))
	if resp.StatusCode != 413 {
		t.Fatalf("events body over the limit: %d %s", resp.StatusCode, body)
	}
	csv := "id,title\n" + strings.Repeat("ROW-1,Some title that is long enough\n", 200)
	resp, body = s.do(t, "POST", "/v1/ingest?filename=big.csv", csv, "Content-Type: text/csv")
	if resp.StatusCode != 413 {
		t.Fatalf("7 KB raw upload over a 4 KB limit: %d %s", resp.StatusCode, body)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "big.csv")
	fw.Write([]byte(csv))
	mw.Close()
	resp, body = s.do(t, "POST", "/v1/ingest", buf.String(), "Content-Type: "+mw.FormDataContentType())
	if resp.StatusCode != 413 {
		t.Fatalf("7 KB multipart upload over a 4 KB limit: %d %s", resp.StatusCode, body)
	}
	// Within the limits both still work.
	if resp, body := s.do(t, "POST", "/v1/search", `{"text":"lamp","limit":1}`); resp.StatusCode != 200 {
		t.Fatalf("small search: %d %s", resp.StatusCode, body)
	}
}

func TestRateLimit429(t *testing.T) {
	s := startOps(t, func(c *web.Config) {
		c.RateLimit, c.RateBurst = 0.5, 2
		c.APIKeys = []web.APIKey{{Key: readKey}, {Key: writeKey, Write: true}}
	}, nil)
	get := func(h ...string) *http.Response { r, _ := s.do(t, "GET", "/v1/stats", "", h...); return r }
	for i := 0; i < 2; i++ {
		if r := get("Authorization: Bearer " + readKey); r.StatusCode != 200 {
			t.Fatalf("request %d within the burst: %d", i+1, r.StatusCode)
		}
	}
	r := get("Authorization: Bearer " + readKey)
	if r.StatusCode != 429 {
		t.Fatalf("third request over a burst of 2: %d", r.StatusCode)
	}
	if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 2 {
		t.Fatalf("Retry-After %q; at 0.5/s the next token is under 2 s away", r.Header.Get("Retry-After"))
	}
	// Buckets are per key: another key is unaffected.
	if r := get("Authorization: Bearer " + writeKey); r.StatusCode != 200 {
		t.Fatalf("other key limited too: %d", r.StatusCode)
	}
	// Probes and scrapes are never limited.
	for i := 0; i < 5; i++ {
		if r, _ := s.do(t, "GET", "/healthz", ""); r.StatusCode != 200 {
			t.Fatalf("healthz limited: %d", r.StatusCode)
		}
	}
	m := s.scrape(t)
	if m[series("tessera_http_request_duration_seconds_count", "route=/v1/stats", "method=GET", "status=429")] != 1 {
		t.Fatal("429 not visible in metrics")
	}

	// Without keys the bucket is per client address.
	anon := startOps(t, func(c *web.Config) { c.RateLimit, c.RateBurst = 0.5, 1 }, nil)
	r1, _ := anon.do(t, "GET", "/v1/stats", "")
	r2, _ := anon.do(t, "GET", "/v1/stats", "", "X-Forwarded-For: 10.9.8.7")
	if r1.StatusCode != 200 || r2.StatusCode != 429 {
		t.Fatalf("per-address limit (a forged X-Forwarded-For must not escape it): %d then %d", r1.StatusCode, r2.StatusCode)
	}
}

// slowBody sends n chunks, one every gap.
type slowBody struct {
	chunks []string
	gap    time.Duration
	i      int
}

func (b *slowBody) Read(p []byte) (int, error) {
	if b.i >= len(b.chunks) {
		return 0, io.EOF
	}
	if b.i > 0 {
		time.Sleep(b.gap)
	}
	n := copy(p, b.chunks[b.i])
	b.i++
	return n, nil
}

func TestUploadsOutliveTheReadTimeout(t *testing.T) {
	s := startOps(t, func(c *web.Config) { c.UploadTimeout = time.Minute }, func(hs *httptest.Server) {
		hs.Config.ReadTimeout = 300 * time.Millisecond
		hs.Config.WriteTimeout = 300 * time.Millisecond
	})
	csv := []string{"id,title,description,category,brand,price,rating,review_count,added_at\n",
		"SLOW-1,Slow upload lamp,Arrives slowly.,Home & Kitchen,Lumo,20,4.2,3,2026-10-01T00:00:00Z\n",
		"SLOW-2,Slow upload mug,Arrives slowly.,Home & Kitchen,Lumo,9,4.0,2,2026-10-01T00:00:00Z\n",
		"SLOW-3,Slow upload rug,Arrives slowly.,Home & Kitchen,Lumo,49,4.1,5,2026-10-01T00:00:00Z\n"}
	post := func(path string, body io.Reader) (int, error) {
		req, _ := http.NewRequest("POST", s.url+path, body)
		req.Header.Set("Content-Type", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	code, err := post("/v1/ingest?filename=slow.csv", &slowBody{chunks: csv, gap: 200 * time.Millisecond})
	if err != nil || code != 202 {
		t.Fatalf("a 600 ms upload with a 300 ms read timeout and a 1 min upload timeout: %d %v", code, err)
	}
	events := []string{`{"op":"delete","id":"X-1","version":1}` + "\n", `{"op":"delete","id":"X-2","version":1}` + "\n",
		`{"op":"delete","id":"X-3","version":1}` + "\n", `{"op":"delete","id":"X-4","version":1}` + "\n"}
	if code, err := post("/v1/events", &slowBody{chunks: events, gap: 200 * time.Millisecond}); err == nil && code == 200 {
		t.Fatal("a slow body on another route outlived the 300 ms read timeout")
	}
}

func TestReadiness(t *testing.T) {
	var mu sync.Mutex
	var ready error = fmt.Errorf("replaying the write-ahead log")
	s := startOps(t, func(c *web.Config) {
		c.Ready = func() error { mu.Lock(); defer mu.Unlock(); return ready }
	}, nil)
	if resp, body := s.do(t, "GET", "/readyz", ""); resp.StatusCode != 503 || !strings.Contains(body, "write-ahead log") {
		t.Fatalf("not ready: %d %s", resp.StatusCode, body)
	}
	if resp, _ := s.do(t, "GET", "/healthz", ""); resp.StatusCode != 200 {
		t.Fatalf("healthz while not ready: %d", resp.StatusCode)
	}
	mu.Lock()
	ready = nil
	mu.Unlock()
	if resp, _ := s.do(t, "GET", "/readyz", ""); resp.StatusCode != 200 {
		t.Fatalf("ready: %d", resp.StatusCode)
	}
}
