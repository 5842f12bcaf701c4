package nl

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tokWord   tokKind = iota // letters, possibly with digits: "earbuds", "500gb", "ps5"
	tokNumber                // ASCII digits with optional grouping commas and one decimal point
	tokSymbol                // one of the operator or currency symbols below
)

// token is one lexical unit of a query. start and end are byte offsets into
// the original string, so that notes and the leftover text can quote the
// user's own spelling.
type token struct {
	low        string // lower-cased, with symbol variants normalised ("≤" → "<=")
	start, end int
	kind       tokKind
	num        float64 // value of a tokNumber
	frac       bool    // tokNumber had a decimal part
}

// numberSuffixes may be glued to a number and are split off it ("1k",
// "500rs", "4star"); any other glued letters make the whole run one word, so
// "500gb" or "4g" never become amounts.
var numberSuffixes = map[string]bool{
	"k": true, "rs": true, "inr": true, "usd": true, "star": true, "stars": true,
	"lakh": true, "lakhs": true, "lac": true, "cr": true, "crore": true,
}

// currencyPrefixWords may be glued in front of a number ("rs500").
var currencyPrefixWords = map[string]bool{"rs": true, "inr": true, "usd": true}

// symbols maps the operator and currency runes kept as tokens to their
// normalised form; every other non-letter, non-digit rune separates tokens.
var symbols = map[rune]string{
	'<': "<", '>': ">", '≤': "<=", '≥': ">=", '=': "=", '+': "+",
	'-': "-", '–': "-", '—': "-", '~': "~", '&': "&", '/': "/",
	'₹': "₹", '$': "$", '€': "€", '£': "£", '%': "%",
}

func isASCIIDigit(b byte) bool { return b >= '0' && b <= '9' }

// isWordRune reports whether r continues a word.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// tokenize splits s into tokens. It accepts any byte string: invalid UTF-8
// and unknown runes are separators, so every token is valid UTF-8.
func tokenize(s string) []token {
	toks := make([]token, 0, 16)
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case isASCIIDigit(s[i]):
			toks, i = scanNumber(s, i, toks)
		case r != utf8.RuneError && isWordRune(r):
			toks, i = scanWord(s, i, toks)
		default:
			if sym, ok := symbols[r]; ok {
				start := i
				i += w
				if (sym == "<" || sym == ">") && i < len(s) && s[i] == '=' {
					sym += "="
					i++
				}
				toks = append(toks, token{low: sym, start: start, end: i, kind: tokSymbol})
				continue
			}
			i += w
		}
	}
	return toks
}

// scanNumber reads digits with grouping commas ("1,79,691") and one decimal
// point starting at s[i], then an optional glued suffix.
func scanNumber(s string, i int, toks []token) ([]token, int) {
	start, j, frac := i, i, false
	var digits strings.Builder
	for j < len(s) {
		c := s[j]
		switch {
		case isASCIIDigit(c):
			digits.WriteByte(c)
			j++
			continue
		case c == ',' && j+1 < len(s) && isASCIIDigit(s[j+1]) && !frac:
			j++
			continue
		case c == '.' && !frac && j+1 < len(s) && isASCIIDigit(s[j+1]):
			frac = true
			digits.WriteByte('.')
			j++
			continue
		}
		break
	}
	// Letters or digits glued to the number: split off a known suffix,
	// otherwise the whole run is one word ("500gb", "3d", "1080p").
	k := j
	for k < len(s) {
		r, w := utf8.DecodeRuneInString(s[k:])
		if r == utf8.RuneError || !isWordRune(r) {
			break
		}
		k += w
	}
	if k > j {
		if !numberSuffixes[strings.ToLower(s[j:k])] {
			return append(toks, token{low: strings.ToLower(s[start:k]), start: start, end: k, kind: tokWord}), k
		}
	}
	v, err := strconv.ParseFloat(digits.String(), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		// Too long to be an amount: keep it as a word.
		return append(toks, token{low: strings.ToLower(s[start:k]), start: start, end: k, kind: tokWord}), k
	}
	toks = append(toks, token{low: s[start:j], start: start, end: j, kind: tokNumber, num: v, frac: frac})
	if k > j {
		toks = append(toks, token{low: strings.ToLower(s[j:k]), start: j, end: k, kind: tokWord})
	}
	return toks, k
}

// scanWord reads a run of letters, digits and inner apostrophes. A currency
// word glued to digits ("rs500") is split off so the number stands alone.
func scanWord(s string, i int, toks []token) ([]token, int) {
	start, j, letters := i, i, true
	for j < len(s) {
		r, w := utf8.DecodeRuneInString(s[j:])
		if r == '\'' || r == '’' {
			// Keep "men's" whole, but not a trailing quote.
			if n, _ := utf8.DecodeRuneInString(s[j+w:]); j+w < len(s) && unicode.IsLetter(n) {
				j += w
				continue
			}
			break
		}
		if r == utf8.RuneError || !isWordRune(r) {
			break
		}
		if letters && j < len(s) && isASCIIDigit(s[j]) {
			letters = false
			if currencyPrefixWords[strings.ToLower(s[start:j])] {
				break
			}
		}
		j += w
	}
	low := strings.ToLower(s[start:j])
	low = strings.ReplaceAll(low, "’", "'")
	return append(toks, token{low: low, start: start, end: j, kind: tokWord}), j
}
