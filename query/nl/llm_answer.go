package nl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Bounds on what an LLM answer may set.
const (
	minWeight      = -1.0
	maxWeight      = 3.0
	maxModelNotes  = 20
	maxNoteRunes   = 200
	maxPromptCats  = 200 // category values listed per field in the prompt
	llmPromptRules = `You turn a shopper's search query into a structured product search.
Answer with JSON only, following the schema. Rules:
- "text": the words that describe the product itself, for semantic text search. Leave out price, rating, recency and category constraints you express elsewhere, and filler like "show me", "I want".
- "weights": only for spaces the query states a preference on. Weight 1 gives a space an equal say to the text: use 1 for a preference in the direction the space ranks ("cheap" → the price space 1 when it prefers cheaper products, "best rated" → rating space 1, "newest" → recency space 1) and -1 for the opposite direction ("premium", "luxury" → price space -1). Weights lie in [-1, 3].
- "filters": hard numeric limits the query states, e.g. "under 2000" → price lte 2000, "4 stars and up" → rating gte 4. Operators: lt, lte, gt, gte. Values are plain numbers (convert "1k" to 1000, "1.5 lakh" to 150000).
- "categories": only when the query names one of the listed category values; copy values exactly.
- "understood": one short note per thing you extracted, like "\"under 2000\" → price ≤ 2000".
Never invent constraints the query does not state.`
)

// systemPrompt describes the catalogue's spaces, fields and categories.
func systemPrompt(v Vocab) string {
	var b strings.Builder
	b.WriteString(llmPromptRules)
	b.WriteString("\n\nThis catalogue has:\n")
	space := func(name, what string) {
		if name != "" {
			fmt.Fprintf(&b, "- space %q: %s\n", name, what)
		}
	}
	if v.PriceMode == "maximum" {
		space(v.PriceSpace, "price; a positive weight prefers more expensive products")
	} else {
		space(v.PriceSpace, "price; a positive weight prefers cheaper products")
	}
	if v.RatingMode == "minimum" {
		space(v.RatingSpace, "review rating; a positive weight prefers lower rated products")
	} else {
		space(v.RatingSpace, "review rating; a positive weight prefers better rated products")
	}
	space(v.RecencySpace, "recency; a positive weight prefers newer products")
	for _, s := range v.TextSpaces {
		space(s, "text, matched against \"text\"")
	}
	if v.PriceField != "" {
		fmt.Fprintf(&b, "- number filter field %q: price\n", v.PriceField)
	}
	if v.RatingField != "" {
		fmt.Fprintf(&b, "- number filter field %q: review rating in stars\n", v.RatingField)
	}
	for _, f := range sortedKeys(v.Categories) {
		vals := v.Categories[f]
		if len(vals) > maxPromptCats {
			vals = vals[:maxPromptCats]
		}
		fmt.Fprintf(&b, "- category filter field %q with values ", f)
		enc := json.NewEncoder(&b) // writes the trailing newline
		enc.SetEscapeHTML(false)   // "Home&Kitchen", not "Home\u0026Kitchen"
		if err := enc.Encode(vals); err != nil {
			b.WriteString("(unlisted)\n")
		}
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// answerSchema is the strict JSON schema the model must follow. Strict mode
// requires every property to be listed as required and no additional
// properties, so filters are arrays of objects rather than a free-form map.
func answerSchema(v Vocab) (json.RawMessage, error) {
	str := func(enum []string) map[string]any {
		s := map[string]any{"type": "string"}
		if len(enum) > 0 {
			s["enum"] = enum
		}
		return s
	}
	object := func(props map[string]any) map[string]any {
		return map[string]any{"type": "object", "additionalProperties": false, "required": sortedKeys(props), "properties": props}
	}
	array := func(items any) map[string]any { return map[string]any{"type": "array", "items": items} }
	var spaces, numFields []string
	for _, s := range append([]string{v.PriceSpace, v.RatingSpace, v.RecencySpace}, v.TextSpaces...) {
		if s != "" && !slices.Contains(spaces, s) {
			spaces = append(spaces, s)
		}
	}
	for _, f := range []string{v.PriceField, v.RatingField} {
		if f != "" {
			numFields = append(numFields, f)
		}
	}
	schema := object(map[string]any{
		"text":       str(nil),
		"weights":    array(object(map[string]any{"space": str(spaces), "weight": map[string]any{"type": "number"}})),
		"filters":    array(object(map[string]any{"field": str(numFields), "op": str([]string{opLT, opLTE, opGT, opGTE}), "value": map[string]any{"type": "number"}})),
		"categories": array(object(map[string]any{"field": str(sortedKeys(v.Categories)), "values": array(str(nil))})),
		"understood": array(str(nil)),
	})
	b, err := json.Marshal(schema)
	if err != nil {
		return nil, fmt.Errorf("marshal answer schema: %w", err)
	}
	return b, nil
}

// answer is the model's reply. Numbers stay raw so that a string where a
// number belongs drops that item with a note instead of the whole answer.
type answer struct {
	Text    *string `json:"text"`
	Weights []struct {
		Space  string          `json:"space"`
		Weight json.RawMessage `json:"weight"`
	} `json:"weights"`
	Filters []struct {
		Field string          `json:"field"`
		Op    string          `json:"op"`
		Value json.RawMessage `json:"value"`
	} `json:"filters"`
	Categories []struct {
		Field  string   `json:"field"`
		Values []string `json:"values"`
	} `json:"categories"`
	Understood []string `json:"understood"`
}

// decodeAnswer validates the model's JSON against v: items naming unknown
// spaces, fields or categories are dropped with a note, weights are clamped
// to [minWeight, maxWeight], and numbers must be JSON numbers. An answer
// that is not a JSON object of the right shape is an error.
func decodeAnswer(v Vocab, content string) (Interpretation, error) {
	var a answer
	if err := json.Unmarshal([]byte(strings.TrimSpace(content)), &a); err != nil {
		return Interpretation{}, &invalidAnswer{msg: "not the requested JSON: " + err.Error()}
	}
	if a.Text == nil {
		return Interpretation{}, errInvalid(`no "text" field`)
	}
	in := Interpretation{Text: strings.TrimSpace(*a.Text), Source: SourceLLM, Understood: []string{}}
	if len(in.Text) > maxQueryBytes {
		return Interpretation{}, errInvalid(fmt.Sprintf("text of %d bytes", len(in.Text)))
	}
	for i, n := range a.Understood {
		if i == maxModelNotes {
			break
		}
		if r := []rune(n); len(r) > maxNoteRunes {
			n = string(r[:maxNoteRunes]) + "…"
		}
		in.Understood = append(in.Understood, n)
	}
	drop := func(format string, args ...any) {
		in.Understood = append(in.Understood, "dropped from the LLM answer: "+fmt.Sprintf(format, args...))
	}

	spaces := map[string]bool{}
	for _, s := range append([]string{v.PriceSpace, v.RatingSpace, v.RecencySpace}, v.TextSpaces...) {
		if s != "" {
			spaces[s] = true
		}
	}
	for _, w := range a.Weights {
		x, ok := number(w.Weight)
		switch {
		case !spaces[w.Space]:
			drop("weight for unknown space %q", w.Space)
			continue
		case !ok:
			drop("weight for %q is not a number: %s", w.Space, clip(w.Weight))
			continue
		case x < minWeight || x > maxWeight:
			c := math.Max(minWeight, math.Min(maxWeight, x))
			in.Understood = append(in.Understood, fmt.Sprintf("LLM weight %s for %q clamped to %s", formatNum(x), w.Space, formatNum(c)))
			x = c
		}
		if in.Weights == nil {
			in.Weights = map[string]float64{}
		}
		in.Weights[w.Space] = x
	}

	var fb filterBuilder
	for _, f := range a.Filters {
		x, ok := number(f.Value)
		switch {
		case f.Field == "" || (f.Field != v.PriceField && f.Field != v.RatingField):
			drop("filter on unknown number field %q", f.Field)
		case opSymbols[f.Op] == "":
			drop("filter %q with unknown operator %q", f.Field, f.Op)
		case !ok:
			drop("filter %q %s with a value that is not a number: %s", f.Field, f.Op, clip(f.Value))
		default:
			fb.number(f.Field, f.Op, x)
		}
	}
	for _, c := range a.Categories {
		known, ok := v.Categories[c.Field]
		if !ok {
			drop("category filter on unknown field %q", c.Field)
			continue
		}
		var vals []string
		for _, s := range c.Values {
			i := slices.IndexFunc(known, func(k string) bool { return strings.EqualFold(k, s) })
			if i < 0 {
				drop("unknown %s value %q", c.Field, s)
				continue
			}
			vals = append(vals, known[i])
		}
		if len(vals) > 0 {
			fb.in(c.Field, vals...)
		}
	}
	in.Filter = fb.build()
	return in, nil
}

// number accepts only a finite JSON number: not a string, bool or null.
func number(raw json.RawMessage) (float64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, false
	}
	var x float64
	if err := json.Unmarshal(raw, &x); err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, false
	}
	return x, true
}

// clip shortens a raw JSON value for a note.
func clip(raw json.RawMessage) string {
	s := string(bytes.TrimSpace(raw))
	if s == "" {
		return "nothing"
	}
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
