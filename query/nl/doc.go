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
//  3. Weight words. "cheap", "budget", "affordable" … raise the price space
//     to 2; "best/top/highly rated", "well reviewed" raise the rating space
//     to 2; "newest", "latest", "new arrivals", "recent" raise the recency
//     space to 2; "premium", "expensive", "luxury" set the price space to -1
//     (prefer the expensive end). "not expensive" reads as cheap. When the
//     catalogue lacks the space, the words stay in the text with a note.
//  4. Category names, case-insensitive, tolerant of "&"/"and", plurals and
//     glued spellings ("home & kitchen", "Home and Kitchen", "toysgames").
//     A whole value ("electronics", "office products") becomes a filter and
//     leaves the text: taxonomy labels rarely occur in titles. A part of a
//     value (one side of "&", a level of a "|" path, the head noun of a
//     CamelCase piece: "kitchen", "toys", "headphones", "watches") becomes a
//     filter but stays in the text, because titles use those nouns too, and
//     only when it heads its noun phrase: "toys for kids" filters on
//     Toys&Games, "car charger" and "kitchen knife" do not. Generic parts
//     ("accessories", "products", "care") never match alone.
//  5. Leftover text: unconsumed words in their original spelling, with
//     stand-alone stop-words ("show me", "i want", "with", "and", "for")
//     dropped; words written together ("wi-fi", "3-in-1") stay together.
//
// Filters use the search API's JSON shape: one key per field, or
// {"and": [...]} holding every condition when a field has two (a range).
package nl
