package nl

import (
	"slices"
	"strconv"
	"strings"
)

// Filter operators an Interpretation uses; they are a subset of the search
// API's operators.
const (
	opLT  = "lt"
	opLTE = "lte"
	opGT  = "gt"
	opGTE = "gte"
	opIn  = "in"
)

// cond is one condition on one field.
type cond struct {
	field, op string
	num       float64
	values    []string // for opIn
}

// filterBuilder collects conditions and renders them in the search API's
// filter shape. Two bounds of the same kind on one field keep the tighter
// one, so "under 2000 ... under 1500" yields price ≤ 1500.
type filterBuilder struct {
	conds []cond
}

// number adds field op v, merging with an existing condition of the same
// field and direction.
func (b *filterBuilder) number(field, op string, v float64) {
	for i := range b.conds {
		c := &b.conds[i]
		if c.field != field || c.op == opIn {
			continue
		}
		switch {
		case isUpper(c.op) && isUpper(op):
			if v < c.num || (v == c.num && op == opLT) {
				c.num, c.op = v, op
			}
			return
		case !isUpper(c.op) && !isUpper(op):
			if v > c.num || (v == c.num && op == opGT) {
				c.num, c.op = v, op
			}
			return
		}
	}
	b.conds = append(b.conds, cond{field: field, op: op, num: v})
}

func isUpper(op string) bool { return op == opLT || op == opLTE }

// in adds values to the field's "in" condition, keeping first-seen order.
func (b *filterBuilder) in(field string, values ...string) {
	for i := range b.conds {
		c := &b.conds[i]
		if c.field == field && c.op == opIn {
			for _, v := range values {
				if !slices.Contains(c.values, v) {
					c.values = append(c.values, v)
				}
			}
			return
		}
	}
	b.conds = append(b.conds, cond{field: field, op: opIn, values: slices.Clone(values)})
}

// build renders the conditions: one top-level key per field when every field
// has one condition, otherwise {"and": [...]} holding all of them, so no
// field's conditions can collide in one object.
func (b *filterBuilder) build() map[string]any {
	if len(b.conds) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(b.conds))
	repeated := false
	for _, c := range b.conds {
		repeated = repeated || seen[c.field]
		seen[c.field] = true
	}
	if !repeated {
		out := make(map[string]any, len(b.conds))
		for _, c := range b.conds {
			out[c.field] = c.operand()
		}
		return out
	}
	all := make([]any, len(b.conds))
	for i, c := range b.conds {
		all[i] = map[string]any{c.field: c.operand()}
	}
	return map[string]any{"and": all}
}

func (c cond) operand() map[string]any {
	if c.op == opIn {
		return map[string]any{opIn: slices.Clone(c.values)}
	}
	return map[string]any{c.op: c.num}
}

// opSymbols renders operators in notes.
var opSymbols = map[string]string{opLT: "<", opLTE: "≤", opGT: ">", opGTE: "≥"}

func formatNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// describeValues lists category values for a note, eliding long lists.
func describeValues(values []string) string {
	const show = 3
	if len(values) <= show {
		return "[" + strings.Join(values, ", ") + "]"
	}
	return "[" + strings.Join(values[:show], ", ") + ", … " + strconv.Itoa(len(values)) + " values]"
}
