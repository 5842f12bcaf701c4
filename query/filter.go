package query

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/tessera-search/tessera/spaces"
)

// Predicate decides whether a document passes a filter.
type Predicate func(fields map[string]any) bool

// filterOps are the operators a filter condition may use.
var filterOps = map[string]bool{"eq": true, "ne": true, "gt": true, "gte": true, "lt": true, "lte": true, "in": true, "nin": true, "contains": true}

// CompileFilter turns the JSON filter of a search request into a predicate:
//
//	{"category": {"in": ["Electronics"]}, "price": {"lte": 500}, "or": [{…}, {…}]}
//
// Top-level keys are ANDed; "and"/"or" take lists of filters. Only the
// schema's filter fields may be used; an unknown field, operator or a value
// of the wrong type is a FieldError naming it.
func CompileFilter(s *spaces.Schema, f map[string]any) (Predicate, error) {
	allowed := map[string]bool{}
	for _, name := range s.Filters {
		allowed[name] = true
	}
	return compileGroup(s, allowed, f, "filter")
}

func compileGroup(s *spaces.Schema, allowed map[string]bool, f map[string]any, at string) (Predicate, error) {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	preds := make([]Predicate, 0, len(keys))
	for _, key := range keys {
		val := f[key]
		path := at + "." + key
		switch key {
		case "and", "or":
			list, ok := val.([]any)
			if !ok {
				return nil, fieldErr(path, "must be a list of filters")
			}
			subs := make([]Predicate, 0, len(list))
			for i, item := range list {
				m, ok := item.(map[string]any)
				if !ok {
					return nil, fieldErr(fmt.Sprintf("%s.%d", path, i), "must be an object")
				}
				p, err := compileGroup(s, allowed, m, fmt.Sprintf("%s.%d", path, i))
				if err != nil {
					return nil, err
				}
				subs = append(subs, p)
			}
			if key == "and" {
				preds = append(preds, allOf(subs))
			} else {
				preds = append(preds, anyOf(subs))
			}
		default:
			field, ok := s.Fields[key]
			if !ok || !allowed[key] {
				return nil, fieldErr(path, fmt.Sprintf("unknown filter field (filterable: %s)", strings.Join(s.Filters, ", ")))
			}
			conds, ok := val.(map[string]any)
			if !ok {
				conds = map[string]any{"eq": val} // {"category": "Books"} is shorthand for eq
			}
			if len(conds) == 0 {
				// An empty condition would silently match everything.
				return nil, fieldErr(path, "needs at least one operator (eq, ne, gt, gte, lt, lte, in, nin, contains)")
			}
			ops := make([]string, 0, len(conds))
			for op := range conds {
				ops = append(ops, op)
			}
			sort.Strings(ops)
			for _, op := range ops {
				p, err := compileCond(key, field.Type, op, conds[op], path+"."+op)
				if err != nil {
					return nil, err
				}
				preds = append(preds, p)
			}
		}
	}
	return allOf(preds), nil
}

func allOf(ps []Predicate) Predicate {
	if len(ps) == 1 {
		return ps[0]
	}
	return func(doc map[string]any) bool {
		for _, p := range ps {
			if !p(doc) {
				return false
			}
		}
		return true
	}
}

func anyOf(ps []Predicate) Predicate {
	return func(doc map[string]any) bool {
		for _, p := range ps {
			if p(doc) {
				return true
			}
		}
		return false
	}
}

func fieldErr(field, msg string) error {
	return &spaces.FieldError{Field: field, Err: fmt.Errorf("%s", msg)}
}

func compileCond(field, typ, op string, v any, path string) (Predicate, error) {
	if !filterOps[op] {
		return nil, fieldErr(path, "unknown operator (want eq, ne, gt, gte, lt, lte, in, nin, contains)")
	}
	switch typ {
	case spaces.TypeNumber, spaces.TypeInteger:
		return numberCond(field, op, v, path)
	case spaces.TypeTime:
		return timeCond(field, op, v, path)
	case spaces.TypeBool:
		b, ok := v.(bool)
		if !ok || (op != "eq" && op != "ne") {
			return nil, fieldErr(path, "a bool field takes eq or ne with true or false")
		}
		return func(doc map[string]any) bool {
			x, ok := doc[field].(bool)
			if !ok {
				return op == "ne" // a missing value is "not equal", as for the other types
			}
			return (x == b) == (op == "eq")
		}, nil
	default:
		return stringCond(field, op, v, path)
	}
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x)
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return 0, false
}

// asList accepts the lists JSON decodes ([]any) and the typed lists that
// Go callers such as the natural-language parser build.
func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, true
	case []float64:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, true
	case []int:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, true
	}
	return nil, false
}

func numberCond(field, op string, v any, path string) (Predicate, error) {
	if op == "in" || op == "nin" {
		list, ok := asList(v)
		if !ok {
			return nil, fieldErr(path, "takes a list of numbers")
		}
		set := make([]float64, 0, len(list))
		for _, e := range list {
			x, ok := number(e)
			if !ok {
				return nil, fieldErr(path, fmt.Sprintf("%v is not a number", e))
			}
			set = append(set, x)
		}
		want := op == "in"
		return func(doc map[string]any) bool {
			x, ok := number(doc[field])
			if !ok {
				return !want
			}
			for _, y := range set {
				if x == y {
					return want
				}
			}
			return !want
		}, nil
	}
	y, ok := number(v)
	if !ok {
		return nil, fieldErr(path, fmt.Sprintf("%v is not a number", v))
	}
	cmp, err := comparison(op, path)
	if err != nil {
		return nil, err
	}
	return func(doc map[string]any) bool {
		x, ok := number(doc[field])
		if !ok {
			return op == "ne"
		}
		return cmp(compareFloat(x, y))
	}, nil
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func comparison(op, path string) (func(int) bool, error) {
	switch op {
	case "eq":
		return func(c int) bool { return c == 0 }, nil
	case "ne":
		return func(c int) bool { return c != 0 }, nil
	case "gt":
		return func(c int) bool { return c > 0 }, nil
	case "gte":
		return func(c int) bool { return c >= 0 }, nil
	case "lt":
		return func(c int) bool { return c < 0 }, nil
	case "lte":
		return func(c int) bool { return c <= 0 }, nil
	}
	return nil, fieldErr(path, "operator does not apply to this field")
}

func timeCond(field, op string, v any, path string) (Predicate, error) {
	s, ok := v.(string)
	if !ok {
		return nil, fieldErr(path, "takes an RFC 3339 time string")
	}
	y, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if d, err2 := time.Parse("2006-01-02", s); err2 == nil {
			y = d
		} else {
			return nil, fieldErr(path, fmt.Sprintf("%q is not an RFC 3339 time or a date", s))
		}
	}
	cmp, err := comparison(op, path)
	if err != nil {
		return nil, err
	}
	return func(doc map[string]any) bool {
		x, ok := doc[field].(time.Time)
		if !ok {
			return op == "ne"
		}
		return cmp(x.Compare(y))
	}, nil
}

// values returns a document's string values: one for text and category
// fields, several for category_list.
func values(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func stringCond(field, op string, v any, path string) (Predicate, error) {
	switch op {
	case "in", "nin":
		list, ok := asList(v)
		if !ok {
			return nil, fieldErr(path, "takes a list of strings")
		}
		set := map[string]bool{}
		for _, e := range list {
			s, ok := e.(string)
			if !ok {
				return nil, fieldErr(path, fmt.Sprintf("%v is not a string", e))
			}
			set[s] = true
		}
		want := op == "in"
		return func(doc map[string]any) bool {
			for _, x := range values(doc[field]) {
				if set[x] {
					return want
				}
			}
			return !want
		}, nil
	case "eq", "ne", "contains":
		s, ok := v.(string)
		if !ok {
			return nil, fieldErr(path, fmt.Sprintf("%v is not a string", v))
		}
		if op == "contains" {
			low := strings.ToLower(s)
			return func(doc map[string]any) bool {
				for _, x := range values(doc[field]) {
					if x == s || strings.Contains(strings.ToLower(x), low) {
						return true
					}
				}
				return false
			}, nil
		}
		want := op == "eq"
		return func(doc map[string]any) bool {
			for _, x := range values(doc[field]) {
				if x == s {
					return want
				}
			}
			return !want
		}, nil
	}
	return nil, fieldErr(path, "operator does not apply to a text or category field (use eq, ne, in, nin, contains)")
}
