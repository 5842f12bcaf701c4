package lexical

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzTerms: any text analyses without panicking into non-empty, valid,
// lowercase terms that are not stop words, in both modes.
func FuzzTerms(f *testing.F) {
	for _, s := range []string{
		"USBCables iPhone13 RTX-3060 Wi-Fi", "Home&Kitchen|Cables&Accessories",
		"Cable for Smartphones, Tablets - works with Alexa", "Café ÉCRAN Straße",
		"-a-", "--", "PCs", "x-", "ÀÀ-ÀÀ", "a\xffb", "mice men women knives",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 1<<12 {
			t.Skip("long inputs make minimising slow and find nothing new")
		}
		for _, term := range Terms(text, nil) {
			if term == "" || !utf8.ValidString(term) {
				t.Fatalf("bad term %q from %q", term, text)
			}
			if stopWord([]byte(term)) {
				t.Fatalf("stop word %q from %q", term, text)
			}
			for _, r := range term {
				if unicode.ToLower(r) != r {
					t.Fatalf("term %q from %q not lowercase", term, text)
				}
			}
		}
		var a analyzer
		a.run(text, true)
		for _, tk := range a.toks {
			if tk.w != fullWeight && tk.w != accessoryWeight {
				t.Fatalf("weight %v", tk.w)
			}
		}
		x := New([]string{"t"})
		x.Set(0, map[string]any{"t": text})
		q := x.Prepare(text)
		if s := x.Score(q, "t", 0); s < 0 || s > 1 || q.empty() != (s == 0) {
			t.Fatalf("%q scores itself %v (empty query %v)", text, s, q.empty())
		}
		for _, w := range x.Matched(q, 0) {
			if w != strings.ToLower(w) && !strings.Contains(strings.ToLower(text), w) {
				t.Fatalf("matched word %q not from %q", w, text)
			}
		}
	})
}

// FuzzIndex applies a byte-coded sequence of Set and Delete to an index
// and to a reference of which row each slot holds, then checks that the
// index equals a fresh one built from the reference.
func FuzzIndex(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 0x80, 1, 4, 0x81})
	f.Add([]byte{5, 5, 5, 0x85, 5, 0x85, 0x85})
	rows := []string{
		"usb cable for phone", "red phone case", "usb charger, red", "lamp",
		"Phone-Lamp USBCable", "", "cable cable cable", "green lamp for desk",
	}
	f.Fuzz(func(t *testing.T, ops []byte) {
		x := New([]string{"a", "b"})
		held := map[uint32]int{}
		for i, op := range ops {
			slot := uint32(op & 0x0f)
			if op&0x80 != 0 {
				x.Delete(slot)
				delete(held, slot)
				continue
			}
			r := (int(op>>4) + i) % len(rows)
			x.Set(slot, map[string]any{"a": rows[r], "b": rows[(r+1)%len(rows)]})
			held[slot] = r
		}
		want := New([]string{"a", "b"})
		for slot, r := range held {
			want.Set(slot, map[string]any{"a": rows[r], "b": rows[(r+1)%len(rows)]})
		}
		if x.Len() != want.Len() {
			t.Fatalf("Len %d, want %d", x.Len(), want.Len())
		}
		for _, text := range []string{"usb cable", "phone", "red lamp", "usbcable", "desk"} {
			q := x.Prepare(text)
			for _, fld := range []string{"a", "b"} {
				got, exp := x.Top(q, fld, 100, nil), want.Top(q, fld, 100, nil)
				if len(got) != len(exp) {
					t.Fatalf("%q in %s: %v, want %v", text, fld, got, exp)
				}
				for i := range got {
					if got[i] != exp[i] {
						t.Fatalf("%q in %s: %v, want %v", text, fld, got, exp)
					}
				}
			}
		}
		for fi := range x.fields {
			f := &x.fields[fi]
			for slot, fw := range f.fwd {
				for _, e := range fw {
					if p := f.post[e.term][e.pos]; p.slot != f.lead[slot] {
						t.Fatalf("slot %d: posting %v", slot, p)
					}
				}
			}
		}
	})
}
