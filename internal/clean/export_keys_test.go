package clean

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tessera-search/tessera/spaces"
)

func TestExportKeysValidate(t *testing.T) {
	good := []Spec{
		{Type: TypeCategoryList, Separator: " >> ", Unwrap: UnwrapList, Levels: 3},
		{Type: TypeCategory, Separator: " >> ", Unwrap: UnwrapList, Levels: 1},
		{Type: TypeText, Unwrap: UnwrapList},
		{Type: TypeCategory, Extract: &spaces.Extract{From: "spec", Key: "Ideal For"}},
		{Type: TypeCategory, Column: "spec", Extract: &spaces.Extract{From: "spec", Key: "Ideal For"}},
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
		{Spec{Type: TypeNumber, Separator: ">"}, "separator:"},
		{Spec{Type: TypeCategory, Levels: -1}, "levels:"},
		{Spec{Type: TypeText, Levels: 2}, "levels:"},
		{Spec{Type: TypeText, Unwrap: "json"}, "unwrap:"},
		{Spec{Type: TypeNumber, Unwrap: UnwrapList}, "unwrap:"},
		{Spec{Type: TypeText, Extract: &spaces.Extract{Key: "k"}}, "extract:"},
		{Spec{Type: TypeText, Extract: &spaces.Extract{From: "spec"}}, "extract:"},
		{Spec{Type: TypeText, Column: "other", Extract: &spaces.Extract{From: "spec", Key: "k"}}, "extract:"},
	}
	for _, tt := range bad {
		err := tt.spec.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tt.key) {
			t.Errorf("%+v: Validate() = %v, want an error naming %q", tt.spec, err, tt.key)
		}
	}
}

func TestCategoryPathKeys(t *testing.T) {
	const flipkart = `["Clothing >> Women's Clothing >> Lingerie, Sleep & Swimwear >> Shorts"]`
	tests := []struct {
		spec Spec
		raw  any
		want any
	}{
		{Spec{Type: TypeCategoryList, Separator: " >> ", Unwrap: UnwrapList}, flipkart,
			[]string{"Clothing", "Women's Clothing", "Lingerie, Sleep & Swimwear", "Shorts"}},
		{Spec{Type: TypeCategoryList, Separator: " >> ", Unwrap: UnwrapList, Levels: 2}, flipkart,
			[]string{"Clothing", "Women's Clothing"}},
		{Spec{Type: TypeCategory, Separator: " >> ", Unwrap: UnwrapList, Levels: 1}, flipkart, "Clothing"},
		{Spec{Type: TypeCategory, Separator: " >> ", Unwrap: UnwrapList, Levels: 2}, flipkart, "Clothing >> Women's Clothing"},
		// Unwrapped values and separators written without spaces clean alike.
		{Spec{Type: TypeCategoryList, Separator: " >> ", Unwrap: UnwrapList}, "A>>B >> C", []string{"A", "B", "C"}},
		{Spec{Type: TypeCategoryList, Separator: " > ", Unwrap: UnwrapList}, `['A > B', "C > D"]`, []string{"A", "B", "C", "D"}},
		{Spec{Type: TypeCategoryList, Levels: 1}, "A|B|C", []string{"A"}},
		{Spec{Type: TypeCategoryList, Levels: 2}, []any{"A", "B", "C"}, []string{"A", "B"}},
		{Spec{Type: TypeCategory, Separator: "|"}, " A | B ", "A|B"},
		{Spec{Type: TypeText, Unwrap: UnwrapList}, `["red", "blue"]`, "red, blue"},
		{Spec{Type: TypeCategory}, "A >> B", "A >> B"},
	}
	for _, tt := range tests {
		got, err := tt.spec.Clean(tt.raw)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%+v.Clean(%q) = %#v, %v; want %#v", tt.spec, tt.raw, got, err, tt.want)
		}
	}
	if _, err := (Spec{Type: TypeCategoryList, Unwrap: UnwrapList}).Clean(`["open`); err == nil {
		t.Error("a broken wrapper cleaned without error")
	}
}

func TestExtractKey(t *testing.T) {
	const ruby = `{"product_specification"=>[{"key"=>"Type", "value"=>"Cycling Shorts"}, {"key"=>"Ideal For", "value"=>"Women's"}, {"value"=>"Gentle Machine Wash"}, {"key"=>"Pattern", "value"=>nil}]}`
	const js = `{"product_specification": [{"key": "Ideal For", "value": "Men"}, {"key": "Sizes", "value": ["S", "M"]}]}`
	spec := func(key string) Spec {
		return Spec{Type: TypeCategory, Extract: &spaces.Extract{From: "product_specification", Key: key}}
	}
	tests := []struct {
		key  string
		raw  any
		want any
	}{
		{"Ideal For", ruby, "Women's"},
		{"ideal for", ruby, "Women's"},
		{"Type", ruby, "Cycling Shorts"},
		{"Pattern", ruby, nil},
		{"Occasion", ruby, nil},
		{"Ideal For", js, "Men"},
		{"Sizes", js, "S, M"},
		{"Ideal For", `{"Ideal For": "Girls", "Other": 1}`, "Girls"},
		{"Ideal For", `{"product_specification"=>nil}`, nil},
		{"Ideal For", "", nil},
		{"Ideal For", "Women", "Women"}, // a stream event sends the value itself
	}
	for _, tt := range tests {
		got, err := spec(tt.key).Clean(tt.raw)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("extract %q from %q = %#v, %v; want %#v", tt.key, tt.raw, got, err, tt.want)
		}
	}
	if _, err := spec("k").Clean(`{"broken"=>`); err == nil || !strings.Contains(err.Error(), "specification") {
		t.Errorf("broken specification: %v", err)
	}
	// The missing policy applies to an absent key.
	s := spec("Occasion")
	s.Missing, s.Default = MissingDefault, "Any"
	if got, err := s.Clean(ruby); err != nil || got != "Any" {
		t.Errorf("absent key with a default = %v, %v", got, err)
	}
	// A number read out of a specification is cleaned by the field's format.
	n := Spec{Type: TypeNumber, Format: FormatMoney, Extract: &spaces.Extract{From: "s", Key: "Price"}}
	if got, err := n.Clean(`{"Price"=>"₹1,299"}`); err != nil || got != 1299.0 {
		t.Errorf("money from a specification = %v, %v", got, err)
	}
}

func FuzzExtractValue(f *testing.F) {
	for _, s := range []string{`{"a"=>[{"key"=>"k", "value"=>"v"}]}`, `{"k": 1}`, `[{"key":"k","value":null}]`, `{"x"=>nil}`, "plain", "{", `{"a"=>"\"=>"}`} {
		f.Add(s, "k")
	}
	f.Fuzz(func(t *testing.T, s, key string) {
		SpecKeys(s) // must not panic
		v, found, err := ExtractValue(s, key)
		if err != nil && (found || v != nil) {
			t.Fatalf("ExtractValue(%q, %q) = %v, %v, %v", s, key, v, found, err)
		}
		if found {
			if _, err := rawString(v); err != nil {
				t.Fatalf("ExtractValue(%q, %q) found %T, not a scalar", s, key, v)
			}
		}
	})
}

func FuzzUnwrapList(f *testing.F) {
	for _, s := range []string{`["A >> B"]`, `['a', "b"]`, "[]", "[", "plain", `["a\"b"]`, `[a, b]`, `['x]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := UnwrapListValue(s)
		if err != nil {
			return
		}
		spec := Spec{Type: TypeCategoryList, Separator: " >> ", Unwrap: UnwrapList, Levels: 2}
		got, err := spec.Clean(s)
		if err != nil {
			t.Fatalf("UnwrapListValue(%q) = %q but Clean fails: %v", s, list, err)
		}
		if _, ok := got.([]string); !ok && got != nil {
			t.Fatalf("Clean(%q) = %T", s, got)
		}
	})
}

func TestSpecKeys(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{`{"product_specification"=>[{"key"=>"Type", "value"=>"Shorts"}, {"value"=>"Machine Wash"}, {"key"=>"Ideal For", "value"=>"Women's"}]}`, []string{"Type", "Ideal For"}},
		{`{"b": 1, "a": {"c": "x"}}`, []string{"c", "b"}},
		{`{"product_specification"=>nil}`, []string{"product_specification"}},
		{"plain", nil},
		{"{broken", nil},
	} {
		if got := SpecKeys(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SpecKeys(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzExportKeysClean cleans arbitrary values under the export keys: a
// value either cleans to the type's Go type or fails with a *ValueError,
// never a panic; a path keeps at most levels parts.
func FuzzExportKeysClean(f *testing.F) {
	f.Add("category_list", " >> ", true, 2, "", `["A >> B >> C"]`)
	f.Add("category", "|", false, 1, "", "A|B")
	f.Add("category", "", false, 0, "Ideal For", `{"s"=>[{"key"=>"Ideal For", "value"=>"Women"}]}`)
	f.Add("text", "", true, 0, "", `['a', "b"]`)
	f.Add("number", "", false, 0, "Price", `{"Price": "12"}`)
	f.Fuzz(func(t *testing.T, typ, sep string, unwrap bool, levels int, key, raw string) {
		s := Spec{Type: typ, Separator: sep, Levels: levels}
		if unwrap {
			s.Unwrap = UnwrapList
		}
		if key != "" {
			s.Extract = &spaces.Extract{From: "spec", Key: key}
		}
		v, ok := cleanOrValueError(t, s, raw)
		if list, _ := v.([]string); ok && levels > 0 && key == "" && len(list) > levels && !unwrap {
			t.Fatalf("levels %d kept %q", levels, list)
		}
	})
}
