package nl

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxQueryBytes bounds the work done for one query; a search box never needs
// more, and longer input is cut at a rune boundary with a note.
const maxQueryBytes = 2048

// Offline is the rule-based parser: no network, deterministic, and safe on
// any input. It is safe for concurrent use.
type Offline struct {
	v    Vocab
	cats *catalog
}

// NewOffline returns a rule-based parser for the catalogue described by v.
func NewOffline(v Vocab) *Offline {
	return &Offline{v: v, cats: newCatalog(v.Categories)}
}

// Parse interprets q. It never fails: any string yields an Interpretation
// with Source "offline"; ctx is unused because parsing is a few microseconds
// of CPU.
func (o *Offline) Parse(_ context.Context, q string) (Interpretation, error) {
	return o.parse(q), nil
}

// parse runs the passes in a fixed order: numeric constraints first (so
// "budget of 2000" is a price cap, not the word "budget"), then intent words,
// then a lone price ceiling as the cheap intent, then category names, then
// the leftover text.
func (o *Offline) parse(q string) Interpretation {
	s := &state{v: &o.v, weights: map[string]float64{}, ceil: -1}
	cutNote := []string{}
	if len(q) > maxQueryBytes {
		cut := maxQueryBytes
		for cut > 0 && !utf8.RuneStart(q[cut]) {
			cut--
		}
		q = q[:cut]
		cutNote = []string{"query cut to its first " + strconv.Itoa(cut) + " bytes"}
	}
	s.q = q
	s.toks = tokenize(q)
	s.used = make([]bool, len(s.toks))

	s.constraints()
	s.weightWords()
	s.priceCeiling()
	o.cats.match(s)

	in := Interpretation{
		Text:       s.leftover(),
		Filter:     s.fb.build(),
		Understood: append(cutNote, s.sortedNotes()...),
		Source:     SourceOffline,
	}
	if len(s.weights) > 0 {
		in.Weights = s.weights
	}
	return in
}

// state is one query being parsed: its tokens, which of them a pass has
// consumed, and what has been understood so far.
type state struct {
	v       *Vocab
	q       string
	toks    []token
	used    []bool
	fb      filterBuilder
	weights map[string]float64
	notes   []note
	// ceil and ceilEnd span the first upper bound on the price, -1 if none.
	ceil, ceilEnd int
}

// note is one Understood line and the token it is about, so that notes can
// be listed in the order of the query rather than the order of the passes.
type note struct {
	tok  int
	text string
}

func (s *state) note(tok int, text string) { s.notes = append(s.notes, note{tok, text}) }

// sortedNotes returns the notes in query order; never nil, so the JSON is [].
func (s *state) sortedNotes() []string {
	slices.SortStableFunc(s.notes, func(a, b note) int { return a.tok - b.tok })
	out := make([]string, len(s.notes), len(s.notes)+1)
	for i, n := range s.notes {
		out[i] = n.text
	}
	return out
}

// free reports whether token i exists and no pass has consumed it.
func (s *state) free(i int) bool { return i >= 0 && i < len(s.toks) && !s.used[i] }

func (s *state) consume(from, to int) {
	for i := from; i < to; i++ {
		s.used[i] = true
	}
}

// quote returns the user's own text of tokens [from, to), in quotes.
func (s *state) quote(from, to int) string {
	return `"` + s.q[s.toks[from].start:s.toks[to-1].end] + `"`
}

// matchWords matches words against the free tokens starting at i and returns
// the end of the match. A hyphen between two words is skipped, so
// "top-rated" matches "top rated".
func (s *state) matchWords(i int, words []string) (int, bool) {
	k := i
	for n, w := range words {
		if n > 0 && s.free(k) && s.toks[k].low == "-" && s.toks[k].kind == tokSymbol {
			k++
		}
		if !s.free(k) || s.toks[k].low != w {
			return 0, false
		}
		k++
	}
	return k, true
}

// weightWords applies intent words such as "cheap", "top rated" and
// "newest": each sets its space's weight to ±intentWeight, the sign chosen
// by the space's mode, and leaves the text.
func (s *state) weightWords() {
	for i := 0; i < len(s.toks); i++ {
		if !s.free(i) || s.toks[i].kind == tokNumber {
			continue
		}
		for _, wp := range weightPhrases {
			end, ok := s.matchWords(i, wp.words)
			if !ok {
				continue
			}
			from, dir := i, wp.dir
			i = end - 1
			if wp.space == hintNone || (len(wp.words) == 1 && wp.words[0] == "new" && s.properNoun(from)) {
				break // "best seller", "New Balance": an intent word in a set phrase
			}
			if s.free(from-1) && negations[s.toks[from-1].low] {
				if wp.space != hintPrice {
					break // "not latest": no sensible reading, keep it as text
				}
				from, dir = from-1, -dir
			}
			s.intent(from, end, wp.space, dir)
			break
		}
	}
}

// properNoun reports whether the intent word at i is capitalised inside the
// query, or followed by a capitalised word: "New Balance", "new York".
func (s *state) properNoun(i int) bool {
	upper := func(j int) bool {
		if j < 0 || j >= len(s.toks) || s.toks[j].kind != tokWord {
			return false
		}
		w := s.q[s.toks[j].start:s.toks[j].end]
		return w != strings.ToLower(w) && w != strings.ToUpper(w)
	}
	return (i > 0 && upper(i)) || upper(i+1)
}

// intent sets the weight of the space for hint h so that it prefers the high
// (dir > 0) or low end, consuming tokens [from, end).
func (s *state) intent(from, end int, h fieldHint, dir float64) {
	space, kind, w := s.spaceFor(h, dir)
	if space == "" {
		s.note(from, s.quote(from, end)+" → kept as text: this catalogue has no "+kind+" space")
		return
	}
	if prev, ok := s.weights[space]; ok && prev != w {
		s.note(from, s.quote(from, end)+" → ignored: conflicts with "+space+" weight "+formatNum(prev))
	} else {
		s.weights[space] = w
		s.note(from, s.quote(from, end)+" → "+space+" weight "+formatNum(w)+" ("+intentNames[h][dir > 0]+" first)")
	}
	s.consume(from, end)
}

// intentNames describe what an intent ranks first, by hint and direction.
var intentNames = map[fieldHint]map[bool]string{
	hintPrice:   {false: "cheaper", true: "pricier"},
	hintRating:  {false: "lower rated", true: "better rated"},
	hintRecency: {false: "older", true: "newer"},
}

// priceCeiling reads a lone upper bound on the price ("under 2000", "₹800
// earbuds") as the cheap intent too, unless a word already set an order
// ("premium phones under 50000"; "best rated power bank under 1500" wants
// the best rated within the budget, not a cheapness mixed in) or the price
// also has a floor (a range says where to look, not which end to prefer).
func (s *state) priceCeiling() {
	if s.ceil < 0 || s.v.PriceSpace == "" || len(s.weights) > 0 {
		return
	}
	for _, c := range s.fb.conds {
		if c.field == s.v.PriceField && (c.op == opGT || c.op == opGTE) {
			return
		}
	}
	s.intent(s.ceil, s.ceilEnd, hintPrice, -1)
}

// spaceFor names the space an intent targets, its kind for notes, and the
// weight that prefers the high (dir > 0) or low end of it under the space's
// mode.
func (s *state) spaceFor(h fieldHint, dir float64) (space, kind string, w float64) {
	w = intentWeight * dir
	switch h {
	case hintPrice:
		if s.v.PriceMode != "maximum" {
			w = -w // a minimum-mode space ranks low prices first
		}
		return s.v.PriceSpace, "price", w
	case hintRating:
		if s.v.RatingMode == "minimum" {
			w = -w // a minimum-mode space ranks low ratings first
		}
		return s.v.RatingSpace, "rating", w
	default:
		return s.v.RecencySpace, "recency", w
	}
}

// leftover renders the unconsumed tokens as text. Tokens written together
// ("wi-fi", "3-in-1", "on-ear") stay together; symbols at the edge of such a
// group and stop-words standing alone are dropped.
func (s *state) leftover() string {
	var parts []string
	var stop []bool // parts[i] is a lone stop word
	for i := 0; i < len(s.toks); {
		if !s.free(i) {
			i++
			continue
		}
		j := i + 1
		for s.free(j) && s.toks[j].start == s.toks[j-1].end {
			j++
		}
		from, to := i, j
		for from < to && s.toks[from].kind == tokSymbol {
			from++
		}
		for to > from && s.toks[to-1].kind == tokSymbol {
			to--
		}
		i = j
		if from == to {
			continue
		}
		parts = append(parts, s.q[s.toks[from].start:s.toks[to-1].end])
		stop = append(stop, to-from == 1 && stopWords[s.toks[from].low])
	}
	var b strings.Builder
	for i, p := range parts {
		// A "for" between kept words stays: it marks the words after it as
		// what the item is for ("heater for winter", "case for iphone"),
		// which the ranking weighs as context, not as the item itself.
		keep := !stop[i] || strings.EqualFold(p, "for") && i > 0 && !stop[i-1] && slices.Contains(stop[i+1:], false)
		if !keep {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return b.String()
}
