package lexical

import (
	"slices"
	"testing"
)

func TestTerms(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"USBCables", []string{"usb", "cable", "usbcable"}},
		{"iPhone13", []string{"iphone", "13", "iphone13"}},
		{"RTX-3060", []string{"rtx", "3060", "rtx3060"}},
		{"Wi-Fi", []string{"wi", "fi", "wifi"}},
		{"WiFi", []string{"wi", "fi", "wifi"}},
		{"Home&Kitchen", []string{"home", "kitchen"}},
		{"Headphones,Earbuds&Accessories", []string{"headphone", "earbud", "accessory"}},
		{"Electronics|Mobiles&Accessories|Smartphones", []string{"electronic", "mobile", "accessory", "smartphone"}},
		{"The Best of Cables for a Phone", []string{"best", "cable", "phone"}},
		{"cables batteries boxes watches knives mice men women", []string{"cable", "battery", "box", "watch", "knife", "mouse", "man", "woman"}},
		{"glass bus series wireless charging classes headaches beaches shoes cameras", []string{"glass", "bus", "series", "wireless", "charging", "class", "headache", "beach", "shoe", "camera"}},
		{"PCs LEDs TVs 10 pcs", []string{"pc", "led", "tv", "10", "pcs"}},
		{"MacBook AirPods boAt eBay", []string{"mac", "book", "macbook", "air", "pod", "airpod", "bo", "boat", "ebay"}},
		{"Café ÉCRAN Straße Ünïcödé", []string{"cafe", "ecran", "strasse", "unicode"}},
		{"ΚΑΛΗΜΕΡΑ मोबाइल", []string{"καλημερα", "मोबाइल"}},
		{"Galaxy-S23-Ultra, 3.5mm" /* "s" is a stop word */, []string{"galaxy", "23", "ultra", "galaxys23ultra", "3.5", "mm", "3.5mm"}},
		{"USB 2.0, Bluetooth v5.3. In 2023. 1.2.3", []string{"usb", "2.0", "bluetooth", "v", "5.3", "v5.3", "2023", "1.2.3"}},
		{"", nil},
		{"the of and", nil},
	} {
		got := Terms(c.text, nil)
		if !slices.Equal(got, c.want) {
			t.Errorf("Terms(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestTermsAppends(t *testing.T) {
	got := Terms("Cables", []string{"x"})
	if !slices.Equal(got, []string{"x", "cable"}) {
		t.Fatalf("Terms appends: %q", got)
	}
}

// TestAccessoryDamping: words after "for", "compatible", "fits", "works
// with" weigh a quarter in documents, up to the next punctuation mark other
// than a comma or slash, which continue a list of devices ("for iPhone 13,
// 12, iPad", "works with Alexa/Google").
func TestAccessoryDamping(t *testing.T) {
	var a analyzer
	a.run("USB Cable for Smartphones, Tablets - Compatible with iPhone 13 (Black) works with Alexa/Google; fits Wi-Fi routers. Redmi 5G", true)
	got := map[string]float32{}
	for _, tk := range a.toks {
		got[string(a.arena[tk.start:tk.end])] = tk.w
	}
	want := map[string]float32{
		"usb": 1, "cable": 1, "smartphone": 0.25, "tablet": 0.25, "compatible": 1,
		"iphone": 0.25, "13": 0.25, "black": 1, "work": 1, "alexa": 0.25,
		"google": 0.25, "fit": 1, "wi": 0.25, "fi": 0.25, "wifi": 0.25,
		"router": 0.25, "redmi": 1, "5": 1, "g": 1, "5g": 1,
	}
	for term, w := range want {
		if got[term] != w {
			t.Errorf("%s: weight %v, want %v", term, got[term], w)
		}
	}
	// Queries are not damped.
	a.run("cable for smartphone", false)
	for _, tk := range a.toks {
		if tk.w != 1 {
			t.Errorf("query term %s damped", a.arena[tk.start:tk.end])
		}
	}
}

func BenchmarkTerms(b *testing.B) {
	text := "Wayona Nylon Braided USB to Lightning Fast Charging and Data Sync Cable Compatible for iPhone 13, 12,11, X, 8, 7, 6, 5, iPad Air, Pro, Mini (3 FT Pack of 1, Grey)"
	var dst []string
	for b.Loop() {
		dst = Terms(text, dst[:0])
	}
}
