package query

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/bits-and-blooms/bitset"

	"github.com/tessera-search/tessera/index"
	"github.com/tessera-search/tessera/spaces"
)

// filterOps are the operators a filter condition may use.
var filterOps = map[string]bool{"eq": true, "ne": true, "gt": true, "gte": true, "lt": true, "lte": true, "in": true, "nin": true, "contains": true}

// Filter is a compiled filter. Match evaluates it on a document's fields;
// Select evaluates it over an index's field columns at once.
type Filter struct{ root node }

// node is a leaf (field and test) or a group (all of / any of).
type node struct {
	field string
	leaf
	subs []node
	any  bool
}

// leaf is one condition on a field's value. test decides any value; num
// (number conditions) and str (string conditions) decide the same for a
// value already known to be a number (ok) or missing (!ok), or a single
// string, so that typed columns need no interface values.
type leaf struct {
	test func(val any) bool
	num  func(x float64, ok bool) bool
	str  func(s string) bool
	// cmp and y describe a number comparison (num's op and operand) so
	// that Select can run it down a column without a call per row.
	cmp numOp
	y   float64
}

// numOp is a number condition's operator (0: none that Select runs down
// a column).
type numOp uint8

const (
	cmpEq numOp = iota + 1
	cmpNe
	cmpGt
	cmpGte
	cmpLt
	cmpLte
)

var numOps = map[string]numOp{"eq": cmpEq, "ne": cmpNe, "gt": cmpGt, "gte": cmpGte, "lt": cmpLt, "lte": cmpLte}

// Compile turns the JSON filter of a search request into a Filter:
//
//	{"category": {"in": ["Electronics"]}, "price": {"lte": 500}, "or": [{…}, {…}]}
//
// Top-level keys are ANDed; "and"/"or" take lists of filters. Only the
// schema's filter fields may be used; an unknown field, operator or a value
// of the wrong type is a FieldError naming it.
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

// Select sets in sel the bits of the slots whose values pass, reading an
// index's columns (see index.SearchOptions.Select): each condition runs
// down one column, typed where the index keeps it typed, and groups
// combine the conditions' bitsets. sel must be empty and sized for every
// slot; a slot past a column's end has no value.
func (f *Filter) Select(cols index.Columns, sel *bitset.BitSet) {
	f.root.selectInto(cols, sel)
}

func (n *node) selectInto(cols index.Columns, sel *bitset.BitSet) {
	if n.test != nil {
		n.leaf.selectInto(cols, n.field, sel)
		return
	}
	if len(n.subs) == 0 {
		if !n.any { // all of nothing holds; any of nothing does not
			sel.SetAll()
		}
		return
	}
	n.subs[0].selectInto(cols, sel)
	var tmp *bitset.BitSet
	for i := 1; i < len(n.subs); i++ {
		if tmp == nil {
			tmp = bitset.New(sel.Len())
		} else {
			tmp.ClearAll()
		}
		n.subs[i].selectInto(cols, tmp)
		if n.any {
			sel.InPlaceUnion(tmp)
		} else {
			sel.InPlaceIntersection(tmp)
		}
	}
}

func (l leaf) selectInto(cols index.Columns, field string, sel *bitset.BitSet) {
	n := int(sel.Len())
	vals := cols.Values(field)
	covered := 0 // slots below this were decided from a column
	if nums := cols.Numbers(field); l.num != nil && nums != nil {
		nums = nums[:min(len(nums), n)]
		if l.cmp != 0 {
			// A range index selects the passing rows without reading
			// every row (index.Columns.NumberRange); ne is no range.
			if lo, hi, negate := l.cmp.bounds(l.y); negate || !cols.NumberRange(field, lo, hi, sel) {
				compareColumn(nums, l.cmp, l.y, sel.Words())
			}
		} else {
			for s, x := range nums {
				if l.num(x, x == x) { // NaN: missing or not a number
					sel.Set(uint(s))
				}
			}
		}
		covered = len(nums)
	} else if codes, dict := cols.Strings(field); l.str != nil && codes != nil && cols.ValueSets(field) != nil {
		// A small dictionary keeps each value's rows as a bitset: OR the
		// passing values' (a word at a time), test only the rows without
		// a single string value.
		sets := cols.ValueSets(field)
		words := sel.Words()
		for c := 1; c < len(dict) && c < len(sets); c++ {
			if l.str(dict[c]) {
				w := sets[c].Words()
				for i := range min(len(w), len(words)) {
					words[i] |= w[i]
				}
			}
		}
		for s, ok := sets[0].NextSet(0); ok && s < uint(n); s, ok = sets[0].NextSet(s + 1) {
			var v any
			if int(s) < len(vals) {
				v = vals[s]
			}
			if l.test(v) {
				sel.Set(s)
			}
		}
		covered = len(codes)
	} else if codes, dict := cols.Strings(field); l.str != nil && codes != nil {
		// Each distinct value is tested once.
		memo := make([]int8, len(dict)) // 0 unknown, 1 passes, -1 fails
		codes = codes[:min(len(codes), n)]
		for s, c := range codes {
			if c == 0 { // a list or another type
				if l.test(vals[s]) {
					sel.Set(uint(s))
				}
				continue
			}
			if memo[c] == 0 {
				memo[c] = -1
				if l.str(dict[c]) {
					memo[c] = 1
				}
			}
			if memo[c] > 0 {
				sel.Set(uint(s))
			}
		}
		covered = len(codes)
	}
	for s := covered; s < n; s++ {
		var v any
		if s < len(vals) {
			v = vals[s]
		}
		if l.test(v) {
			sel.Set(uint(s))
		}
	}
}

// compareColumn sets in words the bits of the rows whose x op y holds.
// Every operator is a range test, negated for ne: a missing value is NaN,
// which fails every range, so it passes ne and nothing else, exactly the
// filters' rule for missing values. Bits are assembled a word at a time.
func compareColumn(nums []float64, op numOp, y float64, words []uint64) {
	lo, hi, negate := op.bounds(y)
	for base := 0; base < len(nums); base += 64 {
		var w uint64
		chunk := nums[base:min(base+64, len(nums))]
		for j, x := range chunk {
			// Branch-free (the compiler turns these into flag moves): the
			// outcome depends on the data, so a branch would mispredict on
			// about every other row.
			var atLeast, over uint64
			if x >= lo {
				atLeast = 1
			}
			if x > hi {
				over = 1
			}
			w |= (atLeast &^ over) << j
		}
		if negate {
			w = ^w & (1<<len(chunk) - 1)
		}
		words[base/64] |= w
	}
}

// bounds returns the range [lo, hi] that x op y tests, negated for ne.
func (op numOp) bounds(y float64) (lo, hi float64, negate bool) {
	lo, hi = math.Inf(-1), math.Inf(1)
	switch op {
	case cmpEq:
		lo, hi = y, y
	case cmpNe:
		lo, hi, negate = y, y, true
	case cmpGt:
		lo = math.Nextafter(y, math.Inf(1))
	case cmpGte:
		lo = y
	case cmpLt:
		hi = math.Nextafter(y, math.Inf(-1))
	case cmpLte:
		hi = y
	}
	return lo, hi, negate
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
				l, err := compileCond(key, field.Type, op, conds[op], path+"."+op)
				if err != nil {
					return node{}, err
				}
				preds = append(preds, node{field: key, leaf: l})
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

func compileCond(field, typ, op string, v any, path string) (leaf, error) {
	if !filterOps[op] {
		return leaf{}, fieldErr(path, "unknown operator (want eq, ne, gt, gte, lt, lte, in, nin, contains)")
	}
	switch typ {
	case spaces.TypeNumber, spaces.TypeInteger:
		return numberCond(field, op, v, path)
	case spaces.TypeTime:
		test, err := timeCond(field, op, v, path)
		return leaf{test: test}, err
	case spaces.TypeBool:
		b, ok := v.(bool)
		if !ok || (op != "eq" && op != "ne") {
			return leaf{}, fieldErr(path, "a bool field takes eq or ne with true or false")
		}
		return leaf{test: func(val any) bool {
			x, ok := val.(bool)
			if !ok {
				return op == "ne" // a missing value is "not equal", as for the other types
			}
			return (x == b) == (op == "eq")
		}}, nil
	default:
		return stringCond(field, op, v, path)
	}
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

func numberCond(field, op string, v any, path string) (leaf, error) {
	num, err := numberTest(op, v, path)
	if err != nil {
		return leaf{}, err
	}
	l := leaf{num: num, test: func(val any) bool {
		x, ok := index.Number(val)
		return num(x, ok)
	}}
	if c, ok := numOps[op]; ok {
		l.cmp = c
		l.y, _ = index.Number(v)
	}
	return l, nil
}

// numberTest decides a number condition for a value x that is a number
// (ok) or is missing or not a number (!ok).
func numberTest(op string, v any, path string) (func(x float64, ok bool) bool, error) {
	if op == "in" || op == "nin" {
		list, ok := asList(v)
		if !ok {
			return nil, fieldErr(path, "takes a list of numbers")
		}
		set := make([]float64, 0, len(list))
		for _, e := range list {
			x, ok := index.Number(e)
			if !ok {
				return nil, fieldErr(path, fmt.Sprintf("%v is not a number", e))
			}
			set = append(set, x)
		}
		want := op == "in"
		return func(x float64, ok bool) bool {
			if ok && slices.Contains(set, x) {
				return want
			}
			return !want
		}, nil
	}
	y, ok := index.Number(v)
	if !ok {
		return nil, fieldErr(path, fmt.Sprintf("%v is not a number", v))
	}
	switch op {
	case "eq":
		return func(x float64, ok bool) bool { return ok && x == y }, nil
	case "ne":
		return func(x float64, ok bool) bool { return !ok || x != y }, nil
	case "gt":
		return func(x float64, ok bool) bool { return ok && x > y }, nil
	case "gte":
		return func(x float64, ok bool) bool { return ok && x >= y }, nil
	case "lt":
		return func(x float64, ok bool) bool { return ok && x < y }, nil
	case "lte":
		return func(x float64, ok bool) bool { return ok && x <= y }, nil
	}
	return nil, fieldErr(path, "operator does not apply to this field")
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

func stringCond(field, op string, v any, path string) (leaf, error) {
	// The condition holds when some string of the value satisfies f, or
	// (negated operators) when none does.
	var f func(string) bool
	want := true
	switch op {
	case "in", "nin":
		list, ok := asList(v)
		if !ok {
			return leaf{}, fieldErr(path, "takes a list of strings")
		}
		set := map[string]bool{}
		for _, e := range list {
			s, ok := e.(string)
			if !ok {
				return leaf{}, fieldErr(path, fmt.Sprintf("%v is not a string", e))
			}
			set[s] = true
		}
		f, want = func(x string) bool { return set[x] }, op == "in"
	case "eq", "ne", "contains":
		s, ok := v.(string)
		if !ok {
			return leaf{}, fieldErr(path, fmt.Sprintf("%v is not a string", v))
		}
		if op == "contains" {
			low := strings.ToLower(s)
			f = func(x string) bool { return x == s || strings.Contains(strings.ToLower(x), low) }
		} else {
			f, want = func(x string) bool { return x == s }, op == "eq"
		}
	default:
		return leaf{}, fieldErr(path, "operator does not apply to a text or category field (use eq, ne, in, nin, contains)")
	}
	return leaf{
		test: func(val any) bool { return someValue(val, f) == want },
		str:  func(x string) bool { return f(x) == want },
	}, nil
}
