// Package clean turns the raw values that ingest readers yield into typed
// values for the schema's fields.
//
// A field declares a [Spec]: its type (text, number, integer, bool, time,
// category, category_list), an optional format parser (money, percent,
// rating, count), extra null tokens and what to do with a missing value.
// [Spec.Clean] accepts what the readers in package read produce — string,
// float64, int64, bool, time.Time, []any or nil — and returns:
//
//	text, category → string
//	number         → float64
//	integer        → int64
//	bool           → bool
//	time           → time.Time in UTC
//	category_list  → []string
//
// # Null tokens
//
// A value is null when it is nil, a NaN float64, or a string that, after
// trimming surrounding whitespace, equals one of [DefaultNullTokens] — "",
// "NaN", "null", "N/A", "-", "No rating available" — or one of the field's
// extra Null tokens. Token comparison is case-insensitive, so "NULL",
// "nan" and "n/a" are null too. Null values follow the field's Missing
// policy: "null" (the default) yields (nil, nil), "default" yields the
// field's Default, "reject" yields an error wrapping [ErrMissing].
//
// # Decisions
//
//   - text: HTML entities are unescaped, things that look like HTML tags
//     ("<br>", "</p>", "<a href=…>", "<!-- … -->") are replaced by a space,
//     runs of Unicode white space collapse to one space, the result is
//     trimmed and invalid UTF-8 becomes U+FFFD. A lone "<" as in "size < 5"
//     is kept because it is not followed by a tag name.
//   - percent: "64%" is 64, not 0.64: catalogues show percentages as whole
//     numbers and spaces scale numbers by their own min/max anyway.
//   - rating: "4.3 out of 5 stars", "4.3/5" and "4.3" are all 4.3, on the
//     rating's own scale; a rating above its declared scale is an error.
//   - numbers: "," groups and "." is the decimal point unless the field
//     declares decimal_comma, which swaps them. Western grouping
//     "1,234,567.89" and Indian grouping "1,79,691" are accepted; anything
//     else with separators ("1,2,3", "12,34") is rejected, never guessed.
//   - time: "02/01/2006"-style slash dates are ambiguous (day or month
//     first) and are rejected unless the field declares the layout.
//     Numeric raw values are Excel serial dates below 2,958,466
//     (9999-12-31), else Unix seconds, else (≥ 1e11) Unix milliseconds.
//   - category_list: split on the separator ("|" when none is declared),
//     each part cleaned like text, empties dropped, duplicates removed,
//     first occurrence order kept.
//     White space around the separator does not count (" >> " splits
//     "A>>B"); levels keeps the first N parts. A category with a separator
//     or levels is a path: its first levels joined by the separator.
//   - unwrap: list strips a JSON-array or list-literal wrapper (`["A"]`)
//     first; an unwrapped value passes as it is, a broken wrapper is an
//     error.
//   - extract: the raw value is a key/value specification (JSON or a Ruby
//     hash) and the field is one key's value; an absent key is missing; a
//     value that is no specification is the value itself.
package clean
