package main

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/tessera-search/tessera/internal/clean"
	"github.com/tessera-search/tessera/spaces"
)

// column is what tessera init learns about one source column from the
// sample: the field it proposes, why, and the numbers the spaces need.
type column struct {
	source string // the column in the file
	field  string // the proposed field name
	spec   spaces.Field
	kind   string // what the values look like: see the kind constants
	note   string // the comment written beside the field

	rows     int   // sampled rows
	values   []any // non-null raw values
	strs     []string
	distinct map[string]int
	avgLen   float64

	cleaned []any // values as the proposed spec cleans them

	min, max       float64 // number and integer fields
	oldest, newest time.Time
	pathTop        map[string]int // category paths: counts of the first level
	specKeys       []string       // key/value specification columns
}

// Kinds of column, by what the values look like.
const (
	kindEmpty    = "empty"
	kindBool     = "bool"
	kindMoney    = "money"
	kindPercent  = "percent"
	kindRating   = "rating"
	kindCount    = "count"
	kindInteger  = "integer"
	kindNumber   = "number"
	kindTime     = "time"
	kindPath     = "path"
	kindCategory = "category"
	kindSpec     = "spec"
	kindText     = "text"
	kindList     = "list"
	kindSkip     = "skip"
)

// maxDistinct bounds the distinct values counted per column.
const maxDistinct = 20000

func newColumn(source string) *column {
	return &column{source: source, distinct: map[string]int{}}
}

// add records one sampled raw value.
func (c *column) add(raw any) {
	c.rows++
	// Null tokens and values that clean to nothing ("<br>") count as
	// missing, as the cleaner will see them.
	if v, err := (clean.Spec{Type: spaces.TypeText}).Clean(raw); err == nil && (v == nil || v == "") {
		return
	}
	c.values = append(c.values, raw)
	s := rawText(raw)
	c.strs = append(c.strs, s)
	if _, ok := c.distinct[s]; ok || len(c.distinct) < maxDistinct {
		c.distinct[s]++
	}
}

// rawText renders a raw value for pattern checks and counting.
func rawText(raw any) string {
	switch v := raw.(type) {
	case string:
		return strings.TrimSpace(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	case float64:
		return fmt.Sprint(v)
	}
	return fmt.Sprint(raw)
}

// cleansAll reports whether spec cleans every sampled value, and keeps the
// cleaned values.
func (c *column) cleansAll(spec spaces.Field) bool {
	if clean.Spec(spec).Validate() != nil {
		return false
	}
	out := make([]any, 0, len(c.values))
	for _, raw := range c.values {
		v, err := clean.Spec(spec).Clean(raw)
		if err != nil {
			return false
		}
		out = append(out, v)
	}
	c.cleaned = out
	return true
}

// cleansMost is cleansAll that, when a few non-numeric tokens (a stray "|"
// for a rating) are all that fail, declares them null tokens: a product
// with a "|" rating is unrated, not a broken row.
func (c *column) cleansMost(spec spaces.Field) (spaces.Field, bool) {
	if c.cleansAll(spec) {
		return spec, true
	}
	if clean.Spec(spec).Validate() != nil {
		return spec, false
	}
	bad := map[string]bool{}
	failed := 0
	for _, raw := range c.values {
		if _, err := clean.Spec(spec).Clean(raw); err != nil {
			s, ok := raw.(string)
			if !ok || strings.ContainsFunc(s, unicode.IsDigit) || len(s) > 20 {
				return spec, false
			}
			bad[strings.TrimSpace(s)] = true
			if failed++; len(bad) > 3 || failed*50 > len(c.values) {
				return spec, false
			}
		}
	}
	for tok := range bad {
		spec.Null = append(spec.Null, tok)
	}
	sort.Strings(spec.Null)
	return spec, c.cleansAll(spec)
}

var (
	currencyRE = regexp.MustCompile(`[₹$€£¥]|\b(Rs\.?|INR|USD|EUR|GBP)\b`)
	groupedRE  = regexp.MustCompile(`^\d{1,3}(,\d{2,3})+$`)
	ratingName = regexp.MustCompile(`(?i)rating|stars|score`)
	countName  = regexp.MustCompile(`(?i)(^|_)(count|votes|reviews|num|number|qty|quantity)(_|s?$)`)
	moneyName  = regexp.MustCompile(`(?i)price|cost|sales|amount|revenue|profit|mrp|fee|total`)
	gainName   = regexp.MustCompile(`(?i)profit|margin|gain|income|revenue|earn`)
	listPrice  = regexp.MustCompile(`(?i)list|actual|retail|mrp|original|compare`)
)

// infer picks the column's kind and field spec: the first candidate that
// cleans every sampled value, so the schema ingests its own file.
func (c *column) infer() {
	c.spec = spaces.Field{Type: spaces.TypeText}
	if len(c.values) == 0 {
		c.kind, c.note = kindEmpty, "empty in the sample"
		return
	}
	if c.inferBool() || c.inferNumber() || c.inferTime() || c.inferSpec() || c.inferPath() || c.inferList() {
		return
	}
	if !c.cleansAll(spaces.Field{Type: spaces.TypeText}) {
		// Nested objects in JSON: no field type holds them.
		c.kind, c.note = kindSkip, "left out: its values are not text, numbers, dates or lists"
		return
	}
	c.avgLen = 0
	for _, s := range c.strs {
		c.avgLen += float64(len([]rune(s)))
	}
	c.avgLen /= float64(len(c.strs))
	// A title or name column stays text however often its values repeat:
	// it is what people search.
	if !titleName.MatchString(fieldName(c.source)) && c.isLowCardinality() && c.cleansAll(spaces.Field{Type: spaces.TypeCategory}) {
		c.kind, c.spec = kindCategory, spaces.Field{Type: spaces.TypeCategory}
		c.note = fmt.Sprintf("%s: %s", plural(len(c.distinct), "value"), topValues(c.distinct, 8))
		return
	}
	c.kind = kindText
}

// isLowCardinality: few values, each repeated often, and short ones.
func (c *column) isLowCardinality() bool {
	d := len(c.distinct)
	return d <= 200 && d*5 <= len(c.values) && c.avgLen <= 60
}

func (c *column) inferBool() bool {
	for _, s := range c.strs {
		if _, err := clean.ParseBool(s); err != nil || strings.ContainsFunc(s, unicode.IsDigit) {
			return false
		}
	}
	if !c.cleansAll(spaces.Field{Type: spaces.TypeBool}) {
		return false
	}
	c.kind, c.spec = kindBool, spaces.Field{Type: spaces.TypeBool}
	return true
}

func (c *column) inferNumber() bool {
	currency, percent, grouped := 0, 0, 0
	for _, s := range c.strs {
		if currencyRE.MatchString(s) {
			currency++
		}
		if strings.HasSuffix(s, "%") {
			percent++
		}
		if groupedRE.MatchString(s) {
			grouped++
		}
	}
	type candidate struct {
		kind string
		spec spaces.Field
	}
	var cands []candidate
	switch {
	case currency > 0:
		cands = append(cands, candidate{kindMoney, spaces.Field{Type: spaces.TypeNumber, Format: clean.FormatMoney}})
	case percent > 0:
		cands = append(cands, candidate{kindPercent, spaces.Field{Type: spaces.TypeNumber, Format: clean.FormatPercent}})
	}
	if countName.MatchString(c.source) || grouped > 0 {
		cands = append(cands, candidate{kindCount, spaces.Field{Type: spaces.TypeInteger, Format: clean.FormatCount}})
	}
	cands = append(cands,
		candidate{kindInteger, spaces.Field{Type: spaces.TypeInteger}},
		candidate{kindNumber, spaces.Field{Type: spaces.TypeNumber}},
		candidate{kindRating, spaces.Field{Type: spaces.TypeNumber, Format: clean.FormatRating}},
		candidate{kindCount, spaces.Field{Type: spaces.TypeInteger, Format: clean.FormatCount}})
	for _, cand := range cands {
		spec, ok := c.cleansMost(cand.spec)
		if !ok {
			continue
		}
		c.kind, c.spec = cand.kind, spec
		c.numberRange()
		switch {
		case c.kind == kindNumber && ratingName.MatchString(c.source) && c.min >= 0 && c.max <= 10:
			rating := spec
			rating.Format = clean.FormatRating
			if c.cleansAll(rating) {
				c.kind, c.spec = kindRating, rating
			}
		case (c.kind == kindNumber || c.kind == kindInteger) && moneyName.MatchString(c.source):
			c.kind = kindMoney
		case c.kind == kindInteger && countName.MatchString(c.source) && c.min >= 0:
			count := spec
			count.Format = clean.FormatCount
			if c.cleansAll(count) {
				c.kind, c.spec = kindCount, count
			}
		}
		c.note = fmt.Sprintf("%s to %s", formatNumber(c.min), formatNumber(c.max))
		if len(spec.Null) > 0 {
			c.note += fmt.Sprintf("; %q means no value", spec.Null)
		}
		return true
	}
	return false
}

// numberRange sets min and max from the cleaned values.
func (c *column) numberRange() {
	c.min, c.max = math.Inf(1), math.Inf(-1)
	for _, v := range c.cleaned {
		var x float64
		switch n := v.(type) {
		case float64:
			x = n
		case int64:
			x = float64(n)
		default:
			continue
		}
		c.min, c.max = math.Min(c.min, x), math.Max(c.max, x)
	}
	if math.IsInf(c.min, 0) {
		c.min, c.max = 0, 0
	}
}

// timeLayouts are tried in order when the cleaner's own formats fail. Of
// the ambiguous slash dates, month first comes first: order exports
// (Superstore and kin) write 11/8/2016.
var timeLayouts = []string{
	"2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05",
	"1/2/2006", "2/1/2006", "1/2/2006 15:04", "2/1/2006 15:04", "1/2/2006 15:04:05", "2/1/2006 15:04:05",
	"1-2-2006", "2-1-2006", "2.1.2006", "2006/1/2", "2006/01/02 15:04:05",
	"Jan 2, 2006", "January 2, 2006", "2 Jan 2006", "2 January 2006", "02-Jan-2006", "02-Jan-06", "Mon, 02 Jan 2006 15:04:05 -0700",
}

func (c *column) inferTime() bool {
	numeric := 0
	for _, v := range c.values {
		switch x := v.(type) {
		case time.Time:
		case string:
			if !strings.ContainsAny(x, "-/.: ") || len(x) < 6 {
				return false
			}
		default:
			numeric++
		}
	}
	if numeric > 0 {
		return false
	}
	candidates := []spaces.Field{{Type: spaces.TypeTime}}
	for _, l := range timeLayouts {
		candidates = append(candidates, spaces.Field{Type: spaces.TypeTime, Layouts: []string{l}})
	}
	for _, spec := range candidates {
		if !c.cleansAll(spec) {
			continue
		}
		c.kind, c.spec = kindTime, spec
		for _, v := range c.cleaned {
			t, ok := v.(time.Time)
			if !ok {
				continue
			}
			if c.oldest.IsZero() || t.Before(c.oldest) {
				c.oldest = t
			}
			if t.After(c.newest) {
				c.newest = t
			}
		}
		c.note = fmt.Sprintf("%s to %s", c.oldest.Format("2006-01-02"), c.newest.Format("2006-01-02"))
		if len(spec.Layouts) > 0 {
			c.note += fmt.Sprintf(", written %s", spec.Layouts[0])
		}
		return true
	}
	return false
}

// inferSpec recognises a key/value specification column (JSON or a Ruby
// hash) and lists its keys; the column stays text and init proposes
// extract fields for the common keys.
func (c *column) inferSpec() bool {
	keyCount := map[string]int{}
	var order []string
	for _, s := range c.strs {
		if !strings.HasPrefix(s, "{") {
			return false
		}
		for _, k := range clean.SpecKeys(s) {
			if keyCount[k] == 0 {
				order = append(order, k)
			}
			keyCount[k]++
		}
	}
	if len(order) == 0 || !c.cleansAll(spaces.Field{Type: spaces.TypeText}) {
		return false
	}
	for _, k := range order {
		if keyCount[k]*2 >= len(c.strs) {
			c.specKeys = append(c.specKeys, k)
		}
	}
	c.kind = kindSpec
	c.note = fmt.Sprintf("key/value specification; keys in at least half the rows: %s", strings.Join(quoteAll(c.specKeys), ", "))
	return true
}

// pathSeparators are tried in order; the spaced forms first, so " > "
// wins over a bare "|" inside a name.
var pathSeparators = []string{" >> ", " > ", "|", ">"}

// inferPath recognises a category path ("A >> B >> C", "A|B|C"),
// optionally wrapped in a list (`["A >> B"]`).
func (c *column) inferPath() bool {
	wrapped := 0
	for _, s := range c.strs {
		if strings.Contains(s, "://") {
			return false // links are text
		}
		if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			wrapped++
		}
	}
	spec := spaces.Field{Type: spaces.TypeCategoryList}
	strs := c.strs
	if wrapped*10 >= len(c.strs)*9 {
		spec.Unwrap = clean.UnwrapList
		strs = nil
		for _, s := range c.strs {
			list, err := clean.UnwrapListValue(s)
			if err != nil {
				return false
			}
			strs = append(strs, list...)
		}
	}
	for _, sep := range pathSeparators {
		with, segments, segLen, longest := 0, 0, 0, 0
		for _, s := range strs {
			parts := strings.Split(s, strings.TrimSpace(sep))
			if len(parts) > 1 {
				with++
			}
			segments += len(parts)
			for _, p := range parts {
				segLen += len(p)
			}
			longest = max(longest, len(parts))
		}
		if len(strs) == 0 || with*10 < len(strs)*6 || segLen > 40*segments || longest > 12 {
			continue
		}
		spec.Separator = sep
		if !c.cleansAll(spec) {
			return false
		}
		c.kind, c.spec = kindPath, spec
		c.pathTop = map[string]int{}
		levels := map[string]bool{}
		for _, v := range c.cleaned {
			list, _ := v.([]string)
			if len(list) > 0 {
				c.pathTop[list[0]]++
			}
			for _, l := range list {
				levels[l] = true
			}
		}
		c.note = fmt.Sprintf("category path, %d distinct levels; top level: %s", len(levels), topValues(c.pathTop, 6))
		return true
	}
	return false
}

// inferList takes JSON arrays as category lists.
func (c *column) inferList() bool {
	for _, v := range c.values {
		if _, ok := v.([]any); ok {
			spec := spaces.Field{Type: spaces.TypeCategoryList}
			if !c.cleansAll(spec) {
				return false
			}
			c.kind, c.spec = kindList, spec
			counts := map[string]int{}
			for _, v := range c.cleaned {
				list, _ := v.([]string)
				for _, x := range list {
					counts[x]++
				}
			}
			c.note = fmt.Sprintf("lists of %s: %s", plural(len(counts), "value"), topValues(counts, 6))
			return true
		}
	}
	return false
}

// topValues renders the most frequent values with their counts.
func topValues(counts map[string]int, n int) string {
	vals := make([]string, 0, len(counts))
	for v := range counts {
		vals = append(vals, v)
	}
	sort.Slice(vals, func(i, j int) bool {
		if counts[vals[i]] != counts[vals[j]] {
			return counts[vals[i]] > counts[vals[j]]
		}
		return vals[i] < vals[j]
	})
	parts := make([]string, 0, n+1)
	for i, v := range vals {
		if i == n {
			parts = append(parts, fmt.Sprintf("… %d more", len(vals)-n))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", v, counts[v]))
	}
	return strings.Join(parts, ", ")
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// formatNumber writes a number without exponent or trailing zeros.
func formatNumber(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 || math.Abs(x) >= 1e5 {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.6g", x)
}

// fieldName turns a column name into a schema field name: lower case,
// letters, digits and underscores ("Order Date" → order_date).
func fieldName(col string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(col) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			under = false
			continue
		}
		under = true
	}
	name := b.String()
	if name == "" {
		name = "column"
	}
	if unicode.IsDigit([]rune(name)[0]) {
		name = "c_" + name
	}
	return name
}

// plural writes "1 value", "2 values".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
