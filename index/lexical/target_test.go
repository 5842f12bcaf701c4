package lexical

import "testing"

// An accessory title names its own thing before its first connector and
// its target after it; OnlyTarget finds the titles that hold the query's
// head only as that target.
func TestOnlyTarget(t *testing.T) {
	for _, c := range []struct {
		query, title string
		want         bool
	}{
		// The case names the remote as its target; the later "Remote
		// Cover Case" does not make it a remote.
		{"tv remote", "Smashtronics® - Case for Firetv Remote, Fire Stick Remote Cover Case, Silicone Cover for TV", true},
		// A remote before its connector is a remote.
		{"tv remote", "LOHAYA Remote Compatible for Mi Smart LED TV 4A Remote Control", false},
		{"tv remote", "Universal Remote Control for All Sony TV for All LCD LED and Bravia TVs Remote", false},
		// A lone "compatible" is not a connector.
		{"tv remote", "7SEVEN® Compatible Tata Sky Remote Control Replacement for Set Top Box", false},
		{"tv remote", "Sony TV - Remote Compatible with Sony LED TV", false},
		// "works with", "compatible with" and "fits" are connectors.
		{"tv remote", "Silicone Sleeve Works with Fire TV Remote", true},
		{"tv remote", "Silicone Sleeve compatible with Fire TV Remote", true},
		{"tv remote", "Silicone Sleeve fits Fire TV Remote", true},
		// The target phrase ends at a comma: the shoes come after it.
		{"running shoes", "Asian Revolution 6 for Men, Running Shoes, Black", false},
		{"running shoes", "Flat Laces for Running Shoes, 120 cm", true},
		// One-word queries: the word is the head.
		{"smartphone", "USB Cable for Smartphone, 1 m", true},
		{"smartphone", "Redmi 10A Smartphone (Slate Grey)", false},
		// A modifier as the target does not make an accessory: an
		// "iphone cable" is a cable for an iPhone.
		{"iphone cable", "Lightning Cable for iPhone 13, 1 m", false},
		// No connector, or no lead before it: nothing to judge.
		{"tv remote", "Tata Sky Digital TV HD Setup Box Remote", false},
		{"iphone case", "For iPhone 13 Case, Clear", false},
		// A multi-part head matches joined or whole.
		{"usb wi-fi", "Antenna for WiFi Adapter, USB", true},
		{"usb wi-fi", "Antenna for Wi-Fi Router", true},
		{"usb wi-fi", "TP-Link USB Wi-Fi Adapter for PC", false},
		// No head at all.
		{"", "Case for Firetv Remote", false},
		{"for remote", "Case for Firetv Remote", false},
	} {
		if got := NewTargetTest(c.query).OnlyTarget(c.title); got != c.want {
			t.Errorf("%q: OnlyTarget(%q) = %v, want %v", c.query, c.title, got, c.want)
		}
	}
}

// The head word of a query counts as held only outside the field's
// accessory phrases; the other words count wherever they are.
func TestHeldCoreHeadOutright(t *testing.T) {
	x := New([]string{"title"})
	x.Set(0, map[string]any{"title": "Electric Milk Wand Mixer Frother for Latte Coffee, Egg Beater, Hand Blender"})
	x.Set(1, map[string]any{"title": "Orpat 250-Watt Hand Blender (White)"})
	x.Set(2, map[string]any{"title": "Braided Lightning Cable for iPhone 13"})
	x.Set(3, map[string]any{"title": "Lint Shaver for Sweaters, Lint Remover, Fuzz Remover"})
	x.Set(4, map[string]any{"title": "USB Cable for Smartphone"})
	for _, c := range []struct {
		query string
		slot  uint32
		want  int
	}{
		{"hand blender", 0, 1}, // hand, not the head blender
		{"hand blender", 1, 2},
		{"iphone cable", 2, 2}, // the modifier may be the target
		{"lint remover", 3, 2}, // two damped occurrences count as one outright
		{"smartphone", 4, 0},   // a one-word query's word is its head
		{"cable", 4, 1},
	} {
		if got := x.HeldCore(x.Prepare(c.query), c.slot, "title"); got != c.want {
			t.Errorf("HeldCore(%q, %d) = %d, want %d", c.query, c.slot, got, c.want)
		}
	}
}

func BenchmarkOnlyTarget(b *testing.B) {
	tt := NewTargetTest("tv remote")
	title := "Smashtronics® - Case for Firetv Remote, Fire Stick Remote Cover Case, Silicone Cover for TV Firestick 4K/TV 2nd Gen(3rd Gen) Remote Control - Light Weight/Anti Slip/Shockproof (Black)"
	b.ReportAllocs()
	for b.Loop() {
		tt.OnlyTarget(title)
	}
}

// OnlyTarget reads only a title's first clauses (connectorSegment); its
// verdict must be the one a reading of the whole title gives, and nothing
// may panic.
func FuzzOnlyTarget(f *testing.F) {
	for _, s := range []string{
		"Smashtronics® - Case for Firetv Remote, Fire Stick Remote Cover Case",
		"Earbuds with Mic, Case for TV Remote", "Ready-for-use Remote, Case for TV Remote",
		"Sleeve compatible with TV Remote", "FOR tv remote", "remote for", "for", "x fits",
		"Case–for TV Remote", "Café-for TV remote, case for remote", "a\xffb for remote",
		"Remote Cover.for TV remote", "Gen(3rd Gen) for Remote",
	} {
		f.Add(s)
	}
	tests := []*TargetTest{NewTargetTest("tv remote"), NewTargetTest("remote"), NewTargetTest("usb wi-fi"), NewTargetTest("iphone13 case")}
	f.Fuzz(func(t *testing.T, title string) {
		if len(title) > 1<<12 {
			t.Skip("long inputs make minimising slow and find nothing new")
		}
		var a analyzer
		a.run(title, false)
		for _, tt := range tests {
			if got, want := tt.OnlyTarget(title), tt.ok && tt.judge(&a); got != want {
				t.Fatalf("OnlyTarget(%q) = %v, reading the whole title gives %v", title, got, want)
			}
		}
	})
}

// One TargetTest serves every search of a query at once: its analyzers are
// pooled, never shared (run with -race).
func TestOnlyTargetConcurrent(t *testing.T) {
	tt := NewTargetTest("tv remote")
	titles := []string{
		"Smashtronics® - Case for Firetv Remote, Fire Stick Remote Cover Case",
		"LOHAYA Remote Compatible for Mi Smart LED TV 4A Remote Control",
		"Silicone Sleeve Works with Fire TV Remote",
		"Tata Sky Digital TV HD Setup Box Remote",
	}
	want := make([]bool, len(titles))
	for i, s := range titles {
		want[i] = tt.OnlyTarget(s)
	}
	errs := make(chan string, 8)
	for g := range 8 {
		go func() {
			for i := range 200 {
				k := (g + i) % len(titles)
				if got := tt.OnlyTarget(titles[k]); got != want[k] {
					errs <- titles[k]
					return
				}
			}
			errs <- ""
		}()
	}
	for range 8 {
		if s := <-errs; s != "" {
			t.Errorf("OnlyTarget(%q) changed under concurrent use", s)
		}
	}
}
