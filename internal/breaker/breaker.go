// Package breaker keeps a remote text embedder from taking Tessera down
// with it. Wrap bounds every call with a timeout, retries transient
// failures with capped exponential backoff and jitter, and trips a
// circuit breaker after consecutive failures: while the circuit is open,
// calls fail at once with ErrOpen instead of waiting on a dead endpoint,
// and the caller (the query engine) can answer from its other spaces.
// After a cool-down one probe call is let through (half-open); its
// success closes the circuit, its failure opens it again.
package breaker

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/tessera-search/tessera/spaces"
)

// ErrOpen is returned without calling the embedder while the circuit is
// open (or while a half-open probe is already in flight).
var ErrOpen = errors.New("embedder circuit open: the embedder failed repeatedly and is being rested")

// State is the circuit's state.
type State int

// Circuit states.
const (
	Closed   State = iota // calls go through
	Open                  // calls fail fast with ErrOpen
	HalfOpen              // one probe call goes through
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Options tune a Breaker. Zero fields take the documented defaults.
type Options struct {
	// Timeout bounds one attempt; default 10s. The caller's deadline still
	// applies when it is sooner.
	Timeout time.Duration
	// Retries is how many times a failed attempt is repeated; default 2.
	// Negative disables retries.
	Retries int
	// Backoff is the wait before the first retry, doubled for each next
	// one up to MaxBackoff; defaults 100ms and 2s. Half of each wait is
	// random so that concurrent callers spread out.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Failures is how many consecutive failed calls (after their retries)
	// open the circuit; default 5.
	Failures int
	// Cooldown is how long the circuit stays open before a probe; default 30s.
	Cooldown time.Duration
	// Retryable decides whether an error is worth another attempt and
	// counts against the circuit; nil means every error except the
	// caller's own cancellation. Permanent errors (a 400 from the API)
	// should return false: retrying cannot help and the endpoint is up.
	Retryable func(error) bool
	// Clock is read for cool-downs; nil means time.Now.
	Clock func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Retries == 0 {
		o.Retries = 2
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.Backoff <= 0 {
		o.Backoff = 100 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 2 * time.Second
	}
	if o.Failures <= 0 {
		o.Failures = 5
	}
	if o.Cooldown <= 0 {
		o.Cooldown = 30 * time.Second
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return o
}

// Call describes one finished Embed call, for metrics.
type Call struct {
	Texts    int
	Attempts int           // 0 when the circuit refused the call
	Duration time.Duration // including retries and backoff
	Err      error         // nil, ErrOpen, or the last attempt's error
}

// Breaker is an Embedder guarded by a timeout, retries and a circuit
// breaker. It is safe for concurrent use.
type Breaker struct {
	next spaces.Embedder
	opt  Options

	mu        sync.Mutex
	state     State
	failures  int       // consecutive failed calls while closed
	openedAt  time.Time // when the circuit last opened
	probing   bool      // a half-open probe is in flight
	observers []func(Call)
	changes   []func(from, to State)
}

// Wrap guards next. Name and Dim are next's, so the schema fingerprint
// does not change when an embedder is wrapped.
func Wrap(next spaces.Embedder, opt Options) *Breaker {
	return &Breaker{next: next, opt: opt.withDefaults()}
}

// Dim is the wrapped embedder's dimension.
func (b *Breaker) Dim() int { return b.next.Dim() }

// Name is the wrapped embedder's name.
func (b *Breaker) Name() string { return b.next.Name() }

// Unwrap returns the guarded embedder.
func (b *Breaker) Unwrap() spaces.Embedder { return b.next }

// Observe registers fn to see every finished call (latency, errors).
// Register observers before serving traffic.
func (b *Breaker) Observe(fn func(Call)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.observers = append(b.observers, fn)
}

// OnStateChange registers fn to see every state transition.
func (b *Breaker) OnStateChange(fn func(from, to State)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.changes = append(b.changes, fn)
}

// State returns the circuit's current state. An open circuit whose
// cool-down has passed reports HalfOpen: the next call will probe.
func (b *Breaker) State() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == Open && b.opt.Clock().Sub(b.openedAt) >= b.opt.Cooldown {
		return HalfOpen
	}
	return b.state
}

// Degraded reports whether the embedder is being bypassed or probed: the
// circuit is not closed.
func (b *Breaker) Degraded() bool { return b.State() != Closed }

// Embed calls the wrapped embedder unless the circuit is open.
func (b *Breaker) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	start := time.Now()
	probe, err := b.admit()
	if err != nil {
		b.finish(Call{Texts: len(texts), Duration: time.Since(start), Err: err})
		return nil, err
	}
	vecs, attempts, err := b.attempts(ctx, texts)
	b.record(ctx, probe, err)
	b.finish(Call{Texts: len(texts), Attempts: attempts, Duration: time.Since(start), Err: err})
	if err != nil {
		return nil, fmt.Errorf("embed %d texts with %s (%d attempts): %w", len(texts), b.next.Name(), attempts, err)
	}
	return vecs, nil
}

// admit decides whether a call may go through; probe is true for the one
// call let through a half-open circuit.
func (b *Breaker) admit() (probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case Closed:
		return false, nil
	case Open:
		if b.opt.Clock().Sub(b.openedAt) < b.opt.Cooldown {
			return false, ErrOpen
		}
		b.setState(HalfOpen)
	}
	if b.probing {
		return false, ErrOpen
	}
	b.probing = true
	return true, nil
}

func (b *Breaker) attempts(ctx context.Context, texts []string) ([][]float32, int, error) {
	var err error
	for n := 0; ; n++ {
		actx, cancel := context.WithTimeout(ctx, b.opt.Timeout)
		var vecs [][]float32
		vecs, err = b.next.Embed(actx, texts)
		cancel()
		if err == nil {
			return vecs, n + 1, nil
		}
		if ctx.Err() != nil || !b.retryable(err) || n >= b.opt.Retries {
			return nil, n + 1, err
		}
		wait := b.backoff(n)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, n + 1, err
		case <-t.C:
		}
	}
}

func (b *Breaker) retryable(err error) bool {
	if b.opt.Retryable != nil {
		return b.opt.Retryable(err)
	}
	return !errors.Is(err, context.Canceled)
}

// backoff is the wait before retry n (0-based): exponential, capped, half
// fixed and half random.
func (b *Breaker) backoff(n int) time.Duration {
	d := b.opt.Backoff << min(n, 16)
	if d <= 0 || d > b.opt.MaxBackoff {
		d = b.opt.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// record updates the circuit with a call's outcome. The caller giving up
// and permanent errors say nothing about the endpoint's health.
func (b *Breaker) record(ctx context.Context, probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	switch {
	case err == nil:
		// Any success is proof the endpoint works: it closes a half-open
		// (or, from a call admitted earlier, an open) circuit.
		b.failures = 0
		b.setState(Closed)
	case ctx.Err() != nil || !b.retryable(err):
		// No verdict; a half-open circuit lets the next call probe.
	case b.state != Closed:
		b.openedAt = b.opt.Clock()
		b.setState(Open)
	default:
		b.failures++
		if b.failures >= b.opt.Failures {
			b.failures = 0
			b.openedAt = b.opt.Clock()
			b.setState(Open)
		}
	}
}

// setState moves the circuit; b.mu is held.
func (b *Breaker) setState(to State) {
	from := b.state
	if from == to {
		return
	}
	b.state = to
	for _, fn := range b.changes {
		fn(from, to)
	}
}

func (b *Breaker) finish(c Call) {
	b.mu.Lock()
	obs := b.observers
	b.mu.Unlock()
	for _, fn := range obs {
		fn(c)
	}
}
