package lexical

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tessera-search/tessera/internal/datasets"
)

// duplicated builds a title index shaped like the 1M-row scale set: base
// titles each copied many times. Copies are placed as a bulk load places
// them (copy after copy, postings in slot order) unless shuffled: then at
// shuffled slots, and a share of them deleted and set again (Delete moves
// postings, so no list is in slot order). It returns the index and the
// words its titles use.
func duplicated(t testing.TB, bases, copies int, shuffled bool, seed uint64) (*Index, []string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	vocab := []string{
		"usb", "cable", "charger", "fast", "type-c", "wi-fi", "iPhone13", "case", "cover", "leather",
		"denim", "wireless", "mouse", "keyboard", "bluetooth", "speaker", "led", "tv", "43", "inch",
		"power", "bank", "10000mAh", "black", "blue", "men's", "women's", "shoes", "running", "steel",
		"bottle", "kitchen", "knife", "set", "tempered", "glass", "screen", "guard", "for", "laptop",
	}
	titles := make([]string, bases)
	for i := range titles {
		n := 1 + rng.IntN(9)
		words := make([]string, n)
		for j := range words {
			words[j] = vocab[rng.IntN(len(vocab))]
		}
		titles[i] = strings.Join(words, " ")
	}
	x := New([]string{"title"})
	slots := rng.Perm(bases * copies)
	if !shuffled {
		for i := range slots {
			x.Set(uint32(i), map[string]any{"title": titles[i%bases]})
		}
		return x, vocab
	}
	for i, s := range slots {
		x.Set(uint32(s), map[string]any{"title": titles[i%bases]})
	}
	for _, s := range slots[:len(slots)/5] {
		x.Delete(uint32(s))
	}
	for i, s := range slots[:len(slots)/5] {
		if i%3 != 0 { // the rest stay deleted
			x.Set(uint32(s), map[string]any{"title": titles[(i+1)%bases]})
		}
	}
	return x, vocab
}

// randomQueries draws n queries of one to five words from vocab.
func randomQueries(rng *rand.Rand, vocab []string, n int) []string {
	out := make([]string, n)
	for i := range out {
		words := make([]string, 1+rng.IntN(5))
		for j := range words {
			words[j] = vocab[rng.IntN(len(vocab))]
		}
		out[i] = strings.Join(words, " ")
	}
	return out
}

// checkSameTop fails t where the pruned and the exhaustive top-k differ in
// any slot or score bit, for several k and with and without a filter.
func checkSameTop(t *testing.T, x *Index, field string, queries []string) {
	t.Helper()
	allows := map[string]func(uint32) bool{
		"all":       nil,
		"one in 3":  func(s uint32) bool { return s%3 == 0 },
		"one in 97": func(s uint32) bool { return s%97 == 5 },
	}
	for _, text := range queries {
		q := x.Prepare(text)
		for name, allow := range allows {
			for _, k := range []int{1, 3, 10, 50, 400} {
				want := x.topAll(q, field, k, allow)
				for _, giveUp := range []bool{false, true} {
					if got, _ := x.top(q, field, k, allow, giveUp); !slices.Equal(got, want) {
						t.Fatalf("pruned top(%q, k %d, %s, give up %v) differs from the exhaustive top-k:\n got  %v\n want %v", text, k, name, giveUp, got, want)
					}
				}
			}
		}
	}
}

func TestTopMatchesExhaustiveOnDuplicates(t *testing.T) {
	for _, shuffled := range []bool{false, true} {
		x, vocab := duplicated(t, 60, 150, shuffled, 1)
		queries := randomQueries(rand.New(rand.NewPCG(2, 3)), vocab, 300)
		queries = append(queries, "usb cable for laptop", "iphone 13 case", "wifi", "wi fi speaker", "xyzzy", "")
		checkSameTop(t, x, "title", queries)
	}
}

func TestTopMatchesExhaustiveOnAmazonTitles(t *testing.T) {
	ps := products(t)
	x := New([]string{"title", "category"}, "category")
	// Three copies of each row, interleaved, so that ties between copies
	// are resolved by slot as on the replicated sets.
	for c := range 3 {
		for i, p := range ps {
			x.Set(uint32(c*len(ps)+i), map[string]any{"title": p.title, "category": p.category})
		}
	}
	rng := rand.New(rand.NewPCG(4, 5))
	var queries []string
	for range 150 {
		words := strings.Fields(ps[rng.IntN(len(ps))].title)
		lo := rng.IntN(len(words))
		hi := min(len(words), lo+1+rng.IntN(4))
		queries = append(queries, strings.Join(words[lo:hi], " "))
	}
	queries = append(queries, "usb type-c cable", "boAt earbuds", "iPhone13 tempered glass", "led tv 43 inch", "case for iphone")
	checkSameTop(t, x, "title", queries)
	checkSameTop(t, x, "category", []string{"phones", "smartphones", "kitchen knife", "cases & covers"})
}

// TestTopPrunes checks that on a duplicate-heavy index Top reads a small
// share of the postings the exhaustive top-k reads, for a query whose
// rarest word settles the top 10.
func TestTopPrunes(t *testing.T) {
	x := New([]string{"title"})
	slot := uint32(0)
	for range 1000 {
		for _, title := range []string{"harrow denim leather jacket", "denim jeans", "leather belt", "leather shoes"} {
			x.Set(slot, map[string]any{"title": title})
			slot++
		}
	}
	q := x.Prepare("harrow leather jacket")
	got, work := x.top(q, "title", 10, nil, false)
	if want := x.topAll(q, "title", 10, nil); !slices.Equal(got, want) {
		t.Fatalf("Top = %v, want %v", got, want)
	}
	total := 3000 + 1000 + 1000 // leather, harrow, jacket
	if work.read > total/3 || work.scored > 10 {
		t.Fatalf("Top read %d of the %d postings and scored %d slots in full; pruning should stop after the rarest word's, and the copies tie at their bounds", work.read, total, work.scored)
	}
}

// BenchmarkTopDuplicates compares the pruned top-k with the exhaustive one
// (k 50, as the ranking's candidate pool) on 40 titles of random words
// from a 40-word vocabulary, copied 2,500 times each (100k slots) in
// bulk-load order and shuffled with deletes, and 25,000 times (1M slots)
// in bulk-load order: pruning's hard case, where the best rows lack some
// of the query's words and every word is in an eighth of the rows.
func BenchmarkTopDuplicates(b *testing.B) {
	for _, c := range []struct {
		copies   int
		shuffled bool
	}{{2500, false}, {2500, true}, {25000, false}} {
		shuffled := c.shuffled
		x, vocab := duplicated(b, 40, c.copies, shuffled, 11)
		queries := randomQueries(rand.New(rand.NewPCG(12, 13)), vocab, 64)
		qs := make([]*Query, len(queries))
		for i, text := range queries {
			qs[i] = x.Prepare(text)
		}
		layout := map[bool]string{false: "bulk", true: "shuffled"}[shuffled]
		for _, run := range []struct {
			name string
			top  func(*Query, string, int, func(uint32) bool) []Hit
		}{{"pruned", x.topPruned}, {"exhaustive", x.topAll}} {
			b.Run(fmt.Sprintf("rows=%d/%s/%s", 40*c.copies, layout, run.name), func(b *testing.B) {
				b.ReportAllocs()
				start := cpuTime()
				for i := 0; b.Loop(); i++ {
					run.top(qs[i%len(qs)], "title", 50, nil)
				}
				reportCPU(b, start)
			})
		}
	}
}

// TestTopTiesAcrossWords: slots matching only a word Top scans later can
// tie with the k-th best held and win by their lower slot, so Top goes on
// scanning while the words left could reach a tie, not only a better score.
func TestTopTiesAcrossWords(t *testing.T) {
	x := New([]string{"title"})
	for i := range 40 {
		x.Set(uint32(i), map[string]any{"title": "blue"})     // scanned last, lowest slots
		x.Set(uint32(100+i), map[string]any{"title": "red"})  // as heavy, scanned before
		x.Set(uint32(200+i), map[string]any{"title": "case"}) // the head word, scanned first
		// Long titles raise the mean length, so that the one-word titles
		// saturate at exactly 1 and red and blue tie.
		x.Set(uint32(300+i), map[string]any{"title": "a long title of many other words"})
	}
	q := x.Prepare("red blue case")
	got, _ := x.top(q, "title", 50, nil, false)
	want := x.topAll(q, "title", 50, nil)
	if !slices.Equal(got, want) || got[40].Slot != 0 || got[40].Score != got[49].Score {
		t.Fatalf("Top = %v,\nwant %v (the case slots, then blue ones tying with red by lower slot)", got, want)
	}
}

// BenchmarkTopDemoCopies runs the scale benchmark's text queries (a
// title's first two to four words) on the demo catalogue copied 300 times
// in bulk-load order (92,700 slots), seeking the title and label fields
// with k 50 as the ranking does, pruned and exhaustive. It reports the
// postings read, the slot lengths read (cache misses at 1M rows) and the
// slots scored in full per query.
func BenchmarkTopDemoCopies(b *testing.B) {
	for _, copies := range []int{300, 1000, 3236} {
		b.Run(fmt.Sprintf("rows=%d", copies*309), func(b *testing.B) { benchTopDemoCopies(b, copies) })
	}
}

func benchTopDemoCopies(b *testing.B, copies int) {
	rows, err := csv.NewReader(bytes.NewReader(datasets.DemoCatalogue())).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	x := New([]string{"title", "labels"}, "labels")
	slot := uint32(0)
	for range copies {
		for _, r := range rows[1:] { // id,title,description,category,brand,…
			x.Set(slot, map[string]any{"title": r[1], "labels": []string{r[3], r[4]}})
			slot++
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	qs := make([]*Query, 64)
	for i := range qs {
		words := strings.Fields(rows[1+rng.IntN(len(rows)-1)][1])
		qs[i] = x.Prepare(strings.Join(words[:min(len(words), 2+rng.IntN(3))], " "))
	}
	for _, run := range []struct {
		name string
		top  func(*Query, string, int, func(uint32) bool) []Hit
	}{{"pruned", x.topPruned}, {"exhaustive", x.topAll}} {
		b.Run(run.name, func(b *testing.B) {
			start := cpuTime()
			for i := 0; b.Loop(); i++ {
				for _, f := range []string{"title", "labels"} {
					run.top(qs[i%len(qs)], f, 50, nil)
				}
			}
			reportCPU(b, start)
			if run.name == "pruned" {
				var work topWork
				for _, q := range qs {
					for _, f := range []string{"title", "labels"} {
						_, w := x.top(q, f, 50, nil, true)
						work.read += w.read
						work.lengths += w.lengths
						work.scored += w.scored
					}
				}
				b.ReportMetric(float64(work.read)/float64(len(qs)), "postings/query")
				b.ReportMetric(float64(work.lengths)/float64(len(qs)), "lengths/query")
				b.ReportMetric(float64(work.scored)/float64(len(qs)), "scored/query")
			}
		})
	}
}

// topPruned is Top whatever the field's size: pruned, giving up as Top
// does.
func (x *Index) topPruned(q *Query, field string, k int, allow func(uint32) bool) []Hit {
	out, _ := x.top(q, field, k, allow, true)
	return out
}
