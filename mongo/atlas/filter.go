package atlas

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// mqlOps maps Tessera filter operators to the MQL operators Atlas Vector
// Search filters support.
var mqlOps = map[string]string{
	"eq": "$eq", "ne": "$ne",
	"gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte",
	"in": "$in", "nin": "$nin",
}

// Filter translates a Tessera filter, as decoded from JSON,
//
//	{"price": {"lte": 500}, "category": {"in": ["Books"]}, "or": [{…}, {…}]}
//
// to an Atlas Vector Search filter. Top-level keys are ANDed; "and" and "or"
// take lists of filters; {"field": value} is shorthand for {"field": {"eq":
// value}}. Field names are used as document paths verbatim (for
// package mongo's layout, the caller names them "fields.<name>"). Values may be
// strings, numbers, booleans, time.Time (a BSON date) or nil; in and nin take
// lists of them. Output is deterministic: keys and operators are sorted, and
// several conditions become one $and.
//
// Operators Atlas filters lack, such as Tessera's "contains", are errors
// naming the operator and its path. An empty filter is no filter: nil.
func Filter(f map[string]any) (bson.D, error) {
	if len(f) == 0 {
		return nil, nil
	}
	clauses, err := group(f, "filter")
	if err != nil {
		return nil, err
	}
	return and(clauses), nil
}

func and(clauses []bson.D) bson.D {
	if len(clauses) == 1 {
		return clauses[0]
	}
	a := make(bson.A, len(clauses))
	for i, c := range clauses {
		a[i] = c
	}
	return bson.D{{Key: "$and", Value: a}}
}

// group translates one filter object into its ANDed clauses.
func group(f map[string]any, at string) ([]bson.D, error) {
	if len(f) == 0 {
		return nil, fmt.Errorf("%s: empty filter inside and/or (it would match everything)", at)
	}
	keys := sortedKeys(f)
	var clauses []bson.D
	for _, key := range keys {
		path := at + "." + key
		val := f[key]
		switch key {
		case "and", "or":
			list, ok := val.([]any)
			if !ok || len(list) == 0 {
				return nil, fmt.Errorf("%s: want a non-empty list of filters, got %s", path, describe(val))
			}
			subs := make(bson.A, len(list))
			for i, item := range list {
				m, ok := item.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s.%d: want a filter object, got %s", path, i, describe(item))
				}
				cs, err := group(m, fmt.Sprintf("%s.%d", path, i))
				if err != nil {
					return nil, err
				}
				subs[i] = and(cs)
			}
			clauses = append(clauses, bson.D{{Key: "$" + key, Value: subs}})
		default:
			if key == "" || strings.HasPrefix(key, "$") {
				return nil, fmt.Errorf("%s: invalid field name %q", path, key)
			}
			conds, ok := val.(map[string]any)
			if !ok {
				conds = map[string]any{"eq": val}
			}
			if len(conds) == 0 {
				return nil, fmt.Errorf("%s: needs at least one operator (eq, ne, gt, gte, lt, lte, in, nin)", path)
			}
			for _, op := range sortedKeys(conds) {
				c, err := condition(key, op, conds[op], path+"."+op)
				if err != nil {
					return nil, err
				}
				clauses = append(clauses, c)
			}
		}
	}
	return clauses, nil
}

func condition(field, op string, v any, path string) (bson.D, error) {
	mql, ok := mqlOps[op]
	if !ok {
		if op == "contains" {
			return nil, fmt.Errorf("%s: operator %q is not supported by Atlas Vector Search filters (supported: eq, ne, gt, gte, lt, lte, in, nin); filter on a category list with in/eq instead, or apply it after the search", path, op)
		}
		return nil, fmt.Errorf("%s: unknown operator %q (want eq, ne, gt, gte, lt, lte, in, nin)", path, op)
	}
	var value any
	switch op {
	case "in", "nin":
		list, ok := asList(v)
		if !ok {
			return nil, fmt.Errorf("%s: want a list of values, got %s", path, describe(v))
		}
		vals := make(bson.A, len(list))
		for i, e := range list {
			x, err := scalar(e)
			if err != nil {
				return nil, fmt.Errorf("%s.%d: %w", path, i, err)
			}
			vals[i] = x
		}
		value = vals
	default:
		x, err := scalar(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if op != "eq" && op != "ne" {
			switch x.(type) {
			case nil, bool:
				return nil, fmt.Errorf("%s: a range operator takes a number, string or time, got %s", path, describe(v))
			}
		}
		value = x
	}
	return bson.D{{Key: field, Value: bson.D{{Key: mql, Value: value}}}}, nil
}

// scalar converts a filter value to the BSON value Atlas compares with.
func scalar(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int32, int64:
		return x, nil
	case int:
		return int64(x), nil
	case float32:
		return scalar(float64(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("number %v cannot be compared", x)
		}
		return x, nil
	case time.Time:
		return bson.NewDateTimeFromTime(x), nil
	}
	return nil, fmt.Errorf("unsupported value %s (want a string, number, boolean, time or null)", describe(v))
}

// asList accepts the lists JSON decodes ([]any) and typed Go slices.
func asList(v any) ([]any, bool) {
	if l, ok := v.([]any); ok {
		return l, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice || rv.Type().Elem().Kind() == reflect.Uint8 {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func describe(v any) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%T %v", v, v)
}
