package nl

import "strings"

// SchemaField is what role detection needs to know about one schema field.
type SchemaField struct {
	Name string
	// Type is the schema type: number, integer, time, text, …
	Type string
	// Format is the number format: "", money, rating, percent or count.
	Format string
	// Filterable says whether the field is listed under the schema's filters.
	Filterable bool
}

// SchemaSpace is what role detection needs to know about one schema space.
type SchemaSpace struct {
	Name, Kind, Field string
	// Mode is a number space's mode: minimum, maximum or similar.
	Mode string
}

// Roles are the spaces and filter fields that query intents map onto: "cheap"
// weights PriceSpace, "best rated" RatingSpace, "newest" RecencySpace, and
// "under 2000" filters PriceField. An empty name means the catalogue has no
// such role, and the parser leaves the words in the text with a note.
type Roles struct {
	PriceSpace, PriceField, PriceMode    string
	RatingSpace, RatingField, RatingMode string
	RecencySpace                         string
}

// Apply copies the roles into v.
func (r Roles) Apply(v *Vocab) {
	v.PriceSpace, v.PriceField, v.PriceMode = r.PriceSpace, r.PriceField, r.PriceMode
	v.RatingSpace, v.RatingField, v.RatingMode = r.RatingSpace, r.RatingField, r.RatingMode
	v.RecencySpace = r.RecencySpace
}

// Words in a field or space name that say what it holds.
var (
	priceNames = map[string]bool{"price": true, "cost": true, "mrp": true, "amount": true, "fare": true, "fee": true}
	// otherMoney are money quantities that are not what a shopper pays: a
	// money field so named is never the price, whatever its format.
	otherMoney = map[string]bool{
		"sale": true, "sales": true, "revenue": true, "profit": true, "margin": true, "income": true,
		"earning": true, "tax": true, "discount": true, "saving": true, "balance": true, "salary": true,
		"total": true, "gmv": true, "turnover": true, "loss": true, "commission": true, "budget": true,
	}
	ratingNames = map[string]bool{"rating": true, "star": true, "score": true}
	// countNames mark a count of something ("review_count", "num_ratings"),
	// never the rating itself.
	countNames = map[string]bool{"count": true, "num": true, "number": true, "total": true, "n": true, "qty": true, "quantity": true}
)

// nameWords splits a field or space name into lower-cased singular words, on
// punctuation and at CamelCase boundaries: "reviewRating" → review, rating.
func nameWords(name string) []string {
	words := categoryWords(name)
	for i, w := range words {
		words[i] = singular(w)
	}
	return words
}

// priceLike scores how plainly a field (with its space's name, "" when
// none) holds a price: 0 not at all, 1 by money format alone, 2 by name, 3 by
// both. A name that says sales, profit, … and not price is never a price.
func priceLike(f SchemaField, spaceName string) int {
	if !isNumberType(f.Type) || (f.Format != "" && f.Format != "money") {
		return 0
	}
	named, other := false, false
	for _, n := range []string{f.Name, spaceName} {
		for _, w := range nameWords(n) {
			named = named || priceNames[w] || strings.Contains(w, "price")
			other = other || otherMoney[w]
		}
	}
	return roleScore(named, !other && f.Format == "money")
}

// ratingLike scores how plainly a field holds a review rating, on the same
// scale as priceLike. Counts ("review_count", "num_ratings") are never
// ratings.
func ratingLike(f SchemaField, spaceName string) int {
	if !isNumberType(f.Type) || (f.Format != "" && f.Format != "rating") {
		return 0
	}
	named := false
	for _, n := range []string{f.Name, spaceName} {
		for _, w := range nameWords(n) {
			if countNames[w] {
				return 0
			}
			named = named || ratingNames[w] || strings.Contains(w, "rating")
		}
	}
	return roleScore(named, f.Format == "rating")
}

func roleScore(named, formatted bool) int {
	s := 0
	if named {
		s += 2
	}
	if formatted {
		s++
	}
	return s
}

func isNumberType(t string) bool { return t == "number" || t == "integer" }

// RolesFromSchema finds the price, rating and recency roles by what fields
// and spaces hold, never by position or mode alone:
//
//   - price: a number space over a field whose name (or the space's) says
//     price, cost, mrp, amount, fare or fee; failing that, the only one over
//     a money field whose name names no other money quantity (sales,
//     revenue, profit, …).
//   - rating: a number space over a field of format rating, or named rating,
//     stars or score; never a count such as review_count.
//   - recency: the first recency space.
//
// Only number spaces of mode minimum or maximum carry a price or rating
// intent, since a similar-mode space has no "better" end. The filter fields
// are the role space's field when it is filterable, else the filterable
// field that most plainly holds the role. A schema whose numbers are, say,
// sales and profit gets no price or rating role at all.
func RolesFromSchema(fields []SchemaField, spaces []SchemaSpace) Roles {
	byName := make(map[string]SchemaField, len(fields))
	for _, f := range fields {
		byName[f.Name] = f
	}
	var r Roles
	best := func(score func(SchemaField, string) int) (space, mode string) {
		top, n := 0, 0
		for _, sp := range spaces {
			if sp.Kind != "number" || (sp.Mode != "minimum" && sp.Mode != "maximum") {
				continue
			}
			f, ok := byName[sp.Field]
			if !ok {
				continue
			}
			switch s := score(f, sp.Name); {
			case s > top:
				top, n, space, mode = s, 1, sp.Name, sp.Mode
			case s == top && s > 0:
				n++
			}
		}
		if top == 0 || (top == 1 && n > 1) {
			return "", "" // a format alone, shared by several spaces, is no answer
		}
		return space, mode
	}
	field := func(space string, score func(SchemaField, string) int) string {
		for _, sp := range spaces {
			if sp.Name == space && byName[sp.Field].Filterable {
				return sp.Field
			}
		}
		top, n, name := 0, 0, ""
		for _, f := range fields {
			if !f.Filterable {
				continue
			}
			switch s := score(f, ""); {
			case s > top:
				top, n, name = s, 1, f.Name
			case s == top && s > 0:
				n++
			}
		}
		if top == 0 || (top == 1 && n > 1) {
			return ""
		}
		return name
	}
	r.PriceSpace, r.PriceMode = best(priceLike)
	r.PriceField = field(r.PriceSpace, priceLike)
	r.RatingSpace, r.RatingMode = best(ratingLike)
	r.RatingField = field(r.RatingSpace, ratingLike)
	for _, sp := range spaces {
		if sp.Kind == "recency" {
			r.RecencySpace = sp.Name
			break
		}
	}
	return r
}
