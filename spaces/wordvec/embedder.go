package wordvec

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"sync"
)

// config fixes every choice that changes the vectors; name encodes it.
type config struct {
	a         float64 // SIF smoothing: weight = a / (a + p(w))
	triDims   int     // hashed trigram dimensions, a power of two; 0 = none
	triShare  float64 // share of the squared norm given to the trigram block
	oovWeight float32 // trigram weight of a word without a vector
	numWeight float32 // trigram weight of a word that is all digits
	unitWords bool    // average unit-length word vectors instead of raw GloVe ones
}

// defaultConfig is what Default uses; the numbers come from the
// relevance comparison in relevance_test.go (see NOTICE.md for sources).
var defaultConfig = config{
	a:         1e-3,
	triDims:   128,
	triShare:  0.15,
	oovWeight: 1,
	numWeight: 0.5,
}

func (c config) name(m *model) string {
	n := fmt.Sprintf("glove-6b-100d-%dk-sif-a%g", len(m.off)/1000, c.a)
	if c.unitWords {
		n += "-unit"
	}
	if c.triDims > 0 {
		n += fmt.Sprintf("-tri%dx%g-oov%g-num%g", c.triDims, c.triShare, c.oovWeight, c.numWeight)
	}
	return n + "-v1"
}

// Embedder encodes text as the SIF-weighted mean of GloVe word vectors
// (Arora, Liang, Ma 2017), optionally followed by a small block of hashed
// character trigrams that lets brand names, model numbers and other
// out-of-vocabulary words match lexically. It is safe for concurrent use.
type Embedder struct {
	m       *model
	cfg     config
	name    string
	dim     int
	wdim    int
	weight  []float32 // per word: SIF weight (× 1/‖v‖ when unitWords)
	sif     []float32 // per word: SIF weight, for the trigram block
	triShft uint
	wScale  float32 // √(1−triShare)
	tScale  float32 // √triShare
	scratch sync.Pool
}

type scratch struct {
	tok tokens
	acc []float32
}

func newEmbedder(m *model, cfg config) (*Embedder, error) {
	if cfg.triDims < 0 || (cfg.triDims > 0 && cfg.triDims&(cfg.triDims-1) != 0) || cfg.triDims > 1<<16 {
		return nil, fmt.Errorf("wordvec: trigram dims %d: want 0 or a power of two ≤ 65536", cfg.triDims)
	}
	if cfg.triShare < 0 || cfg.triShare >= 1 || (cfg.triDims == 0 && cfg.triShare != 0) {
		return nil, fmt.Errorf("wordvec: trigram share %g: want [0,1), 0 without trigrams", cfg.triShare)
	}
	e := &Embedder{
		m:      m,
		cfg:    cfg,
		name:   cfg.name(m),
		wdim:   m.dim,
		dim:    m.dim + cfg.triDims,
		weight: make([]float32, len(m.off)),
		sif:    make([]float32, len(m.off)),
		wScale: float32(math.Sqrt(1 - cfg.triShare)),
		tScale: float32(math.Sqrt(cfg.triShare)),
	}
	if cfg.triDims > 0 {
		e.triShft = uint(32 - bits.TrailingZeros(uint(cfg.triDims)))
	}
	// p(w) from Zipf's law over the frequency rank r (0-based) of a
	// vocabulary of V words: p = 1 / ((r+1) · H_V), H_V ≈ ln V + γ. The
	// GloVe vocabulary is sorted by corpus frequency, so rank is all the
	// file needs to carry.
	const vocab = 341479 // words in the source list the ranks index
	h := math.Log(vocab) + 0.5772156649
	for i, r := range m.rank {
		p := 1 / (float64(r+1) * h)
		w := cfg.a / (cfg.a + p)
		e.sif[i] = float32(w)
		if cfg.unitWords {
			w /= m.norm(i)
		}
		e.weight[i] = float32(w)
	}
	e.scratch.New = func() any { return &scratch{acc: make([]float32, e.dim)} }
	return e, nil
}

// Name identifies the model and every setting that shapes its vectors.
func (e *Embedder) Name() string { return e.name }

// Dim is 100 GloVe dimensions plus the trigram block.
func (e *Embedder) Dim() int { return e.dim }

// Embed returns one L2-normalised vector per text, the zero vector for a
// text without words. All vectors share one backing array.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	flat := make([]float32, len(texts)*e.dim)
	s := e.scratch.Get().(*scratch)
	defer e.scratch.Put(s)
	for i, t := range texts {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("wordvec: embed: %w", err)
			}
		}
		out[i] = flat[i*e.dim : (i+1)*e.dim : (i+1)*e.dim]
		e.embed(s, t, out[i])
	}
	return out, nil
}

// embedOne encodes one text into dst (len Dim) without allocating.
func (e *Embedder) embedOne(text string, dst []float32) {
	s := e.scratch.Get().(*scratch)
	e.embed(s, text, dst[:e.dim])
	e.scratch.Put(s)
}

func (e *Embedder) embed(s *scratch, text string, dst []float32) {
	clear(dst)
	s.tok.scan(text)
	if len(s.tok.groups) == 0 {
		return
	}
	wacc, tacc := dst[:e.wdim], dst[e.wdim:]
	m := e.m
	for _, g := range s.tok.groups {
		if g.count > 1 {
			if i := m.lookup(s.tok.buf[g.text.lo:g.text.hi]); i >= 0 {
				m.addTo(wacc, i, e.weight[i])
				if len(tacc) > 0 {
					for _, p := range s.tok.parts[g.first : g.first+g.count] {
						addTrigrams(tacc, s.tok.buf[p.lo:p.hi], e.sif[i], e.triShft)
					}
				}
				continue
			}
		}
		for _, p := range s.tok.parts[g.first : g.first+g.count] {
			w := s.tok.buf[p.lo:p.hi]
			tw := e.cfg.oovWeight
			if i := m.lookup(w); i >= 0 {
				m.addTo(wacc, i, e.weight[i])
				tw = e.sif[i]
			} else if mixed, digits := shape(w); mixed {
				e.addLetterRuns(wacc, w)
			} else if digits {
				tw = e.cfg.numWeight
			}
			if len(tacc) > 0 {
				addTrigrams(tacc, w, tw, e.triShft)
			}
		}
	}
	m.finish(wacc)
	wn, tn := norm(wacc), norm(tacc)
	switch {
	case wn > 0 && tn > 0:
		scaleBy(wacc, e.wScale/wn)
		scaleBy(tacc, e.tScale/tn)
	case wn > 0:
		scaleBy(wacc, 1/wn)
	case tn > 0:
		scaleBy(tacc, 1/tn)
	}
}

// addLetterRuns looks up the letter runs of a word that mixes letters and
// digits: "3.5mm" → "mm", "1080p" → "p" (absent), "usb3" → "usb".
func (e *Embedder) addLetterRuns(acc []float32, w []byte) {
	lo := -1
	for j := 0; j <= len(w); j++ {
		isDigit := j < len(w) && (w[j] == '.' || ('0' <= w[j] && w[j] <= '9'))
		if j < len(w) && !isDigit {
			if lo < 0 {
				lo = j
			}
			continue
		}
		if lo >= 0 {
			if i := e.m.lookup(w[lo:j]); i >= 0 {
				e.m.addTo(acc, i, e.weight[i])
			}
			lo = -1
		}
	}
}

// shape reports whether w mixes ASCII digits with other characters, and
// whether it is all digits (and '.').
func shape(w []byte) (mixed, digits bool) {
	nd := 0
	for _, c := range w {
		if c == '.' || ('0' <= c && c <= '9') {
			nd++
		}
	}
	return nd > 0 && nd < len(w), nd == len(w)
}

func norm(v []float32) float32 {
	var s float32
	for _, x := range v {
		s += x * x
	}
	return float32(math.Sqrt(float64(s)))
}

func scaleBy(v []float32, k float32) {
	for i := range v {
		v[i] *= k
	}
}
