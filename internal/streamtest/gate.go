package streamtest

import (
	"context"
	"sync"
	"testing"

	"github.com/tessera-search/tessera/spaces/wordvec"
)

// GateEmbedder is the built-in embedder holding every Embed call until
// Open, so that a test can keep the apply loop busy and fill its queue.
// Entered receives, without blocking, once per call that waits.
type GateEmbedder struct {
	*wordvec.Embedder
	Entered chan struct{}
	gate    chan struct{}
	once    sync.Once
}

// NewGateEmbedder returns a closed gate's embedder. The gate opens at the
// latest when the test ends, so a failing test does not hold the apply
// loop (which embeds without a deadline) forever.
func NewGateEmbedder(t testing.TB) *GateEmbedder {
	t.Helper()
	base, err := wordvec.Default()
	if err != nil {
		t.Fatal(err)
	}
	g := &GateEmbedder{Embedder: base, Entered: make(chan struct{}, 1), gate: make(chan struct{})}
	t.Cleanup(g.Open)
	return g
}

// Open lets every waiting and later Embed call through.
func (g *GateEmbedder) Open() { g.once.Do(func() { close(g.gate) }) }

// Embed waits for the gate (or ctx), then embeds.
func (g *GateEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	select {
	case g.Entered <- struct{}{}:
	default:
	}
	select {
	case <-g.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.Embedder.Embed(ctx, texts)
}
