package lexical

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Weights of a token: a word in an accessory phrase ("cable for
// smartphone") counts a quarter in documents. Measured with
// TestAmazonQuality's metrics, accessory weights 1, 0.5, 0.25 and 0.1 give
// category-leaf precision 0.732, 0.737, 0.737 and 0.739, and own title
// first 1.000, 0.999, 0.993 and 0.983: a small gain in precision for a
// small loss in exact-title matching.
const (
	fullWeight      = 1
	accessoryWeight = 0.25
)

// Compound heads. An English compound names a kind of its last part:
// smartphone, smartwatch, headphone, toothbrush. In a field that indexes
// heads (category labels), a word of at least minCompound letters also
// gives each ending of at least minHead letters that leaves at least
// minModifier letters before it ("smartphone": phone, tphone, rtphone,
// hone), at HeadWeight: a query saying "phone" then matches Smartphones,
// weaker than a label saying "phone" itself. The endings that are not words
// ("tphone") match no query. No dictionary decides which endings are
// words, so an exocentric compound (headphone) matches its head too; a
// label's match only steers among candidates the text found.
const (
	minModifier = 3
	minHead     = 4
	minCompound = minModifier + minHead
	HeadWeight  = 0.5
)

// IsHead says whether term head is one of the compound heads that a field
// indexing heads gives for term word: "phone" of "smartphone".
func IsHead(head, word string) bool {
	return len(head) >= minHead && len(word)-len(head) >= minModifier && strings.HasSuffix(word, head)
}

// maxJoinParts bounds the parts of a compound whose joined form is kept:
// "RTX-3060" gives rtx3060, "state-of-the-art" gives no stateoftheart.
const maxJoinParts = 4

// Terms appends to dst the terms of text, in order and with repeats, as
// both documents and queries are indexed: lowercased and diacritic-folded,
// split on anything that is not a letter or digit, split again at
// CamelCase and letter↔digit boundaries (keeping the joined form too, for
// model numbers: "iPhone13" gives iphone, 13, iphone13), plurals folded to
// singular, English stop words dropped.
func Terms(text string, dst []string) []string {
	var a analyzer
	a.run(text, false)
	for _, t := range a.toks {
		dst = append(dst, string(a.arena[t.start:t.end]))
	}
	return dst
}

// token is one term of an analysed text: arena[start:end], with its
// weight, and the word it came from.
type token struct {
	start, end int32
	word       int32   // index into analyzer.words
	w          float32 // fullWeight or accessoryWeight
	joined     bool    // the joined form of a multi-part word
	phrase     bool    // in an accessory phrase (damped in documents only)
}

// word is one compound of the text as typed — alphanumeric runs joined by
// single hyphens ("Wi-Fi", "iPhone13") — lowercased, in raw[start:end].
type word struct {
	start, end int32
	// seg counts the phrase ends (endsPhrase, and commas) before the
	// word: words of one segment share it (query mode only).
	seg int32
}

// analyzer turns text into tokens. Its buffers are reused from text to
// text, so one analyzer must not be used by two goroutines at once.
type analyzer struct {
	arena []byte  // token bytes
	toks  []token // tokens of the text
	raw   []byte  // words as typed, lowercased (query mode only)
	words []word

	// The compound being read.
	low   []byte  // its parts, lowercased and folded, concatenated
	cuts  []int32 // end offsets of its parts in low
	runes []rune  // the current non-ASCII alphanumeric run, as written
	class []uint8 // class of each rune of the run
	wraw  int32   // start of the compound in raw

	nwords int32 // compounds read
	length int32 // compounds that gave a token: the text's length
	seg    int32 // phrase ends read (query mode: word.seg)

	doc      bool // document mode: damp accessory phrases
	heads    bool // document mode: also emit compound heads
	damp     bool // inside an accessory phrase
	afterFit bool // previous word was "works"/"work" ("works with")
}

// Rune classes for splitting a run.
const (
	clsLower uint8 = iota
	clsUpper
	clsDigit
	clsOther // caseless letters and marks
)

// run analyses text; doc selects document mode (accessory damping and no
// raw words).
func (a *analyzer) run(text string, doc bool) {
	a.arena = a.arena[:0]
	a.toks = a.toks[:0]
	a.raw = a.raw[:0]
	a.words = a.words[:0]
	a.low = a.low[:0]
	a.cuts = a.cuts[:0]
	a.runes = a.runes[:0]
	a.class = a.class[:0]
	a.nwords, a.length, a.seg = 0, 0, 0
	a.doc = doc
	a.damp = false
	a.afterFit = false

	for i := 0; i < len(text); {
		if len(a.runes) == 0 {
			if j := asciiRun(text, i); j > i {
				a.endASCII(text[i:j])
				i = j
				continue
			}
		}
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		cls, ok := classify(r)
		if ok {
			if len(a.runes) == 0 && len(a.cuts) == 0 {
				a.wraw = int32(len(a.raw))
			}
			a.runes = append(a.runes, r)
			a.class = append(a.class, cls)
			i += size
			continue
		}
		// A single hyphen between two alphanumerics joins a compound.
		if r == '-' && i > 0 && isAlnumBefore(text, i) && i+1 < len(text) && isAlnumAt(text, i+1) {
			a.endRun()
			if !a.doc {
				a.raw = append(a.raw, '-')
			}
			i += size
			continue
		}
		a.endRun()
		a.endWord()
		if endsPhrase(r, text, i+size) {
			if a.doc {
				a.damp = false
			}
			a.seg++
		} else if r == ',' {
			a.seg++
		}
		i += size
	}
	a.endRun()
	a.endWord()
}

// classify says whether r belongs to a word, and its class.
func classify(r rune) (uint8, bool) {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z':
			return clsLower, true
		case 'A' <= r && r <= 'Z':
			return clsUpper, true
		case '0' <= r && r <= '9':
			return clsDigit, true
		}
		return 0, false
	}
	switch {
	case unicode.IsUpper(r):
		return clsUpper, true
	case unicode.IsLower(r):
		return clsLower, true
	case unicode.IsDigit(r):
		return clsDigit, true
	case unicode.IsLetter(r), unicode.IsMark(r):
		return clsOther, true
	}
	return 0, false
}

func isAlnumAt(text string, i int) bool {
	r, _ := utf8.DecodeRuneInString(text[i:])
	_, ok := classify(r)
	return ok
}

// endsPhrase says whether r, followed by text[next:], ends an accessory
// phrase: , ; ( ) | : / [ ] and a hyphen, a full stop, ! or ? that is not
// inside a word or number ("Wi-Fi", "3.5mm").
func endsPhrase(r rune, text string, next int) bool {
	switch r {
	case ';', '(', ')', '|', ':', '[', ']', '{', '}', '!', '?', '\n', '–', '—':
		return true
	case '-', '.':
		return next >= len(text) || !isAlnumAt(text, next)
	}
	return false
}

// asciiRun returns the end of the ASCII alphanumeric run at text[i:], or
// i when there is none or it runs on into a non-ASCII letter ("Café"). A
// decimal point between digits belongs to the run: "3.5mm" is 3.5 and mm,
// "Bluetooth 5.3" is not 5 and 3.
func asciiRun(text string, i int) int {
	j := i
	for j < len(text) {
		if c := text[j]; !isAlnumASCII(c) && !(c == '.' && j > i && isDigit(text[j-1]) && j+1 < len(text) && isDigit(text[j+1])) {
			break
		}
		j++
	}
	if j < len(text) && text[j] >= utf8.RuneSelf && isAlnumAt(text, j) {
		return i
	}
	return j
}

func isAlnumBefore(text string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	_, ok := classify(r)
	return ok
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnumASCII(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// endASCII is endRun for a whole run of ASCII letters and digits, s.
func (a *analyzer) endASCII(s string) {
	if len(a.cuts) == 0 {
		a.wraw = int32(len(a.raw))
	}
	if !a.doc {
		for i := 0; i < len(s); i++ {
			a.raw = append(a.raw, lowerASCII(s[i]))
		}
	}
	if plain(s) {
		for i := 0; i < len(s); i++ {
			a.low = append(a.low, lowerASCII(s[i]))
		}
		a.cuts = append(a.cuts, int32(len(a.low)))
		return
	}
	a.class = a.class[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a':
			a.class = append(a.class, clsLower)
		case c >= 'A':
			a.class = append(a.class, clsUpper)
		default: // digits and decimal points
			a.class = append(a.class, clsDigit)
		}
	}
	n := len(s)
	if n >= 3 && s[n-1] == 's' && a.class[n-2] == clsUpper && a.class[n-3] == clsUpper {
		n-- // "PCs", as in endRun
	}
	for i := 0; i < n; i++ {
		if i > 0 && a.cutBefore(i) {
			a.cuts = append(a.cuts, int32(len(a.low)))
		}
		a.low = append(a.low, lowerASCII(s[i]))
	}
	a.cuts = append(a.cuts, int32(len(a.low)))
	a.class = a.class[:0]
}

// plain says whether the ASCII run s has no cut and no acronym plural,
// as most words: "cable", "Cable", "USB", "2023".
func plain(s string) bool {
	c := s[0]
	i := 1
	switch {
	case c >= 'a' || c >= 'A' && (len(s) == 1 || s[1] >= 'a'):
		for ; i < len(s); i++ { // lowercase after the first letter
			if s[i] < 'a' {
				return false
			}
		}
	case c >= 'A':
		for ; i < len(s); i++ { // all capitals
			if s[i] < 'A' || s[i] > 'Z' {
				return false
			}
		}
	default:
		for ; i < len(s); i++ { // all digits (and decimal points)
			if s[i] > '9' {
				return false
			}
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// endRun splits the current alphanumeric run into parts, appending them
// to low and cuts.
func (a *analyzer) endRun() {
	n := len(a.runes)
	if n == 0 {
		return
	}
	if n >= 3 && a.runes[n-1] == 's' && a.class[n-2] == clsUpper && a.class[n-3] == clsUpper {
		// An acronym's plural: "PCs", "LEDs", "TVs".
		n--
	}
	if !a.doc {
		for _, r := range a.runes {
			a.raw = utf8.AppendRune(a.raw, unicode.ToLower(r))
		}
	}
	for i, r := range a.runes[:n] {
		if i > 0 && a.cutBefore(i) {
			a.cuts = append(a.cuts, int32(len(a.low)))
		}
		a.low = appendFolded(a.low, r)
	}
	a.cuts = append(a.cuts, int32(len(a.low)))
	a.runes = a.runes[:0]
	a.class = a.class[:0]
}

// cutBefore says whether the run splits between runes i-1 and i.
func (a *analyzer) cutBefore(i int) bool {
	p, c := a.class[i-1], a.class[i]
	switch {
	case (p == clsDigit) != (c == clsDigit):
		return p != clsOther && c != clsOther
	case p == clsLower && c == clsUpper:
		// "MacBook", "boAt" split; "iPhone", "eBay" (one leading
		// lowercase letter) do not.
		return !(i == 1)
	case p == clsUpper && c == clsUpper:
		// "USBCables": cut before the last capital of a capitalised
		// run followed by at least two lowercase letters, so "PCs"
		// and "LEDs" stay whole.
		return i+2 < len(a.class) && a.class[i+1] == clsLower && a.class[i+2] == clsLower
	}
	return false
}

// endWord emits the tokens of the compound read so far.
func (a *analyzer) endWord() {
	if len(a.cuts) == 0 {
		return
	}
	wi := a.nwords
	a.nwords++
	if !a.doc {
		a.words = append(a.words, word{a.wraw, int32(len(a.raw)), a.seg})
	}
	before := len(a.toks)
	w := float32(fullWeight)
	if a.damp && a.doc {
		w = accessoryWeight
	}
	start := int32(0)
	for _, end := range a.cuts {
		part := a.low[start:end]
		start = end
		if stopWord(part) {
			continue
		}
		n := len(a.toks)
		a.emit(part, wi, w, false)
		if a.heads && a.doc && len(a.toks) > n {
			a.emitHeads(w)
		}
	}
	if n := len(a.cuts); n > 1 && n <= maxJoinParts && !stopWord(a.low) {
		a.emit(a.low, wi, w, true)
	}

	if len(a.toks) > before {
		a.length++
	}
	{
		// Accessory triggers: "for", "fits", "compatible",
		// "works with" start a damped phrase. A query marks its
		// phrase too (Prepare finds the head word before it) but
		// weighs its words fully.
		single := len(a.cuts) == 1
		s := string(a.low) // not allocated: only compared
		// The phrase runs to the next punctuation mark: capping it at
		// 1–8 words measured no better (category-leaf precision 0.726
		// to 0.734 against 0.737, TestAmazonQuality's metric, before
		// decimal numbers were kept whole) though it
		// keeps "Compatible for Samsung TV … Remote Control" from
		// damping "remote".
		if single && (s == "for" || s == "fits" || s == "compatible" || a.afterFit && s == "with") {
			a.damp = true
		}
		a.afterFit = single && (s == "works" || s == "work")
	}
	a.low = a.low[:0]
	a.cuts = a.cuts[:0]
}

// emit appends the stemmed term to the arena as a token.
func (a *analyzer) emit(term []byte, wi int32, w float32, joined bool) {
	start := len(a.arena)
	a.arena = append(a.arena, term...)
	a.arena = stem(a.arena, start)
	if stopWord(a.arena[start:]) { // "withs"
		a.arena = a.arena[:start]
		return
	}
	a.toks = append(a.toks, token{int32(start), int32(len(a.arena)), wi, w, joined, a.damp})
}

// emitHeads follows the token just emitted with its compound heads.
func (a *analyzer) emitHeads(w float32) {
	t := a.toks[len(a.toks)-1]
	if int(t.end-t.start) < minCompound {
		return
	}
	for cut := t.start + minModifier; t.end-cut >= minHead; cut++ {
		start := len(a.arena)
		a.arena = append(a.arena, a.arena[cut:t.end]...)
		if stopWord(a.arena[start:]) {
			a.arena = a.arena[:start]
			continue
		}
		a.toks = append(a.toks, token{int32(start), int32(len(a.arena)), t.word, w * HeadWeight, false, a.damp})
	}
}

// appendFolded appends r lowercased, with Latin diacritics removed.
func appendFolded(b []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(b, byte(r))
	}
	r = unicode.ToLower(r)
	if f, ok := foldLatin(r); ok {
		return append(b, f...)
	}
	return utf8.AppendRune(b, r)
}
