package clean

import (
	"reflect"
	"testing"
)

func TestText(t *testing.T) {
	tests := map[string]string{
		"  plain  ":                    "plain",
		"a\t\tb\n\nc":                  "a b c",
		"Home&amp;Kitchen":             "Home&Kitchen",
		"5 &lt; 6":                     "5 < 6",
		"size < 5cm and x<5":           "size < 5cm and x<5",
		"line<br>break":                "line break",
		"<p>Hello <b>world</b></p>":    "Hello world",
		"a<!-- note -->b":              "a b",
		"no\u00a0break\u2009space":     "no break space",
		"bad \xff byte":                "bad \uFFFD byte",
		"":                             "",
		"already clean":                "already clean",
		"Computers&Accessories|Cables": "Computers&Accessories|Cables",
		"unclosed <tag and more":       "unclosed <tag and more",
	}
	for in, want := range tests {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitCategories(t *testing.T) {
	tests := []struct {
		in, sep string
		want    []string
	}{
		{"Computers&Accessories|Accessories&Peripherals|Cables", "", []string{"Computers&Accessories", "Accessories&Peripherals", "Cables"}},
		{" a | b ||a| c ", "|", []string{"a", "b", "c"}},
		{"Home >> Kitchen >> Home", ">>", []string{"Home", "Kitchen"}},
		{"", "|", []string{}},
		{"single", "|", []string{"single"}},
	}
	for _, tt := range tests {
		if got := SplitCategories(tt.in, tt.sep); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitCategories(%q, %q) = %q, want %q", tt.in, tt.sep, got, tt.want)
		}
	}
}
