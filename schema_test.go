package tessera_test

import (
	"context"
	"strings"
	"testing"

	tessera "github.com/tessera-search/tessera"
)

// A cleaning key the cleaner cannot honour stops Open with the field's key,
// the schema line and the reason, before any row is read.
func TestOpenRejectsBadCleaningKeys(t *testing.T) {
	base := `
name: shop
id: id
fields:
  id:    {type: text}
  title: {type: text}
  price: {type: number, format: money}
spaces:
  - {name: title, kind: text, field: title}
`
	for _, tc := range []struct{ from, to, want string }{
		{"format: money", "format: currency", `format: unknown format "currency"`},
		{"format: money", "missing: default", "default: required when missing is default"},
		{"format: money", "missing: maybe", `missing: unknown policy "maybe"`},
		{"format: money", "missing: default, default: cheap", "default: not a valid number"},
		{"format: money", "layouts: [excel]", "layouts: apply to time fields"},
		{"{type: text}\n  price", "{type: text, format: money}\n  price", `format: "money" applies to number and integer fields`},
	} {
		dir := t.TempDir()
		schema := strings.Replace(base, tc.from, tc.to, 1)
		_, err := tessera.Open(context.Background(), tessera.Options{DataDir: dir, Schema: []byte(schema), EmbedderKind: "builtin", NoSync: true})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "line ") || !strings.Contains(err.Error(), "fields.") {
			t.Errorf("%s: Open error %v, want the field key, its line and %q", tc.to, err, tc.want)
		}
		// Nothing was saved: the corrected schema opens the same directory.
		db, err := tessera.Open(context.Background(), tessera.Options{DataDir: dir, Schema: []byte(base), EmbedderKind: "builtin", NoSync: true})
		if err != nil {
			t.Fatalf("%s: the corrected schema cannot open the directory: %v", tc.to, err)
		}
		db.Close()
	}
}
