package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/web"
)

// testServer opens a data directory and serves it on a real loopback
// listener, with /readyz wired as tessera serve wires it.
type testServer struct {
	db  *tessera.DB
	url string
}

func startServer(t testing.TB, opts tessera.Options) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	db, err := tessera.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	stream := ingest.NewStream(ctx, db.Applier, ingest.StreamOptions{})
	jobs := ingest.NewJobs(db.Applier)
	srv := web.New(web.Config{Applier: db.Applier, Engine: db.Engine, Stream: stream, Jobs: jobs, Context: ctx,
		UploadDir: filepath.Join(opts.DataDir, "uploads"), Ready: func() error { return db.Ready(context.Background()) }})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		cancel()
		<-stream.Done()
		jobs.Wait()
		db.Close()
	})
	return &testServer{db: db, url: hs.URL}
}

func (s *testServer) post(t testing.TB, path string, body any, out any) int {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case string:
		r = strings.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		r = bytes.NewReader(data)
	}
	resp, err := http.Post(s.url+path, "application/json", r)
	return decodeResponse(t, path, resp, err, out)
}

func (s *testServer) get(t testing.TB, path string, out any) int {
	t.Helper()
	resp, err := http.Get(s.url + path)
	return decodeResponse(t, path, resp, err, out)
}

// decodeResponse fails t on a request error, decodes the JSON body into out
// (unless nil) and returns the status code.
func decodeResponse(t testing.TB, path string, resp *http.Response, err error, out any) int {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s: decode: %v", path, err)
		}
	}
	return resp.StatusCode
}

type searchResp struct {
	Results []struct {
		ID        string             `json:"id"`
		Score     float64            `json:"score"`
		Scores    map[string]float64 `json:"scores"`
		Fields    map[string]any     `json:"fields"`
		Relevance float64            `json:"relevance"`
		OnTopic   bool               `json:"on_topic"`
		Matched   []string           `json:"matched"`
	} `json:"results"`
	Total       int                `json:"total"`
	Weights     map[string]float64 `json:"weights"`
	Interpreted map[string]any     `json:"interpreted"`
	NextCursor  string             `json:"next_cursor"`
	Error       *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func allWeights(except string, w float64) map[string]float64 {
	m := map[string]float64{"title": 0, "description": 0, "price": 0, "rating": 0, "category": 0, "recency": 0}
	m[except] = w
	return m
}

func TestDemoReweighting(t *testing.T) {
	s := startServer(t, tessera.Options{})
	// Price only: cheapest first.
	var r searchResp
	if code := s.post(t, "/v1/search", map[string]any{"weights": allWeights("price", 1), "limit": 20}, &r); code != 200 {
		t.Fatalf("status %d %+v", code, r.Error)
	}
	if len(r.Results) != 20 {
		t.Fatalf("%d results", len(r.Results))
	}
	for i := 1; i < len(r.Results); i++ {
		if r.Results[i].Fields["price"].(float64) < r.Results[i-1].Fields["price"].(float64) {
			t.Fatalf("price-only: result %d ($%v) is cheaper than result %d ($%v)", i, r.Results[i].Fields["price"], i-1, r.Results[i-1].Fields["price"])
		}
	}
	// Rating only: best rated first.
	r = searchResp{}
	s.post(t, "/v1/search", map[string]any{"weights": allWeights("rating", 1), "limit": 20}, &r)
	for i := 1; i < len(r.Results); i++ {
		if r.Results[i].Fields["rating"].(float64) > r.Results[i-1].Fields["rating"].(float64) {
			t.Fatalf("rating-only: result %d rated %v above result %d rated %v", i, r.Results[i].Fields["rating"], i-1, r.Results[i-1].Fields["rating"])
		}
	}
	// Text plus a heavy price weight moves cheaper earbuds up.
	var textOnly, cheap searchResp
	s.post(t, "/v1/search", map[string]any{"text": "wireless earbuds", "weights": map[string]float64{"price": 0, "rating": 0, "recency": 0, "category": 0}, "limit": 5}, &textOnly)
	s.post(t, "/v1/search", map[string]any{"text": "wireless earbuds", "weights": map[string]float64{"price": 3, "rating": 0, "recency": 0, "category": 0}, "limit": 5}, &cheap)
	if textOnly.Results[0].ID == cheap.Results[0].ID {
		t.Errorf("weighting price by 3 did not change the top result (%s)", cheap.Results[0].ID)
	}
	if cheap.Results[0].Fields["price"].(float64) >= textOnly.Results[0].Fields["price"].(float64) {
		t.Errorf("price weight 3: top result costs %v, text-only top costs %v", cheap.Results[0].Fields["price"], textOnly.Results[0].Fields["price"])
	}
	if !strings.Contains(strings.ToLower(textOnly.Results[0].Fields["title"].(string)), "earbud") {
		t.Errorf("text-only top result for wireless earbuds: %v", textOnly.Results[0].Fields["title"])
	}
}

func TestScoresSumToScore(t *testing.T) {
	s := startServer(t, tessera.Options{})
	var r searchResp
	s.post(t, "/v1/search", map[string]any{"text": "yoga mat", "weights": map[string]float64{"price": 0.5, "rating": 2, "title": 1, "description": -0.3}, "limit": 30}, &r)
	if len(r.Results) == 0 {
		t.Fatal("no results")
	}
	for _, res := range r.Results {
		var sum float64
		for _, v := range res.Scores {
			sum += v
		}
		if math.Abs(sum-res.Score) > 1e-9 {
			t.Fatalf("%s: Σ scores %v != score %v", res.ID, sum, res.Score)
		}
	}
	// Relevance ranking: the on-topic results lead, best score first.
	for i := 1; i < len(r.Results); i++ {
		if r.Results[i].OnTopic && !r.Results[i-1].OnTopic {
			t.Fatalf("on-topic result %d after an off-topic one", i)
		}
		if r.Results[i].OnTopic && r.Results[i].Score > r.Results[i-1].Score+1e-6 {
			t.Fatalf("on-topic results not sorted by score at %d", i)
		}
	}
	// The linear mix: one order, by score.
	s.post(t, "/v1/search", map[string]any{"text": "yoga mat", "weights": map[string]float64{"price": 0.5, "rating": 2, "title": 1, "description": -0.3}, "limit": 30, "rank": "linear"}, &r)
	for i := 1; i < len(r.Results); i++ {
		if r.Results[i].Score > r.Results[i-1].Score+1e-6 {
			t.Fatalf("linear results not sorted by score at %d", i)
		}
	}
}

func TestBadRequestsNameTheField(t *testing.T) {
	s := startServer(t, tessera.Options{})
	cases := []struct {
		body  string
		field string
	}{
		{`{"weights":{"pricee":1}}`, "weights.pricee"},
		{`{"text":"x","limit":100000}`, "limit"},
		{`{"txt":"x"}`, "txt"},
		{`{"weights":{"price":"high"}}`, "weights.price"},
		{`{"filter":{"colour":{"eq":"red"}}}`, "filter.colour"},
		{`{"filter":{"price":{"lte":"cheap"}}}`, "filter.price.lte"},
		{`{"filter":{"price":{"about":5}}}`, "filter.price.about"},
		{`{"similar":{"nope":1}}`, "similar.nope"},
		{`{"like_id":"NOPE-1"}`, "like_id"},
	}
	for _, c := range cases {
		var r searchResp
		code := s.post(t, "/v1/search", c.body, &r)
		if code != 400 || r.Error == nil || r.Error.Field != c.field {
			t.Errorf("%s: status %d, error %+v; want 400 naming %s", c.body, code, r.Error, c.field)
		}
	}
	var r searchResp
	if code := s.post(t, "/v1/search", `{"text":`, &r); code != 400 || r.Error == nil {
		t.Errorf("malformed JSON: %d %+v", code, r.Error)
	}
}

func TestFiltersNeverReturnNonMatchingRows(t *testing.T) {
	s := startServer(t, tessera.Options{})
	filter := map[string]any{
		"category": map[string]any{"in": []string{"Electronics", "Office Products"}},
		"price":    map[string]any{"lte": 60},
		"or":       []any{map[string]any{"rating": map[string]any{"gte": 4.5}}, map[string]any{"brand": map[string]any{"eq": "Voltiq"}}},
	}
	var r searchResp
	if code := s.post(t, "/v1/search", map[string]any{"text": "cable", "filter": filter, "limit": 100}, &r); code != 200 {
		t.Fatalf("status %d %+v", code, r.Error)
	}
	if len(r.Results) == 0 {
		t.Fatal("filter matched nothing")
	}
	for _, res := range r.Results {
		f := res.Fields
		cat := f["category"].(string)
		if (cat != "Electronics" && cat != "Office Products") || f["price"].(float64) > 60 || (f["rating"].(float64) < 4.5 && f["brand"] != "Voltiq") {
			t.Fatalf("%s does not match the filter: %v", res.ID, f)
		}
	}
	// Exact: the result set is every matching document (fewer than the limit).
	want := 0
	s.db.Collection.Each(func(rec index.Record) bool {
		f := rec.Fields
		cat := f["category"].(string)
		if (cat == "Electronics" || cat == "Office Products") && f["price"].(float64) <= 60 && (f["rating"].(float64) >= 4.5 || f["brand"] == "Voltiq") {
			want++
		}
		return true
	})
	if len(r.Results) != want {
		t.Fatalf("filter returned %d rows, %d documents match", len(r.Results), want)
	}
}

func TestEventsApplyOrderAndDelete(t *testing.T) {
	s := startServer(t, tessera.Options{})
	body := strings.Join([]string{
		`{"op":"upsert","id":"EV-1","version":1,"fields":{"title":"Zephyrine quantum teapot","description":"A teapot.","category":"Home & Kitchen","price":42,"rating":4.1,"review_count":3,"added_at":"2026-11-20T10:00:00Z"}}`,
		`{"op":"upsert","id":"EV-1","version":3,"fields":{"price":19.5}}`,
		`{"op":"upsert","id":"EV-1","version":2,"fields":{"price":99}}`,
		`{"op":"upsert","id":"EV-2","version":1,"fields":{"title":"Doomed gadget","price":"not a price"}}`,
		`{"op":"frobnicate","id":"EV-3"}`,
		`not json`,
	}, "\n")
	var resp struct {
		Results []ingest.Result `json:"results"`
		Applied int             `json:"applied"`
	}
	if code := s.post(t, "/v1/events", body, &resp); code != 200 {
		t.Fatalf("status %d", code)
	}
	want := []string{"applied", "applied", "stale", "rejected", "rejected", "rejected"}
	for i, w := range want {
		if resp.Results[i].Status != w {
			t.Errorf("event %d: %s, want %s (%+v)", i, resp.Results[i].Status, w, resp.Results[i])
		}
	}
	if p := resp.Results[3].Problems; len(p) == 0 || p[0].Column != "price" {
		t.Errorf("bad price not reported by column: %+v", p)
	}
	// The partial update is searchable at once, with the merged document.
	var doc struct {
		Fields map[string]any `json:"fields"`
	}
	s.get(t, "/v1/documents/EV-1", &doc)
	if doc.Fields["price"] != 19.5 || doc.Fields["title"] != "Zephyrine quantum teapot" {
		t.Fatalf("merged document: %v", doc.Fields)
	}
	var r searchResp
	s.post(t, "/v1/search", map[string]any{"text": "zephyrine quantum teapot", "limit": 1}, &r)
	if len(r.Results) == 0 || r.Results[0].ID != "EV-1" {
		t.Fatalf("new event not searchable: %+v", r.Results)
	}
	// A delete leaves a tombstone: a late upsert cannot resurrect the row.
	s.post(t, "/v1/events", `[{"op":"delete","id":"EV-1","version":5},{"op":"upsert","id":"EV-1","version":4,"fields":{"price":1}}]`, &resp)
	if resp.Results[0].Status != "applied" || resp.Results[1].Status != "stale" {
		t.Fatalf("delete then late upsert: %+v", resp.Results)
	}
	if code := s.get(t, "/v1/documents/EV-1", nil); code != 404 {
		t.Fatalf("deleted document still served: %d", code)
	}
}

func TestUploadCSVJob(t *testing.T) {
	s := startServer(t, tessera.Options{})
	csv := "id,title,description,category,brand,price,rating,review_count,added_at\n" +
		"UP-1,Marlowe brass telescope,Hand-polished brass telescope with tripod.,Sports & Outdoors,Marlowe,129.00,4.6,12,2026-10-01T00:00:00Z\n" +
		"UP-2,Broken row,desc,Books,X,not-a-price,4.0,1,2026-10-01T00:00:00Z\n" +
		"UP-1,Marlowe brass telescope II,Hand-polished brass telescope with tripod.,Sports & Outdoors,Marlowe,119.00,4.6,12,2026-10-01T00:00:00Z\n"
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "telescopes.csv")
	fw.Write([]byte(csv))
	mw.Close()
	resp, err := http.Post(s.url+"/v1/ingest", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	var job ingest.Job
	json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	if resp.StatusCode != 202 || job.ID == "" {
		t.Fatalf("upload: %d %+v", resp.StatusCode, job)
	}
	deadline := time.Now().Add(30 * time.Second)
	for job.Status == ingest.JobRunning && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		s.get(t, "/v1/jobs/"+job.ID, &job)
	}
	if job.Status != ingest.JobDone {
		t.Fatalf("job: %+v", job)
	}
	if job.Read != 3 || job.Ingested != 1 || job.Merged != 1 || job.Rejected != 1 {
		t.Fatalf("accounting: read %d ingested %d merged %d rejected %d", job.Read, job.Ingested, job.Merged, job.Rejected)
	}
	if p := job.Problems[0]; p.Row != 2 || p.Column != "price" || p.Value != "not-a-price" {
		t.Fatalf("reject report: %+v", p)
	}
	var r searchResp
	s.post(t, "/v1/search", map[string]any{"text": "brass telescope", "limit": 1}, &r)
	if len(r.Results) == 0 || r.Results[0].ID != "UP-1" || r.Results[0].Fields["price"] != 119.0 {
		t.Fatalf("uploaded row not searchable with the later duplicate's values: %+v", r.Results)
	}
}

func TestNaturalLanguageQuery(t *testing.T) {
	s := startServer(t, tessera.Options{})
	var r searchResp
	if code := s.post(t, "/v1/search", map[string]any{"q": "wireless earbuds under $50 rated above 4", "limit": 10}, &r); code != 200 {
		t.Fatalf("status %d %+v", code, r.Error)
	}
	if r.Interpreted == nil || r.Interpreted["text"] == "" {
		t.Fatalf("no interpretation: %+v", r.Interpreted)
	}
	if len(r.Results) == 0 {
		t.Fatal("no results")
	}
	for _, res := range r.Results {
		if res.Fields["price"].(float64) > 50 || res.Fields["rating"].(float64) < 4 {
			t.Fatalf("%s breaks the interpreted filter: price %v rating %v", res.ID, res.Fields["price"], res.Fields["rating"])
		}
	}
	if !strings.Contains(strings.ToLower(fmt.Sprint(r.Results[0].Fields["title"])), "earbud") {
		t.Errorf("top result: %v", r.Results[0].Fields["title"])
	}
}
