package clean

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text normalises free text: invalid UTF-8 becomes U+FFFD, HTML entities
// are unescaped ("&amp;" → "&"), HTML-looking tags become a space, runs of
// white space (including no-break spaces, tabs and newlines) collapse to
// one space, and the result is trimmed.
func Text(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, '<') >= 0 {
		s = stripTags(s)
	}
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	return collapseSpace(s)
}

// stripTags replaces tags and comments with a space. A "<" only opens a tag
// when a letter, "/" + letter or "!" follows and a ">" closes it before the
// next "<", so "a < b" and "x<5" survive.
func stripTags(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		end := tagEnd(s[i:])
		if end < 0 {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		s = s[i+end:]
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(s)
	return b.String()
}

// tagEnd returns the length of the tag at the start of s, or -1.
func tagEnd(s string) int {
	if strings.HasPrefix(s, "<!--") {
		if j := strings.Index(s[4:], "-->"); j >= 0 {
			return 4 + j + 3
		}
		return -1
	}
	if len(s) < 3 {
		return -1
	}
	c := s[1]
	if c == '/' || c == '!' {
		c = s[2]
	}
	if c|0x20 < 'a' || c|0x20 > 'z' {
		return -1
	}
	for j := 1; j < len(s); j++ {
		switch s[j] {
		case '>':
			return j + 1
		case '<':
			return -1
		}
	}
	return -1
}

// collapseSpace trims s and collapses each run of Unicode white space to a
// single ASCII space. It returns s itself when nothing changes, which is
// the common case and costs no allocation.
func collapseSpace(s string) string {
	if !needsCollapse(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			pending = b.Len() > 0
			continue
		}
		if pending {
			b.WriteByte(' ')
			pending = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// needsCollapse reports whether s has leading, trailing, repeated or
// non-ASCII-space white space.
func needsCollapse(s string) bool {
	prevSpace := true // a leading space needs work
	for _, r := range s {
		sp := unicode.IsSpace(r)
		if sp && (prevSpace || r != ' ') {
			return true
		}
		prevSpace = sp
	}
	return prevSpace && s != ""
}
