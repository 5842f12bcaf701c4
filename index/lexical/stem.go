package lexical

// stopWord says whether b is an English stop word, dropped from documents
// and queries. A switch, not a map: it runs for every word.
func stopWord(b []byte) bool {
	if len(b) > 5 { // the longest stop word; most words are longer
		return false
	}
	switch string(b) {
	case "a", "an", "the", "and", "or", "of", "with", "for", "in", "on", "to",
		"at", "by", "from", "as", "is", "are", "be", "was", "were", "it",
		"its", "this", "that", "these", "those", "into", "onto", "than",
		"s", "t", "i", "you", "your", "our", "we", "my", "me", "so", "very":
		return true
	}
	return false
}

// irregular plurals, and words that look plural but are not.
var irregular = map[string]string{
	"men": "man", "women": "woman", "mice": "mouse", "children": "child",
	"feet": "foot", "teeth": "tooth", "geese": "goose",
	"knives": "knife", "wives": "wife", "lives": "life", "leaves": "leaf",
	"shelves": "shelf", "halves": "half", "scarves": "scarf",
	"wolves": "wolf", "calves": "calf", "loaves": "loaf", "thieves": "thief",
	"buses": "bus", "lenses": "lens", "gases": "gas", "biases": "bias",
	"canvases": "canvas", "atlases": "atlas",
	"tomatoes": "tomato", "potatoes": "potato", "heroes": "hero",
	"echoes": "echo", "mangoes": "mango", "volcanoes": "volcano",
	"movies": "movie", "cookies": "cookie", "hoodies": "hoodie",
	"selfies": "selfie", "goodies": "goodie", "smoothies": "smoothie",
	"brownies": "brownie", "zombies": "zombie", "calories": "calorie",
	"veggies": "veggie", "rookies": "rookie", "lingeries": "lingerie",
	"series": "series", "species": "species", "news": "news",
	"lens": "lens", "canvas": "canvas", "atlas": "atlas", "bias": "bias",
	"christmas": "christmas", "xmas": "xmas",
}

// stem folds the English plural at b[start:] in place and returns b: a
// light, conservative stemmer (cables→cable, batteries→battery,
// boxes→box, watches→watch, knives→knife, mice→mouse) that leaves words
// ending in ss, us or is (glass, wireless, bus, analysis), words of three
// letters or fewer and words with digits alone. Documents and queries use
// the same stemmer, so it need only be consistent.
func stem(b []byte, start int) []byte {
	w := b[start:]
	n := len(w)
	if n == 0 {
		return b
	}
	if w[n-1] != 's' {
		switch string(w) {
		case "men", "women", "mice", "children", "feet", "teeth", "geese":
			return append(b[:start], irregular[string(w)]...)
		}
		return b
	}
	if s, ok := irregular[string(w)]; ok {
		return append(b[:start], s...)
	}
	if n <= 3 {
		return b
	}
	for _, c := range w {
		if c >= '0' && c <= '9' || c >= 0x80 {
			return b // model numbers and non-Latin words
		}
	}
	switch p := w[n-2]; {
	case p == 's' || p == 'u' || p == 'i':
		return b // glass, bus, analysis
	case n > 4 && hasSuffix(w, "ies") && w[n-4] != 'e' && w[n-4] != 'a':
		// batteries→battery (but not "series", "ties")
		b = b[:start+n-2]
		b[start+n-3] = 'y'
		return b
	case p == 'e' && n > 4:
		switch q := w[n-3]; {
		case q == 'x' || q == 'z' && w[n-4] == 'z':
			return b[:start+n-2] // boxes→box, buzzes→buzz
		case q == 's' && w[n-4] == 's':
			return b[:start+n-2] // classes→class
		case q == 'h' && (w[n-4] == 's' || w[n-4] == 'c'):
			// brushes→brush, watches→watch; but headaches→headache,
			// caches→cache: "aches" keeps its e unless "eaches",
			// "oaches" (beaches→beach, coaches→coach).
			if w[n-4] == 'c' && n > 5 && w[n-5] == 'a' && !(n > 6 && (w[n-6] == 'e' || w[n-6] == 'o')) {
				return b[:start+n-1]
			}
			return b[:start+n-2]
		}
	}
	return b[:start+n-1] // cables→cable, shoes→shoe, cameras→camera
}

func hasSuffix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[len(b)-len(s):]) == s
}
