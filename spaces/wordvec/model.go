package wordvec

import (
	_ "embed"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"
)

//go:generate go run ./gen -src=${WORDVEC_TGZ} -out glove6b100d.twv

// glove holds the 150,000 most frequent GloVe 6B 100-d word vectors,
// int8-quantised by ./gen; see NOTICE.md for provenance and licences.
//
//go:embed glove6b100d.twv
var glove string

var (
	defaultOnce sync.Once
	defaultEmb  *Embedder
	defaultErr  error
)

// Default returns the embedder over the embedded GloVe vectors. The model
// is parsed on first use (a few milliseconds) and shared afterwards.
func Default() (*Embedder, error) {
	defaultOnce.Do(func() {
		start := time.Now()
		m, err := parseModel(glove)
		if err != nil {
			defaultErr = fmt.Errorf("wordvec: embedded model: %w", err)
			return
		}
		defaultEmb, defaultErr = newEmbedder(m, defaultConfig)
		if defaultErr == nil {
			slog.Debug("wordvec: model loaded", "words", len(m.off), "name", defaultEmb.name, "took", time.Since(start).String())
		}
	})
	return defaultEmb, defaultErr
}

// norm returns the L2 norm of word i's dequantised vector.
func (m *model) norm(i int) float64 {
	var s float64
	for j := range m.dim {
		x := float64(int8(m.vecs[i*m.dim+j]))
		if m.kind == scaleDim {
			x *= float64(m.scale[j])
		}
		s += x * x
	}
	if m.kind == scaleWord {
		s *= float64(m.scale[i]) * float64(m.scale[i])
	}
	if s == 0 {
		return 1
	}
	return math.Sqrt(s)
}
