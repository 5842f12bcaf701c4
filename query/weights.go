package query

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/tessera-search/tessera/spaces"
)

// minWeight and maxWeight bound a weight's magnitude (0 is always
// allowed): weights are relative, and beyond these scores lose precision
// or overflow.
const (
	minWeight = 1e-6
	maxWeight = 1e6
)

// Weights are per-space weights. Decoding reports a bad value by its key
// ("weights.price") rather than the whole map.
type Weights map[string]float64

// UnmarshalJSON decodes an object of numbers, naming the first bad key.
func (w *Weights) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return &spaces.FieldError{Field: "weights", Err: fmt.Errorf("must be an object of space names to numbers")}
	}
	out := make(Weights, len(raw))
	for k, v := range raw {
		var f float64
		// null would decode as 0 and silently turn the space off.
		if err := json.Unmarshal(v, &f); err != nil || string(v) == "null" || math.IsNaN(f) || math.IsInf(f, 0) {
			return &spaces.FieldError{Field: "weights." + k, Err: fmt.Errorf("must be a number, got %s", v)}
		}
		// Outside this range the normalisation (Σw²) overflows to
		// infinity or underflows to 0, and every score becomes 0 or NaN.
		if a := math.Abs(f); a > maxWeight || (a != 0 && a < minWeight) {
			return &spaces.FieldError{Field: "weights." + k, Err: fmt.Errorf("must be 0 or between %g and %g in magnitude, got %s", minWeight, maxWeight, v)}
		}
		out[k] = f
	}
	*w = out
	return nil
}

// MergeWeights returns base with over's weights laid on top (over wins), or
// over itself when base is empty: a template's or an interpretation's
// weights under the request's own.
func MergeWeights(base, over map[string]float64) map[string]float64 {
	if len(base) == 0 {
		return over
	}
	w := make(map[string]float64, len(base)+len(over))
	for k, v := range base {
		w[k] = v
	}
	for k, v := range over {
		w[k] = v
	}
	return w
}

// AndFilters is the filter that passes what both a and b pass: either one
// alone when the other is empty.
func AndFilters(a, b map[string]any) map[string]any {
	switch {
	case len(a) == 0:
		return b
	case len(b) == 0:
		return a
	}
	return map[string]any{"and": []any{a, b}}
}
