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

// TestTextStoresEscapedMarkupAsPlainText pins a decision: Text's output is
// plain text, not HTML. Tags in the source are dropped, but an escaped tag
// is the source saying "these characters", so it decodes to the literal
// characters and is stored as them — never as sanitised HTML. Whoever puts a
// stored field into a page must escape it (the bundled UI sets textContent
// only). Stripping again after decoding would instead lose text such as
// "wrap values in &lt;b&gt;…&lt;/b&gt;" from a product description.
func TestTextStoresEscapedMarkupAsPlainText(t *testing.T) {
	tests := map[string]string{
		`Cable &lt;img src=x onerror=alert(1)&gt; 1m`: `Cable <img src=x onerror=alert(1)> 1m`,
		`<img src=x onerror=alert(1)> Cable`:          `Cable`,
		`wrap values in &lt;b&gt;…&lt;/b&gt;`:         `wrap values in <b>…</b>`,
		`&amp;lt;b&amp;gt;`:                           `&lt;b&gt;`, // decoded once, not twice
	}
	for in, want := range tests {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}
