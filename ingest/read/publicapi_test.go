package read_test

import (
	"testing"

	"github.com/tessera-search/tessera/internal/apitest"
)

// TestPublicAPI pins the package's exported names (the file readers: used by
// ingest (Applier.Ingest takes a read.Reader), web, cmd and the root). Each
// is used outside the package or is deliberately its API; a new export fails
// here until it is added on purpose (docs/architecture.md, "Exports").
func TestPublicAPI(t *testing.T) {
	apitest.Check(t, []string{
		"DefaultMaxXLSXBytes", "ErrTooLarge", "FormatCSV", "FormatJSON", "FormatNDJSON", "FormatTSV", "FormatXLSX",
		"New", "Open", "Options", "Reader", "Record", "RowError", "RowError.Error", "RowError.Unwrap",
	})
}
