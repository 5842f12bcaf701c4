package nl_test

import (
	"testing"

	"github.com/tessera-search/tessera/internal/apitest"
)

// TestPublicAPI pins the package's exported names (the natural-language
// parsers: used by query and config). Each is used outside the package or is
// deliberately its API; a new export fails here until it is added on purpose
// (docs/architecture.md, "Exports").
func TestPublicAPI(t *testing.T) {
	apitest.Check(t, []string{
		"DefaultLLMTimeout", "Interpretation", "LLM", "LLM.Parse", "LLMConfig", "LLMConfig.Enabled", "NewLLM",
		"NewOffline", "Offline", "Offline.Parse", "Parser", "Roles", "Roles.Apply", "RolesFromSchema",
		"SchemaField", "SchemaSpace", "SourceLLM", "SourceOffline", "Vocab",
	})
}
