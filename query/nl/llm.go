package nl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// DefaultLLMTimeout bounds one LLM call when LLMConfig.Timeout is zero.
const DefaultLLMTimeout = 10 * time.Second

// LLMConfig configures the LLM parser against an OpenAI-compatible chat
// completions endpoint.
type LLMConfig struct {
	// BaseURL is the API root including /v1, e.g. "http://127.0.0.1:8080/v1";
	// empty means the client library's default endpoint.
	BaseURL string
	// APIKey is sent as a bearer token; local servers may need none.
	APIKey string
	// Model names the chat model; the LLM parser is off without one.
	Model string
	// Timeout bounds one call; zero means DefaultLLMTimeout.
	Timeout time.Duration
}

// Enabled reports whether c names a model, i.e. whether an LLM parser
// should be built from it.
func (c LLMConfig) Enabled() bool { return c.Model != "" }

// LLM asks a chat model to interpret queries, validates the answer against
// the Vocab, and falls back to another parser on any failure. It is safe for
// concurrent use.
type LLM struct {
	cfg      LLMConfig
	v        Vocab
	client   *openai.Client
	format   *openai.ChatCompletionResponseFormat
	system   string
	fallback Parser
}

// NewLLM returns an LLM parser. fallback answers whenever the model cannot;
// nil means an Offline parser over v.
func NewLLM(cfg LLMConfig, v Vocab, fallback Parser) (*LLM, error) {
	if cfg.Model == "" {
		return nil, errors.New("nl: LLM parser: no model configured (set TESSERA_LLM_MODEL)")
	}
	if cfg.BaseURL == "" && cfg.APIKey == "" {
		return nil, errors.New("nl: LLM parser: no API key for the default endpoint (set TESSERA_LLM_API_KEY or OPENAI_API_KEY)")
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("nl: LLM parser: negative timeout %v", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultLLMTimeout
	}
	if fallback == nil {
		fallback = NewOffline(v)
	}
	schema, err := answerSchema(v)
	if err != nil {
		return nil, fmt.Errorf("nl: LLM parser: %w", err)
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = cfg.BaseURL
	}
	oc.HTTPClient = zeroTemperature{next: &http.Client{}}
	return &LLM{
		cfg:    cfg,
		v:      v,
		client: openai.NewClientWithConfig(oc),
		format: &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name:        "tessera_query",
				Description: "A product search query split into text, space weights and filters.",
				Schema:      schema,
				Strict:      true,
			},
		},
		system:   systemPrompt(v),
		fallback: fallback,
	}, nil
}

// Parse asks the model to interpret q. On any failure (transport, status,
// timeout, an answer that is not the requested JSON) it returns the
// fallback's interpretation with a note saying why; the error is non-nil
// only if the fallback fails too.
func (l *LLM) Parse(ctx context.Context, q string) (Interpretation, error) {
	in, err := l.ask(ctx, q)
	if err == nil {
		return in, nil
	}
	slog.WarnContext(ctx, "nl: LLM query parsing failed, using fallback", "model", l.cfg.Model, "err", err)
	in, ferr := l.fallback.Parse(ctx, q)
	if ferr != nil {
		return Interpretation{}, fmt.Errorf("nl: LLM parse failed (%w) and fallback failed: %w", err, ferr)
	}
	in.Understood = append([]string{"LLM not used (" + reason(err, l.cfg.Timeout) + "); used the " + in.Source + " parser"}, in.Understood...)
	return in, nil
}

// ask makes one chat completion call and validates its answer.
func (l *LLM) ask(ctx context.Context, q string) (Interpretation, error) {
	if len(q) > maxQueryBytes {
		return Interpretation{}, fmt.Errorf("query of %d bytes exceeds %d", len(q), maxQueryBytes)
	}
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	resp, err := l.client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model: l.cfg.Model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: l.system},
			{Role: openai.ChatMessageRoleUser, Content: q},
		},
		Temperature:    0, // sent as 0 by zeroTemperature; the library omits it
		ResponseFormat: l.format,
	})
	if err != nil {
		return Interpretation{}, fmt.Errorf("chat completion: %w", err)
	}
	if len(resp.Choices) == 0 {
		return Interpretation{}, errInvalid("no choices in the response")
	}
	msg := resp.Choices[0].Message
	if msg.Refusal != "" {
		return Interpretation{}, errInvalid("the model refused: " + msg.Refusal)
	}
	return decodeAnswer(l.v, msg.Content)
}

// invalidAnswer marks an answer that arrived but is not usable.
type invalidAnswer struct{ msg string }

func (e *invalidAnswer) Error() string { return "invalid LLM answer: " + e.msg }

func errInvalid(msg string) error { return &invalidAnswer{msg} }

// reason summarises err for the user-facing note, without URLs or bodies.
func reason(err error, timeout time.Duration) string {
	var (
		api *openai.APIError
		req *openai.RequestError
		inv *invalidAnswer
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer within " + timeout.String()
	case errors.Is(err, context.Canceled):
		return "request cancelled"
	case errors.As(err, &api):
		return "endpoint answered status " + strconv.Itoa(api.HTTPStatusCode)
	case errors.As(err, &req):
		return "endpoint answered status " + strconv.Itoa(req.HTTPStatusCode)
	case errors.As(err, &inv):
		return "its answer was not valid"
	default:
		return "request failed"
	}
}
