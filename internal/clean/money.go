package clean

import (
	"errors"
	"strings"
)

// currencyPrefixes are markers stripped before the amount. Longer markers
// come first so "US$" is not read as "US" + "$". Three-letter ISO codes
// that are not listed ("CHF", "JPY") are recognised generically.
var currencyPrefixes = []string{"US$", "Rs.", "Rs", "INR", "USD", "EUR", "GBP", "₹", "$", "€", "£", "¥"}

// currencySuffixes are markers stripped after the amount; "/-" is the
// Indian "Rs. 500/-" convention for a whole amount.
var currencySuffixes = []string{"/-", "INR", "USD", "EUR", "GBP", "₹", "$", "€", "£", "¥"}

// ParseMoney parses a monetary amount: an optional currency symbol or code
// before or after the number (₹ $ € £ ¥, "INR", "Rs.", "USD", any
// three-letter upper-case code), an optional sign before or after the
// prefix ("-₹399", "₹-399") or accounting parentheses ("(1,234.00)"), and
// a number as [ParseNumber] accepts it: "₹1,79,691", "$1,234,567.89",
// "1.234,56 €" with decimalComma.
func ParseMoney(s string, decimalComma bool) (float64, error) {
	c, err := canonicalMoney(s, decimalComma)
	if err != nil {
		return 0, &ValueError{Value: s, Reason: err.Error()}
	}
	return canonicalFloat(s, c)
}

// canonicalMoney strips currency markers and sign conventions, then
// validates the number.
func canonicalMoney(s string, decimalComma bool) (string, error) {
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg, s = true, strings.TrimSpace(s[1:len(s)-1])
	}
	if rest, ok := cutSign(s); ok {
		if neg {
			return "", errors.New("sign inside parentheses")
		}
		neg, s = true, rest
	} else if strings.HasPrefix(s, "+") {
		s = strings.TrimSpace(s[1:])
	}
	s = strings.TrimSpace(stripCurrency(s))
	if rest, ok := cutSign(s); ok {
		if neg {
			return "", errors.New("two signs")
		}
		neg, s = true, rest
	}
	if s == "" {
		return "", errors.New("no amount")
	}
	if s[0] == '-' || s[0] == '+' {
		return "", errors.New("misplaced sign")
	}
	c, err := canonicalNumber(s, decimalComma)
	if err != nil {
		return "", err
	}
	if neg && c != "0" {
		c = "-" + c
	}
	return c, nil
}

// cutSign removes a leading minus sign (ASCII or U+2212).
func cutSign(s string) (string, bool) {
	switch {
	case strings.HasPrefix(s, "-"):
		return strings.TrimSpace(s[1:]), true
	case strings.HasPrefix(s, "\u2212"):
		return strings.TrimSpace(s[len("\u2212"):]), true
	}
	return s, false
}

// stripCurrency removes at most one currency marker at the start and one
// at the end.
func stripCurrency(s string) string {
	for _, p := range currencyPrefixes {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			s = strings.TrimSpace(s[len(p):])
			goto suffix
		}
	}
	if isCurrencyCode(s, 0) && (len(s) == 3 || !isLetter(s[3])) {
		s = strings.TrimSpace(s[3:])
	}
suffix:
	for _, p := range currencySuffixes {
		if len(s) >= len(p) && strings.EqualFold(s[len(s)-len(p):], p) {
			return strings.TrimSpace(s[:len(s)-len(p)])
		}
	}
	if n := len(s); n > 3 && isCurrencyCode(s, n-3) && !isLetter(s[n-4]) {
		s = strings.TrimSpace(s[:n-3])
	}
	return s
}

// isCurrencyCode reports whether s has three ASCII upper-case letters at i.
func isCurrencyCode(s string, i int) bool {
	if len(s) < i+3 {
		return false
	}
	for _, c := range []byte(s[i : i+3]) {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
