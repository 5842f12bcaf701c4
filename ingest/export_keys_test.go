package ingest_test

import (
	"strings"
	"testing"

	"github.com/tessera-search/tessera/ingest"
	"github.com/tessera-search/tessera/spaces"
)

// A bad export key is an error naming the field, the key and the line.
func TestExportKeyErrorsNameKeyAndLine(t *testing.T) {
	for _, tt := range []struct{ field, want string }{
		{`{type: category, separator: " >> ", levels: -1}`, "line 6: fields.c: levels: must be ≥ 0"},
		{`{type: number, unwrap: list}`, "line 6: fields.c: unwrap: applies to text"},
		{`{type: text, unwrap: json}`, `line 6: fields.c: unwrap: unknown value "json"`},
		{`{type: category, extract: {from: spec}}`, "line 6: fields.c: extract: key is required"},
		{`{type: category, column: other, extract: {from: spec, key: k}}`, "line 6: fields.c: extract: from \"spec\" and column \"other\" disagree"},
	} {
		y := "name: x\nid: id\nfields:\n  id: {type: text}\n  t: {type: text}\n  c: " + tt.field + "\nspaces:\n  - {name: t, kind: text, field: t}\n"
		s, err := spaces.ParseSchema([]byte(y))
		if err == nil {
			err = ingest.ValidateCleaning(s)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.field, err, tt.want)
		}
	}
}
