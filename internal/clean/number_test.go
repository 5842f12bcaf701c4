package clean

import (
	"errors"
	"testing"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		dc   bool
		want float64
	}{
		{"0", false, 0},
		{"1234.5", false, 1234.5},
		{" 42 ", false, 42},
		{"-1,234,567.89", false, -1234567.89},
		{"+7", false, 7},
		{"\u22123.5", false, -3.5},
		{"1,79,691", false, 179691},
		{"12,34,56,789", false, 123456789},
		{"1,000", false, 1000},
		{"123,456", false, 123456},
		{".5", false, 0.5},
		{"5.", false, 5},
		{"1e3", false, 1000},
		{"-2.5E-2", false, -0.025},
		{"1 234 567", false, 1234567},
		{"1\u00a0234,56", true, 1234.56},
		{"1.234,56", true, 1234.56},
		{"1.234.567", true, 1234567},
		{"3,5", true, 3.5},
	}
	for _, tt := range tests {
		got, err := ParseNumber(tt.in, tt.dc)
		if err != nil || got != tt.want {
			t.Errorf("ParseNumber(%q, %v) = %v, %v; want %v", tt.in, tt.dc, got, err, tt.want)
		}
	}
}

func TestParseNumberRejects(t *testing.T) {
	for _, in := range []string{
		"", "-", "+", ".", "abc", "1,2,3", "12,34", "1,23", "1,2345", ",123", "123,",
		"1,234.56.7", "1.234,56", "1,234 567", "Inf", "NaN", "0x10", "1_000", "1e", "1e999",
		"12,345,67", "123,45,678", "--1", "1-2", "१२३",
	} {
		if got, err := ParseNumber(in, false); err == nil {
			t.Errorf("ParseNumber(%q) = %v, want error", in, got)
		} else {
			var ve *ValueError
			if !errors.As(err, &ve) || ve.Value != in || ve.Reason == "" {
				t.Errorf("ParseNumber(%q) error %v is not a *ValueError carrying the raw value", in, err)
			}
		}
	}
	// A decimal comma field must not accept Western grouping.
	if got, err := ParseNumber("1,234.56", true); err == nil {
		t.Errorf("ParseNumber(1,234.56, decimalComma) = %v, want error", got)
	}
}

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in   string
		dc   bool
		want float64
	}{
		{"₹399", false, 399},
		{"₹1,099", false, 1099},
		{"₹1,79,691", false, 179691},
		{"₹ 1,23,45,678.50", false, 12345678.5},
		{"$1,234,567.89", false, 1234567.89},
		{"€12.50", false, 12.5},
		{"£0.99", false, 0.99},
		{"INR 499", false, 499},
		{"499 INR", false, 499},
		{"Rs. 500", false, 500},
		{"Rs.500/-", false, 500},
		{"rs 75", false, 75},
		{"US$ 20", false, 20},
		{"CHF 12.5", false, 12.5},
		{"-₹399", false, -399},
		{"₹-399", false, -399},
		{"- $5", false, -5},
		{"(1,234.00)", false, -1234},
		{"1.234,56 €", true, 1234.56},
		{"€ 1.234.567,89", true, 1234567.89},
		{"42", false, 42},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.in, tt.dc)
		if err != nil || got != tt.want {
			t.Errorf("ParseMoney(%q, %v) = %v, %v; want %v", tt.in, tt.dc, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "₹", "₹1,2,3", "$$5", "-₹-5", "(-5)", "₹ abc", "5 apples", "USD", "₹1.2.3"} {
		if got, err := ParseMoney(in, false); err == nil {
			t.Errorf("ParseMoney(%q) = %v, want error", in, got)
		}
	}
}

func TestParsePercent(t *testing.T) {
	tests := map[string]float64{"64%": 64, "64": 64, " 12.5 % ": 12.5, "-3%": -3, "100％": 100, "0%": 0}
	for in, want := range tests {
		if got, err := ParsePercent(in, false); err != nil || got != want {
			t.Errorf("ParsePercent(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if got, err := ParsePercent("12,5%", true); err != nil || got != 12.5 {
		t.Errorf("ParsePercent(12,5%%, dc) = %v, %v", got, err)
	}
	for _, in := range []string{"%", "abc%", "6 4%", "64%%"} {
		if _, err := ParsePercent(in, false); err == nil {
			t.Errorf("ParsePercent(%q) succeeded, want error", in)
		}
	}
}

func TestParseRating(t *testing.T) {
	tests := map[string]float64{
		"4.3 out of 5 stars": 4.3, "4.3/5": 4.3, "4.3 / 5": 4.3, "4.3": 4.3, "4": 4,
		"5.0 out of 5": 5, "4.3 stars": 4.3, "3 ★": 3, "8/10": 8, "4.3 Out Of 5 Stars": 4.3,
	}
	for in, want := range tests {
		if got, err := ParseRating(in, false); err != nil || got != want {
			t.Errorf("ParseRating(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"|", "", "6/5", "-1", "4.3/0", "4.3/x", "great", "4.3 out of"} {
		if got, err := ParseRating(in, false); err == nil {
			t.Errorf("ParseRating(%q) = %v, want error", in, got)
		}
	}
}

func TestParseCount(t *testing.T) {
	tests := map[string]float64{
		"1,79,691": 179691, "24,269": 24269, "7928": 7928, "2.5k": 2500, "2.5K": 2500,
		"1.15k": 1150, "1.2M": 1200000, "3 lakh": 300000, "1.5 crore": 15000000,
		"24,269 ratings": 24269, "(1,234)": 1234, "12 reviews": 12, "0": 0, "2bn": 2e9,
	}
	for in, want := range tests {
		if got, err := ParseCount(in, false); err != nil || got != want {
			t.Errorf("ParseCount(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2.5", "-3", "k", "1,2,3", "1.2345k", "lots", "5 kg"} {
		if got, err := ParseCount(in, false); err == nil {
			t.Errorf("ParseCount(%q) = %v, want error", in, got)
		}
	}
}

func TestParseBool(t *testing.T) {
	for _, in := range []string{"true", "TRUE", "yes", "Y", "1", "t", "on", " Yes "} {
		if got, err := ParseBool(in); err != nil || !got {
			t.Errorf("ParseBool(%q) = %v, %v; want true", in, got, err)
		}
	}
	for _, in := range []string{"false", "No", "n", "0", "F", "off"} {
		if got, err := ParseBool(in); err != nil || got {
			t.Errorf("ParseBool(%q) = %v, %v; want false", in, got, err)
		}
	}
	for _, in := range []string{"", "2", "maybe", "yess"} {
		if _, err := ParseBool(in); err == nil {
			t.Errorf("ParseBool(%q) succeeded, want error", in)
		}
	}
}
