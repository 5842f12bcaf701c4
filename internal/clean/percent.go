package clean

import (
	"errors"
	"strings"
)

// ParsePercent parses a percentage as the number before the percent sign:
// "64%" and "64" are both 64 (not 0.64), "-12.5 %" is -12.5.
func ParsePercent(s string, decimalComma bool) (float64, error) {
	c, err := canonicalPercent(s, decimalComma)
	if err != nil {
		return 0, &ValueError{Value: s, Reason: err.Error()}
	}
	return canonicalFloat(s, c)
}

func canonicalPercent(s string, decimalComma bool) (string, error) {
	s = strings.TrimSpace(s)
	for _, sign := range []string{"%", "％"} {
		if strings.HasSuffix(s, sign) {
			s = strings.TrimSpace(strings.TrimSuffix(s, sign))
			if s == "" {
				return "", errors.New("percent sign without a number")
			}
			break
		}
	}
	return canonicalNumber(s, decimalComma)
}
