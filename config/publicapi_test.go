package config_test

import (
	"testing"

	"github.com/tessera-search/tessera/internal/apitest"
)

// TestPublicAPI pins the package's exported names (the configuration
// cmd/tessera resolves and hands to the root). Each is used outside the
// package or is deliberately its API; a new export fails here until it is
// added on purpose (docs/architecture.md, "Exports").
func TestPublicAPI(t *testing.T) {
	apitest.Check(t, []string{
		"APIKey", "Config", "Config.CheckBind", "Config.LLM", "Config.MarshalJSON", "Config.OpenAI", "Config.YAML",
		"Flags", "Loader", "Loader.Load", "MaskURI", "Models", "Read", "Write",
	})
}
