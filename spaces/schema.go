package spaces

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Field types a schema may declare.
const (
	TypeText         = "text"
	TypeNumber       = "number"
	TypeInteger      = "integer"
	TypeBool         = "bool"
	TypeTime         = "time"
	TypeCategory     = "category"
	TypeCategoryList = "category_list"
)

// Space kinds a schema may declare.
const (
	KindText     = "text"
	KindNumber   = "number"
	KindCategory = "category"
	KindRecency  = "recency"
)

// Number space scales. ScaleSignedLog is sign(x)·log10(1+|x|): a log scale
// for values that go negative, such as profit.
const (
	ScaleLinear    = "linear"
	ScaleLog       = "log"
	ScaleSignedLog = "signed_log"
)

// asOfNewest as a recency space's as_of takes the newest value ingested
// as "now".
const asOfNewest = "newest"

// parseAsOf reads a fixed as_of date: 2006-01-02 (midnight UTC) or RFC 3339.
func parseAsOf(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not %q, a date (2006-01-02) or an RFC 3339 time", s, asOfNewest)
	}
	return t.UTC(), nil
}

// Schema is the single definition of a table: its fields, how each source
// column is cleaned, and the spaces rows are encoded into. Bulk files and the
// stream hook both read rows through it.
type Schema struct {
	Name    string                 `yaml:"name" json:"name"`
	ID      string                 `yaml:"id" json:"id"`
	Fields  map[string]*Field      `yaml:"fields" json:"fields"`
	Spaces  []*SpaceSpec           `yaml:"spaces" json:"spaces"`
	Filters []string               `yaml:"filters,omitempty" json:"filters"`
	Index   IndexParams            `yaml:"index,omitempty" json:"index"`
	Queries map[string]*NamedQuery `yaml:"queries,omitempty" json:"queries,omitempty"`
	Ingest  IngestOptions          `yaml:"ingest,omitempty" json:"ingest,omitempty"`

	fieldOrder []string
	root       *yaml.Node
}

// Field declares one document field: its type, where it is read from and how
// raw values are cleaned. It is the single declaration of a cleaning rule:
// internal/clean cleans by it (clean.Spec is this type), so a schema key means
// the same to the schema loader and to the cleaner.
type Field struct {
	// Type is the output type: text, number, integer, bool, time, category
	// or category_list.
	Type string `yaml:"type" json:"type"`
	// Column is the source column; the field's name when empty.
	Column string `yaml:"column,omitempty" json:"column,omitempty"`
	// Format picks the parser of a number or integer field: "" (plain),
	// money, percent, rating or count.
	Format string `yaml:"format,omitempty" json:"format,omitempty"`
	// Null lists extra null tokens on top of the cleaner's defaults.
	Null []string `yaml:"null,omitempty" json:"null,omitempty"`
	// Missing is the null policy: null (the default), default or reject.
	Missing string `yaml:"missing,omitempty" json:"missing,omitempty"`
	// Default replaces null values when Missing is "default"; it is
	// cleaned like a raw value, so 0, "0" and 0.0 all suit an integer.
	Default any `yaml:"default,omitempty" json:"default,omitempty"`
	// Separator splits category_list values and category paths; "|" when
	// empty. It may be several characters (" >> ").
	Separator string `yaml:"separator,omitempty" json:"separator,omitempty"`
	// Unwrap "list" strips a JSON-array or list-literal wrapper
	// (`["A >> B"]`) from text and category values before they are split.
	Unwrap string `yaml:"unwrap,omitempty" json:"unwrap,omitempty"`
	// Levels keeps the first N levels of a category path; 0 keeps all.
	Levels int `yaml:"levels,omitempty" json:"levels,omitempty"`
	// Extract reads the field out of a key/value specification column.
	Extract *Extract `yaml:"extract,omitempty" json:"extract,omitempty"`
	// DecimalComma reads "1.234,56" as 1234.56.
	DecimalComma bool `yaml:"decimal_comma,omitempty" json:"decimal_comma,omitempty"`
	// Layouts are extra time layouts tried first: Go reference layouts
	// or excel, excel1904, unix, unix_ms.
	Layouts []string `yaml:"layouts,omitempty" json:"layouts,omitempty"`
}

// Extract names a value inside a key/value specification column such as
// {"product_specification"=>[{"key"=>"Ideal For", "value"=>"Women"}]}.
type Extract struct {
	// From is the source column holding the specification.
	From string `yaml:"from" json:"from"`
	// Key is the specification key whose value the field takes.
	Key string `yaml:"key" json:"key"`
}

// SourceColumn is the column a field is read from in source files: Column,
// else the column an extract reads, else the field's name.
func (f *Field) SourceColumn(name string) string {
	if f.Column != "" {
		return f.Column
	}
	if f.Extract != nil && f.Extract.From != "" {
		return f.Extract.From
	}
	return name
}

// SpaceSpec declares one space of the concatenated vector.
type SpaceSpec struct {
	Name           string   `yaml:"name" json:"name"`
	Kind           string   `yaml:"kind" json:"kind"`
	Field          string   `yaml:"field" json:"field"`
	Mode           string   `yaml:"mode,omitempty" json:"mode,omitempty"`
	Scale          string   `yaml:"scale,omitempty" json:"scale,omitempty"`
	Min            *float64 `yaml:"min,omitempty" json:"min,omitempty"`
	Max            *float64 `yaml:"max,omitempty" json:"max,omitempty"`
	NegativeFilter float64  `yaml:"negative_filter,omitempty" json:"negative_filter,omitempty"`
	Categories     []string `yaml:"categories,omitempty" json:"categories,omitempty"`
	MaxCategories  int      `yaml:"max_categories,omitempty" json:"max_categories,omitempty"`
	Periods        []Period `yaml:"periods,omitempty" json:"periods,omitempty"`
	OffsetHours    float64  `yaml:"offset_hours,omitempty" json:"offset_hours,omitempty"`
	// AsOf fixes a recency space's "now": a date (2006-01-02 or RFC 3339)
	// or "newest", the newest value ingested. Old datasets then need no
	// offset_hours that drifts as real time passes.
	AsOf   string   `yaml:"as_of,omitempty" json:"as_of,omitempty"`
	Weight *float64 `yaml:"weight,omitempty" json:"weight,omitempty"`
	// Lexical is a text space's lexical share ℓ in [0, 1]: its similarity
	// is (1−ℓ)·cosine + ℓ·lexical match. Unset means 0.5 (defaultLexical); 0
	// turns lexical matching off for the space.
	Lexical *float64 `yaml:"lexical,omitempty" json:"lexical,omitempty"`
}

// defaultLexical is a text space's lexical share when the schema sets none.
// Measured on the judged Amazon queries (tessera-bench relevance).
const defaultLexical = 0.5

// LexicalShare is the space's lexical share: its lexical key, or
// defaultLexical for a text space, or 0 for other kinds.
func (sp *SpaceSpec) LexicalShare() float64 {
	if sp.Kind != KindText {
		return 0
	}
	if sp.Lexical != nil {
		return *sp.Lexical
	}
	return defaultLexical
}

// Period is one time window of a recency space.
type Period struct {
	Days   float64 `yaml:"days" json:"days"`
	Weight float64 `yaml:"weight,omitempty" json:"weight,omitempty"`
}

// IndexParams tunes the HNSW index.
type IndexParams struct {
	M              int `yaml:"m,omitempty" json:"m,omitempty"`
	EfConstruction int `yaml:"ef_construction,omitempty" json:"ef_construction,omitempty"`
	EfSearch       int `yaml:"ef_search,omitempty" json:"ef_search,omitempty"`
}

// IngestOptions are per-schema defaults for reading source files.
type IngestOptions struct {
	Format    string `yaml:"format,omitempty" json:"format,omitempty"`
	Sheet     string `yaml:"sheet,omitempty" json:"sheet,omitempty"`
	Delimiter string `yaml:"delimiter,omitempty" json:"delimiter,omitempty"`
}

// NamedQuery is a saved query template: defaults that a request to
// /v1/search/{name} fills in or overrides.
type NamedQuery struct {
	Text    string             `yaml:"text,omitempty" json:"text,omitempty"`
	Weights map[string]float64 `yaml:"weights,omitempty" json:"weights,omitempty"`
	Filter  map[string]any     `yaml:"filter,omitempty" json:"filter,omitempty"`
	Limit   int                `yaml:"limit,omitempty" json:"limit,omitempty"`
	Params  []string           `yaml:"params,omitempty" json:"params,omitempty"`
}

// SchemaError reports a problem in a schema file with the key and line.
type SchemaError struct {
	Key  string
	Line int
	Msg  string
}

func (e *SchemaError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("schema: line %d: %s: %s", e.Line, e.Key, e.Msg)
	}
	return fmt.Sprintf("schema: %s: %s", e.Key, e.Msg)
}

// ParseSchema parses and validates a YAML schema. Unknown keys are errors, so
// a typo never silently changes behaviour.
func ParseSchema(data []byte) (*Schema, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Schema
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	if len(root.Content) == 0 {
		return nil, &SchemaError{Key: "schema", Msg: "empty file"}
	}
	s.root = root.Content[0]
	s.fieldOrder = mappingKeys(root.Content[0], "fields")
	if err := s.readNullKeys(); err != nil {
		return nil, err
	}
	if err := s.validate(root.Content[0]); err != nil {
		return nil, err
	}
	return &s, nil
}

// readNullKeys fills each field's null tokens. YAML reads an unquoted
// `null:` key as the null value, which the decoder silently drops, so the
// tokens are read from the node tree.
func (s *Schema) readNullKeys() error {
	fields := child(s.root, "fields")
	if fields == nil || fields.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(fields.Content); i += 2 {
		name, spec := fields.Content[i].Value, fields.Content[i+1]
		if spec.Kind != yaml.MappingNode || s.Fields[name] == nil {
			continue
		}
		for j := 0; j+1 < len(spec.Content); j += 2 {
			k := spec.Content[j]
			if k.Tag != "!!null" || k.Value == "" {
				continue
			}
			var tokens []string
			if err := spec.Content[j+1].Decode(&tokens); err != nil {
				return &SchemaError{Key: "fields." + name + ".null", Line: k.Line, Msg: "must be a list of strings"}
			}
			s.Fields[name].Null = tokens
		}
	}
	return nil
}

// mappingKeys returns the keys of the mapping under key, in file order.
func mappingKeys(doc *yaml.Node, key string) []string {
	n := child(doc, key)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	keys := make([]string, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	return keys
}

func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// lineOf finds the line of a dotted path such as "spaces.2.min" in the YAML
// tree, falling back to the nearest ancestor that exists.
func lineOf(doc *yaml.Node, path string) int {
	line := 0
	n := doc
	for _, part := range strings.Split(path, ".") {
		if n == nil {
			break
		}
		switch n.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == part {
					line = n.Content[i].Line
					next = n.Content[i+1]
				}
			}
			n = next
		case yaml.SequenceNode:
			var idx int
			if _, err := fmt.Sscan(part, &idx); err != nil || idx < 0 || idx >= len(n.Content) {
				return line
			}
			n = n.Content[idx]
			line = n.Line
		default:
			return line
		}
	}
	return line
}

var validFieldTypes = map[string]bool{TypeText: true, TypeNumber: true, TypeInteger: true, TypeBool: true, TypeTime: true, TypeCategory: true, TypeCategoryList: true}

func (s *Schema) validate(doc *yaml.Node) error {
	fail := func(path, format string, args ...any) error {
		return &SchemaError{Key: path, Line: lineOf(doc, path), Msg: fmt.Sprintf(format, args...)}
	}
	if s.Name == "" {
		return fail("name", "is required")
	}
	if len(s.Fields) == 0 {
		return fail("fields", "at least one field is required")
	}
	if s.ID == "" {
		return fail("id", "is required (the field that identifies a row)")
	}
	if _, ok := s.Fields[s.ID]; !ok {
		s.Fields[s.ID] = &Field{Type: TypeText}
		s.fieldOrder = append([]string{s.ID}, s.fieldOrder...)
	}
	for name, f := range s.Fields {
		if f == nil {
			return fail("fields."+name, "needs a type")
		}
		if !validFieldTypes[f.Type] {
			return fail("fields."+name+".type", "unknown type %q (want one of text, number, integer, bool, time, category, category_list)", f.Type)
		}
		// The cleaning keys (format, missing, default, separator, unwrap,
		// levels, extract, layouts) are checked by the cleaner that reads
		// them (clean.Spec.Validate, when tessera opens the schema), with
		// this key's line.
	}
	if len(s.Spaces) == 0 {
		return fail("spaces", "at least one space is required")
	}
	seen := map[string]bool{}
	for i, sp := range s.Spaces {
		at := fmt.Sprintf("spaces.%d", i)
		if sp == nil {
			return fail(at, "must be a mapping with name, kind and field")
		}
		if sp.Name == "" {
			return fail(at+".name", "is required")
		}
		if seen[sp.Name] {
			return fail(at+".name", "duplicate space %q", sp.Name)
		}
		seen[sp.Name] = true
		f, ok := s.Fields[sp.Field]
		if !ok {
			return fail(at+".field", "space %q reads unknown field %q", sp.Name, sp.Field)
		}
		if sp.NegativeFilter > 0 {
			return fail(at+".negative_filter", "must be ≤ 0")
		}
		if sp.AsOf != "" {
			if sp.Kind != KindRecency {
				return fail(at+".as_of", "applies to recency spaces, not %s", sp.Kind)
			}
			if sp.AsOf != asOfNewest {
				if _, err := parseAsOf(sp.AsOf); err != nil {
					return fail(at+".as_of", "%v", err)
				}
			}
		}
		if sp.Lexical != nil && (sp.Kind != KindText || !(*sp.Lexical >= 0 && *sp.Lexical <= 1)) {
			return fail(at+".lexical", "is a text space's lexical share, a number from 0 to 1")
		}
		switch sp.Kind {
		case KindText:
			if f.Type != TypeText && f.Type != TypeCategory && f.Type != TypeCategoryList {
				return fail(at+".field", "text space needs a text field, %q is %s", sp.Field, f.Type)
			}
		case KindNumber:
			if f.Type != TypeNumber && f.Type != TypeInteger {
				return fail(at+".field", "number space needs a number or integer field, %q is %s", sp.Field, f.Type)
			}
			if sp.Min == nil {
				return fail(at+".min", "is required for a number space")
			}
			if sp.Max == nil {
				return fail(at+".max", "is required for a number space")
			}
			if *sp.Max <= *sp.Min {
				return fail(at+".max", "must be greater than min")
			}
			switch sp.Mode {
			case "minimum", "maximum", "similar":
			case "":
				return fail(at+".mode", "is required (minimum, maximum or similar)")
			default:
				return fail(at+".mode", "unknown mode %q (want minimum, maximum or similar)", sp.Mode)
			}
			switch sp.Scale {
			case "", ScaleLinear, ScaleSignedLog:
			case ScaleLog:
				if *sp.Min < 0 {
					return fail(at+".min", "log scale needs min ≥ 0 (scale: signed_log takes negative values)")
				}
			default:
				return fail(at+".scale", "unknown scale %q (want linear, log or signed_log)", sp.Scale)
			}
		case KindCategory:
			if f.Type != TypeCategory && f.Type != TypeCategoryList {
				return fail(at+".field", "category space needs a category or category_list field, %q is %s", sp.Field, f.Type)
			}
			if sp.MaxCategories < 0 {
				return fail(at+".max_categories", "must be positive")
			}
			if len(sp.Categories) > 0 && sp.MaxCategories > 0 && sp.MaxCategories < len(sp.Categories) {
				return fail(at+".max_categories", "is smaller than the listed categories")
			}
		case KindRecency:
			if f.Type != TypeTime {
				return fail(at+".field", "recency space needs a time field, %q is %s", sp.Field, f.Type)
			}
			for j, p := range sp.Periods {
				if p.Days <= 0 {
					return fail(fmt.Sprintf("%s.periods.%d.days", at, j), "must be positive")
				}
				if p.Weight < 0 {
					return fail(fmt.Sprintf("%s.periods.%d.weight", at, j), "must be ≥ 0")
				}
			}
		case "":
			return fail(at+".kind", "is required (text, number, category or recency)")
		default:
			return fail(at+".kind", "unknown kind %q (want text, number, category or recency)", sp.Kind)
		}
	}
	for i, name := range s.Filters {
		if _, ok := s.Fields[name]; !ok {
			return fail(fmt.Sprintf("filters.%d", i), "unknown field %q", name)
		}
	}
	if s.Index.M < 0 || s.Index.EfConstruction < 0 || s.Index.EfSearch < 0 {
		return fail("index", "parameters must be positive")
	}
	for name, q := range s.Queries {
		if q == nil {
			return fail("queries."+name, "must be a mapping (text, weights, filter, limit)")
		}
		for sp := range q.Weights {
			if !seen[sp] {
				return fail("queries."+name+".weights", "unknown space %q", sp)
			}
		}
	}
	return nil
}

// KeyError builds a SchemaError for a dotted key path such as
// "fields.price.format", with the line the key is on in the source file, so
// packages that validate parts of the schema report like the parser does.
func (s *Schema) KeyError(path string, err error) error {
	return &SchemaError{Key: path, Line: lineOf(s.root, path), Msg: err.Error()}
}

// FieldNames lists the fields in file order.
func (s *Schema) FieldNames() []string {
	if len(s.fieldOrder) == len(s.Fields) {
		return s.fieldOrder
	}
	names := make([]string, 0, len(s.Fields))
	for n := range s.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Space returns the space with the given name.
func (s *Schema) Space(name string) (*SpaceSpec, bool) {
	for _, sp := range s.Spaces {
		if sp.Name == name {
			return sp, true
		}
	}
	return nil, false
}

// fingerprint identifies everything that changes the vectors: fields, spaces
// and the embedder's name. Stores keep it so a changed schema is detected
// instead of mixing vectors.
func (s *Schema) fingerprint(embedderName string) string {
	// The lexical share changes no vector.
	specs := make([]*SpaceSpec, len(s.Spaces))
	for i, sp := range s.Spaces {
		c := *sp
		c.Lexical = nil
		specs[i] = &c
	}
	b, _ := json.Marshal(struct {
		Fields   map[string]*Field
		Spaces   []*SpaceSpec
		Embedder string
	}{s.Fields, specs, embedderName})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// ErrUnknownSpace is returned for a weight or value naming no space.
var ErrUnknownSpace = errors.New("unknown space")
