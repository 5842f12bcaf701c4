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
	c, err := Compile(s, f)
	if err != nil {
		return nil, err
	}
	return c.Match, nil
}

// Filter is a compiled filter. Match evaluates it on a document's fields;
// Columns binds it to an index's per-field columns, resolving each field
// once, so that scanning many rows costs no map lookups.
type Filter struct{ root node }

// node is a leaf (field and test) or a group (all of / any of).
type node struct {
	field string
	test  func(val any) bool
	subs  []node
	any   bool
}

// Compile validates and compiles a filter; see CompileFilter.
func Compile(s *spaces.Schema, f map[string]any) (*Filter, error) {
	allowed := map[string]bool{}
	for _, name := range s.Filters {
		allowed[name] = true
	}
	root, err := compileGroup(s, allowed, f, "filter")
	if err != nil {
		return nil, err
	}
	return &Filter{root: root}, nil
}

// Match reports whether a document passes.
func (f *Filter) Match(doc map[string]any) bool { return f.root.match(doc) }

func (n *node) match(doc map[string]any) bool {
	if n.test != nil {
		return n.test(doc[n.field])
	}
	for i := range n.subs {
		if n.subs[i].match(doc) == n.any {
			return n.any
		}
	}
	return !n.any
}

// Columns binds the filter to slot-indexed field columns (see
// index.SearchOptions.Columns); a slot past a column's end has no value.
func (f *Filter) Columns(column func(field string) []any) func(slot uint32) bool {
	return f.root.bind(column)
}

func (n *node) bind(column func(string) []any) func(uint32) bool {
	if n.test != nil {
		col, test := column(n.field), n.test
		return func(s uint32) bool {
			if int(s) < len(col) {
				return test(col[s])
			}
			return test(nil)
		}
	}
	subs := make([]func(uint32) bool, len(n.subs))
	for i := range n.subs {
		subs[i] = n.subs[i].bind(column)
	}
	if len(subs) == 1 {
		return subs[0]
	}
	want := n.any
	return func(s uint32) bool {
		for _, sub := range subs {
			if sub(s) == want {
				return want
			}
		}
		return !want
	}
}

func compileGroup(s *spaces.Schema, allowed map[string]bool, f map[string]any, at string) (node, error) {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	preds := make([]node, 0, len(keys))
	for _, key := range keys {
		val := f[key]
		path := at + "." + key
		switch key {
		case "and", "or":
			list, ok := val.([]any)
			if !ok {
				return node{}, fieldErr(path, "must be a list of filters")
			}
			subs := make([]node, 0, len(list))
			for i, item := range list {
				m, ok := item.(map[string]any)
				if !ok {
					return node{}, fieldErr(fmt.Sprintf("%s.%d", path, i), "must be an object")
				}
				p, err := compileGroup(s, allowed, m, fmt.Sprintf("%s.%d", path, i))
				if err != nil {
					return node{}, err
				}
				subs = append(subs, p)
			}
			preds = append(preds, node{subs: subs, any: key == "or"})
		default:
			field, ok := s.Fields[key]
			if !ok || !allowed[key] {
				return node{}, fieldErr(path, fmt.Sprintf("unknown filter field (filterable: %s)", strings.Join(s.Filters, ", ")))
			}
			conds, ok := val.(map[string]any)
			if !ok {
				conds = map[string]any{"eq": val} // {"category": "Books"} is shorthand for eq
			}
			if len(conds) == 0 {
				// An empty condition would silently match everything.
				return node{}, fieldErr(path, "needs at least one operator (eq, ne, gt, gte, lt, lte, in, nin, contains)")
			}
			ops := make([]string, 0, len(conds))
			for op := range conds {
				ops = append(ops, op)
			}
			sort.Strings(ops)
			for _, op := range ops {
				test, err := compileCond(key, field.Type, op, conds[op], path+"."+op)
				if err != nil {
					return node{}, err
				}
				preds = append(preds, node{field: key, test: test})
			}
		}
	}
	if len(preds) == 1 {
		return preds[0], nil
	}
	return node{subs: preds}, nil
}

func fieldErr(field, msg string) error {
	return &spaces.FieldError{Field: field, Err: fmt.Errorf("%s", msg)}
}

func compileCond(field, typ, op string, v any, path string) (func(any) bool, error) {
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
		return func(val any) bool {
			x, ok := val.(bool)
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

func numberCond(field, op string, v any, path string) (func(any) bool, error) {
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
		return func(val any) bool {
			x, ok := number(val)
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
	return func(val any) bool {
		x, ok := number(val)
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

func timeCond(field, op string, v any, path string) (func(any) bool, error) {
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
	return func(val any) bool {
		x, ok := val.(time.Time)
		if !ok {
			return op == "ne"
		}
		return cmp(x.Compare(y))
	}, nil
}

// someValue reports whether f holds for any of a document value's strings:
// one for text and category fields, several for category_list. It does not
// allocate: filters run it on every row of a scan.
func someValue(v any, f func(string) bool) bool {
	switch x := v.(type) {
	case string:
		return f(x)
	case []string:
		for _, s := range x {
			if f(s) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && f(s) {
				return true
			}
		}
	}
	return false
}

func stringCond(field, op string, v any, path string) (func(any) bool, error) {
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
		inSet := func(x string) bool { return set[x] }
		return func(val any) bool { return someValue(val, inSet) == want }, nil
	case "eq", "ne", "contains":
		s, ok := v.(string)
		if !ok {
			return nil, fieldErr(path, fmt.Sprintf("%v is not a string", v))
		}
		if op == "contains" {
			low := strings.ToLower(s)
			has := func(x string) bool { return x == s || strings.Contains(strings.ToLower(x), low) }
			return func(val any) bool { return someValue(val, has) }, nil
		}
		want := op == "eq"
		is := func(x string) bool { return x == s }
		return func(val any) bool { return someValue(val, is) == want }, nil
	}
	return nil, fieldErr(path, "operator does not apply to a text or category field (use eq, ne, in, nin, contains)")
}
