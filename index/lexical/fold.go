package lexical

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// latinFold maps each lowercase Latin letter with a diacritic (U+00C0 to
// U+024F) to its base letters: é→e, ñ→n, ß→ss, æ→ae, ø→o, ł→l. Other
// scripts are left as they are: their marks are part of the letter.
var latinFold = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ħ': "h", 'ı': "i", 'þ': "th", 'ð': "d"}
	for r := rune(0xC0); r <= 0x24F; r++ {
		if _, ok := m[r]; ok {
			continue
		}
		d := norm.NFD.String(string(r))
		base, _ := utf8.DecodeRuneInString(d)
		if base != r && base < utf8.RuneSelf {
			m[r] = string(base)
		}
	}
	return m
}()

// foldLatin returns the folded form of the lowercase rune r, if it has one.
func foldLatin(r rune) (string, bool) {
	if r < 0xC0 || r > 0x24F {
		return "", false
	}
	f, ok := latinFold[r]
	return f, ok
}
