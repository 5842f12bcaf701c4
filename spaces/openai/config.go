// Package openai embeds text through any OpenAI-compatible embeddings
// endpoint (OpenAI itself, Azure-style proxies, vLLM, Ollama, LiteLLM…)
// using github.com/sashabaranov/go-openai. Input is split into batches
// sent with bounded concurrency; rate limits, server errors and network
// failures are retried with exponential backoff and jitter, honouring
// Retry-After; results are L2-normalised and returned in input order.
package openai

import "time"

// Config configures an Embedder. Zero fields take the documented defaults.
type Config struct {
	// BaseURL is the API root including its version path, e.g.
	// "http://localhost:8000/v1"; requests go to BaseURL + "/embeddings".
	// Empty means OpenAI's own API.
	BaseURL string
	// APIKey is sent as a bearer token. It may be empty only with a
	// BaseURL (local servers often need none).
	APIKey string
	// Model is the embedding model name; default text-embedding-3-small.
	Model string
	// Dimensions, when > 0, is sent as the request's "dimensions" (models
	// that can shorten their output, such as text-embedding-3-*) and every
	// returned vector must have that length. When 0, nothing is sent and
	// the length is discovered by one probe request when the Embedder is
	// created.
	Dimensions int
	// BatchSize is the most texts per request; default 256, at most 2048.
	BatchSize int
	// MaxConcurrency is the most requests in flight; default 4.
	MaxConcurrency int
	// MaxRetries is how many times a failed request is retried; default 5.
	// A negative value disables retries.
	MaxRetries int
	// Timeout bounds each request attempt; default 60s.
	Timeout time.Duration
}

const (
	// DefaultModel is the model used when Config.Model is empty.
	DefaultModel = "text-embedding-3-small"

	defaultBatchSize      = 256
	maxBatchSize          = 2048 // the API's limit on inputs per request
	defaultMaxConcurrency = 4
	defaultMaxRetries     = 5
	defaultTimeout        = 60 * time.Second
)

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.Model == "" {
		c.Model = DefaultModel
	}
	if c.BatchSize == 0 {
		c.BatchSize = defaultBatchSize
	}
	if c.MaxConcurrency == 0 {
		c.MaxConcurrency = defaultMaxConcurrency
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = defaultMaxRetries
	} else if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.Timeout == 0 {
		c.Timeout = defaultTimeout
	}
	return c
}
