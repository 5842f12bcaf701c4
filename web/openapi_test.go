package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/web"
)

func init() {
	// The document describes NDJSON bodies as the list of their lines.
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		var lines []any
		dec := json.NewDecoder(body)
		for {
			var v any
			if err := dec.Decode(&v); err == io.EOF {
				return lines, nil
			} else if err != nil {
				return nil, fmt.Errorf("line %d: %w", len(lines)+1, err)
			}
			lines = append(lines, v)
		}
	})
}

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(web.OpenAPI())
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3 document: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	// Every operation documents its success response and error body.
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" || op.Summary == "" {
				t.Errorf("%s %s: needs an operationId and a summary", method, path)
			}
			ok := false
			for code := range op.Responses.Map() {
				ok = ok || strings.HasPrefix(code, "2")
			}
			if !ok {
				t.Errorf("%s %s: no success response", method, path)
			}
		}
	}
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range web.Routes(web.New(web.Config{})) {
		registered[r.Method+" "+r.Path] = true
	}
	if len(registered) < 10 {
		t.Fatalf("only %d routes registered: %v", len(registered), registered)
	}
	for r := range registered {
		if !documented[r] {
			t.Errorf("route %s is registered but not in openapi.json", r)
		}
	}
	for r := range documented {
		if !registered[r] {
			t.Errorf("openapi.json documents %s, which the server does not register", r)
		}
	}
}

// validator checks live requests and responses against the document.
type validator struct {
	t      *testing.T
	router routers.Router
	base   string
}

type exchange struct {
	method, path, contentType string
	body                      []byte
	// invalidRequest marks a request the document itself rejects (the
	// server must reject it too).
	invalidRequest bool
	wantStatus     int
}

// do sends the request, validates it and the response against the
// document, and returns the response body.
func (v *validator) do(ex exchange) []byte {
	t := v.t
	t.Helper()
	newReq := func() *http.Request {
		req, err := http.NewRequest(ex.method, v.base+ex.path, bytes.NewReader(ex.body))
		if err != nil {
			t.Fatal(err)
		}
		if ex.contentType != "" {
			req.Header.Set("Content-Type", ex.contentType)
		}
		return req
	}
	vreq := newReq()
	route, params, err := v.router.FindRoute(vreq)
	if err != nil {
		t.Fatalf("%s %s: not in the document: %v", ex.method, ex.path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	if ex.invalidRequest && reqErr == nil {
		t.Errorf("%s %s %s: the document accepts a request meant to be invalid", ex.method, ex.path, ex.body)
	}
	if !ex.invalidRequest && reqErr != nil {
		t.Errorf("%s %s: request does not match the document: %v", ex.method, ex.path, reqErr)
	}
	resp, err := http.DefaultClient.Do(newReq())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ex.wantStatus != 0 && resp.StatusCode != ex.wantStatus {
		t.Errorf("%s %s: status %d, want %d: %s", ex.method, ex.path, resp.StatusCode, ex.wantStatus, body)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s → %d: response does not match the document: %v\n%s", ex.method, ex.path, resp.StatusCode, err, trim(body))
	}
	return body
}

func trim(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

func jsonBody(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// TestOpenAPIValidatesTraffic drives every endpoint of a real server and
// checks each request and response against the served document.
func TestOpenAPIValidatesTraffic(t *testing.T) {
	s := startServer(t, tessera.Options{})
	resp, err := http.Get(s.url + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(served, web.OpenAPI()) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("/openapi.json: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(served))
	}
	doc := loadOpenAPI(t)
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	v := &validator{t: t, router: router, base: s.url}
	get := func(path string, status int) []byte {
		return v.do(exchange{method: "GET", path: path, wantStatus: status})
	}
	post := func(path string, body any, status int) []byte {
		return v.do(exchange{method: "POST", path: path, contentType: "application/json", body: jsonBody(body), wantStatus: status})
	}

	get("/healthz", 200)
	get("/readyz", 200)
	get("/openapi.json", 200)
	get("/v1/schema", 200)

	post("/v1/search", map[string]any{"text": "wireless earbuds", "weights": map[string]float64{"price": 2, "recency": 0}, "limit": 3}, 200)
	post("/v1/search", map[string]any{"text": "cable", "include_vectors": true, "min_score": 0.1,
		"filter": map[string]any{"category": map[string]any{"in": []string{"Electronics"}}, "price": map[string]any{"lte": 60},
			"or": []any{map[string]any{"rating": map[string]any{"gte": 4.5}}, map[string]any{"brand": "Voltiq"}}}}, 200)
	post("/v1/search", map[string]any{"similar": map[string]any{"category": []string{"Books", "Toys & Games"}}, "weights": map[string]float64{"title": 0}}, 200)
	post("/v1/search", map[string]any{"q": "wireless earbuds under $50 rated above 4"}, 200)
	var first struct {
		NextCursor string `json:"next_cursor"`
		Results    []struct {
			ID string `json:"id"`
		} `json:"results"`
	}
	json.Unmarshal(post("/v1/search", map[string]any{"text": "yoga mat", "limit": 2}, 200), &first)
	if first.NextCursor == "" || len(first.Results) == 0 {
		t.Fatalf("no cursor or results: %+v", first)
	}
	post("/v1/search", map[string]any{"text": "yoga mat", "limit": 2, "cursor": first.NextCursor}, 200)
	post("/v1/search", map[string]any{"like_id": first.Results[0].ID, "limit": 2}, 200)
	// Bad input: the document's schema and the server both reject these.
	v.do(exchange{method: "POST", path: "/v1/search", contentType: "application/json", body: []byte(`{"txt":"x"}`), invalidRequest: true, wantStatus: 400})
	v.do(exchange{method: "POST", path: "/v1/search", contentType: "application/json", body: []byte(`{"limit":100000}`), invalidRequest: true, wantStatus: 400})
	v.do(exchange{method: "POST", path: "/v1/search", contentType: "application/json", body: []byte(`{"weights":{"price":"high"}}`), invalidRequest: true, wantStatus: 400})
	v.do(exchange{method: "POST", path: "/v1/search", contentType: "application/json", body: []byte(`{"filter":{"price":{"about":5}}}`), invalidRequest: true, wantStatus: 400})
	// Valid in shape, wrong for this schema: only the server can tell.
	post("/v1/search", map[string]any{"weights": map[string]float64{"pricee": 1}}, 400)
	post("/v1/search", map[string]any{"filter": map[string]any{"price": map[string]any{"lte": "cheap"}}}, 400)
	post("/v1/search/nope", map[string]any{}, 404)

	post("/v1/encode", map[string]any{"rows": []any{map[string]any{"id": "X-1", "title": "Teapot", "description": "A teapot.", "category": "Home & Kitchen",
		"brand": "Acme", "price": "19.99", "rating": 4.2, "review_count": 3, "added_at": "2026-01-02T00:00:00Z"}}}, 200)
	post("/v1/encode", map[string]any{"rows": []any{map[string]any{"id": "X-2", "price": "not a price"}}}, 200)
	post("/v1/encode", map[string]any{"query": map[string]any{"text": "teapot", "weights": map[string]float64{"price": 1}}}, 200)
	post("/v1/encode", map[string]any{}, 400)

	v.do(exchange{method: "POST", path: "/v1/events", contentType: "application/json", wantStatus: 200, body: []byte(
		`[{"op":"upsert","id":"OA-1","version":1,"fields":{"title":"Openapi kettle","description":"A kettle.","category":"Home & Kitchen","price":30,"rating":4,"review_count":1,"added_at":"2026-01-01T00:00:00Z"}},` +
			`{"op":"upsert","id":"OA-1","version":1,"fields":{"price":31}},{"op":"delete","id":"OA-2","version":1},{"op":"upsert","id":"OA-3","fields":{"price":"x"}}]`)})
	v.do(exchange{method: "POST", path: "/v1/events", contentType: "application/x-ndjson", wantStatus: 200, body: []byte(
		`{"op":"upsert","id":"OA-1","version":2,"ts":"2026-01-02T00:00:00Z","fields":{"price":29}}` + "\n")})
	get("/v1/documents/OA-1", 200)
	get("/v1/documents/OA-404", 404)
	get("/v1/stats", 200)

	// Upload a file as a multipart form, then poll the job.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "more.csv")
	io.WriteString(fw, "id,title,description,category,brand,price,rating,review_count,added_at\n"+
		"OA-9,Openapi lamp,A lamp.,Home & Kitchen,Acme,12.50,4.1,2,2026-01-01T00:00:00Z\nOA-10,Bad,x,Books,X,cheap,4,1,2026-01-01T00:00:00Z\n")
	mw.Close()
	wait := func(started []byte) {
		var job struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		}
		json.Unmarshal(started, &job)
		if job.ID == "" {
			t.Fatalf("no job id: %s", started)
		}
		for deadline := time.Now().Add(30 * time.Second); job.Status != "done"; {
			if time.Now().After(deadline) || job.Status == "failed" {
				t.Fatalf("job %s: %s", job.ID, job.Status)
			}
			time.Sleep(20 * time.Millisecond)
			json.Unmarshal(get("/v1/jobs/"+job.ID, 200), &job)
		}
	}
	wait(v.do(exchange{method: "POST", path: "/v1/ingest", contentType: mw.FormDataContentType(), body: buf.Bytes(), wantStatus: 202}))
	// Raw bodies named by ?filename or their content type.
	wait(v.do(exchange{method: "POST", path: "/v1/ingest?filename=raw.csv", contentType: "text/csv", wantStatus: 202,
		body: []byte("id,title,price\nOA-11,Raw lamp,9.99\n")}))
	wait(v.do(exchange{method: "POST", path: "/v1/ingest", contentType: "application/x-ndjson", wantStatus: 202,
		body: []byte(`{"id":"OA-12","title":"NDJSON lamp","price":4.5}` + "\n" + `{"id":"OA-13","title":"NDJSON desk","price":45}` + "\n")}))
	v.do(exchange{method: "POST", path: "/v1/ingest?filename=notes.txt", contentType: "text/csv", wantStatus: 400, body: []byte("x")})
	get("/v1/jobs/job-that-never-was", 404)

	get("/metrics", 200)
}

// TestSourceStatsDocumented: every key a stream source reports in
// /v1/stats is in openapi.json's SourceStats, and nothing more, and the
// schema validates a real report.
func TestSourceStatsDocumented(t *testing.T) {
	doc := loadOpenAPI(t)
	ref := doc.Components.Schemas["SourceStats"]
	if ref == nil {
		t.Fatal("openapi.json has no SourceStats schema")
	}
	m := ingest.NewSourceMeter("kafka://b:9092/t", "kafka")
	m.SetLag(ingest.PartitionLag{Partition: "0", Messages: 3, Seconds: 1.5})
	m.SetError(errors.New("broker unreachable"))
	raw, err := json.Marshal(m.Stats())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	for k := range got {
		if _, ok := ref.Value.Properties[k]; !ok {
			t.Errorf("source stats key %q is not documented", k)
		}
	}
	for k := range ref.Value.Properties {
		if _, ok := got[k]; !ok {
			t.Errorf("openapi.json documents %q, which a source does not report", k)
		}
	}
	if err := ref.Value.VisitJSON(got); err != nil {
		t.Fatalf("a real source report does not validate: %v", err)
	}
}
