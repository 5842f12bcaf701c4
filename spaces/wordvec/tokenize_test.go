package wordvec

import (
	"slices"
	"testing"
)

// groups renders scan's output as compound → parts.
func groups(s string) []string {
	var t tokens
	t.scan(s)
	var out []string
	for _, g := range t.groups {
		w := string(t.buf[g.text.lo:g.text.hi])
		if g.count > 1 {
			w += "="
			for k, p := range t.parts[g.first : g.first+g.count] {
				if k > 0 {
					w += "+"
				}
				w += string(t.buf[p.lo:p.hi])
			}
		}
		out = append(out, w)
	}
	return out
}

func TestScan(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ,;  ", nil},
		{"USB-C Charging Cable", []string{"usb-c=usb+c", "charging", "cable"}},
		{"3.5mm jack, 1.5m; v2.0.", []string{"3.5mm", "jack", "1.5m", "v2.0"}},
		{"Wi-Fi -- dual - band", []string{"wi-fi=wi+fi", "dual", "band"}},
		{"men's don’t it's", []string{"men", "don", "it"}},
		{"boAt Rockerz 255 Pro+ (Black)", []string{"boat", "rockerz", "255", "pro", "black"}},
		{"ÜBER Café 東京 ३२", []string{"über", "café", "東京", "३२"}},
		{"a.b 1.x -x x-", []string{"a", "b", "1", "x", "x", "x"}},
		{"60W/3A 10000mAh", []string{"60w", "3a", "10000mah"}},
	}
	for _, c := range cases {
		if got := groups(c.in); !slices.Equal(got, c.want) {
			t.Errorf("scan(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{"usb-c 3.5mm", "men's", "\xff\xfe-1.2.", "Ü-ß"} {
		f.Add(s)
	}
	e, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	dst := make([]float32, e.Dim())
	f.Fuzz(func(t *testing.T, s string) {
		var tk tokens
		tk.scan(s)
		for _, p := range tk.parts {
			if p.lo >= p.hi || int(p.hi) > len(tk.buf) {
				t.Fatalf("bad part %v in %q", p, tk.buf)
			}
		}
		e.embedOne(s, dst)
	})
}
