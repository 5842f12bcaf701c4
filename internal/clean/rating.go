package clean

import (
	"errors"
	"strconv"
	"strings"
)

// ParseRating parses a rating such as "4.3 out of 5 stars", "4.3/5",
// "4.3 stars" or "4.3" and returns the rating on its own scale (4.3). A
// negative rating, a non-positive scale or a rating above its scale is an
// error.
func ParseRating(s string, decimalComma bool) (float64, error) {
	c, err := canonicalRating(s, decimalComma)
	if err != nil {
		return 0, &ValueError{Value: s, Reason: err.Error()}
	}
	return canonicalFloat(s, c)
}

func canonicalRating(s string, decimalComma bool) (string, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSpace(strings.TrimRight(t, "★☆ "))
	for _, w := range []string{"stars", "star"} {
		if strings.HasSuffix(t, w) {
			t = strings.TrimSpace(strings.TrimSuffix(t, w))
			break
		}
	}
	value, scale, hasScale := strings.Cut(t, "out of")
	if !hasScale {
		value, scale, hasScale = strings.Cut(t, "/")
	}
	c, err := canonicalNumber(value, decimalComma)
	if err != nil {
		return "", err
	}
	v, _ := strconv.ParseFloat(c, 64)
	if v < 0 {
		return "", errors.New("negative rating")
	}
	if hasScale {
		sc, err := canonicalNumber(scale, decimalComma)
		if err != nil {
			return "", errors.New("bad rating scale")
		}
		max, _ := strconv.ParseFloat(sc, 64)
		if !(max > 0) {
			return "", errors.New("rating scale must be positive")
		}
		if v > max {
			return "", errors.New("rating above its scale")
		}
	}
	return c, nil
}
