package schemaplan_test

import (
	"testing"

	"github.com/tessera-search/tessera/internal/apitest"
)

// TestPublicAPI pins the package's exported names (schema change plans: used
// by the root, web and cmd). Each is used outside the package or is
// deliberately its API; a new export fails here until it is added on purpose
// (docs/architecture.md, "Exports").
func TestPublicAPI(t *testing.T) {
	apitest.Check(t, []string{
		"Change", "Cost", "Cost.MarshalText", "Cost.String", "Cost.UnmarshalText", "Diff", "ErrBadSchema",
		"ErrBusy", "ErrPlanChanged", "ErrUnsupported", "Metadata", "Plan", "Plan.Applicable", "Plan.Empty",
		"Plan.Refusal", "Plan.Write", "Reencode", "RefusalError", "RefusalError.Error", "Reindex", "SourceRows",
		"StateDone", "StateFailed", "StateIdle", "StateRunning", "Status",
	})
}
