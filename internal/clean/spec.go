package clean

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tessera-search/tessera/spaces"
)

// Field types, as the schema spells them.
const (
	TypeText         = spaces.TypeText
	TypeNumber       = spaces.TypeNumber
	TypeInteger      = spaces.TypeInteger
	TypeBool         = spaces.TypeBool
	TypeTime         = spaces.TypeTime
	TypeCategory     = spaces.TypeCategory
	TypeCategoryList = spaces.TypeCategoryList
)

// Formats select the parser for number and integer fields.
const (
	FormatPlain   = ""
	FormatMoney   = "money"
	FormatPercent = "percent"
	FormatRating  = "rating"
	FormatCount   = "count"
)

// Missing-value policies.
const (
	MissingNull    = "null"
	MissingDefault = "default"
	MissingReject  = "reject"
)

// DefaultNullTokens are the strings every field treats as null, compared
// case-insensitively after trimming. "No rating available" is how scraped
// Amazon pages spell an absent rating.
var DefaultNullTokens = []string{"", "NaN", "null", "N/A", "-", "No rating available"}

// Spec is how one field's raw values are cleaned: the schema's field
// declaration itself (see spaces.Field for its keys), so that cleaning
// rules are declared once. Column is not the cleaner's concern.
type Spec spaces.Field

// Validate reports an unknown type, format or missing policy, a format on
// a type that has none, and a missing or ill-typed default, naming the
// offending key.
func (s Spec) Validate() error {
	switch s.Type {
	case TypeText, TypeNumber, TypeInteger, TypeBool, TypeTime, TypeCategory, TypeCategoryList:
	case "":
		return fmt.Errorf("type: required (text, number, integer, bool, time, category, category_list)")
	default:
		return fmt.Errorf("type: unknown type %q (want text, number, integer, bool, time, category, category_list)", s.Type)
	}
	switch s.Format {
	case FormatPlain:
	case FormatMoney, FormatPercent, FormatRating, FormatCount:
		if s.Type != TypeNumber && s.Type != TypeInteger {
			return fmt.Errorf("format: %q applies to number and integer fields, not %s", s.Format, s.Type)
		}
	default:
		return fmt.Errorf("format: unknown format %q (want money, percent, rating, count)", s.Format)
	}
	isCategory := s.Type == TypeCategory || s.Type == TypeCategoryList
	if s.Separator != "" && !isCategory {
		return fmt.Errorf("separator: applies to category_list fields and category paths, not %s", s.Type)
	}
	if s.Levels < 0 {
		return fmt.Errorf("levels: must be ≥ 0 (the first N levels of a category path; 0 keeps all)")
	}
	if s.Levels > 0 && !isCategory {
		return fmt.Errorf("levels: applies to category and category_list fields, not %s", s.Type)
	}
	switch s.Unwrap {
	case "":
	case UnwrapList:
		if !isCategory && s.Type != TypeText {
			return fmt.Errorf("unwrap: applies to text, category and category_list fields, not %s", s.Type)
		}
	default:
		return fmt.Errorf("unwrap: unknown value %q (want list)", s.Unwrap)
	}
	if e := s.Extract; e != nil {
		switch {
		case strings.TrimSpace(e.From) == "":
			return fmt.Errorf("extract: from is required (the column holding the specification)")
		case strings.TrimSpace(e.Key) == "":
			return fmt.Errorf("extract: key is required (the specification key to read)")
		case s.Column != "" && s.Column != e.From:
			return fmt.Errorf("extract: from %q and column %q disagree; extract.from names the column", e.From, s.Column)
		}
	}
	if len(s.Layouts) > 0 && s.Type != TypeTime {
		return fmt.Errorf("layouts: apply to time fields, not %s", s.Type)
	}
	switch s.Missing {
	case "", MissingNull, MissingReject:
		if s.Default != nil {
			return fmt.Errorf("default: set but missing is %q; use missing: default", s.missing())
		}
	case MissingDefault:
		if s.Default == nil {
			return fmt.Errorf("default: required when missing is default")
		}
		if s.isNull(s.Default) {
			return fmt.Errorf("default: %v is itself a null token", s.Default)
		}
		if _, err := s.convert(s.Default); err != nil {
			return fmt.Errorf("default: not a valid %s: %w", s.Type, err)
		}
	default:
		return fmt.Errorf("missing: unknown policy %q (want null, default, reject)", s.Missing)
	}
	return nil
}

func (s Spec) missing() string {
	if s.Missing == "" {
		return MissingNull
	}
	return s.Missing
}

// Clean converts one raw value as a reader yields it (string, float64,
// int64, bool, time.Time, []any or nil) to the field's output type. A null
// value gives (nil, nil) under the null policy, the cleaned Default under
// default, and an error wrapping ErrMissing under reject. Other failures
// are *ValueError. Clean assumes the Spec passed Validate.
func (s Spec) Clean(raw any) (any, error) {
	if s.Extract != nil {
		if str, ok := raw.(string); ok && !s.isNull(str) {
			v, found, err := ExtractValue(str, s.Extract.Key)
			if err != nil {
				return nil, &ValueError{Value: raw, Reason: err.Error()}
			}
			if !found {
				v = nil
			}
			raw = v
		}
	}
	if s.isNull(raw) {
		switch s.Missing {
		case MissingDefault:
			return s.convert(s.Default)
		case MissingReject:
			return nil, &ValueError{Value: raw, Reason: "missing value", Err: ErrMissing}
		}
		return nil, nil
	}
	return s.convert(raw)
}

// isNull reports whether raw is nil, NaN or a null token.
func (s Spec) isNull(raw any) bool {
	switch v := raw.(type) {
	case nil:
		return true
	case float64:
		return math.IsNaN(v)
	case string:
		t := strings.TrimSpace(v)
		for _, tok := range DefaultNullTokens {
			if strings.EqualFold(t, tok) {
				return true
			}
		}
		for _, tok := range s.Null {
			if strings.EqualFold(t, strings.TrimSpace(tok)) {
				return true
			}
		}
	case []any:
		return len(v) == 0 && s.Type != TypeCategoryList
	}
	return false
}

// convert cleans a non-null raw value.
func (s Spec) convert(raw any) (any, error) {
	switch s.Type {
	case TypeText:
		str, err := s.unwrapped(raw)
		if err != nil {
			return nil, err
		}
		return Text(strings.Join(str, ", ")), nil
	case TypeCategory:
		return s.category(raw)
	case TypeCategoryList:
		return s.categories(raw)
	case TypeNumber:
		return s.number(raw)
	case TypeInteger:
		return s.integer(raw)
	case TypeBool:
		return cleanBool(raw)
	case TypeTime:
		return s.time(raw)
	}
	return nil, errorf(raw, "unknown field type %q", s.Type)
}

// rawString renders a scalar raw value as text.
func rawString(raw any) (string, error) {
	switch v := raw.(type) {
	case string:
		return v, nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case int:
		return strconv.Itoa(v), nil
	case bool:
		return strconv.FormatBool(v), nil
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano), nil
	}
	return "", errorf(raw, "cannot use %T as text", raw)
}

// unwrapped renders raw as text and, under unwrap: list, strips its list
// wrapper into elements; without unwrap it is one element.
func (s Spec) unwrapped(raw any) ([]string, error) {
	str, err := rawString(raw)
	if err != nil {
		return nil, err
	}
	if s.Unwrap != UnwrapList {
		return []string{str}, nil
	}
	list, err := UnwrapListValue(str)
	if err != nil {
		return nil, &ValueError{Value: raw, Reason: err.Error()}
	}
	return list, nil
}

// isPath reports whether a category field declares a path: a separator or
// levels.
func (s Spec) isPath() bool { return s.Separator != "" || s.Levels > 0 }

// category cleans a category field. A path keeps its first levels, joined
// with the declared separator; of a wrapped list, the first element counts.
func (s Spec) category(raw any) (any, error) {
	list, err := s.unwrapped(raw)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, nil
	}
	if !s.isPath() {
		return Text(list[0]), nil
	}
	levels := SplitPath(list[0], s.Separator, s.Levels)
	if len(levels) == 0 {
		return nil, nil
	}
	return joinPath(levels, s.Separator), nil
}

func (s Spec) categories(raw any) (any, error) {
	if str, ok := raw.(string); ok && s.Unwrap == UnwrapList {
		list, err := s.unwrapped(str)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, p := range list {
			for _, c := range SplitPath(p, s.Separator, s.Levels) {
				out = appendCategory(out, c)
			}
		}
		if out == nil {
			out = []string{}
		}
		return out, nil
	}
	if list, ok := raw.([]any); ok {
		out := make([]string, 0, len(list))
		for _, x := range list {
			if x == nil {
				continue
			}
			str, err := rawString(x)
			if err != nil {
				return nil, err
			}
			out = appendCategory(out, Text(str))
			if s.Levels > 0 && len(out) == s.Levels {
				break
			}
		}
		return out, nil
	}
	str, err := rawString(raw)
	if err != nil {
		return nil, err
	}
	return SplitPath(str, s.Separator, s.Levels), nil
}

// canonical parses a string with the field's format parser.
func (s Spec) canonical(str string) (string, error) {
	var (
		c   string
		err error
	)
	switch s.Format {
	case FormatMoney:
		c, err = canonicalMoney(str, s.DecimalComma)
	case FormatPercent:
		c, err = canonicalPercent(str, s.DecimalComma)
	case FormatRating:
		c, err = canonicalRating(str, s.DecimalComma)
	case FormatCount:
		c, err = canonicalCount(str, s.DecimalComma)
	default:
		c, err = canonicalNumber(str, s.DecimalComma)
	}
	if err != nil {
		return "", &ValueError{Value: str, Reason: err.Error()}
	}
	return c, nil
}

// number cleans a number field. Numeric raw values (typed spreadsheet
// cells, JSON numbers) are taken as they are: a spreadsheet stores 64% as
// 0.64 and that is what the cell holds.
func (s Spec) number(raw any) (any, error) {
	switch v := raw.(type) {
	case float64:
		if math.IsInf(v, 0) {
			return nil, errorf(raw, "infinite number")
		}
		return v, nil
	case int64:
		return float64(v), nil
	case int:
		return float64(v), nil
	case string:
		c, err := s.canonical(v)
		if err != nil {
			return nil, err
		}
		return canonicalFloat(raw, c)
	}
	return nil, errorf(raw, "cannot use %T as a number", raw)
}

func (s Spec) integer(raw any) (any, error) {
	switch v := raw.(type) {
	case float64:
		return floatInt(raw, v)
	case int64:
		return v, nil
	case int:
		return int64(v), nil
	case string:
		c, err := s.canonical(v)
		if err != nil {
			return nil, err
		}
		return canonicalInt(raw, c)
	}
	return nil, errorf(raw, "cannot use %T as an integer", raw)
}

func cleanBool(raw any) (any, error) {
	switch v := raw.(type) {
	case bool:
		return v, nil
	case string:
		return ParseBool(v)
	case float64, int64, int:
		switch f, _ := toFloat(v); f {
		case 1:
			return true, nil
		case 0:
			return false, nil
		}
	}
	return nil, errorf(raw, "not a boolean")
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return 0, false
}

func (s Spec) time(raw any) (any, error) {
	switch v := raw.(type) {
	case time.Time:
		return v.UTC(), nil
	case string:
		return ParseTime(v, s.Layouts)
	case float64, int64, int:
		f, _ := toFloat(v)
		layout := ""
		for _, l := range s.Layouts {
			if isNumericLayout(l) {
				layout = l
				break
			}
		}
		return numericTime(raw, f, layout)
	}
	return nil, errorf(raw, "cannot use %T as a time", raw)
}
