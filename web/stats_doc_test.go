package web_test

import (
	"os"
	"strings"
	"testing"

	tessera "github.com/tessera-search/tessera"
)

// TestStatsFieldsAreDocumented: every field GET /v1/stats sends is in the
// Stats schema of openapi.json and named in the README, so the docs and
// the server agree.
func TestStatsFieldsAreDocumented(t *testing.T) {
	s := startServer(t, tessera.Options{})
	// A write first, so last_update and last_update_age_s are sent too.
	if code := s.post(t, "/v1/events", `[{"op":"upsert","id":"ST-1","fields":{"title":"Stats probe","price":1}}]`, nil); code != 200 {
		t.Fatalf("event: %d", code)
	}
	var stats map[string]any
	if code := s.get(t, "/v1/stats", &stats); code != 200 {
		t.Fatalf("stats: %d", code)
	}
	doc := loadOpenAPI(t)
	props := doc.Components.Schemas["Stats"].Value.Properties
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := stats["last_update"]; !ok {
		t.Fatalf("stats after a write lacks last_update: %v", stats)
	}
	for k := range stats {
		if _, ok := props[k]; !ok {
			t.Errorf("/v1/stats sends %q, which openapi.json's Stats schema does not list", k)
		}
		if !strings.Contains(string(readme), "`"+k+"`") {
			t.Errorf("/v1/stats sends %q, which the README does not name", k)
		}
	}
}
