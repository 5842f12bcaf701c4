package wordvec

import (
	"unicode"
	"unicode/utf8"
)

// span is a half-open byte range in tokens.buf.
type span struct{ lo, hi int32 }

// group is one hyphen compound ("usb-c", "wi-fi") or a lone word: its
// text in buf (parts joined by '-') and its parts.
type group struct {
	text         span
	first, count int32 // parts[first : first+count]
}

// tokens is the reusable output of scan.
type tokens struct {
	buf    []byte
	parts  []span
	groups []group
}

// Character classes of ASCII bytes; other runes are classified with the
// unicode package.
const (
	clOther = iota
	clLetter
	clDigit
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			t[c] = clLetter
		case '0' <= c && c <= '9':
			t[c] = clDigit
		}
	}
	return t
}()

func class(r rune) uint8 {
	if r < utf8.RuneSelf {
		return asciiClass[r]
	}
	switch {
	case unicode.IsDigit(r):
		return clDigit
	case unicode.IsLetter(r), unicode.IsMark(r):
		return clLetter
	}
	return clOther
}

// runeAt decodes the rune at s[i:] (utf8.RuneError, 0 past the end).
func runeAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return utf8.RuneError, 0
	}
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// scan splits s into lower-cased words. Letters and digits form words;
// a '-' between two word characters joins words into a compound (the
// embedder tries the compound first, then its parts); a '.' between two
// digits stays inside the word ("3.5mm", "2.0"); everything else
// separates. Contraction tails after an apostrophe ("men's", "don't") are
// dropped: GloVe has no "s" or "t" vector and they carry no meaning.
func (t *tokens) scan(s string) {
	t.buf, t.parts, t.groups = t.buf[:0], t.parts[:0], t.groups[:0]
	partLo, groupLo, groupFirst := -1, -1, 0
	prev := uint8(clOther)
	apos, groupAfterApos := false, false

	endPart := func() {
		if partLo >= 0 {
			t.parts = append(t.parts, span{int32(partLo), int32(len(t.buf))})
			partLo = -1
		}
	}
	endGroup := func() {
		endPart()
		if groupLo < 0 {
			return
		}
		n := len(t.parts) - groupFirst
		if groupAfterApos && n == 1 {
			if w := t.buf[groupLo:]; len(w) == 1 && (w[0] == 's' || w[0] == 't') {
				t.buf, t.parts = t.buf[:groupLo], t.parts[:groupFirst]
				groupLo = -1
				return
			}
		}
		t.groups = append(t.groups, group{
			text:  span{int32(groupLo), int32(len(t.buf))},
			first: int32(groupFirst),
			count: int32(n),
		})
		groupLo = -1
	}

	for i := 0; i < len(s); {
		r, size := runeAt(s, i)
		cl := class(r)
		switch {
		case cl != clOther:
			if partLo < 0 {
				if groupLo < 0 {
					groupLo, groupFirst = len(t.buf), len(t.parts)
					groupAfterApos = apos
				}
				partLo = len(t.buf)
			}
			if r < utf8.RuneSelf {
				c := byte(r)
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				t.buf = append(t.buf, c)
			} else {
				t.buf = utf8.AppendRune(t.buf, unicode.ToLower(r))
			}
		case r == '.' && prev == clDigit && partLo >= 0:
			if nr, _ := runeAt(s, i+size); class(nr) == clDigit {
				t.buf = append(t.buf, '.')
				cl = clOther
				break
			}
			endGroup()
		case r == '-' && partLo >= 0:
			if nr, _ := runeAt(s, i+size); class(nr) != clOther {
				endPart()
				t.buf = append(t.buf, '-')
				break
			}
			endGroup()
		default:
			endGroup()
		}
		apos = (r == '\'' || r == '’') && prev != clOther
		prev = cl
		i += size
	}
	endGroup()
}
