package lexical

import (
	"bufio"
	"bytes"
	"cmp"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// bruteTop is the k best slots by Score over every slot, the reference
// Top and topAll must equal bit for bit whatever twins share postings.
func bruteTop(x *Index, q *Query, field string, k int, allow func(uint32) bool) []Hit {
	var all []Hit
	for s, live := range x.live {
		if !live || allow != nil && !allow(uint32(s)) {
			continue
		}
		if sc := x.Score(q, field, uint32(s)); sc > 0 {
			all = append(all, Hit{uint32(s), sc})
		}
	}
	slices.SortFunc(all, byRank)
	return all[:min(k, len(all))]
}

// TestTwinsScoreAndRankAsSlots sets few texts on many slots at random,
// deletes and sets slots again (lower slots joining a text, leads leaving
// it), and checks after each round that Top, topAll and a reload return
// exactly the per-slot reference, and that every score equals that of an
// index built afresh from the slots' current texts with no twins
// (document frequencies and lengths count every slot).
func TestTwinsScoreAndRankAsSlots(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	vocab := strings.Fields("usb cable charger fast wireless mouse keyboard led tv remote case cover for black steel bottle")
	texts := make([]string, 12)
	for i := range texts {
		words := make([]string, 1+rng.IntN(5))
		for j := range words {
			words[j] = vocab[rng.IntN(len(vocab))]
		}
		texts[i] = strings.Join(words, " ")
	}
	const slots = 600
	x := New([]string{"title"})
	held := make(map[uint32]string)
	set := func(s uint32) {
		text := texts[rng.IntN(len(texts))]
		x.Set(s, map[string]any{"title": text})
		held[s] = text
	}
	for s := range uint32(slots) {
		set(s)
	}
	allows := []func(uint32) bool{nil, func(s uint32) bool { return s%3 == 1 }, func(s uint32) bool { return s%101 == 7 }}
	for round := range 8 {
		for range 150 {
			s := uint32(rng.IntN(slots + 50))
			if rng.IntN(3) == 0 {
				x.Delete(s)
				delete(held, s)
			} else {
				set(s)
			}
		}
		fresh := New([]string{"title"})
		fresh.fields[0].untwinned = true
		for s, text := range held {
			fresh.Set(s, map[string]any{"title": text})
		}
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		if err := x.WriteTo(w); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		loaded := New([]string{"title"})
		if err := loaded.ReadFrom(bufio.NewReader(&buf)); err != nil {
			t.Fatal(err)
		}
		for qi := range 20 {
			q := x.Prepare(vocab[rng.IntN(len(vocab))] + " " + vocab[rng.IntN(len(vocab))])
			for s := range held {
				if got, want := x.Score(q, "title", s), fresh.Score(q, "title", s); got != want {
					t.Fatalf("round %d: slot %d scores %v, afresh %v", round, s, got, want)
				}
			}
			for ai, allow := range allows {
				for _, k := range []int{1, 5, 40, 1000} {
					want := bruteTop(x, q, "title", k, allow)
					if got := x.topAll(q, "title", k, allow); !slices.Equal(got, want) {
						t.Fatalf("round %d query %d allow %d k %d: topAll\n got  %v\n want %v", round, qi, ai, k, got, want)
					}
					for _, giveUp := range []bool{false, true} {
						if got, _ := x.top(q, "title", k, allow, giveUp); !slices.Equal(got, want) {
							t.Fatalf("round %d query %d allow %d k %d: top\n got  %v\n want %v", round, qi, ai, k, got, want)
						}
					}
					if got := loaded.topAll(q, "title", k, allow); !slices.Equal(got, want) {
						t.Fatalf("round %d query %d allow %d k %d: reloaded\n got  %v\n want %v", round, qi, ai, k, got, want)
					}
				}
			}
		}
		checkTwins(t, x)
		checkTwins(t, loaded)
	}
}

// checkTwins fails t unless every posting is a lead's and every slot's
// text is held once, under the lowest slot holding it.
func checkTwins(t *testing.T, x *Index) {
	t.Helper()
	f := &x.fields[0]
	leads := make(map[uint32]bool)
	for _, post := range f.post {
		for _, p := range post {
			if f.lead[p.slot] != p.slot {
				t.Fatalf("posting of slot %d, led by %d", p.slot, f.lead[p.slot])
			}
			leads[p.slot] = true
		}
	}
	for s, fw := range f.fwd {
		if fw == nil {
			continue
		}
		l := f.lead[s]
		if !leads[l] && len(fw) > 0 {
			t.Fatalf("slot %d led by %d, which has no postings", s, l)
		}
		if l > uint32(s) {
			t.Fatalf("slot %d led by higher slot %d", s, l)
		}
		if ms := f.twins[l]; l != uint32(s) && !slices.Contains(ms, uint32(s)) {
			t.Fatalf("slot %d not among its lead %d's twins %v", s, l, ms)
		}
	}
	for l, ms := range f.twins {
		if len(ms) < 2 || ms[0] != l || !slices.IsSortedFunc(ms, cmp.Compare[uint32]) {
			t.Fatalf("lead %d's twins %v", l, ms)
		}
	}
}

// TestTwinsSharePostings checks that copies of a text add no postings:
// the point of twins, measured by BenchmarkTopDemoCopies.
func TestTwinsSharePostings(t *testing.T) {
	x := New([]string{"title"})
	for s := range uint32(1000) {
		x.Set(s, map[string]any{"title": []string{"usb cable", "wireless mouse"}[s%2]})
	}
	f := &x.fields[0]
	for term, post := range f.post {
		if len(post) != 1 {
			t.Fatalf("term %d: %d postings for 2 texts", term, len(post))
		}
		if f.df[term] != 500 {
			t.Fatalf("term %d: df %d, want 500", term, f.df[term])
		}
	}
	q := x.Prepare("cable")
	hits := x.Top(q, "title", 3, func(s uint32) bool { return s > 100 })
	if want := []uint32{102, 104, 106}; len(hits) != 3 || hits[0].Slot != want[0] || hits[1].Slot != want[1] || hits[2].Slot != want[2] {
		t.Fatalf("hits %v, want slots %v", hits, want)
	}
}
