package clean

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tessera-search/tessera/spaces"
)

func TestSpecValidate(t *testing.T) {
	good := []Spec{
		{Type: TypeText},
		{Type: TypeNumber, Format: FormatMoney},
		{Type: TypeInteger, Format: FormatCount, Missing: MissingDefault, Default: 0},
		{Type: TypeInteger, Missing: MissingDefault, Default: "12"},
		{Type: TypeNumber, Format: FormatRating, Null: []string{"|"}},
		{Type: TypeCategoryList, Separator: ">>"},
		{Type: TypeTime, Layouts: []string{"02/01/2006", LayoutExcel}},
		{Type: TypeBool, Missing: MissingReject},
	}
	for _, s := range good {
		if err := s.Validate(); err != nil {
			t.Errorf("%+v: Validate() = %v, want nil", s, err)
		}
	}
	bad := []struct {
		spec Spec
		key  string
	}{
		{Spec{}, "type:"},
		{Spec{Type: "float"}, "type:"},
		{Spec{Type: TypeNumber, Format: "currency"}, "format:"},
		{Spec{Type: TypeText, Format: FormatMoney}, "format:"},
		{Spec{Type: TypeNumber, Missing: "skip"}, "missing:"},
		{Spec{Type: TypeNumber, Missing: MissingDefault}, "default:"},
		{Spec{Type: TypeInteger, Missing: MissingDefault, Default: "many"}, "default:"},
		{Spec{Type: TypeInteger, Missing: MissingDefault, Default: 1.5}, "default:"},
		{Spec{Type: TypeBool, Missing: MissingDefault, Default: "perhaps"}, "default:"},
		{Spec{Type: TypeNumber, Missing: MissingDefault, Default: "N/A"}, "default:"},
		{Spec{Type: TypeNumber, Default: 3}, "default:"},
		{Spec{Type: TypeText, Separator: "|"}, "separator:"},
		{Spec{Type: TypeNumber, Layouts: []string{"2006"}}, "layouts:"},
	}
	for _, tt := range bad {
		err := tt.spec.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tt.key) {
			t.Errorf("%+v: Validate() = %v, want an error naming %q", tt.spec, err, tt.key)
		}
	}
}

// A field declared in a schema is the cleaning rule: the schema loader's
// keys (a bare null: key included, which YAML would drop) reach Clean.
func TestSpecIsTheSchemaField(t *testing.T) {
	schema, err := spaces.ParseSchema([]byte(`
name: t
id: id
fields:
  id: {type: text}
  rating_count: {type: integer, column: ratings, format: count, missing: default, default: 0, null: ["|"]}
spaces:
  - {name: n, kind: number, field: rating_count, min: 0, max: 10, mode: maximum}
`))
	if err != nil {
		t.Fatal(err)
	}
	spec := Spec(*schema.Fields["rating_count"])
	if spec.Column != "ratings" || spec.Type != TypeInteger || spec.Format != FormatCount || spec.Missing != MissingDefault || !reflect.DeepEqual(spec.Null, []string{"|"}) {
		t.Fatalf("spec %+v", spec)
	}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, raw := range []any{"", "|"} {
		if got, err := spec.Clean(raw); err != nil || got != int64(0) {
			t.Fatalf("Clean(%q) = %#v, %v; want int64(0) from the YAML default", raw, got, err)
		}
	}
	if got, err := spec.Clean("1,234"); err != nil || got != int64(1234) {
		t.Fatalf("Clean(1,234) = %#v, %v", got, err)
	}
}

func TestSpecCleanTypes(t *testing.T) {
	when := time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		spec Spec
		raw  any
		want any
	}{
		{Spec{Type: TypeText}, "  Hello&amp;  world ", "Hello& world"},
		{Spec{Type: TypeText}, 12.5, "12.5"},
		{Spec{Type: TypeText}, int64(7), "7"},
		{Spec{Type: TypeCategory}, " Electronics ", "Electronics"},
		{Spec{Type: TypeCategoryList}, "a|b|a", []string{"a", "b"}},
		{Spec{Type: TypeCategoryList, Separator: ">>"}, "x >> y", []string{"x", "y"}},
		{Spec{Type: TypeCategoryList}, []any{"x", " y ", nil, "x", 3.0}, []string{"x", "y", "3"}},
		{Spec{Type: TypeNumber}, "1,234.5", 1234.5},
		{Spec{Type: TypeNumber}, 0.64, 0.64},
		{Spec{Type: TypeNumber}, int64(5), 5.0},
		{Spec{Type: TypeNumber, Format: FormatMoney}, "₹1,79,691", 179691.0},
		{Spec{Type: TypeNumber, Format: FormatMoney, DecimalComma: true}, "1.234,56 €", 1234.56},
		{Spec{Type: TypeNumber, Format: FormatPercent}, "64%", 64.0},
		{Spec{Type: TypeNumber, Format: FormatRating}, "4.3 out of 5 stars", 4.3},
		{Spec{Type: TypeInteger, Format: FormatCount}, "1,79,691", int64(179691)},
		{Spec{Type: TypeInteger, Format: FormatCount}, "2.5k", int64(2500)},
		{Spec{Type: TypeInteger}, "9007199254740993", int64(9007199254740993)}, // beyond float64 precision
		{Spec{Type: TypeInteger}, "12.00", int64(12)},
		{Spec{Type: TypeInteger}, 42.0, int64(42)},
		{Spec{Type: TypeInteger, Format: FormatMoney}, "₹1,099", int64(1099)},
		{Spec{Type: TypeBool}, "Yes", true},
		{Spec{Type: TypeBool}, 0.0, false},
		{Spec{Type: TypeBool}, true, true},
		{Spec{Type: TypeTime}, "2023-11-01", when},
		{Spec{Type: TypeTime}, 45231.0, when},                                                     // Excel serial from a spreadsheet
		{Spec{Type: TypeTime}, int64(1698796800), when},                                           // Unix seconds
		{Spec{Type: TypeTime}, 1698796800000.0, when},                                             // Unix milliseconds
		{Spec{Type: TypeTime, Layouts: []string{LayoutUnix}}, 86400.0, time.Unix(86400, 0).UTC()}, // declared beats magnitude
		{Spec{Type: TypeTime}, when.In(time.FixedZone("X", 3600)), when},
		{Spec{Type: TypeTime, Layouts: []string{"02/01/2006"}}, "01/11/2023", when},
	}
	for _, tt := range tests {
		got, err := tt.spec.Clean(tt.raw)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%+v.Clean(%#v) = %#v, %v; want %#v", tt.spec, tt.raw, got, err, tt.want)
		}
	}
}

func TestSpecCleanErrors(t *testing.T) {
	tests := []struct {
		spec Spec
		raw  any
	}{
		{Spec{Type: TypeNumber}, "1,2,3"},
		{Spec{Type: TypeNumber}, true},
		{Spec{Type: TypeNumber}, math.Inf(1)},
		{Spec{Type: TypeInteger}, "4.3"},
		{Spec{Type: TypeInteger}, 1e30},
		{Spec{Type: TypeInteger}, "99999999999999999999"},
		{Spec{Type: TypeBool}, 2.0},
		{Spec{Type: TypeTime}, true},
		{Spec{Type: TypeTime}, -5.0},
		{Spec{Type: TypeText}, []any{"a"}},
		{Spec{Type: TypeNumber, Format: FormatRating}, "|"},
	}
	for _, tt := range tests {
		got, err := tt.spec.Clean(tt.raw)
		var ve *ValueError
		if !errors.As(err, &ve) || !reflect.DeepEqual(ve.Value, tt.raw) && !isString(tt.raw) {
			t.Errorf("%+v.Clean(%#v) = %#v, %v; want a *ValueError with the raw value", tt.spec, tt.raw, got, err)
		}
		if errors.Is(err, ErrMissing) {
			t.Errorf("%+v.Clean(%#v): a parse failure must not be ErrMissing", tt.spec, tt.raw)
		}
	}
}

func isString(v any) bool { _, ok := v.(string); return ok }

func TestSpecMissingPolicies(t *testing.T) {
	nulls := []any{nil, "", "  ", "NaN", "nan", "NULL", "n/a", "-", "No rating available", math.NaN()}
	for _, raw := range nulls {
		if got, err := (Spec{Type: TypeNumber}).Clean(raw); got != nil || err != nil {
			t.Errorf("null policy: Clean(%#v) = %#v, %v; want nil, nil", raw, got, err)
		}
		got, err := (Spec{Type: TypeInteger, Missing: MissingDefault, Default: 0}).Clean(raw)
		if got != int64(0) || err != nil {
			t.Errorf("default policy: Clean(%#v) = %#v, %v; want int64(0)", raw, got, err)
		}
		_, err = (Spec{Type: TypeNumber, Missing: MissingReject}).Clean(raw)
		var ve *ValueError
		if !errors.Is(err, ErrMissing) || !errors.As(err, &ve) {
			t.Errorf("reject policy: Clean(%#v) error = %v, want ErrMissing inside a *ValueError", raw, err)
		}
	}
	// Extra tokens declared on the field.
	s := Spec{Type: TypeNumber, Format: FormatRating, Null: []string{"|"}}
	if got, err := s.Clean("|"); got != nil || err != nil {
		t.Errorf("declared null token: Clean(\"|\") = %#v, %v", got, err)
	}
	// A real value is never replaced by the default.
	if got, _ := (Spec{Type: TypeNumber, Missing: MissingDefault, Default: 1.5}).Clean("2"); got != 2.0 {
		t.Errorf("default policy replaced a present value: got %#v", got)
	}
}
