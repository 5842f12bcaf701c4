package clean

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var numberSeeds = []string{"0", "1,234,567.89", "1,79,691", "-12.5", "1e3", "1.234,56", "1,2,3", "", "₹1,099", "(5)", "2.5k", "64%", "4.3/5", "1 234"}

// groupIndian formats n with Indian digit grouping (12,34,567).
func groupIndian(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	head, tail := s[:len(s)-3], s[len(s)-3:]
	var parts []string
	for len(head) > 2 {
		parts = append([]string{head[len(head)-2:]}, parts...)
		head = head[:len(head)-2]
	}
	return strings.Join(append([]string{head}, append(parts, tail)...), ",")
}

// groupWestern formats n with groups of three (1,234,567).
func groupWestern(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range numberSeeds {
		f.Add(s, false)
	}
	f.Add("1.234,56", true)
	f.Fuzz(func(t *testing.T, s string, dc bool) {
		v, err := ParseNumber(s, dc)
		if err != nil {
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("ParseNumber(%q) = %v, want finite", s, v)
		}
		// Round trip: the shortest formatting parses back to the same value.
		back, err := ParseNumber(strconv.FormatFloat(v, 'f', -1, 64), false)
		if err != nil || back != v {
			t.Fatalf("round trip of %v from %q: %v, %v", v, s, back, err)
		}
	})
}

func FuzzGrouping(f *testing.F) {
	f.Add(uint64(179691))
	f.Add(uint64(1234567))
	f.Add(uint64(999))
	f.Fuzz(func(t *testing.T, n uint64) {
		n %= 1 << 53 // exactly representable
		for _, s := range []string{groupIndian(n), groupWestern(n)} {
			if v, err := ParseNumber(s, false); err != nil || v != float64(n) {
				t.Fatalf("ParseNumber(%q) = %v, %v; want %d", s, v, err, n)
			}
			if v, err := ParseMoney("₹"+s, false); err != nil || v != float64(n) {
				t.Fatalf("ParseMoney(₹%s) = %v, %v; want %d", s, v, err, n)
			}
			if v, err := ParseCount(s, false); err != nil || v != float64(n) {
				t.Fatalf("ParseCount(%q) = %v, %v; want %d", s, v, err, n)
			}
		}
	})
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range numberSeeds {
		f.Add(s, false)
	}
	f.Add("1.234,56 €", true)
	f.Fuzz(func(t *testing.T, s string, dc bool) {
		v, err := ParseMoney(s, dc)
		if err != nil {
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("ParseMoney(%q) = %v", s, v)
		}
		// Negation round trip through the sign convention.
		if v > 0 {
			if n, err := ParseMoney("-"+strconv.FormatFloat(v, 'f', -1, 64), false); err != nil || n != -v {
				t.Fatalf("negated %v: %v, %v", v, n, err)
			}
		}
	})
}

func FuzzParsePercent(f *testing.F) {
	for _, s := range numberSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParsePercent(s, false)
		if err != nil {
			return
		}
		if back, err := ParsePercent(strconv.FormatFloat(v, 'f', -1, 64)+"%", false); err != nil || back != v {
			t.Fatalf("ParsePercent(%q) = %v; round trip %v, %v", s, v, back, err)
		}
	})
}

func FuzzParseRating(f *testing.F) {
	for _, s := range append(numberSeeds, "4.3 out of 5 stars", "|", "5/5", "6/5") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseRating(s, false)
		if err != nil {
			return
		}
		if v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			t.Fatalf("ParseRating(%q) = %v", s, v)
		}
	})
}

func FuzzParseCount(f *testing.F) {
	for _, s := range append(numberSeeds, "1.2M", "3 lakh", "24,269 ratings") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseCount(s, false)
		if err != nil {
			return
		}
		if v < 0 || v != math.Trunc(v) || math.IsInf(v, 0) {
			t.Fatalf("ParseCount(%q) = %v, want a whole non-negative number", s, v)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2023-11-01", "2023-11-01T10:30:00+05:30", "Jan 2, 2006", "1700000000", "45231", "02/01/2006", "20231101", ""} {
		f.Add(s, "")
	}
	f.Add("45231.5", LayoutExcel)
	f.Add("01/11/2023", "02/01/2006")
	f.Fuzz(func(t *testing.T, s, layout string) {
		var layouts []string
		if layout != "" {
			layouts = []string{layout}
		}
		v, err := ParseTime(s, layouts)
		if err != nil {
			return
		}
		if v.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) not UTC: %v", s, v)
		}
		if v.Year() >= 0 && v.Year() <= 9999 {
			back, err := ParseTime(v.Format(time.RFC3339Nano), nil)
			if err != nil || !back.Equal(v) {
				t.Fatalf("ParseTime(%q) = %v; RFC 3339 round trip %v, %v", s, v, back, err)
			}
		}
	})
}

func FuzzParseBool(f *testing.F) {
	for _, s := range []string{"true", "no", "Y", "0", "maybe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseBool(s)
		if err != nil {
			return
		}
		if back, err := ParseBool(strconv.FormatBool(v)); err != nil || back != v {
			t.Fatalf("ParseBool(%q) = %v; round trip %v, %v", s, v, back, err)
		}
	})
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"  a  b ", "<p>x</p>", "&amp;&lt;", "a < b", "\xff\xfe", "<!-- c -->", "\u00a0x\u2009"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Text(%q) = %q: invalid UTF-8", s, out)
		}
		if out != strings.TrimSpace(out) || strings.Contains(out, "  ") {
			t.Fatalf("Text(%q) = %q: not trimmed and collapsed", s, out)
		}
		if collapseSpace(out) != out {
			t.Fatalf("Text(%q) = %q: white space not normalised", s, out)
		}
	})
}

func FuzzSplitCategories(f *testing.F) {
	f.Add("a|b|a", "|")
	f.Add("Home >> Kitchen", ">>")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, s, sep string) {
		parts := SplitCategories(s, sep)
		if sep == "" {
			sep = DefaultSeparator
		}
		seen := map[string]bool{}
		for _, p := range parts {
			if p == "" || seen[p] || strings.Contains(p, sep) || p != strings.TrimSpace(p) {
				t.Fatalf("SplitCategories(%q, %q) = %q: empty, duplicate, unsplit or untrimmed part %q", s, sep, parts, p)
			}
			seen[p] = true
		}
	})
}

func FuzzSpecClean(f *testing.F) {
	f.Add("number", "money", "₹1,099")
	f.Add("integer", "count", "2.5k")
	f.Add("time", "", "2023-11-01")
	f.Add("category_list", "", "a|b")
	f.Fuzz(func(t *testing.T, typ, format, raw string) {
		cleanOrValueError(t, Spec{Type: typ, Format: format}, raw)
	})
}

// cleanOrValueError cleans raw under s when s is valid. A value has the Go
// type of s.Type (or is nil); a failure is a *ValueError, never another
// error. ok is false when s is invalid or raw did not clean.
func cleanOrValueError(t *testing.T, s Spec, raw string) (v any, ok bool) {
	t.Helper()
	if s.Validate() != nil {
		return nil, false
	}
	v, err := s.Clean(raw)
	if err != nil {
		if _, isValueError := err.(*ValueError); !isValueError {
			t.Fatalf("Clean(%q) error %T, want *ValueError", raw, err)
		}
		return nil, false
	}
	typed := true
	switch s.Type {
	case TypeNumber:
		_, typed = v.(float64)
	case TypeInteger:
		_, typed = v.(int64)
	case TypeCategory, TypeText:
		_, typed = v.(string)
	case TypeCategoryList:
		_, typed = v.([]string)
	}
	if !typed && v != nil {
		t.Fatalf("%s field gave %T for %q", s.Type, v, raw)
	}
	return v, true
}
