package openai

import (
	"encoding/json"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeServer speaks the OpenAI embeddings wire format on loopback:
// POST /v1/embeddings {"input":[...],"model":...} → {"object":"list",
// "data":[{"object":"embedding","index":i,"embedding":[...]}],...}.
// Vectors are a deterministic function of the text, deliberately not
// unit length, and listed in shuffled order (index is what counts).
type fakeServer struct {
	*httptest.Server
	t   *testing.T
	dim int
	key string

	// fail, when set, may answer request n (1-based) itself; it returns
	// false to let the normal answer through.
	fail func(n int, w http.ResponseWriter, r *http.Request) bool

	requests atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64
	delay    time.Duration

	mu     sync.Mutex
	inputs [][]string
	bodies []map[string]any
}

func newFakeServer(t *testing.T, dim int) *fakeServer {
	s := &fakeServer{t: t, dim: dim, key: "sk-test"}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	n := int(s.requests.Add(1))
	cur := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxIn.Load()
		if cur <= m || s.maxIn.CompareAndSwap(m, cur) {
			break
		}
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
		http.Error(w, `{"error":{"message":"no route","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+s.key {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`))
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
		return
	}
	raw, _ := body["input"].([]any)
	input := make([]string, len(raw))
	for i, x := range raw {
		input[i], _ = x.(string)
	}
	s.mu.Lock()
	s.inputs = append(s.inputs, input)
	s.bodies = append(s.bodies, body)
	s.mu.Unlock()
	if s.fail != nil && s.fail(n, w, r) {
		return
	}
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-r.Context().Done():
			return
		}
	}
	dim := s.dim
	if d, ok := body["dimensions"].(float64); ok {
		dim = int(d)
	}
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	data := make([]item, len(input))
	for i, text := range input {
		if text == "" {
			http.Error(w, `{"error":{"message":"empty input"}}`, http.StatusBadRequest)
			return
		}
		data[i] = item{"embedding", i, rawVector(text, dim)}
	}
	rand.Shuffle(len(data), func(i, j int) { data[i], data[j] = data[j], data[i] })
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"object": "list",
		"data":   data,
		"model":  body["model"],
		"usage":  map[string]int{"prompt_tokens": len(input), "total_tokens": len(input)},
	})
}

// rawVector is the server's unnormalised embedding of text.
func rawVector(text string, dim int) []float32 {
	h := fnv.New64a()
	h.Write([]byte(text))
	rng := rand.New(rand.NewPCG(h.Sum64(), 7))
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * 3)
	}
	return v
}

func (s *fakeServer) sentInputs() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.inputs)
}

func (s *fakeServer) config() Config {
	return Config{BaseURL: s.URL + "/v1", APIKey: s.key, Model: "test-embed", Dimensions: s.dim}
}
