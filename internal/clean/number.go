package clean

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseNumber parses a plain number with optional sign and digit grouping:
// "1234.5", "-1,234,567.89", "1,79,691", "1e3". With decimalComma the roles
// of "." and "," swap ("1.234,56"). Spaces, no-break spaces and thin
// spaces also group digits ("1 234 567"). Grouping must be Western (groups
// of three) or Indian (a last group of three, groups of two before it);
// anything else, such as "1,2,3", is rejected. The result is finite.
func ParseNumber(s string, decimalComma bool) (float64, error) {
	c, err := canonicalNumber(s, decimalComma)
	if err != nil {
		return 0, &ValueError{Value: s, Reason: err.Error()}
	}
	return canonicalFloat(s, c)
}

// canonicalNumber rewrites a grouped, signed decimal into the form
// strconv understands ("-1234567.89"), validating the grouping. Keeping the
// digits as a string lets integers keep full int64 precision and lets
// count suffixes shift the decimal point exactly.
func canonicalNumber(s string, decimalComma bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("no number")
	}
	sign := ""
	switch {
	case s[0] == '-':
		sign, s = "-", s[1:]
	case s[0] == '+':
		s = s[1:]
	case strings.HasPrefix(s, "\u2212"): // typographic minus
		sign, s = "-", s[len("\u2212"):]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("sign without digits")
	}
	if strings.ContainsAny(s, "eE") {
		return canonicalExponent(sign, s)
	}
	dec, grp := byte('.'), byte(',')
	if decimalComma {
		dec, grp = ',', '.'
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, dec); i >= 0 {
		intPart, frac = s[:i], s[i+1:]
		if intPart == "" && frac == "" {
			return "", errors.New("no digits")
		}
	}
	digits, err := ungroup(intPart, grp)
	if err != nil {
		return "", err
	}
	if !allDigits(frac) {
		return "", errors.New("not a number")
	}
	if digits == "" {
		digits = "0"
	}
	if frac == "" {
		return sign + digits, nil
	}
	return sign + digits + "." + frac, nil
}

// canonicalExponent accepts scientific notation without grouping; it is
// checked byte by byte first because strconv also accepts "Inf", "NaN",
// hexadecimal floats and underscores, none of which belong in a data cell.
func canonicalExponent(sign, s string) (string, error) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E', c == '+', c == '-':
		default:
			return "", errors.New("not a number")
		}
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return "", errors.New("not a number")
	}
	return sign + s, nil
}

// ungroup removes digit-group separators from the integer part after
// checking that the groups are Western (1,234,567) or Indian (12,34,567).
func ungroup(s string, grp byte) (string, error) {
	if allDigits(s) {
		return s, nil
	}
	// Find the one separator in use: the declared one or a kind of space.
	var sep string
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r < '0' || r > '9' {
			var cur string
			switch {
			case r == rune(grp):
				cur = string(grp)
			case r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\u2009':
				cur = string(r)
			default:
				return "", errors.New("not a number")
			}
			if sep == "" {
				sep = cur
			} else if sep != cur {
				return "", errors.New("mixed digit-group separators")
			}
		}
		i += n
	}
	groups := strings.Split(s, sep)
	last := len(groups) - 1
	for _, g := range groups {
		if g == "" || !allDigits(g) {
			return "", errors.New("bad digit grouping")
		}
	}
	if len(groups[last]) != 3 || len(groups[0]) > 3 {
		return "", errors.New("bad digit grouping")
	}
	mid := groups[1:last]
	if len(mid) > 0 {
		w := len(mid[0])
		for _, g := range mid {
			if len(g) != w {
				return "", errors.New("bad digit grouping")
			}
		}
		switch {
		case w == 3: // Western
		case w == 2 && len(groups[0]) <= 2: // Indian lakh/crore grouping
		default:
			return "", errors.New("bad digit grouping")
		}
	}
	return strings.Join(groups, ""), nil
}

// allDigits reports whether s consists of ASCII digits only ("" is true).
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// canonicalFloat converts a canonical number to a finite float64.
func canonicalFloat(raw any, c string) (float64, error) {
	f, err := strconv.ParseFloat(c, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, errorf(raw, "number out of range")
	}
	return f, nil
}

// canonicalInt converts a canonical number to an int64, accepting a
// fractional part only when it is all zeros ("12.00").
func canonicalInt(raw any, c string) (int64, error) {
	if i := strings.IndexByte(c, '.'); i >= 0 {
		if strings.Trim(c[i+1:], "0") != "" {
			return 0, errorf(raw, "not a whole number")
		}
		c = c[:i]
	}
	if strings.ContainsAny(c, "eE") {
		f, err := canonicalFloat(raw, c)
		if err != nil {
			return 0, err
		}
		return floatInt(raw, f)
	}
	n, err := strconv.ParseInt(c, 10, 64)
	if err != nil {
		return 0, errorf(raw, "integer out of range")
	}
	return n, nil
}

// floatInt converts an integral float64 within the int64 range.
func floatInt(raw any, f float64) (int64, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) {
		return 0, errorf(raw, "not a whole number")
	}
	if f < -9.223372036854775e18 || f >= 9.223372036854775e18 {
		return 0, errorf(raw, "integer out of range")
	}
	return int64(f), nil
}

// shiftDecimal multiplies a canonical decimal (no exponent) by 10^n
// exactly, by moving the decimal point.
func shiftDecimal(c string, n int) string {
	sign := ""
	if strings.HasPrefix(c, "-") {
		sign, c = "-", c[1:]
	}
	intPart, frac, _ := strings.Cut(c, ".")
	if len(frac) < n {
		frac += strings.Repeat("0", n-len(frac))
	}
	intPart += frac[:n]
	frac = frac[n:]
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	if frac == "" {
		return sign + intPart
	}
	return sign + intPart + "." + frac
}
