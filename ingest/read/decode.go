package read

import (
	"bufio"
	"bytes"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// decodeText returns r as UTF-8 text (see the package documentation for the
// rules) and the name of the encoding it chose.
func decodeText(r io.Reader) (io.Reader, string) {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < 4096 {
		br = bufio.NewReaderSize(r, textBuffer)
	}
	head, _ := br.Peek(512)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		return transform.NewReader(br, utf8Fallback{}), "utf-8"
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()), "utf-16le"
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()), "utf-16be"
	}
	switch nulParity(head) {
	case 1:
		return transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()), "utf-16le"
	case 0:
		return transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()), "utf-16be"
	}
	return transform.NewReader(br, utf8Fallback{}), "utf-8"
}

// nulParity detects BOM-less UTF-16 of mostly ASCII text: it returns 1 when
// the odd bytes are NUL and the even ones are not (little endian), 0 for
// the reverse (big endian), and -1 otherwise.
func nulParity(head []byte) int {
	if len(head) < 8 {
		return -1
	}
	n := len(head) &^ 1
	var even, odd int
	for i := 0; i < n; i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	half := n / 2
	switch {
	case odd*10 >= half*9 && even == 0:
		return 1
	case even*10 >= half*9 && odd == 0:
		return 0
	}
	return -1
}

// utf8Fallback passes valid UTF-8 through and decodes every byte that is
// not part of a valid sequence as Windows-1252, so Latin-1 and Windows-1252
// files read correctly and mixed files do not fail.
type utf8Fallback struct{}

// Reset implements transform.Transformer; the transformer has no state.
func (utf8Fallback) Reset() {}

// Transform implements transform.Transformer.
func (utf8Fallback) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		if c < utf8.RuneSelf {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		if r == utf8.RuneError && size == 1 {
			if !atEOF && !utf8.FullRune(src[nSrc:]) {
				return nDst, nSrc, transform.ErrShortSrc
			}
			r = charmap.Windows1252.DecodeByte(c)
			n := utf8.RuneLen(r)
			if nDst+n > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			utf8.EncodeRune(dst[nDst:], r)
			nDst += n
			nSrc++
			continue
		}
		if nDst+size > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		copy(dst[nDst:], src[nSrc:nSrc+size])
		nDst += size
		nSrc += size
	}
	return nDst, nSrc, nil
}
