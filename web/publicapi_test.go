package web_test

import (
	"testing"

	"github.com/tessera-search/tessera/internal/apitest"
)

// TestPublicAPI pins the package's exported names (the HTTP server: used by
// the root and cmd/tessera). Each is used outside the package or is
// deliberately its API; a new export fails here until it is added on purpose
// (docs/architecture.md, "Exports").
func TestPublicAPI(t *testing.T) {
	apitest.Check(t, []string{
		"APIKey", "Config", "ContextHandler", "Metrics", "Metrics.InstrumentEmbedder", "Metrics.ObserveSnapshot",
		"Metrics.ObserveWALSync", "New", "NewMetrics", "SchemaAdmin", "Server", "Server.Handler",
	})
}
