package openai

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goopenai "github.com/sashabaranov/go-openai"
)

// Embedder calls an OpenAI-compatible embeddings endpoint. It implements
// spaces.Embedder and is safe for concurrent use.
type Embedder struct {
	cfg       Config
	client    *goopenai.Client
	dim       int
	baseDelay time.Duration // first retry backoff; tests shorten it
}

// New returns an Embedder for cfg. When cfg.Dimensions is 0 it sends one
// probe request to learn the vector length; use NewContext to bound it.
func New(cfg Config) (*Embedder, error) {
	return NewContext(context.Background(), cfg)
}

// NewContext is New with a context for the dimension probe.
func NewContext(ctx context.Context, cfg Config) (*Embedder, error) {
	cfg = cfg.withDefaults()
	switch {
	case cfg.BatchSize < 0 || cfg.BatchSize > maxBatchSize:
		return nil, fmt.Errorf("openai embeddings: batch size %d: want 1..%d", cfg.BatchSize, maxBatchSize)
	case cfg.MaxConcurrency < 0:
		return nil, fmt.Errorf("openai embeddings: max concurrency %d: want > 0", cfg.MaxConcurrency)
	case cfg.Dimensions < 0:
		return nil, fmt.Errorf("openai embeddings: dimensions %d: want ≥ 0", cfg.Dimensions)
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("openai embeddings: timeout %v: want > 0", cfg.Timeout)
	case cfg.BaseURL == "" && cfg.APIKey == "":
		return nil, errors.New("openai embeddings: no API key (set TESSERA_OPENAI_API_KEY or OPENAI_API_KEY) and no base URL")
	}
	oc := goopenai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = cfg.MaxConcurrency
	oc.HTTPClient = headerDoer{c: &http.Client{Transport: tr}}
	e := &Embedder{
		cfg:       cfg,
		client:    goopenai.NewClientWithConfig(oc),
		dim:       cfg.Dimensions,
		baseDelay: 500 * time.Millisecond,
	}
	if e.dim == 0 {
		resp, attempts, err := e.request(ctx, []string{"dimension probe"})
		if err != nil {
			return nil, e.wrap(fmt.Errorf("probing dimensions: %w", err), attempts)
		}
		if len(resp.Data) != 1 || len(resp.Data[0].Embedding) == 0 {
			return nil, e.wrap(fmt.Errorf("probing dimensions: got %d embeddings, want 1 non-empty", len(resp.Data)), 1)
		}
		e.dim = len(resp.Data[0].Embedding)
	}
	return e, nil
}

// Name is "openai/<model>/<dim>": vectors from another model or length
// never mix in one index.
func (e *Embedder) Name() string { return fmt.Sprintf("openai/%s/%d", e.cfg.Model, e.dim) }

// Dim is Config.Dimensions or the length the probe found.
func (e *Embedder) Dim() int { return e.dim }

// Embed returns one L2-normalised vector per text, in order. Empty and
// all-space texts get the zero vector and are not sent. The first failing
// batch cancels the others and its error is returned.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	flat := make([]float32, len(texts)*e.dim)
	var send []int // indices of texts to send
	for i, t := range texts {
		out[i] = flat[i*e.dim : (i+1)*e.dim : (i+1)*e.dim]
		if strings.TrimSpace(t) != "" {
			send = append(send, i)
		}
	}
	if len(send) == 0 {
		return out, ctx.Err()
	}
	nb := (len(send) + e.cfg.BatchSize - 1) / e.cfg.BatchSize
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	for range min(e.cfg.MaxConcurrency, nb) {
		wg.Go(func() {
			for wctx.Err() == nil {
				b := int(next.Add(1) - 1)
				if b >= nb {
					return
				}
				idx := send[b*e.cfg.BatchSize : min(len(send), (b+1)*e.cfg.BatchSize)]
				if err := e.embedBatch(wctx, texts, idx, out); err != nil {
					errOnce.Do(func() {
						firstErr = err
						cancel()
					})
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, e.wrap(err, 0)
	}
	return out, nil
}

// embedBatch sends texts[idx] and writes their normalised vectors to out.
func (e *Embedder) embedBatch(ctx context.Context, texts []string, idx []int, out [][]float32) error {
	input := make([]string, len(idx))
	for k, i := range idx {
		input[k] = texts[i]
	}
	resp, attempts, err := e.request(ctx, input)
	if err != nil {
		return e.wrap(err, attempts)
	}
	if len(resp.Data) != len(idx) {
		return e.wrap(fmt.Errorf("sent %d texts, got %d embeddings", len(idx), len(resp.Data)), 1)
	}
	seen := make([]bool, len(idx))
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= len(idx) || seen[d.Index] {
			return e.wrap(fmt.Errorf("embedding index %d out of range or repeated (batch of %d)", d.Index, len(idx)), 1)
		}
		seen[d.Index] = true
		if len(d.Embedding) != e.dim {
			return e.wrap(fmt.Errorf("embedding %d has %d dimensions, want %d", d.Index, len(d.Embedding), e.dim), 1)
		}
		if err := normaliseInto(out[idx[d.Index]], d.Embedding); err != nil {
			return e.wrap(fmt.Errorf("embedding %d: %w", d.Index, err), 1)
		}
	}
	return nil
}

// request sends one embeddings call, retrying transient failures. It
// returns the number of attempts made (0 when ctx ended the retries).
func (e *Embedder) request(ctx context.Context, input []string) (goopenai.EmbeddingResponse, int, error) {
	req := goopenai.EmbeddingRequestStrings{
		Input:      input,
		Model:      goopenai.EmbeddingModel(e.cfg.Model),
		Dimensions: e.cfg.Dimensions,
	}
	for attempt := 0; ; attempt++ {
		var retryAfter time.Duration
		actx, cancel := context.WithTimeout(context.WithValue(ctx, retryAfterKey{}, &retryAfter), e.cfg.Timeout)
		resp, err := e.client.CreateEmbeddings(actx, req)
		cancel()
		if err == nil {
			return resp, attempt + 1, nil
		}
		if cerr := ctx.Err(); cerr != nil {
			return resp, 0, cerr
		}
		err, retry := classify(err)
		if !retry || attempt >= e.cfg.MaxRetries {
			return resp, attempt + 1, err
		}
		d := backoff(e.baseDelay, attempt, retryAfter)
		slog.WarnContext(ctx, "openai embeddings: retrying", "model", e.cfg.Model, "texts", len(input),
			"attempt", attempt+1, "wait", d, "err", err)
		if err := sleep(ctx, d); err != nil {
			return resp, 0, err
		}
	}
}

// wrap adds the package and model to err, and the attempt count when the
// request was retried.
func (e *Embedder) wrap(err error, attempts int) error {
	if attempts > 1 {
		return fmt.Errorf("openai embeddings: model %q: %w (gave up after %d attempts)", e.cfg.Model, err, attempts)
	}
	return fmt.Errorf("openai embeddings: model %q: %w", e.cfg.Model, err)
}

// normaliseInto writes v/‖v‖ to dst; a zero v stays zero.
func normaliseInto(dst, v []float32) error {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return errors.New("non-finite values")
	}
	if s == 0 {
		clear(dst)
		return nil
	}
	k := 1 / math.Sqrt(s)
	for i, x := range v {
		dst[i] = float32(float64(x) * k)
	}
	return nil
}
