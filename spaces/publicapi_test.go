package spaces_test

import (
	"testing"

	"github.com/tessera-search/tessera/internal/apitest"
)

// TestPublicAPI pins the package's exported names (the schema and encoders:
// used by nearly every package). Each is used outside the package or is
// deliberately its API; a new export fails here until it is added on purpose
// (docs/architecture.md, "Exports").
func TestPublicAPI(t *testing.T) {
	apitest.Check(t, []string{
		"Embedder", "Encoder", "Encoder.Categories", "Encoder.Dim", "Encoder.EncodeItems", "Encoder.EncodeQuery",
		"Encoder.Explain", "Encoder.Fingerprint", "Encoder.Learn", "Encoder.Newest", "Encoder.Part",
		"Encoder.RecencySpaces", "Encoder.RestoreNewest", "Encoder.RestoreVocabulary", "Encoder.Schema",
		"Encoder.Segments", "Encoder.Similarities", "Encoder.SpaceIndex", "Encoder.SpacesOfFields",
		"Encoder.Vocabulary", "EncoderOption", "ErrUnknownSpace", "Extract", "Field", "Field.SourceColumn",
		"FieldError", "FieldError.Error", "FieldError.Unwrap", "IndexParams", "IngestOptions", "KindCategory",
		"KindNumber", "KindRecency", "KindText", "NamedQuery", "NewEncoder", "ParseSchema", "Period", "Query",
		"QueryVector", "ScaleLinear", "ScaleLog", "ScaleSignedLog", "Schema", "Schema.FieldNames",
		"Schema.KeyError", "Schema.Space", "SchemaError", "SchemaError.Error", "Segment", "SpaceSpec",
		"SpaceSpec.LexicalShare", "TypeBool", "TypeCategory", "TypeCategoryList", "TypeInteger", "TypeNumber",
		"TypeText", "TypeTime", "WithClock", "WithQueryEmbedder",
	})
}
