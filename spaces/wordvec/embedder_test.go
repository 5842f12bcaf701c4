package wordvec

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/tessera-search/tessera/spaces"
)

var _ spaces.Embedder = (*Embedder)(nil)

func defaultEmbedder(t testing.TB) *Embedder {
	t.Helper()
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func cosine(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return d / math.Sqrt(na*nb)
}

func sim(t *testing.T, e *Embedder, a, b string) float64 {
	t.Helper()
	v, err := e.Embed(context.Background(), []string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	return cosine(v[0], v[1])
}

func TestSimilarity(t *testing.T) {
	e := defaultEmbedder(t)
	cases := []struct{ a, near, far string }{
		{"running shoes", "sneakers for jogging", "cast iron skillet"},
		{"bluetooth earphones", "wireless headphones", "stainless steel pressure cooker"},
		{"mixer grinder", "kitchen blender for smoothies", "smartphone screen protector"},
		{"laptop bag", "notebook computer backpack", "ceiling fan"},
		{"electric kettle", "boil water for tea", "hdmi cable"},
	}
	for _, c := range cases {
		near, far := sim(t, e, c.a, c.near), sim(t, e, c.a, c.far)
		t.Logf("%q: %q %.3f, %q %.3f", c.a, c.near, near, c.far, far)
		if near < far+0.15 {
			t.Errorf("%q: sim to %q = %.3f, want ≥ sim to %q (%.3f) + 0.15", c.a, c.near, near, c.far, far)
		}
	}
	if s := sim(t, e, "running shoes", "sneakers for jogging"); s < 0.6 {
		t.Errorf("sim(running shoes, sneakers for jogging) = %.3f, want ≥ 0.6", s)
	}
}

func TestNormalisedAndEmpty(t *testing.T) {
	e := defaultEmbedder(t)
	texts := []string{"", "usb c charging cable", "   ...  -- ", "Zxqvbnmkk 9000", "3.5mm", "the", "ÜBER café 東京"}
	vs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != len(texts) {
		t.Fatalf("got %d vectors for %d texts", len(vs), len(texts))
	}
	for i, v := range vs {
		if len(v) != e.Dim() {
			t.Fatalf("%q: len %d, want %d", texts[i], len(v), e.Dim())
		}
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		empty := texts[i] == "" || texts[i] == "   ...  -- "
		switch {
		case empty && n != 0:
			t.Errorf("%q: norm² %g, want the zero vector", texts[i], n)
		case !empty && math.Abs(n-1) > 1e-5:
			t.Errorf("%q: norm² %g, want 1", texts[i], n)
		}
	}
	// An out-of-vocabulary word still gets a vector (from its trigrams)
	// that matches itself in other text.
	if s := sim(t, e, "Zxqvbnmkk", "zxqvbnmkk adapter"); s < 0.2 {
		t.Errorf("unknown word matched itself at %.3f, want ≥ 0.2", s)
	}
}

func TestDeterministicAndConcurrent(t *testing.T) {
	e := defaultEmbedder(t)
	texts := []string{"boAt Rockerz 255 Pro+ Bluetooth Neckband", "Prestige 750W mixer grinder", "usb-c 3.5mm adapter"}
	want, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh model (new hash seed) and concurrent callers give the same
	// bits: vectors stored in an index stay valid across restarts.
	m, err := parseModel(glove)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := newEmbedder(m, defaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			emb := e
			if g%2 == 1 {
				emb = fresh
			}
			for range 50 {
				got, err := emb.Embed(context.Background(), texts)
				if err != nil {
					t.Error(err)
					return
				}
				for i := range got {
					if !slices.Equal(got[i], want[i]) {
						t.Errorf("goroutine %d: %q differs between calls", g, texts[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
	one := make([]float32, e.Dim())
	e.embedOne(texts[0], one)
	if !slices.Equal(one, want[0]) {
		t.Error("EmbedOne differs from Embed")
	}
}

func TestCaseAndPunctuationInsensitive(t *testing.T) {
	e := defaultEmbedder(t)
	if s := sim(t, e, "USB-C Charging Cable!", "usb c charging cable"); s < 0.999 {
		t.Errorf("case/punctuation changed the vector: sim %.4f", s)
	}
}

func TestEmbedCancelled(t *testing.T) {
	e := defaultEmbedder(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Embed(ctx, []string{"a"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestName(t *testing.T) {
	e := defaultEmbedder(t)
	const want = "glove-6b-100d-150k-sif-a0.001-tri128x0.15-oov1-num0.5-v1"
	if e.Name() != want || e.Dim() != 228 {
		t.Errorf("Name %q Dim %d, want %q 228", e.Name(), e.Dim(), want)
	}
}

func TestBadModel(t *testing.T) {
	for _, blob := range []string{"", "version https://git-lfs…", glove[:len(glove)-1], glove[:5000]} {
		if _, err := parseModel(blob); err == nil {
			t.Errorf("parseModel(%d bytes): no error", len(blob))
		}
	}
	m, err := parseModel(glove)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newEmbedder(m, config{a: 1e-3, triDims: 48, triShare: 0.2}); err == nil {
		t.Error("trigram dims 48 accepted")
	}
}

func TestLookup(t *testing.T) {
	e := defaultEmbedder(t)
	for _, w := range []string{"the", "usb", "wi-fi", "bluetooth", "earbuds", "t-shirt", e.m.word(len(e.m.off) - 1)} {
		i := e.m.lookup([]byte(w))
		if i < 0 || e.m.word(i) != w {
			t.Errorf("lookup(%q) = %d", w, i)
		}
	}
	for _, w := range []string{"", "usb-c", "zzzzqqq", "The"} {
		if i := e.m.lookup([]byte(w)); i >= 0 {
			t.Errorf("lookup(%q) = %d (%q), want -1", w, i, e.m.word(i))
		}
	}
	if e.m.rank[0] != 0 || e.m.word(0) != "the" {
		t.Errorf("word 0 = %q rank %d, want the/0", e.m.word(0), e.m.rank[0])
	}
}
