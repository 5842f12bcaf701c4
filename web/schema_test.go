package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tessera "github.com/tessera-search/tessera"
	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/internal/sharedtest"
	"github.com/tessera-search/tessera/web"
)

const schemaAdminSchema = `
name: shop
id: id
fields:
  id:    {type: text}
  title: {type: text}
  price: {type: number}
spaces:
  - {name: title, kind: text,   field: title}
  - {name: price, kind: number, field: price, min: 0, max: 100, mode: minimum}
filters: [price]
`

// schemaAdminServer serves a small collection with read and write keys.
func schemaAdminServer(t *testing.T, withAdmin bool) (*httptest.Server, *tessera.DB) {
	t.Helper()
	return schemaAdminServerOn(t, withAdmin, "", true)
}

// schemaAdminServerOn is schemaAdminServer in MongoDB store mode when store
// is a URI; load writes the 30 documents (a replica reads them instead).
func schemaAdminServerOn(t *testing.T, withAdmin bool, store string, load bool) (*httptest.Server, *tessera.DB) {
	t.Helper()
	db, err := tessera.Open(context.Background(), tessera.Options{DataDir: t.TempDir(), Schema: []byte(schemaAdminSchema), Store: store, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	var events []ingest.Event
	for i := range 30 {
		events = append(events, ingest.Event{ID: fmt.Sprintf("d%d", i), Fields: map[string]any{"title": fmt.Sprintf("item %d lamp", i), "price": float64(i * 3)}})
	}
	if !load {
		events = nil
	}
	if _, err := db.Applier.Apply(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := web.Config{Applier: db.Applier, Engine: db.Engine, Context: ctx,
		APIKeys: []web.APIKey{{Key: readKey}, {Key: writeKey, Write: true}}}
	if withAdmin {
		cfg.Schema = db
	}
	ts := httptest.NewServer(web.New(cfg).Handler())
	t.Cleanup(func() {
		ts.Close()
		cancel()
		db.Close()
	})
	return ts, db
}

func postSchema(t *testing.T, ts *httptest.Server, path, key string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	return doJSON(t, req)
}

func doJSON(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %d %s: not JSON", req.Method, req.URL.Path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// TestSchemaPlanAndApplyOverHTTP: the routes need a write key, answer bad
// schemas 400, changes that need source rows 422 and stale plans 409,
// and apply in the background until searches use the new schema.
func TestSchemaPlanAndApplyOverHTTP(t *testing.T) {
	ts, db := schemaAdminServer(t, true)
	next := strings.Replace(schemaAdminSchema, "max: 100", "max: 500", 1)
	if code, _ := postSchema(t, ts, "/v1/schema/plan", readKey, map[string]string{"schema": next}); code != http.StatusForbidden {
		t.Fatalf("plan with a read key: %d, want 403", code)
	}
	code, plan := postSchema(t, ts, "/v1/schema/plan", writeKey, map[string]string{"schema": next})
	if code != http.StatusOK || plan["cost"] != "re-encode" || plan["documents"] != float64(30) || !strings.Contains(plan["text"].(string), "~ spaces.price") {
		t.Fatalf("plan: %d %v", code, plan)
	}
	for _, tc := range []struct {
		body map[string]string
		path string
		code int
		want string
	}{
		{map[string]string{"schema": "name: [unclosed"}, "/v1/schema/plan", 400, "bad_schema"},
		{map[string]string{"schema": ""}, "/v1/schema/plan", 400, "bad_request"},
		{map[string]string{"schema": strings.Replace(schemaAdminSchema, "{type: number}", "{type: number, format: money}", 1)}, "/v1/schema/apply", 422, "needs_source_rows"},
		{map[string]string{"schema": next, "plan_id": "0000000000000000"}, "/v1/schema/apply", 409, "plan_changed"},
	} {
		code, body := postSchema(t, ts, tc.path, writeKey, tc.body)
		if code != tc.code || errCode(body) != tc.want {
			t.Errorf("%s %v: %d %v, want %d %s", tc.path, tc.body, code, body, tc.code, tc.want)
		}
	}
	code, st := postSchema(t, ts, "/v1/schema/apply", writeKey, map[string]string{"schema": next, "plan_id": plan["id"].(string)})
	if code != http.StatusAccepted || st["state"] != "running" {
		t.Fatalf("apply: %d %v", code, st)
	}
	deadline := time.Now().Add(30 * time.Second)
	for st["state"] == "running" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1/schema/apply", nil)
		req.Header.Set("Authorization", "Bearer "+writeKey)
		_, st = doJSON(t, req)
	}
	if st["state"] != "done" || st["done"] != float64(30) {
		t.Fatalf("apply status %v, want done with 30 documents", st)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1/schema", nil)
	req.Header.Set("Authorization", "Bearer "+readKey)
	_, sch := doJSON(t, req)
	sp := sch["spaces"].([]any)[1].(map[string]any)
	if sp["max"] != float64(500) {
		t.Fatalf("GET /v1/schema after apply: price space %v, want max 500", sp)
	}
	code, res := postSchema(t, ts, "/v1/search", readKey, map[string]any{"text": "lamp", "weights": map[string]float64{"price": 1}})
	if code != http.StatusOK || len(res["results"].([]any)) == 0 {
		t.Fatalf("search after apply: %d %v", code, res)
	}
	if db.Applier.Collection().Dim() != db.Engine.Encoder().Dim() {
		t.Fatal("collection and encoder disagree after apply")
	}
}

// TestSchemaRoutesWithoutAdmin: a server wired without schema changes
// says so with 501, not a 500.
func TestSchemaRoutesWithoutAdmin(t *testing.T) {
	ts, _ := schemaAdminServer(t, false)
	code, body := postSchema(t, ts, "/v1/schema/plan", writeKey, map[string]string{"schema": schemaAdminSchema})
	if code != http.StatusNotImplemented || errCode(body) != "not_implemented" {
		t.Fatalf("plan without admin: %d %v", code, body)
	}
}

// TestSchemaApplyOverHTTPInStoreMode: in MongoDB store mode the routes
// apply the change (no 501 any more) and the store records it; an
// instance that has not yet followed the store's change is refused with
// 409 plan_changed instead of applying over it.
func TestSchemaApplyOverHTTPInStoreMode(t *testing.T) {
	uri := sharedtest.MongoURI(t, "tessera_web")
	ts, db := schemaAdminServerOn(t, true, uri, true)
	lagging, _ := schemaAdminServerOn(t, true, uri, false) // its follower is not running
	next := strings.Replace(schemaAdminSchema, "max: 100", "max: 500", 1)
	code, st := postSchema(t, ts, "/v1/schema/apply", writeKey, map[string]string{"schema": next})
	if code != http.StatusAccepted {
		t.Fatalf("apply in store mode: %d %v, want 202", code, st)
	}
	deadline := time.Now().Add(60 * time.Second)
	for st["state"] == "running" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1/schema/apply", nil)
		req.Header.Set("Authorization", "Bearer "+writeKey)
		_, st = doJSON(t, req)
	}
	if st["state"] != "done" {
		t.Fatalf("apply status %v, want done", st)
	}
	if m := db.Store.Meta(); m.Schema != next {
		t.Fatalf("the store records schema\n%s\nwant the applied one", m.Schema)
	}
	next2 := strings.Replace(next, "max: 500", "max: 700", 1)
	if code, body := postSchema(t, lagging, "/v1/schema/apply", writeKey, map[string]string{"schema": next2}); code != http.StatusConflict || errCode(body) != "plan_changed" {
		t.Fatalf("apply on an instance behind the store: %d %v, want 409 plan_changed", code, body)
	}
}
