package tessera_test

import (
	"testing"

	"github.com/tessera-search/tessera/internal/apitest"
)

// TestPublicAPI pins the package's exported names (the root package: what
// cmd/tessera and library users call). Each is used outside the package or
// is deliberately its API; a new export fails here until it is added on
// purpose (docs/architecture.md, "Exports").
func TestPublicAPI(t *testing.T) {
	apitest.Check(t, []string{
		"ApplyOptions", "DB", "DB.ApplySchema", "DB.AtlasIndexDefinition", "DB.Close", "DB.Documents",
		"DB.LoadDemo", "DB.PlanSchema", "DB.Ready", "DB.SchemaApplyStatus", "DB.StartSchemaApply", "DB.UseAtlas",
		"DefaultAtlasIndex", "ErrLocked", "ErrNoSchema", "Holder", "LockedError", "LockedError.Error",
		"LockedError.Is", "NewEmbedder", "Open", "Options",
	})
}
