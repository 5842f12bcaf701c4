package wordvec_test

import (
	"testing"

	"github.com/tessera-search/tessera/internal/apitest"
)

// TestPublicAPI pins the package's exported names (the built-in embedder:
// used by the root). Each is used outside the package or is deliberately its
// API; a new export fails here until it is added on purpose
// (docs/architecture.md, "Exports").
func TestPublicAPI(t *testing.T) {
	apitest.Check(t, []string{
		"Default", "Embedder", "Embedder.Dim", "Embedder.Embed", "Embedder.Name",
	})
}
