package index

import (
	"math"

	"github.com/bits-and-blooms/bitset"
)

// Columns is a read-only view of a collection's field values by slot,
// handed to SearchOptions.Select while a search holds the collection's
// read lock. A filter reads it column by column, so testing a row costs an
// array read instead of a map lookup and an interface type switch. A slot
// past a column's end has no value.
type Columns interface {
	// Values returns field's values as stored (nil where a row has none).
	Values(field string) []any
	// Numbers returns field's numeric values (NaN where a row's value is
	// missing or not a number), or nil when the collection keeps no
	// numeric column for field.
	Numbers(field string) []float64
	// Strings returns field's single-string values dictionary-coded:
	// dict[codes[slot]] is the row's value, and code 0 (dict[0] is "")
	// means the value is not a single string (missing, a list, another
	// type: read Values). It returns nil when the collection keeps no
	// string column for field.
	Strings(field string) (codes []uint32, dict []string)
	// ValueSets returns, for a string column whose dictionary is small
	// (at most valueSetsMax values), the slots holding each value as a
	// bitset by code, sets[0] holding the slots whose value is not a
	// single string; nil for other columns. A filter on the value ORs a
	// few bitsets instead of testing every row's code.
	ValueSets(field string) (sets []*bitset.BitSet)
	// NumberRange sets in sel the bits of the rows (below sel.Len())
	// whose numeric value x of field has lo <= x <= hi, as a scan of
	// Numbers would, without reading every row, and returns true. It
	// returns false and sets nothing when field keeps no range index (a
	// column under a few thousand rows, or not numeric): scan Numbers
	// then. A missing value (NaN) passes no range.
	NumberRange(field string, lo, hi float64, sel *bitset.BitSet) bool
}

// valueSetsMax bounds the dictionaries that get per-value bitsets: each
// costs one bit per slot (125 kB at 1M rows), so a field of 64 values
// costs 8 bytes a row. Filter fields are categories and brands by design;
// a field with more values keeps only its codes. Measured at 1M×476
// (tessera-bench scale): the per-row code test of a category filter took
// about as long as the graph walk it fed.
const valueSetsMax = 64

// column holds one field's values by slot. Filter fields (see
// Options.FilterFields) also get a typed copy, chosen by the first value
// seen: numbers as float64, strings dictionary-coded. Dictionaries only
// grow; a filter field has few distinct values by design (categories,
// brands, numbers).
type column struct {
	vals  []any
	typed bool
	nums  []float64
	codes []uint32
	dict  []string
	code  map[string]uint32
	// sets[c] holds the slots of code c while the dictionary is small;
	// setsOff once it outgrew valueSetsMax (they are not rebuilt).
	sets    []*bitset.BitSet
	setsOff bool
	// ranges indexes nums for range filters once the column is long
	// enough; it is rebuilt each time the column doubles, so that its
	// buckets follow the values.
	ranges   *numberRanges
	rangesAt int // the column's length when ranges was last built
}

func (col *column) set(s uint32, v any) {
	if int(s) >= len(col.vals) {
		col.vals = append(col.vals, make([]any, int(s)+1-len(col.vals))...)
	}
	col.vals[s] = v
	if !col.typed {
		return
	}
	if col.nums == nil && col.codes == nil && v != nil {
		if _, ok := Number(v); ok {
			col.nums = []float64{}
		} else if _, ok := v.(string); ok {
			col.codes, col.dict, col.code = []uint32{}, []string{""}, map[string]uint32{}
			col.sets = []*bitset.BitSet{bitset.New(0)}
		}
	}
	switch {
	case col.nums != nil:
		for int(s) >= len(col.nums) {
			col.nums = append(col.nums, math.NaN())
		}
		x, ok := Number(v)
		if !ok {
			x = math.NaN()
		}
		old := col.nums[s]
		col.nums[s] = x
		if col.ranges != nil {
			col.ranges.move(s, old, x)
		}
		if n := len(col.nums); n >= rangeMinRows && n >= 2*col.rangesAt {
			col.ranges, col.rangesAt = newNumberRanges(col.nums), n
		}
	case col.codes != nil:
		if from := len(col.codes); int(s) >= from {
			col.codes = append(col.codes, make([]uint32, int(s)+1-from)...)
			for i := from; i < int(s) && !col.setsOff; i++ {
				col.sets[0].Set(uint(i)) // no value: code 0
			}
		}
		c := uint32(0)
		if str, ok := v.(string); ok {
			var seen bool
			if c, seen = col.code[str]; !seen {
				c = uint32(len(col.dict))
				col.dict = append(col.dict, str)
				col.code[str] = c
			}
		}
		col.setCode(s, c)
	}
}

// setCode stores slot s's code and keeps the value sets in step.
func (col *column) setCode(s, c uint32) {
	old := col.codes[s]
	col.codes[s] = c
	if col.setsOff {
		return
	}
	if len(col.dict) > valueSetsMax {
		col.sets, col.setsOff = nil, true
		return
	}
	for len(col.sets) < len(col.dict) {
		col.sets = append(col.sets, bitset.New(0))
	}
	col.sets[old].Clear(uint(s))
	col.sets[c].Set(uint(s))
}

// Number is a stored value as a float64, if it is a number (not NaN): what
// a typed column holds for it. Filters use it for their own rows too, so a
// condition means the same on a column as on a document.
func Number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x)
	case float32:
		return float64(x), !math.IsNaN(float64(x))
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return 0, false
}

// setColumnsLocked moves slot s's column values from old to fields; c.mu
// must be held for writing.
func (c *Collection) setColumnsLocked(s uint32, old, fields map[string]any) {
	for f := range old {
		if _, still := fields[f]; !still {
			if col := c.cols[f]; col != nil {
				col.set(s, nil)
			}
		}
	}
	for f, v := range fields {
		col := c.cols[f]
		if col == nil {
			col = &column{typed: c.filterFields[f]}
			c.cols[f] = col
		}
		col.set(s, v)
	}
}

// columnView is the Columns of a collection whose read lock is held.
type columnView struct{ c *Collection }

func (v columnView) Values(field string) []any {
	if col := v.c.cols[field]; col != nil {
		return col.vals
	}
	return nil
}

func (v columnView) Numbers(field string) []float64 {
	if col := v.c.cols[field]; col != nil {
		return col.nums
	}
	return nil
}

func (v columnView) Strings(field string) ([]uint32, []string) {
	if col := v.c.cols[field]; col != nil && col.codes != nil {
		return col.codes, col.dict
	}
	return nil, nil
}

func (v columnView) NumberRange(field string, lo, hi float64, sel *bitset.BitSet) bool {
	col := v.c.cols[field]
	if col == nil || col.ranges == nil {
		return false
	}
	n := int(sel.Len())
	words := sel.Words()[:(n+63)/64]
	if n%64 == 0 {
		col.ranges.selectRange(lo, hi, words)
		return true
	}
	// Rows past n share the last word and must stay clear: keep its bits
	// and take the new ones below n only.
	last := len(words) - 1
	keep := words[last]
	col.ranges.selectRange(lo, hi, words)
	words[last] = keep | words[last]&(1<<(n%64)-1)
	return true
}

func (v columnView) ValueSets(field string) []*bitset.BitSet {
	if col := v.c.cols[field]; col != nil && col.codes != nil && !col.setsOff {
		return col.sets
	}
	return nil
}
