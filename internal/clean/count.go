package clean

import (
	"errors"
	"strconv"
	"strings"
)

// countWords are trailing nouns that scraped counts carry ("1,234 ratings").
var countWords = []string{"global ratings", "ratings", "rating", "reviews", "review", "votes", "vote"}

// countScales maps magnitude suffixes to powers of ten. Indian "lakh"
// (10^5) and "crore" (10^7) are common in Indian catalogues.
var countScales = []struct {
	suffix string
	pow    int
}{
	{"crores", 7}, {"crore", 7}, {"cr", 7},
	{"lakhs", 5}, {"lakh", 5}, {"lacs", 5}, {"lac", 5},
	{"bn", 9}, {"mn", 6},
	{"k", 3}, {"m", 6}, {"b", 9},
}

// ParseCount parses a non-negative whole count: "1,79,691" → 179691,
// "24,269 ratings" → 24269, "(1,234)" → 1234, "2.5k" → 2500, "1.2M" →
// 1200000, "3 lakh" → 300000. The magnitude is applied by moving the
// decimal point, so "1.15k" is exactly 1150. A fractional result is an
// error.
func ParseCount(s string, decimalComma bool) (float64, error) {
	c, err := canonicalCount(s, decimalComma)
	if err != nil {
		return 0, &ValueError{Value: s, Reason: err.Error()}
	}
	return canonicalFloat(s, c)
}

func canonicalCount(s string, decimalComma bool) (string, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(t, "(") && strings.HasSuffix(t, ")") {
		t = strings.TrimSpace(t[1 : len(t)-1])
	}
	for _, w := range countWords {
		if strings.HasSuffix(t, w) {
			t = strings.TrimSpace(strings.TrimSuffix(t, w))
			break
		}
	}
	pow := 0
	for _, sc := range countScales {
		if rest, ok := strings.CutSuffix(t, sc.suffix); ok && rest != "" && !isLetter(rest[len(rest)-1]) {
			t, pow = strings.TrimSpace(rest), sc.pow
			break
		}
	}
	c, err := canonicalNumber(t, decimalComma)
	if err != nil {
		return "", err
	}
	if strings.ContainsAny(c, "eE") {
		f, err := strconv.ParseFloat(c, 64)
		if err != nil || f > 1e300 {
			return "", errors.New("count out of range")
		}
		c = strconv.FormatFloat(f, 'f', -1, 64)
	}
	if strings.HasPrefix(c, "-") {
		return "", errors.New("negative count")
	}
	c = shiftDecimal(c, pow)
	if i := strings.IndexByte(c, '.'); i >= 0 {
		if strings.Trim(c[i+1:], "0") != "" {
			return "", errors.New("count is not a whole number")
		}
		c = c[:i]
	}
	return c, nil
}
