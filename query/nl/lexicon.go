package nl

import (
	"sort"
	"strings"
)

// fieldHint says which filter field a word or unit points at.
type fieldHint uint8

const (
	hintNone fieldHint = iota
	hintPrice
	hintRating
)

// phrase is a run of lower-cased words; a hyphen token between two words of
// the query is skipped while matching, so "top-rated" matches "top rated".
type phrase struct {
	words []string
	op    string    // comparison operator for comparators and postfixes
	hint  fieldHint // field implied by the phrase itself ("cheaper than" → price)
}

func phrases(op string, hint fieldHint, texts ...string) []phrase {
	out := make([]phrase, len(texts))
	for i, t := range texts {
		out[i] = phrase{words: strings.Fields(t), op: op, hint: hint}
	}
	return out
}

// longestFirst orders phrases so the first match at a position is the longest.
func longestFirst(ps []phrase) []phrase {
	sort.SliceStable(ps, func(i, j int) bool { return len(ps[i].words) > len(ps[j].words) })
	return ps
}

// comparators precede an amount. Colloquial words ("under", "over", "above",
// "up to") are inclusive; phrases with an explicit "than" and the bare
// symbols < and > are strict, as in mathematics.
var comparators = longestFirst(concat(
	phrases("lte", hintNone, "under", "below", "beneath", "at most", "atmost", "up to", "upto", "till",
		"no more than", "not more than", "not above", "not over", "no higher than", "not exceeding",
		"max", "maximum", "within", "<=", "less than or equal to", "=<"),
	phrases("lt", hintNone, "less than", "lower than", "fewer than", "<"),
	phrases("lt", hintPrice, "cheaper than", "less expensive than", "costing less than", "cost less than",
		"costs less than", "priced below", "priced under", "priced less than"),
	phrases("gte", hintNone, "over", "above", "at least", "atleast", "min", "minimum", "starting at",
		"starting from", "from", "no less than", "not less than", "not below", "not under", ">=",
		"more than or equal to", "=>"),
	phrases("gt", hintNone, "more than", "greater than", "higher than", ">"),
	phrases("gt", hintPrice, "costlier than", "pricier than", "more expensive than", "priced above",
		"priced over", "priced more than", "costing more than", "cost more than", "costs more than"),
	phrases("gt", hintRating, "better than", "rated above", "rated over", "rated better than", "rated more than"),
	phrases("gte", hintRating, "rated at least"),
	phrases("lte", hintRating, "rated below", "rated under", "rated at most"),
))

// postfixes follow an amount: "4+", "4 stars and up", "500 or less".
var postfixes = longestFirst(concat(
	phrases("gte", hintNone, "+", "plus", "and up", "& up", "and above", "& above", "or more", "or above",
		"or higher", "and higher", "and over", "or over", "or greater", "at least", "minimum", "min", "onwards", "upwards", "and more"),
	phrases("gte", hintRating, "or better", "and better"),
	phrases("lte", hintNone, "or less", "or below", "and below", "and under", "or under", "or lower",
		"and less", "at most", "max", "maximum", "or fewer"),
	phrases("lte", hintPrice, "or cheaper", "and cheaper"),
))

func concat(lists ...[]phrase) []phrase {
	var out []phrase
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// rangeOpeners start "between A and B" or "from A to B"; rangeJoins sit
// between the two amounts.
var (
	rangeOpeners = map[string]bool{"between": true, "from": true, "btw": true, "btwn": true}
	rangeJoins   = map[string]bool{"and": true, "to": true, "-": true, "&": true, "till": true, "until": true, "~": true}
)

// currencyPrefixes and currencySuffixes mark an amount as money.
var (
	currencyPrefixes = map[string]bool{"₹": true, "$": true, "€": true, "£": true, "rs": true, "inr": true, "usd": true, "rupees": true}
	currencySuffixes = map[string]bool{
		"rupees": true, "rupee": true, "rs": true, "inr": true, "dollars": true, "dollar": true, "usd": true,
		"bucks": true, "₹": true, "$": true,
	}
	starUnits = map[string]bool{"star": true, "stars": true}
)

// multipliers scale the number before them: "1k", "1.5 lakh".
var multipliers = map[string]float64{
	"k": 1e3, "thousand": 1e3, "grand": 1e3, "lakh": 1e5, "lakhs": 1e5, "lac": 1e5,
	"cr": 1e7, "crore": 1e7, "crores": 1e7, "million": 1e6,
}

// numberWords are read as numbers only right before "star"/"stars".
var numberWords = map[string]float64{
	"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
}

// measureUnits after a number mean it measures something other than price or
// rating ("under 500 gb", "above 10000 mah"): such a number stays text.
var measureUnits = map[string]bool{
	"gb": true, "tb": true, "mb": true, "kb": true, "mah": true, "w": true, "watt": true, "watts": true,
	"kw": true, "v": true, "volt": true, "volts": true, "inch": true, "inches": true, "\"": true, "cm": true,
	"mm": true, "m": true, "meter": true, "meters": true, "metre": true, "metres": true, "ft": true,
	"feet": true, "foot": true, "kg": true, "kgs": true, "g": true, "gm": true, "gms": true, "gram": true,
	"grams": true, "l": true, "litre": true, "litres": true, "liter": true, "liters": true, "ml": true,
	"hz": true, "khz": true, "mhz": true, "ghz": true, "mp": true, "megapixel": true, "hours": true,
	"hour": true, "hrs": true, "hr": true, "h": true, "minutes": true, "mins": true, "days": true, "day": true,
	"months": true, "month": true, "years": true, "year": true, "yrs": true, "pcs": true, "pieces": true,
	"piece": true, "pack": true, "packs": true, "%": true, "percent": true, "off": true, "x": true,
	"people": true, "persons": true, "person": true, "seater": true, "ports": true, "port": true,
	"db": true, "rpm": true, "dpi": true, "fps": true, "bit": true, "core": true, "cores": true,
}

// countUnits after a number above 5 mean a review count, which no filter
// field here holds: "over 1000 reviews" stays text.
var countUnits = map[string]bool{"reviews": true, "review": true, "ratings": true}

// contextWords name the field of a nearby amount: "rating above 4",
// "priced under 500", "4+ rating".
var contextWords = map[string]fieldHint{
	"rating": hintRating, "ratings": hintRating, "rated": hintRating, "stars": hintRating, "star": hintRating,
	"price": hintPrice, "priced": hintPrice, "prices": hintPrice, "cost": hintPrice, "costs": hintPrice,
	"costing": hintPrice, "budget": hintPrice, "mrp": hintPrice, "spend": hintPrice, "pay": hintPrice,
}

// contextFillers may sit between a context word and its amount: "rating of
// at least 4", "priced at 500", "price is below 300".
var contextFillers = map[string]bool{"of": true, "is": true, "at": true, "=": true, "a": true}

// weightPhrase is an intent: it asks for the high (dir +1) or low (dir -1)
// end of one kind of space. The weight it sets follows from the space's
// mode, so "cheap" is +1 on a minimum-mode price space and -1 on a
// maximum-mode one. A phrase with space hintNone is a set phrase that holds
// an intent word but no intent ("best seller", "brand new"): it stays text.
type weightPhrase struct {
	words []string
	space fieldHint // hintPrice, hintRating, hintRecency or hintNone
	dir   float64
}

const hintRecency fieldHint = 10

// intentWeight is the magnitude of an intent's weight. Weights are
// calibrated so that 1 gives a space an equal say to the text among the
// relevant items: an intent breaks ties among matching products, it does not
// outvote what the query is about.
const intentWeight = 1.0

var weightPhrases = func() []weightPhrase {
	var out []weightPhrase
	add := func(space fieldHint, dir float64, texts ...string) {
		for _, t := range texts {
			out = append(out, weightPhrase{words: strings.Fields(t), space: space, dir: dir})
		}
	}
	add(hintPrice, -1, "cheap", "cheaper", "cheapest", "budget", "affordable", "inexpensive", "low cost",
		"low price", "low priced", "lowest price", "lowest priced", "economical", "value for money", "bargain",
		"pocket friendly", "budget friendly", "wallet friendly", "least expensive", "less expensive",
		"price low to high", "low to high", "best price", "best prices", "best value", "best deal", "best deals")
	add(hintPrice, +1, "premium", "expensive", "luxury", "luxurious", "high end", "costly",
		"pricey", "top end", "most expensive", "upmarket", "price high to low", "high to low")
	add(hintRating, +1, "best rated", "top rated", "highly rated", "high rated", "well rated",
		"highest rated", "well reviewed", "best reviewed", "highly reviewed", "top reviewed",
		"good reviews", "great reviews", "good ratings", "good rating", "high rating", "high ratings",
		"best ratings", "best rating", "highest rating", "best")
	add(hintRecency, +1, "newest", "latest", "new arrivals", "new arrival", "recent", "recently added",
		"most recent", "new releases", "new release", "new launches", "newly launched", "just launched",
		"just arrived", "new")
	add(hintNone, 0, "best seller", "best sellers", "best selling", "best buy", "brand new", "new balance",
		"new york", "new zealand", "new delhi", "new born")
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].words) > len(out[j].words) })
	return out
}()

// negations before a price word flip it: "not expensive" reads as cheap.
var negations = map[string]bool{"not": true, "non": true, "isn't": true}

// stopWords are dropped from the leftover text when they stand alone.
// Negations ("not", "without", "no") are kept: they change the meaning.
var stopWords = map[string]bool{
	"a": true, "an": true, "the": true, "with": true, "and": true, "or": true, "for": true, "of": true,
	"in": true, "on": true, "to": true, "at": true, "by": true, "from": true, "me": true, "my": true,
	"i": true, "i'm": true, "im": true, "want": true, "wanted": true, "need": true, "show": true,
	"find": true, "get": true, "buy": true, "looking": true, "look": true, "search": true, "searching": true,
	"that": true, "which": true, "who": true, "is": true, "are": true, "be": true, "has": true, "have": true,
	"having": true, "some": true, "any": true, "please": true, "can": true, "you": true, "give": true,
	"list": true, "products": true, "product": true, "items": true, "item": true, "things": true,
	"something": true, "category": true, "categories": true, "department": true, "section": true,
	"price": true, "priced": true, "rating": true, "rated": true, "costs": true, "cost": true, "costing": true,
	"&": true, "it": true, "its": true, "them": true, "those": true, "these": true, "would": true, "like": true,
	"sort": true, "sorted": true, "what": true, "whats": true, "where": true, "all": true, "range": true, "around": true, "about": true, "within": true,
}
