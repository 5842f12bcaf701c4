package nl

import (
	"sort"
	"strings"
	"unicode"
)

// A catalogue's category values are matched in two ways:
//
//   - whole: the query names the entire value ("electronics", "home and
//     kitchen", "Toys & Games", "homekitchen"), or the top level of a path
//     value ("electronics" for "Electronics|Headphones|In-Ear"), which names
//     a department as plainly. These taxonomy labels rarely occur in titles,
//     so the words leave the text and become a filter.
//   - part: the query names one piece of a value: a lower level of a path
//     ("Smartphones" in "Electronics|Mobiles&Accessories|Smartphones"), a
//     side of an "&" ("Kitchen" in "Home&Kitchen") or the head noun of a
//     CamelCase piece ("watches" in "SmartWatches"). A part is a product
//     noun that titles also use, and a hard filter on it would drop the
//     products filed elsewhere, so it stays in the text and adds no filter:
//     the lexical index, which matches category labels, lets it steer the
//     ranking instead. Matching it still keeps its words from being read as
//     a whole value of some other category.
//
// Generic pieces ("accessories", "products", "care") never match alone.

// catEntry is one category value a key points at.
type catEntry struct {
	field, value string
	whole        bool
}

// catKey is a run of normalised words and the values it names.
type catKey struct {
	words   []string
	entries []catEntry
}

// catalog indexes category keys by their first word.
type catalog struct {
	byFirst map[string][]*catKey
}

// genericParts never match as a single-word part, so they never shield
// their word from a whole match.
var genericParts = map[string]bool{
	"accessory": true, "product": true, "supply": true, "item": true, "other": true, "general": true,
	"misc": true, "miscellaneous": true, "care": true, "part": true, "in": true, "ear": true, "set": true,
	"kit": true, "device": true, "equipment": true, "essential": true, "basic": true, "more": true,
	"and": true, "new": true, "top": true, "best": true, "all": true,
}

func newCatalog(cats map[string][]string) *catalog {
	c := &catalog{byFirst: map[string][]*catKey{}}
	keys := map[string]*catKey{}
	add := func(raw []string, e catEntry) {
		if len(raw) == 0 {
			return
		}
		words := make([]string, len(raw))
		for i, w := range raw {
			words[i] = singular(w)
		}
		if len(words) == 1 && !e.whole && (genericParts[words[0]] || stopWords[words[0]] || len([]rune(words[0])) < 2) {
			return
		}
		id := strings.Join(words, " ")
		k, ok := keys[id]
		if !ok {
			k = &catKey{words: words}
			keys[id] = k
			c.byFirst[words[0]] = append(c.byFirst[words[0]], k)
		}
		for i, old := range k.entries {
			if old.field == e.field && old.value == e.value {
				k.entries[i].whole = old.whole || e.whole
				return
			}
		}
		k.entries = append(k.entries, e)
	}
	// addBoth adds the words and, for several words, their concatenation
	// ("officeproducts", "toysgames").
	addBoth := func(words []string, e catEntry) {
		add(words, e)
		if len(words) > 1 {
			add([]string{strings.Join(words, "")}, e)
		}
	}
	fields := make([]string, 0, len(cats))
	for f := range cats {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		for _, value := range cats[f] {
			levels := strings.FieldsFunc(value, func(r rune) bool { return r == '|' || r == '>' })
			addBoth(categoryWords(value), catEntry{field: f, value: value, whole: true})
			for n, level := range levels {
				part := catEntry{field: f, value: value}
				if len(levels) > 1 {
					addBoth(categoryWords(level), catEntry{field: f, value: value, whole: n == 0})
				}
				pieces := strings.FieldsFunc(level, func(r rune) bool { return r == '&' || r == ',' || r == '/' || r == '+' })
				for _, piece := range pieces {
					words := categoryWords(piece)
					if len(pieces) > 1 || len(levels) > 1 {
						addBoth(words, part)
					}
					if len(words) > 1 {
						add(words[len(words)-1:], part) // head noun of "SmartWatches"
					}
				}
			}
		}
	}
	for _, ks := range c.byFirst {
		sort.SliceStable(ks, func(i, j int) bool { return len(ks[i].words) > len(ks[j].words) })
	}
	return c
}

// categoryWords splits a category value into lower-cased words, on
// punctuation and at CamelCase boundaries ("USBCables" → usb, cables),
// without "and".
func categoryWords(v string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			if w := strings.ToLower(string(cur)); w != "and" {
				words = append(words, w)
			}
			cur = cur[:0]
		}
	}
	rs := []rune(v)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if len(cur) > 0 && unicode.IsUpper(r) {
			prev := cur[len(cur)-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return words
}

// singular strips common English plural endings; it is applied to both the
// catalogue and the query, so it only needs to be consistent.
func singular(w string) string {
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case n > 4 && (strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") ||
		strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "xes")):
		return w[:n-2]
	case n > 3 && w[n-1] == 's' && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:n-1]
	}
	return w
}

// match finds whole category names in the free tokens and notes them.
// They stay in the text, where relevance ranking matches them against the
// rows' category labels and ranks the category's items first, rather
// than becoming a hard filter: on a catalogue whose path segments are all
// category values a filter on a segment ("pens" → one row filed under
// Pens) cut the judged q-run NDCG@10 from 0.850 to 0.783, and it changed
// nothing on the cleaner sets. A filter stays one request field away.
func (c *catalog) match(s *state) {
	if len(c.byFirst) == 0 {
		return
	}
	for i := 0; i < len(s.toks); i++ {
		if !s.free(i) || s.toks[i].kind != tokWord {
			continue
		}
		key, end := c.longestAt(s, i)
		if key == nil {
			continue
		}
		start := i
		i = end - 1
		field, values, whole := pick(key.entries)
		if !whole {
			continue // "smartphones", "kitchen": the labels steer quietly
		}
		s.note(start, s.quote(start, end)+" → ranks "+field+" "+describeValues(values)+" first")
	}
}

// longestAt returns the longest key matching the free tokens at i, and the
// end of the match. "and", "&" and "-" may sit between a key's words.
func (c *catalog) longestAt(s *state, i int) (*catKey, int) {
	for _, k := range c.byFirst[singular(s.toks[i].low)] {
		j, ok := i+1, true
		for _, w := range k.words[1:] {
			for s.free(j) && (s.toks[j].low == "and" || s.toks[j].low == "&" || s.toks[j].low == "-" || s.toks[j].low == "n") {
				j++
			}
			if !s.free(j) || singular(s.toks[j].low) != w {
				ok = false
				break
			}
			j++
		}
		if ok {
			return k, j
		}
	}
	return nil, 0
}

// pick chooses one field for a key that several fields share: a whole match
// wins, then the first field by name. It returns that field's values: only
// those the key names whole when there are any.
func pick(entries []catEntry) (field string, values []string, whole bool) {
	field = entries[0].field
	for _, e := range entries {
		if e.whole {
			field, whole = e.field, true
			break
		}
	}
	for _, e := range entries {
		if e.field == field && e.whole == whole {
			values = append(values, e.value)
		}
	}
	return field, values, whole
}
