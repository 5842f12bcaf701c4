// Package nl turns a natural-language search query such as
// "wireless earbuds under 2000 with rating above 4" into Tessera's structured
// query: text for the text spaces, per-space weights and hard filters, plus
// human-readable notes on how it was read.
//
// Two parsers implement Parser. Offline is rule-based, deterministic and the
// default. LLM asks an OpenAI-compatible chat endpoint for a strict
// JSON-schema answer, validates it against the Vocab, and falls back to
// Offline on any failure.
//
// # How Offline reads a query
//
// Passes run in a fixed order over the query's tokens, each consuming what it
// understands:
//
//  1. Numeric constraints. Comparators ("under", "below", "at most", "<",
//     "cheaper than", "over", "above", "at least", ">="), postfixes ("4+",
//     "and up", "or more", "or less") and ranges ("between 500 and 1500",
//     "500-1500", "from 100 to 200"). Words like "under", "over", "above"
//     and "up to" are inclusive (≤, ≥); phrases with "than" and the bare
//     symbols < and > are strict. Amounts take currency marks (₹, $, rs,
//     rupees, inr, usd, dollars, "/-"), Indian digit grouping ("1,79,691")
//     and multipliers (k, thousand, lakh, crore). A bare money amount
//     ("₹500 earbuds", "budget 2000") is a ceiling; "4 star" is a floor.
//  2. Which field a number constrains: its unit first (money → price,
//     star(s) → rating), then a phrase that implies a field ("cheaper than"
//     → price, "better than" → rating), then a context word next to it
//     ("rating", "rated", "priced", "budget"), then a default: above 5 is a
//     price; 5 or less is a rating when it has decimals or is a floor
//     ("above 4"), else a price ("under 5"). A number followed by a
//     measurement ("10000 mah", "500 gb", "2 years", "50%") or a count
//     ("1000 reviews") is left as text, as is any bare number ("iphone 15")
//     and small numbers with only a postfix ("ages 4 and up").
//  3. Intent words. "cheap", "budget", "affordable", "inexpensive",
//     "low-cost" … ask for the cheap end of the price space; "premium",
//     "expensive", "high-end", "luxury" for the expensive end; "best",
//     "best/top/highest/well rated", "best reviewed" for the rated end of
//     the rating space; "newest", "latest", "recent", "new" for the recency
//     space. Each sets its space's weight to 1, or -1 when the space's mode
//     ranks the other end first (a maximum-mode price space: cheap is -1).
//     A lone price ceiling ("under 2000", "₹800 earbuds") is the cheap
//     intent too, unless a word set the price weight or the price also has
//     a floor. "not expensive" reads as cheap; "best seller", "brand new"
//     and "New Balance" are not intents. The roles come from the schema by
//     meaning (RolesFromSchema): a money or price-named field, a rating
//     field, the recency space; when the catalogue lacks the space, the
//     words stay in the text with a note.
//  4. Category names, case-insensitive, tolerant of "&"/"and", plurals and
//     glued spellings ("home & kitchen", "Home and Kitchen", "toysgames").
//     A whole value ("electronics", "office products"), or the top level
//     of a path value, gets a note ("ranks category … first") and stays
//     in the text; so does a part of a value (a lower level of a "|" path,
//     one side of "&", the head noun of a CamelCase piece: "smartphones",
//     "kitchen", "toys", "watches"). Neither adds a filter: the lexical
//     index matches category labels, and the relevance ranking steers
//     toward a category the query names without dropping products filed
//     elsewhere (see catalog.match for the measurement).
//  5. Leftover text: unconsumed words in their original spelling, with
//     stand-alone stop-words ("show me", "i want", "with", "and") dropped,
//     except a "for" between kept words ("heater for winter"), which
//     tells the ranking what the item is for; words written together
//     ("wi-fi", "3-in-1") stay together.
//
// Filters use the search API's JSON shape: one key per field, or
// {"and": [...]} holding every condition when a field has two (a range).
package nl
