package nl

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// chatServer is an in-process stand-in for an OpenAI-compatible endpoint. It
// records every request body and answers with reply.
type chatServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
	auth   []string
}

func newChatServer(t *testing.T, reply func(w http.ResponseWriter, r *http.Request)) *chatServer {
	t.Helper()
	cs := &chatServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		cs.mu.Lock()
		cs.bodies = append(cs.bodies, body)
		cs.auth = append(cs.auth, r.Header.Get("Authorization"))
		cs.mu.Unlock()
		reply(w, r)
	}))
	t.Cleanup(cs.Close)
	return cs
}

// requests returns the recorded request bodies and Authorization headers.
func (cs *chatServer) requests() ([]map[string]any, []string) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]map[string]any(nil), cs.bodies...), append([]string(nil), cs.auth...)
}

// completion writes a chat.completion object whose message content is content.
func completion(content string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-test", "object": "chat.completion", "created": 1764000000, "model": "stand-in",
			"choices": []any{map[string]any{
				"index":         0,
				"message":       map[string]any{"role": "assistant", "content": content},
				"finish_reason": "stop",
			}},
			"usage": map[string]any{"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
		})
	}
}

func newTestLLM(t *testing.T, url string, timeout time.Duration) *LLM {
	t.Helper()
	l, err := NewLLM(LLMConfig{BaseURL: url + "/v1", APIKey: "test-key", Model: "stand-in", Timeout: timeout}, amazonVocab(), nil)
	if err != nil {
		t.Fatalf("NewLLM: %v", err)
	}
	return l
}

const goodAnswer = `{
  "text": "wireless earbuds",
  "weights": [{"space": "price", "weight": 2}],
  "filters": [{"field": "price", "op": "lte", "value": 2000}, {"field": "review_rating", "op": "gte", "value": 4}],
  "categories": [{"field": "category", "values": ["electronics"]}],
  "understood": ["\"under 2000\" → price ≤ 2000", "\"rating above 4\" → review_rating ≥ 4"]
}`

func TestLLMGoodAnswer(t *testing.T) {
	srv := newChatServer(t, completion(goodAnswer))
	q := "cheap wireless earbuds in electronics under 2000 with rating above 4"
	got, err := newTestLLM(t, srv.URL, 5*time.Second).Parse(context.Background(), q)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := Interpretation{
		Text:    "wireless earbuds",
		Weights: map[string]float64{"price": 2},
		Filter: map[string]any{
			"price":         map[string]any{"lte": 2000.0},
			"review_rating": map[string]any{"gte": 4.0},
			"category":      map[string]any{"in": []string{"Electronics"}},
		},
		Understood: []string{`"under 2000" → price ≤ 2000`, `"rating above 4" → review_rating ≥ 4`},
		Source:     SourceLLM,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %s\nwant %s", mustJSON(t, got), mustJSON(t, want))
	}

	// The request on the wire: temperature 0 present, strict json_schema
	// response format, the Vocab in the system prompt, the query as the user.
	bodies, auth := srv.requests()
	if len(bodies) != 1 {
		t.Fatalf("%d requests, want 1", len(bodies))
	}
	body := bodies[0]
	if temp, ok := body["temperature"]; !ok || temp != 0.0 {
		t.Errorf("temperature = %v (present %v), want 0", temp, ok)
	}
	if body["model"] != "stand-in" {
		t.Errorf("model = %v", body["model"])
	}
	if auth[0] != "Bearer test-key" {
		t.Errorf("Authorization = %q", auth[0])
	}
	rf, _ := body["response_format"].(map[string]any)
	js, _ := rf["json_schema"].(map[string]any)
	if rf["type"] != "json_schema" || js["strict"] != true || js["name"] == "" {
		t.Fatalf("response_format = %v", rf)
	}
	schema, _ := js["schema"].(map[string]any)
	if schema["type"] != "object" || schema["additionalProperties"] != false {
		t.Errorf("schema = %v", schema)
	}
	props, _ := schema["properties"].(map[string]any)
	for _, p := range []string{"text", "weights", "filters", "categories", "understood"} {
		if props[p] == nil {
			t.Errorf("schema lacks property %q", p)
		}
	}
	msgs, _ := body["messages"].([]any)
	if len(msgs) != 2 {
		t.Fatalf("messages = %v", msgs)
	}
	sys, _ := msgs[0].(map[string]any)
	user, _ := msgs[1].(map[string]any)
	if sys["role"] != "system" || user["role"] != "user" || user["content"] != q {
		t.Errorf("messages = %v", msgs)
	}
	prompt, _ := sys["content"].(string)
	for _, s := range []string{`space "price"`, `space "rating"`, `space "recency"`, `"review_rating"`, "Home&Kitchen", "Health&PersonalCare"} {
		if !strings.Contains(prompt, s) {
			t.Errorf("system prompt lacks %q", s)
		}
	}
}

// Items naming things the catalogue lacks, or numbers that are strings, are
// dropped with a note; the rest of the answer is still used.
func TestLLMValidatesAnswer(t *testing.T) {
	srv := newChatServer(t, completion(`{
	  "text": "  earbuds ",
	  "weights": [{"space": "colour", "weight": 2}, {"space": "price", "weight": 7}, {"space": "rating", "weight": "2"}, {"space": "recency", "weight": -5}],
	  "filters": [{"field": "price", "op": "lte", "value": "cheap"}, {"field": "brand", "op": "gte", "value": 1},
	              {"field": "price", "op": "eq", "value": 5}, {"field": "review_rating", "op": "gt", "value": 3.5}],
	  "categories": [{"field": "category", "values": ["Books", "TOYS&GAMES"]}, {"field": "colour", "values": ["red"]}],
	  "understood": []
	}`))
	got, err := newTestLLM(t, srv.URL, 5*time.Second).Parse(context.Background(), "earbuds")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got.Source != SourceLLM || got.Text != "earbuds" {
		t.Errorf("source %q text %q", got.Source, got.Text)
	}
	if want := map[string]float64{"price": 3, "recency": -1}; !reflect.DeepEqual(got.Weights, want) {
		t.Errorf("weights = %v, want %v", got.Weights, want)
	}
	wantFilter := map[string]any{
		"review_rating": map[string]any{"gt": 3.5},
		"category":      map[string]any{"in": []string{"Toys&Games"}},
	}
	if !reflect.DeepEqual(got.Filter, wantFilter) {
		t.Errorf("filter = %s", mustJSON(t, got.Filter))
	}
	wantNotes := []string{
		`dropped from the LLM answer: weight for unknown space "colour"`,
		`LLM weight 7 for "price" clamped to 3`,
		`dropped from the LLM answer: weight for "rating" is not a number: "2"`,
		`LLM weight -5 for "recency" clamped to -1`,
		`dropped from the LLM answer: filter "price" lte with a value that is not a number: "cheap"`,
		`dropped from the LLM answer: filter on unknown number field "brand"`,
		`dropped from the LLM answer: filter "price" with unknown operator "eq"`,
		`dropped from the LLM answer: unknown category value "Books"`,
		`dropped from the LLM answer: category filter on unknown field "colour"`,
	}
	if !reflect.DeepEqual(got.Understood, wantNotes) {
		t.Errorf("notes =\n%q\nwant\n%q", got.Understood, wantNotes)
	}
}

// Every failure falls back to the offline parser, whose interpretation is
// returned unchanged apart from a first note saying why.
func TestLLMFallsBack(t *testing.T) {
	const q = "cheap earbuds under 2000"
	offline, _ := NewOffline(amazonVocab()).Parse(context.Background(), q)
	cases := []struct {
		name    string
		reply   func(http.ResponseWriter, *http.Request)
		timeout time.Duration
		why     string
	}{
		{"garbage", completion("Sure! Here are some cheap earbuds."), 5 * time.Second, "its answer was not valid"},
		{"wrong shape", completion(`{"text": 5, "weights": {}}`), 5 * time.Second, "its answer was not valid"},
		{"no text", completion(`{"weights": []}`), 5 * time.Second, "its answer was not valid"},
		{"json array", completion(`[1, 2]`), 5 * time.Second, "its answer was not valid"},
		{"no choices", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"x","object":"chat.completion","choices":[]}`)
		}, 5 * time.Second, "its answer was not valid"},
		{"status 500", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":{"message":"model overloaded","type":"server_error"}}`)
		}, 5 * time.Second, "endpoint answered status 500"},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}, 200 * time.Millisecond, "no answer within 200ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newChatServer(t, tc.reply)
			start := time.Now()
			got, err := newTestLLM(t, srv.URL, tc.timeout).Parse(context.Background(), q)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if took := time.Since(start); took > tc.timeout+2*time.Second {
				t.Errorf("took %v with a %v timeout", took, tc.timeout)
			}
			if bodies, _ := srv.requests(); len(bodies) != 1 {
				t.Errorf("%d requests reached the server, want 1", len(bodies))
			}
			if got.Source != SourceOffline {
				t.Errorf("source = %q, want offline", got.Source)
			}
			wantNote := "LLM not used (" + tc.why + "); used the offline parser"
			if len(got.Understood) == 0 || got.Understood[0] != wantNote {
				t.Fatalf("notes = %q, want first %q", got.Understood, wantNote)
			}
			got.Understood = got.Understood[1:]
			if !reflect.DeepEqual(got, offline) {
				t.Errorf("got %s\nwant the offline parse %s", mustJSON(t, got), mustJSON(t, offline))
			}
		})
	}
}

// An unreachable endpoint falls back too.
func TestLLMUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	got, err := newTestLLM(t, url, 2*time.Second).Parse(context.Background(), "usb cable")
	if err != nil || got.Source != SourceOffline || got.Text != "usb cable" {
		t.Fatalf("got %+v, %v", got, err)
	}
	if want := "LLM not used (request failed); used the offline parser"; got.Understood[0] != want {
		t.Errorf("note = %q, want %q", got.Understood[0], want)
	}
}

func TestNewLLMConfigErrors(t *testing.T) {
	v := amazonVocab()
	for _, cfg := range []LLMConfig{
		{BaseURL: "http://127.0.0.1:1/v1"},
		{Model: "m"},
		{BaseURL: "http://127.0.0.1:1/v1", Model: "m", Timeout: -time.Second},
	} {
		if _, err := NewLLM(cfg, v, nil); err == nil {
			t.Errorf("NewLLM(%+v) succeeded", cfg)
		}
	}
	l, err := NewLLM(LLMConfig{BaseURL: "http://127.0.0.1:1/v1", Model: "m"}, v, nil)
	if err != nil || l.cfg.Timeout != DefaultLLMTimeout {
		t.Errorf("NewLLM without timeout: %v, timeout %v", err, l.cfg.Timeout)
	}
}

// An LLM parser satisfies Parser, so it can wrap another LLM parser or be
// used wherever the offline one is.
var _ Parser = (*LLM)(nil)
var _ Parser = (*Offline)(nil)
