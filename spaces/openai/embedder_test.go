package openai

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tessera-search/tessera/spaces"
)

var _ spaces.Embedder = (*Embedder)(nil)

func newTestEmbedder(t *testing.T, cfg Config) *Embedder {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.baseDelay = time.Millisecond
	return e
}

func unit(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) / math.Sqrt(s))
	}
	return out
}

func TestBatchingOrderAndEmpty(t *testing.T) {
	srv := newFakeServer(t, 8)
	srv.delay = 20 * time.Millisecond // let batches overlap
	cfg := srv.config()
	cfg.BatchSize, cfg.MaxConcurrency = 10, 3
	e := newTestEmbedder(t, cfg)

	texts := make([]string, 95)
	nonEmpty := 0
	for i := range texts {
		switch {
		case i%7 == 3:
			texts[i] = ""
		case i%11 == 5:
			texts[i] = "  \t"
		default:
			texts[i] = fmt.Sprintf("product %d", i)
			nonEmpty++
		}
	}
	got, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(texts) {
		t.Fatalf("%d vectors for %d texts", len(got), len(texts))
	}
	for i, v := range got {
		if len(v) != 8 {
			t.Fatalf("text %d: dim %d", i, len(v))
		}
		if strings.TrimSpace(texts[i]) == "" {
			for _, x := range v {
				if x != 0 {
					t.Fatalf("text %d (%q): want the zero vector, got %v", i, texts[i], v)
				}
			}
			continue
		}
		want := unit(rawVector(texts[i], 8))
		for j := range v {
			if math.Abs(float64(v[j]-want[j])) > 1e-6 {
				t.Fatalf("text %d: got %v, want %v (order or normalisation broken)", i, v, want)
			}
		}
	}
	wantReq := (nonEmpty + 9) / 10
	if n := srv.requests.Load(); int(n) != wantReq {
		t.Errorf("%d requests, want %d", n, wantReq)
	}
	sent := 0
	for _, in := range srv.sentInputs() {
		if len(in) > 10 {
			t.Errorf("batch of %d > BatchSize 10", len(in))
		}
		for _, s := range in {
			if strings.TrimSpace(s) == "" {
				t.Errorf("empty text %q was sent", s)
			}
		}
		sent += len(in)
	}
	if sent != nonEmpty {
		t.Errorf("sent %d texts, want %d", sent, nonEmpty)
	}
	if m := srv.maxIn.Load(); m > 3 || m < 2 {
		t.Errorf("max %d requests in flight, want 2..3 (MaxConcurrency 3)", m)
	}
	// The request carries the model and the configured dimensions.
	b := srv.bodies[0]
	if b["model"] != "test-embed" || b["dimensions"] != float64(8) {
		t.Errorf("request body %v: want model test-embed, dimensions 8", b)
	}
}

func TestRetry429HonoursRetryAfter(t *testing.T) {
	srv := newFakeServer(t, 4)
	srv.fail = func(n int, w http.ResponseWriter, _ *http.Request) bool {
		if n > 1 {
			return false
		}
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`))
		return true
	}
	e := newTestEmbedder(t, srv.config())
	start := time.Now()
	got, err := e.Embed(context.Background(), []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Errorf("retried after %v, want ≥ Retry-After 1s", el)
	}
	if n := srv.requests.Load(); n != 2 {
		t.Errorf("%d requests, want 2 (429 then success)", n)
	}
	if len(got) != 2 || got[1][0] != unit(rawVector("b", 4))[0] {
		t.Errorf("wrong result after retry: %v", got)
	}
}

func TestRetry5xxAndDroppedConnection(t *testing.T) {
	srv := newFakeServer(t, 4)
	srv.fail = func(n int, w http.ResponseWriter, _ *http.Request) bool {
		switch n {
		case 1:
			http.Error(w, "upstream overloaded", http.StatusBadGateway) // not JSON
			return true
		case 2:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close() // the client sees a network error
			}
			return true
		}
		return false
	}
	e := newTestEmbedder(t, srv.config())
	if _, err := e.Embed(context.Background(), []string{"x"}); err != nil {
		t.Fatal(err)
	}
	if n := srv.requests.Load(); n != 3 {
		t.Errorf("%d requests, want 3 (502, dropped connection, success)", n)
	}
}

func TestClientErrorsFailFast(t *testing.T) {
	srv := newFakeServer(t, 4)
	cfg := srv.config()
	cfg.APIKey = "sk-wrong"
	e := newTestEmbedder(t, cfg)
	_, err := e.Embed(context.Background(), []string{"x", "y"})
	if err == nil {
		t.Fatal("no error with a wrong key")
	}
	const want = `openai embeddings: model "test-embed": 401 unauthorized: Incorrect API key provided`
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusUnauthorized {
		t.Errorf("error %v does not unwrap to a 401 StatusError", err)
	}
	if n := srv.requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1 (no retry on 401)", n)
	}

	srv2 := newFakeServer(t, 4)
	srv2.fail = func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":{"message":"This model's maximum context length is 8192 tokens","type":"invalid_request_error"}}`))
		return true
	}
	e2 := newTestEmbedder(t, srv2.config())
	if _, err := e2.Embed(context.Background(), []string{"long"}); err == nil || !strings.Contains(err.Error(), "400 bad request: This model's maximum") {
		t.Errorf("error %v, want a 400 with the server's message", err)
	}
	if n := srv2.requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1 (no retry on 400)", n)
	}
}

func TestGivesUpAfterMaxRetries(t *testing.T) {
	srv := newFakeServer(t, 4)
	srv.fail = func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"error":{"message":"overloaded","type":"server_error"}}`))
		return true
	}
	cfg := srv.config()
	cfg.MaxRetries = 2
	e := newTestEmbedder(t, cfg)
	_, err := e.Embed(context.Background(), []string{"x"})
	if err == nil || !strings.Contains(err.Error(), "503 service unavailable: overloaded (gave up after 3 attempts)") {
		t.Errorf("error %v, want a 503 after 3 attempts", err)
	}
	if n := srv.requests.Load(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
}

func TestContextCancellationStopsWork(t *testing.T) {
	srv := newFakeServer(t, 4)
	arrived := make(chan struct{}, 100)
	srv.fail = func(_ int, _ http.ResponseWriter, r *http.Request) bool {
		arrived <- struct{}{}
		<-r.Context().Done() // hang until the client gives up
		return true
	}
	cfg := srv.config()
	cfg.BatchSize, cfg.MaxConcurrency = 1, 2
	e := newTestEmbedder(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	texts := make([]string, 50)
	for i := range texts {
		texts[i] = fmt.Sprint("t", i)
	}
	start := time.Now()
	_, err := e.Embed(ctx, texts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Embed took %v after cancellation", el)
	}
	time.Sleep(50 * time.Millisecond) // any straggler request would land now
	if n := srv.requests.Load(); n > 2 {
		t.Errorf("%d requests for 50 batches, want ≤ MaxConcurrency (2): work went on after cancel", n)
	}
}

func TestDimensionProbe(t *testing.T) {
	srv := newFakeServer(t, 12)
	cfg := srv.config()
	cfg.Dimensions = 0
	e := newTestEmbedder(t, cfg)
	if e.Dim() != 12 || e.Name() != "openai/test-embed/12" {
		t.Errorf("Dim %d Name %q, want 12, openai/test-embed/12", e.Dim(), e.Name())
	}
	if n := srv.requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1 probe", n)
	}
	if _, ok := srv.bodies[0]["dimensions"]; ok {
		t.Errorf("probe sent dimensions: %v", srv.bodies[0])
	}
	// A configured length is sent and honoured…
	cfg.Dimensions = 6
	e6 := newTestEmbedder(t, cfg)
	if v, err := e6.Embed(context.Background(), []string{"ok"}); err != nil || len(v[0]) != 6 {
		t.Fatalf("server honouring dimensions 6: %v, %v", v, err)
	}
	// …and a server that ignores it is caught, not silently mixed.
	ignoring := newFakeServer(t, 12)
	ignoring.fail = func(_ int, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1,2,3]}],"model":"m","usage":{"prompt_tokens":1,"total_tokens":1}}`)
		return true
	}
	bad := newTestEmbedder(t, ignoring.config())
	if _, err := bad.Embed(context.Background(), []string{"x"}); err == nil || !strings.Contains(err.Error(), "has 3 dimensions, want 12") {
		t.Errorf("err = %v, want a dimension mismatch", err)
	}
}

func TestConfig(t *testing.T) {
	for _, bad := range []Config{
		{APIKey: "k", Dimensions: 8, BatchSize: 4096},
		{APIKey: "k", Dimensions: 8, MaxConcurrency: -1},
		{APIKey: "k", Dimensions: -1},
		{Dimensions: 8}, // no key, no base URL
	} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%+v): no error", bad)
		}
	}
	d := Config{}.withDefaults()
	if d.BatchSize != 256 || d.MaxConcurrency != 4 || d.MaxRetries != 5 || d.Timeout != time.Minute {
		t.Errorf("defaults %+v", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"junk":                          0,
		"-4":                            0,
		"100000":                        5 * time.Minute,
		"Thu, 02 Jan 2025 03:04:15 GMT": 10 * time.Second,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
	for n := range 20 {
		d := backoff(100*time.Millisecond, n, 0)
		if d <= 0 || d > 30*time.Second {
			t.Errorf("backoff(%d) = %v", n, d)
		}
	}
	if d := backoff(time.Millisecond, 0, 2*time.Second); d != 2*time.Second {
		t.Errorf("backoff with Retry-After 2s = %v", d)
	}
}
