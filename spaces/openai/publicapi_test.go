package openai_test

import (
	"testing"

	"github.com/tessera-search/tessera/internal/apitest"
)

// TestPublicAPI pins the package's exported names (the OpenAI-compatible
// embedder: used by the root and config). Each is used outside the package
// or is deliberately its API; a new export fails here until it is added on
// purpose (docs/architecture.md, "Exports").
func TestPublicAPI(t *testing.T) {
	apitest.Check(t, []string{
		"Config", "DefaultModel", "Embedder", "Embedder.Dim", "Embedder.Embed", "Embedder.Name", "New",
		"NewContext", "StatusError", "StatusError.Error", "StatusError.Retryable", "StatusError.Unwrap",
	})
}
