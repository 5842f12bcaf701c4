package breaker_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tessera-search/tessera/internal/breaker"
	"github.com/tessera-search/tessera/spaces/openai"
)

// flaky is an in-process embedder whose next answers are scripted.
type flaky struct {
	mu    sync.Mutex
	fails int           // the next fails calls return failErr
	err   error         // the error they return
	block bool          // calls wait for their context instead
	gate  chan struct{} // when set, calls wait for it before answering
	calls atomic.Int64
}

var errDown = errors.New("connection refused")

func (f *flaky) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	f.calls.Add(1)
	f.mu.Lock()
	block, gate := f.block, f.gate
	fail := f.fails > 0
	if fail {
		f.fails--
	}
	err := f.err
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if fail {
		if err == nil {
			err = errDown
		}
		return nil, err
	}
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = []float32{1, 0}
	}
	return out, nil
}

func (f *flaky) Dim() int        { return 2 }
func (f *flaky) Name() string    { return "flaky-2" }
func (f *flaky) set(n int)       { f.mu.Lock(); f.fails = n; f.mu.Unlock() }
func (f *flaky) blocking(b bool) { f.mu.Lock(); f.block = b; f.mu.Unlock() }

// clock is a settable time source for cool-downs.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func fast(o breaker.Options) breaker.Options {
	o.Backoff, o.MaxBackoff = time.Millisecond, 2*time.Millisecond
	return o
}

func TestRetriesTransientFailures(t *testing.T) {
	f := &flaky{}
	b := breaker.Wrap(f, fast(breaker.Options{Retries: 2}))
	var last breaker.Call
	b.Observe(func(c breaker.Call) { last = c })
	f.set(2)
	vecs, err := b.Embed(context.Background(), []string{"a", "b"})
	if err != nil || len(vecs) != 2 {
		t.Fatalf("two failures then success with 2 retries: %v, %d vectors", err, len(vecs))
	}
	if last.Attempts != 3 || f.calls.Load() != 3 || last.Err != nil || last.Texts != 2 {
		t.Fatalf("call record %+v, embedder called %d times", last, f.calls.Load())
	}
	f.set(3)
	if _, err := b.Embed(context.Background(), []string{"a"}); !errors.Is(err, errDown) {
		t.Fatalf("three failures with 2 retries: want the embedder's error, got %v", err)
	}
	if last.Attempts != 3 {
		t.Fatalf("attempts %d, want 3", last.Attempts)
	}
	if b.Name() != "flaky-2" || b.Dim() != 2 {
		t.Fatalf("wrapper changed identity: %s/%d", b.Name(), b.Dim())
	}
}

func TestTimeoutBoundsEachAttempt(t *testing.T) {
	f := &flaky{}
	f.blocking(true)
	b := breaker.Wrap(f, fast(breaker.Options{Timeout: 20 * time.Millisecond, Retries: 1}))
	start := time.Now()
	_, err := b.Embed(context.Background(), []string{"x"})
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hung embedder: want a deadline error, got %v", err)
	}
	if f.calls.Load() != 2 || took > 2*time.Second {
		t.Fatalf("%d attempts in %v; want 2 attempts bounded by the timeout", f.calls.Load(), took)
	}
}

func TestCircuitOpensFailsFastAndRecovers(t *testing.T) {
	f := &flaky{}
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	b := breaker.Wrap(f, fast(breaker.Options{Retries: -1, Failures: 3, Cooldown: time.Minute, Clock: clk.Now}))
	var transitions []string
	b.OnStateChange(func(from, to breaker.State) { transitions = append(transitions, from.String()+">"+to.String()) })
	ctx := context.Background()

	f.set(1000)
	for i := 0; i < 3; i++ {
		if _, err := b.Embed(ctx, []string{"x"}); !errors.Is(err, errDown) {
			t.Fatalf("call %d: %v", i, err)
		}
		if i < 2 && b.Degraded() {
			t.Fatalf("degraded after %d failures, threshold is 3", i+1)
		}
	}
	if b.State() != breaker.Open || !b.Degraded() {
		t.Fatalf("after 3 failures: state %v", b.State())
	}
	before := f.calls.Load()
	start := time.Now()
	if _, err := b.Embed(ctx, []string{"x"}); !errors.Is(err, breaker.ErrOpen) {
		t.Fatalf("open circuit: want ErrOpen, got %v", err)
	}
	if f.calls.Load() != before || time.Since(start) > 100*time.Millisecond {
		t.Fatalf("open circuit still called the embedder (%d calls) or waited %v", f.calls.Load()-before, time.Since(start))
	}

	// After the cool-down one probe goes through; it fails, so the circuit
	// opens again for another cool-down.
	clk.Advance(time.Minute)
	if b.State() != breaker.HalfOpen {
		t.Fatalf("after cool-down: %v", b.State())
	}
	if _, err := b.Embed(ctx, []string{"x"}); !errors.Is(err, errDown) || f.calls.Load() != before+1 {
		t.Fatalf("failed probe: %v after %d calls", err, f.calls.Load()-before)
	}
	if _, err := b.Embed(ctx, []string{"x"}); !errors.Is(err, breaker.ErrOpen) {
		t.Fatalf("after a failed probe: want ErrOpen, got %v", err)
	}

	// A successful probe closes it.
	clk.Advance(time.Minute)
	f.set(0)
	if _, err := b.Embed(ctx, []string{"x"}); err != nil {
		t.Fatalf("probe against a healthy embedder: %v", err)
	}
	if b.State() != breaker.Closed || b.Degraded() {
		t.Fatalf("after a good probe: %v", b.State())
	}
	want := []string{"closed>open", "open>half-open", "half-open>open", "open>half-open", "half-open>closed"}
	if len(transitions) != len(want) {
		t.Fatalf("transitions %v, want %v", transitions, want)
	}
	for i := range want {
		if transitions[i] != want[i] {
			t.Fatalf("transitions %v, want %v", transitions, want)
		}
	}
}

func TestHalfOpenLetsOneProbeThrough(t *testing.T) {
	f := &flaky{}
	clk := &clock{now: time.Unix(1_700_000_000, 0)}
	b := breaker.Wrap(f, fast(breaker.Options{Retries: -1, Failures: 1, Cooldown: time.Second, Clock: clk.Now}))
	f.set(1)
	b.Embed(context.Background(), []string{"x"})
	if b.State() != breaker.Open {
		t.Fatalf("state %v", b.State())
	}
	clk.Advance(time.Second)
	gate := make(chan struct{})
	f.mu.Lock()
	f.gate = gate
	f.mu.Unlock()
	probeDone := make(chan error, 1)
	go func() {
		_, err := b.Embed(context.Background(), []string{"probe"})
		probeDone <- err
	}()
	for f.calls.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	if _, err := b.Embed(context.Background(), []string{"second"}); !errors.Is(err, breaker.ErrOpen) {
		t.Fatalf("second call during a probe: want ErrOpen, got %v", err)
	}
	close(gate)
	if err := <-probeDone; err != nil {
		t.Fatalf("probe: %v", err)
	}
	if b.State() != breaker.Closed {
		t.Fatalf("after probe: %v", b.State())
	}
}

func TestCallerCancellationAndPermanentErrorsDoNotTrip(t *testing.T) {
	permanent := errors.New("400 bad request: input too long")
	f := &flaky{err: permanent}
	b := breaker.Wrap(f, fast(breaker.Options{Retries: 3, Failures: 1,
		Retryable: func(err error) bool { return !errors.Is(err, permanent) && !errors.Is(err, context.Canceled) }}))
	f.set(1)
	if _, err := b.Embed(context.Background(), []string{"x"}); !errors.Is(err, permanent) {
		t.Fatalf("permanent error: %v", err)
	}
	if f.calls.Load() != 1 || b.Degraded() {
		t.Fatalf("permanent error retried (%d calls) or tripped the circuit (%v)", f.calls.Load(), b.State())
	}
	f.blocking(true)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if _, err := b.Embed(ctx, []string{"x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
	if b.Degraded() {
		t.Fatal("the caller giving up tripped the circuit")
	}
}

// TestOpenAIEndpointDown guards the real OpenAI-compatible client against
// a loopback endpoint that answers 503: after the threshold the endpoint
// stops receiving requests.
func TestOpenAIEndpointDown(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"error":{"message":"overloaded","type":"server_error"}}`))
	}))
	defer srv.Close()
	emb, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", Model: "m", Dimensions: 8, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	b := breaker.Wrap(emb, fast(breaker.Options{Retries: 1, Failures: 2, Cooldown: time.Hour}))
	for i := 0; i < 2; i++ {
		_, err := b.Embed(context.Background(), []string{"wireless earbuds"})
		var se *openai.StatusError
		if !errors.As(err, &se) || se.StatusCode != 503 {
			t.Fatalf("call %d: want the 503 StatusError, got %v", i, err)
		}
	}
	if !b.Degraded() || hits.Load() != 4 {
		t.Fatalf("after 2 failed calls of 2 attempts: degraded %v, %d requests", b.Degraded(), hits.Load())
	}
	for i := 0; i < 10; i++ {
		if _, err := b.Embed(context.Background(), []string{"x"}); !errors.Is(err, breaker.ErrOpen) {
			t.Fatalf("open circuit: %v", err)
		}
	}
	if hits.Load() != 4 {
		t.Fatalf("open circuit sent %d more requests to a failing endpoint", hits.Load()-4)
	}
}
