package nl

import "math"

// unitKind is what the words around a number say it measures.
type unitKind uint8

const (
	unitNone  unitKind = iota
	unitMoney          // ₹, rs, rupees, $, dollars, usd, "/-"
	unitStars          // star, stars, "4 rating"
	unitOther          // gb, mah, %, reviews, …: not a price or a rating
)

// amount is a number with its multiplier and unit, spanning tokens [start, end).
type amount struct {
	v          float64
	frac       bool
	unit       unitKind
	start, end int
}

// maxRating bounds what can be a rating; a larger number near "rated" is a price.
const maxRating = 10

// amountAt reads an amount starting at token i: [currency] number
// [multiplier] [unit].
func (s *state) amountAt(i int) (amount, bool) {
	a := amount{start: i}
	j := i
	if s.free(j) && currencyPrefixes[s.toks[j].low] && s.free(j+1) && s.toks[j+1].kind == tokNumber {
		a.unit = unitMoney
		j++
	}
	if !s.free(j) {
		return a, false
	}
	t := s.toks[j]
	switch {
	case t.kind == tokNumber:
		a.v, a.frac = t.num, t.frac
	case t.kind == tokWord && s.free(j+1) && starUnits[s.toks[j+1].low]:
		v, ok := numberWords[t.low]
		if !ok {
			return a, false
		}
		a.v = v
	default:
		return a, false
	}
	j++
	if s.free(j) {
		if m, ok := multipliers[s.toks[j].low]; ok {
			a.v *= m
			a.frac = a.v != math.Trunc(a.v)
			j++
		}
	}
	if math.IsInf(a.v, 0) || math.IsNaN(a.v) {
		return a, false
	}
	if s.free(j) {
		low := s.toks[j].low
		switch {
		case currencySuffixes[low]:
			a.unit = orUnit(a.unit, unitMoney)
			j++
		case low == "/" && s.free(j+1) && s.toks[j+1].low == "-": // Indian "500/-"
			a.unit = orUnit(a.unit, unitMoney)
			j += 2
		case starUnits[low]:
			a.unit = orUnit(a.unit, unitStars)
			j++
			if s.free(j) && (s.toks[j].low == "rating" || s.toks[j].low == "rated") {
				j++
			}
		case (low == "rating" || low == "rated") && a.v <= maxRating:
			a.unit = orUnit(a.unit, unitStars)
			j++
		case low == "ratings" && a.v <= 5:
			a.unit = orUnit(a.unit, unitStars)
			j++
		case countUnits[low] || measureUnits[low]:
			a.unit = unitOther
			j++
		}
	}
	a.end = j
	return a, true
}

// orUnit combines two unit readings; disagreement means the amount is not
// something we can filter on.
func orUnit(a, b unitKind) unitKind {
	switch {
	case a == unitNone:
		return b
	case b == unitNone || a == b:
		return a
	default:
		return unitOther
	}
}

// constraints finds price and rating constraints, left to right.
func (s *state) constraints() {
	for i := range s.toks {
		if !s.free(i) {
			continue
		}
		_ = s.tryRange(i) || s.tryComparator(i) || s.tryAmount(i)
	}
}

// tryRange reads "between A and B", "from A to B", "A-B" and "A to B".
func (s *state) tryRange(i int) bool {
	j, opener := i, false
	if rangeOpeners[s.toks[i].low] {
		opener = true
		j++
	}
	a, ok := s.amountAt(j)
	if !ok || !s.free(a.end) || !rangeJoins[s.toks[a.end].low] {
		return false
	}
	if join := s.toks[a.end].low; !opener && (join == "and" || join == "&") {
		return false // "4 and up" is a postfix, "A and B" alone is a list
	}
	b, ok := s.amountAt(a.end + 1)
	if !ok {
		return false
	}
	unit := orUnit(a.unit, b.unit)
	if unit == unitOther {
		return false
	}
	lo, hi := a.v, b.v
	if lo > hi {
		lo, hi = hi, lo
	}
	ctx, start, end := s.contextAround(i, b.end)
	if !opener && unit == unitNone && ctx == hintNone && hi <= 5 {
		return false // "1-2", "3 to 4": too likely a model number or a count
	}
	field := decideField(unit, hintNone, ctx, hi, a.frac || b.frac, "")
	if field == hintNone {
		return false
	}
	name, ok := s.claim(field, start, end)
	if !ok {
		return true
	}
	s.fb.number(name, opGTE, lo)
	s.fb.number(name, opLTE, hi)
	s.note(start, s.quote(start, end)+" → "+formatNum(lo)+" ≤ "+name+" ≤ "+formatNum(hi))
	return true
}

// tryComparator reads "under 2000", "above 4 stars", "cheaper than 999".
func (s *state) tryComparator(i int) bool {
	for _, p := range comparators {
		end, ok := s.matchWords(i, p.words)
		if !ok {
			continue
		}
		a, ok := s.amountAt(end)
		if !ok || a.unit == unitOther {
			return false
		}
		return s.apply(i, a.end, p.op, a, p.hint)
	}
	return false
}

// tryAmount reads an amount with a postfix ("4+", "4 stars and up", "500 or
// less") or one whose unit or context makes its meaning plain ("₹500",
// "5 star", "rated 4.5").
func (s *state) tryAmount(i int) bool {
	a, ok := s.amountAt(i)
	if !ok || a.unit == unitOther {
		return false
	}
	end, op, hint := a.end, "", hintNone
	for _, p := range postfixes {
		if e, ok := s.matchWords(a.end, p.words); ok {
			end, op, hint = e, p.op, p.hint
			break
		}
	}
	ctx, _ := s.contextBefore(i)
	if ctx == hintNone {
		ctx, _ = s.contextAfter(end)
	}
	plain := a.unit != unitNone || ctx != hintNone || hint != hintNone
	switch {
	case op != "" && !plain && (a.v <= 5 || s.toks[a.end].low == "plus"):
		// "ages 4 and up", "iphone 15 plus": not a price or a rating.
		return false
	case op != "":
	case a.unit == unitMoney || ctx == hintPrice:
		op = opLTE // "₹500 earbuds", "budget 2000": a ceiling
	case a.unit != unitStars && ctx == hintRating && a.v > 10:
		// "top rated 4k television": no rating scale reaches 4,000, and
		// the context word belongs to the intent, not to the number.
		return false
	case a.unit == unitStars || ctx == hintRating:
		op = opGTE // "4 star", "rated 4.5": at least that good
	default:
		return false // a bare number is text: "iphone 15"
	}
	return s.apply(i, end, op, a, hint)
}

// apply records the constraint "tokens [from, to) ⇒ field op a.v", widening
// the span over context words before and after.
func (s *state) apply(from, to int, op string, a amount, hint fieldHint) bool {
	ctx, start, end := s.contextAround(from, to)
	field := decideField(a.unit, hint, ctx, a.v, a.frac, op)
	if field == hintNone {
		return false
	}
	name, ok := s.claim(field, start, end)
	if !ok {
		return true
	}
	s.fb.number(name, op, a.v)
	s.note(start, s.quote(start, end)+" → "+name+" "+opSymbols[op]+" "+formatNum(a.v))
	if name == s.v.PriceField && isUpper(op) && s.ceil < 0 {
		s.ceil, s.ceilEnd = start, end
	}
	return true
}

// decideField says which field an amount constrains. An explicit unit wins,
// then a comparator that implies a field ("cheaper than"), then a context
// word ("rating", "priced"); a bare number above 5 is a price, and one of at
// most 5 is a rating when it has decimals or is a floor ("above 4"),
// otherwise a price ("under 5"). Ratings above maxRating are prices unless
// they were called stars, in which case they are nothing.
func decideField(unit unitKind, hint, ctx fieldHint, v float64, frac bool, op string) fieldHint {
	var f fieldHint
	switch {
	case unit == unitMoney:
		f = hintPrice
	case unit == unitStars:
		f = hintRating
	case hint != hintNone:
		f = hint
	case ctx != hintNone:
		f = ctx
	case v > 5:
		f = hintPrice
	case frac || op == opGT || op == opGTE || op == "":
		f = hintRating
	default:
		f = hintPrice
	}
	if f == hintRating && (v > maxRating || v < 0) {
		if unit == unitStars {
			return hintNone
		}
		f = hintPrice
	}
	return f
}

// contextBefore finds a context word ending just before token i, allowing
// fillers in between ("rating of at least 4"). It returns the hint and where
// the constraint's span starts.
func (s *state) contextBefore(i int) (fieldHint, int) {
	k := i - 1
	for n := 0; n < 2 && s.free(k) && contextFillers[s.toks[k].low]; n++ {
		k--
	}
	if s.free(k) {
		if h, ok := contextWords[s.toks[k].low]; ok {
			return h, k
		}
	}
	return hintNone, i
}

// contextAfter finds a context word at token j ("4+ rating", "500 budget")
// unless it opens the next constraint ("under 500 rating 4+").
func (s *state) contextAfter(j int) (fieldHint, int) {
	if !s.free(j) {
		return hintNone, j
	}
	h, ok := contextWords[s.toks[j].low]
	if !ok {
		return hintNone, j
	}
	if n := j + 1; s.free(n) {
		if s.toks[n].kind == tokNumber || currencyPrefixes[s.toks[n].low] || contextFillers[s.toks[n].low] {
			return hintNone, j
		}
		for _, p := range comparators {
			if _, ok := s.matchWords(n, p.words); ok {
				return hintNone, j
			}
		}
	}
	return h, j + 1
}

// contextAround finds the context word of the amounts in tokens [from, to):
// the one before them wins over the one after. start and end bound the
// constraint's span, context words included.
func (s *state) contextAround(from, to int) (ctx fieldHint, start, end int) {
	ctx, start = s.contextBefore(from)
	after, end := s.contextAfter(to)
	if ctx == hintNone {
		ctx = after
	}
	return ctx, start, end
}

// claim consumes the span [start, end) for a constraint on field and returns
// the filter field's name. When the catalogue has no such field it notes
// that the words were ignored and returns false: the words are used up
// either way, so they do not turn into search text.
func (s *state) claim(field fieldHint, start, end int) (string, bool) {
	s.consume(start, end)
	name, kind := s.fieldFor(field)
	if name == "" {
		s.note(start, s.quote(start, end)+" → ignored: this catalogue has no "+kind+" filter")
		return "", false
	}
	return name, true
}

// fieldFor names the filter field for a hint, and its kind for notes.
func (s *state) fieldFor(h fieldHint) (name, kind string) {
	if h == hintRating {
		return s.v.RatingField, "rating"
	}
	return s.v.PriceField, "price"
}
