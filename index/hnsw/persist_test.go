package hnsw

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/bits-and-blooms/bitset"
)

func TestPersistRoundTrip(t *testing.T) {
	g, data, queries := cloneShared(t)
	for i := range 50 { // tombstones and relinked ids must survive too
		g.Delete(uint32(i * 3))
	}
	if err := g.Add(5, queries[1]); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := g.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo reported %d bytes, wrote %d", n, buf.Len())
	}
	h, err := ReadFrom(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() != g.Len() || h.Tombstones() != g.Tombstones() || h.Config() != g.Config() || h.Dim() != g.Dim() {
		t.Fatalf("loaded graph differs: len %d/%d tomb %d/%d cfg %+v/%+v", h.Len(), g.Len(), h.Tombstones(), g.Tombstones(), h.Config(), g.Config())
	}
	if !slices.Equal(h.vecs, g.vecs) || !slices.Equal(h.links0, g.links0) || !slices.Equal(h.state, g.state) || !slices.Equal(h.level, g.level) {
		t.Fatal("loaded arrays differ")
	}
	// Byte codes are not stored: the load computes them again.
	if !slices.Equal(h.codes[:len(g.state)*g.dim], g.codes[:len(g.state)*g.dim]) || !slices.Equal(h.scales[:len(g.state)], g.scales[:len(g.state)]) {
		t.Fatal("loaded byte codes differ")
	}
	for i := range g.upper {
		if !slices.Equal(h.upper[i], g.upper[i]) {
			t.Fatalf("upper links of %d differ", i)
		}
	}
	for _, q := range queries {
		if a, b := g.Search(q, 10, SearchOptions{}), h.Search(q, 10, SearchOptions{}); !slices.Equal(a, b) {
			t.Fatalf("search differs after load: %v vs %v", a, b)
		}
	}
	// The loaded graph keeps accepting writes.
	if err := h.Add(uint32(len(data)), queries[2]); err != nil {
		t.Fatal(err)
	}
	if res := h.Search(queries[2], 1, SearchOptions{}); res[0].ID != uint32(len(data)) {
		t.Fatalf("insert after load not found: %v", res)
	}
}

func smallBlob(t *testing.T) []byte {
	t.Helper()
	data := clustered(11, 300, 8, 5)
	g := build(t, data, DefaultConfig())
	g.Delete(3)
	var buf bytes.Buffer
	if _, err := g.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPersistTruncated(t *testing.T) {
	blob := smallBlob(t)
	for cut := 0; cut < len(blob); cut += 1 + cut/16 {
		g, err := ReadFrom(bytes.NewReader(blob[:cut]))
		if err == nil || g != nil {
			t.Fatalf("truncated at %d/%d: no error", cut, len(blob))
		}
		if !strings.Contains(err.Error(), "hnsw: truncated") || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("truncated at %d: error %q", cut, err)
		}
	}
}

func TestPersistCorrupt(t *testing.T) {
	blob := smallBlob(t)
	for pos := 0; pos < len(blob); pos += 1 + pos/32 {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(blob)
			bad[pos] ^= bit
			g, err := ReadFrom(bytes.NewReader(bad))
			if err == nil || g != nil {
				t.Fatalf("bit flip at %d: accepted", pos)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "hnsw: ") {
				t.Fatalf("bit flip at %d: undescriptive error %q", pos, msg)
			}
			if pos >= headerSize && !strings.Contains(msg, "checksum mismatch") {
				t.Fatalf("payload flip at %d: error %q", pos, msg)
			}
		}
	}
	if _, err := ReadFrom(strings.NewReader(strings.Repeat("x", 200))); err == nil || !strings.Contains(err.Error(), "not an hnsw graph") {
		t.Fatalf("garbage input error = %v", err)
	}
}

func BenchmarkLoad(b *testing.B) {
	sharedGraph(b)
	b.SetBytes(int64(len(shared.blob)))
	for b.Loop() {
		if _, err := ReadFrom(bytes.NewReader(shared.blob)); err != nil {
			b.Fatal(err)
		}
	}
}

// Files written before byte codes were stored (version 1) still load, and
// the codes computed on load equal the stored ones.
func TestPersistReadsVersion1(t *testing.T) {
	g, _, queries := cloneShared(t)
	var buf bytes.Buffer
	if _, err := g.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	v2 := buf.Bytes()
	le := binary.LittleEndian
	n, dim := int(le.Uint64(v2[40:])), int(le.Uint32(v2[12:]))
	// Version 1 is version 2 without the codes and scales after the vectors.
	codesAt := headerSize + 2*n + 4*n*dim
	codesEnd := codesAt + n*dim + 4*n
	v1 := append([]byte(nil), v2[:codesAt]...)
	v1 = append(v1, v2[codesEnd:len(v2)-4]...)
	le.PutUint32(v1[8:], 1)
	le.PutUint32(v1[80:], crc32.Checksum(v1[:80], castagnoli))
	v1 = le.AppendUint32(v1, crc32.Checksum(v1[headerSize:], castagnoli))

	h, err := ReadFrom(bytes.NewReader(v1))
	if err != nil {
		t.Fatalf("version 1 file: %v", err)
	}
	if !slices.Equal(h.codes, g.codes) || !slices.Equal(h.scales, g.scales) || !slices.Equal(h.vecs, g.vecs) {
		t.Fatal("version 1 load: vectors or computed codes differ")
	}
	allow := bitset.New(uint(n))
	for i := 0; i < n; i += 20 {
		allow.Set(uint(i))
	}
	opt := SearchOptions{Allow: allow, FilterCount: int(allow.Count())}
	for _, q := range queries[:10] {
		if got, want := h.Search(q, 10, opt), g.Search(q, 10, opt); !slices.Equal(got, want) {
			t.Fatalf("scan after a version 1 load: %v, want %v", got, want)
		}
	}
}
