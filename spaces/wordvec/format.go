package wordvec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
)

// The model file (written by ./gen, all integers little-endian):
//
//	[4]byte   magic "TWV1"
//	uint32    N, number of words
//	uint16    D, dimensions
//	uint8     scale kind: 1 = one float32 scale per word, 2 = per dimension
//	uint8     reserved, 0
//	N ×       uvarint byte length, UTF-8 word, uvarint rank delta
//	          (rank = the word's position in GloVe's frequency-ordered
//	          vocabulary, stored as the difference from the previous rank)
//	float32 × N (kind 1) or D (kind 2): dequantisation scales
//	int8    × N·D: the vectors, row-major
//
// Parsing keeps the file as one string: words and vectors are read in
// place, so loading costs one pass over the word list and a hash-table
// build, never a copy of the vectors.
const (
	fileMagic = "TWV1"
	scaleWord = 1
	scaleDim  = 2
)

// model is the parsed vocabulary and quantised vectors.
type model struct {
	dim   int
	blob  string   // the whole file
	off   []uint32 // word i is blob[off[i] : off[i]+uint32(wlen[i])]
	wlen  []uint8
	rank  []uint32 // frequency rank of word i
	scale []float32
	kind  byte
	vecs  string // N·D int8 values
	table []uint32
	mask  uint64
	seed  maphash.Seed
}

// parseModel reads the layout above. Words longer than 255 bytes are
// skipped from the lookup table (no tokeniser input reaches them).
func parseModel(blob string) (*model, error) {
	if len(blob) < 12 || blob[:4] != fileMagic {
		return nil, errors.New("not a TWV1 word-vector file (a Git LFS pointer or truncated checkout?)")
	}
	b := []byte(blob[:12])
	n := int(binary.LittleEndian.Uint32(b[4:]))
	d := int(binary.LittleEndian.Uint16(b[8:]))
	kind := b[10]
	if n == 0 || d == 0 || (kind != scaleWord && kind != scaleDim) {
		return nil, fmt.Errorf("bad header: %d words, %d dims, scale kind %d", n, d, kind)
	}
	m := &model{
		dim:  d,
		blob: blob,
		off:  make([]uint32, n),
		wlen: make([]uint8, n),
		rank: make([]uint32, n),
		kind: kind,
		seed: maphash.MakeSeed(),
	}
	pos := 12
	rank := uint64(0)
	for i := range n {
		l, k := uvarint(blob, pos)
		if k <= 0 || l > uint64(len(blob)-pos-k) {
			return nil, fmt.Errorf("word %d: bad length at byte %d", i, pos)
		}
		pos += k
		if l <= 255 {
			m.off[i], m.wlen[i] = uint32(pos), uint8(l)
		}
		pos += int(l)
		delta, k := uvarint(blob, pos)
		if k <= 0 {
			return nil, fmt.Errorf("word %d: bad rank at byte %d", i, pos)
		}
		pos += k
		rank += delta
		if rank > math.MaxUint32 {
			return nil, fmt.Errorf("word %d: rank overflows", i)
		}
		m.rank[i] = uint32(rank)
	}
	ns := n
	if kind == scaleDim {
		ns = d
	}
	if len(blob)-pos != 4*ns+n*d {
		return nil, fmt.Errorf("%d bytes after the word list, want %d", len(blob)-pos, 4*ns+n*d)
	}
	m.scale = make([]float32, ns)
	for i := range m.scale {
		m.scale[i] = math.Float32frombits(binary.LittleEndian.Uint32([]byte(blob[pos : pos+4])))
		pos += 4
	}
	m.vecs = blob[pos:]
	m.buildTable()
	return m, nil
}

func uvarint(s string, pos int) (uint64, int) {
	var x uint64
	var shift uint
	for i := pos; i < len(s) && i < pos+binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			return x | uint64(c)<<shift, i - pos + 1
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, 0
}

// buildTable fills an open-addressing table (load ≤ 0.5) of word indices
// plus one; it holds no pointers, so the GC never scans it.
func (m *model) buildTable() {
	size := 1
	for size < 2*len(m.off) {
		size <<= 1
	}
	m.table = make([]uint32, size)
	m.mask = uint64(size - 1)
	for i := range m.off {
		if m.wlen[i] == 0 {
			continue
		}
		w := m.word(i)
		h := maphash.String(m.seed, w) & m.mask
		for m.table[h] != 0 {
			if m.word(int(m.table[h]-1)) == w {
				break // keep the first (most frequent) duplicate
			}
			h = (h + 1) & m.mask
		}
		if m.table[h] == 0 {
			m.table[h] = uint32(i + 1)
		}
	}
}

func (m *model) word(i int) string {
	return m.blob[m.off[i] : m.off[i]+uint32(m.wlen[i])]
}

// lookup returns the index of word w, or -1.
func (m *model) lookup(w []byte) int {
	if len(w) == 0 || len(w) > 255 {
		return -1
	}
	h := maphash.Bytes(m.seed, w) & m.mask
	for {
		s := m.table[h]
		if s == 0 {
			return -1
		}
		i := int(s - 1)
		if int(m.wlen[i]) == len(w) && m.word(i) == string(w) {
			return i
		}
		h = (h + 1) & m.mask
	}
}

// addTo adds weight·vector(i) to acc (len dim). For per-word scales the
// scale folds into the weight; per-dimension scales are applied by
// finish.
func (m *model) addTo(acc []float32, i int, weight float32) {
	if m.kind == scaleWord {
		weight *= m.scale[i]
	}
	row := m.vecs[i*m.dim : (i+1)*m.dim]
	acc = acc[:len(row)]
	// Index the string byte by byte (ranging over it would decode UTF-8),
	// four at a time: the loop is the embedder's hot spot.
	j := 0
	for ; j+4 <= len(row); j += 4 {
		r, a := row[j:j+4], acc[j:j+4]
		a[0] += weight * float32(int8(r[0]))
		a[1] += weight * float32(int8(r[1]))
		a[2] += weight * float32(int8(r[2]))
		a[3] += weight * float32(int8(r[3]))
	}
	for ; j < len(row); j++ {
		acc[j] += weight * float32(int8(row[j]))
	}
}

// finish applies per-dimension scales to an accumulated sum.
func (m *model) finish(acc []float32) {
	if m.kind != scaleDim {
		return
	}
	for j := range acc[:m.dim] {
		acc[j] *= m.scale[j]
	}
}
