package nl

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"unicode/utf8"
)

// FuzzOffline checks that any string yields a valid Interpretation: no
// panic, JSON that marshals, numbers where numbers are expected, and only
// fields, spaces and category values the Vocab knows. Seeds live in
// testdata/fuzz/FuzzOffline as well as below.
func FuzzOffline(f *testing.F) {
	for _, s := range []string{
		"", "wireless earbuds under 2000 with rating above 4", "between 500 and 1500", "500-1500 rupees",
		"₹", "rs.1,499/-", "4.5+ rated", "1e400", "999999999999999999999999999999999 crore",
		"under under under 5", "- - -", "\xff\xfe", "home & & kitchen", "not not cheap",
		"from 5 to", "between and", "4 stars and up and up", "top-rated-cheap", "'s ’ '",
	} {
		f.Add(s)
	}
	v := amazonVocab()
	p := NewOffline(v)
	spaces := map[string]bool{v.PriceSpace: true, v.RatingSpace: true, v.RecencySpace: true}
	f.Fuzz(func(t *testing.T, q string) {
		in, err := p.Parse(context.Background(), q)
		if err != nil {
			t.Fatalf("Parse(%q): %v", q, err)
		}
		if _, err := json.Marshal(in); err != nil {
			t.Fatalf("Parse(%q) does not marshal: %v", q, err)
		}
		if in.Source != SourceOffline || in.Understood == nil {
			t.Fatalf("Parse(%q): source %q, understood %v", q, in.Source, in.Understood)
		}
		if !utf8.ValidString(in.Text) {
			t.Fatalf("Parse(%q): text %q is not UTF-8", q, in.Text)
		}
		for s, w := range in.Weights {
			if !spaces[s] || math.IsNaN(w) || w < -1 || w > 3 {
				t.Fatalf("Parse(%q): weight %s=%v", q, s, w)
			}
		}
		checkFilter(t, v, in.Filter)
	})
}

// checkFilter fails unless f has the search API's filter shape, with number
// operands on number fields and known values on category fields.
func checkFilter(t *testing.T, v Vocab, f map[string]any) {
	t.Helper()
	for key, val := range f {
		if key == "and" {
			list, ok := val.([]any)
			if !ok || len(list) < 2 {
				t.Fatalf("and: %#v", val)
			}
			for _, sub := range list {
				m, ok := sub.(map[string]any)
				if !ok || len(m) != 1 {
					t.Fatalf("and member %#v", sub)
				}
				checkFilter(t, v, m)
			}
			continue
		}
		ops, ok := val.(map[string]any)
		if !ok || len(ops) != 1 {
			t.Fatalf("%s: %#v", key, val)
		}
		for op, operand := range ops {
			switch {
			case key == v.PriceField || key == v.RatingField:
				n, ok := operand.(float64)
				if !ok || math.IsNaN(n) || math.IsInf(n, 0) || opSymbols[op] == "" {
					t.Fatalf("%s %s %#v: want a finite number", key, op, operand)
				}
			case v.Categories[key] != nil:
				vals, ok := operand.([]string)
				if op != opIn || !ok || len(vals) == 0 {
					t.Fatalf("%s %s %#v", key, op, operand)
				}
				for _, s := range vals {
					if !slices.Contains(v.Categories[key], s) {
						t.Fatalf("%s: unknown value %q", key, s)
					}
				}
			default:
				t.Fatalf("unknown filter field %q", key)
			}
		}
	}
}
