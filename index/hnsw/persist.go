package hnsw

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"unsafe"
)

// File layout (little-endian), version 2:
//
//	header  (84 bytes): magic "TESSHNSW", version, dim, M, efConstruction,
//	        efSearch, metric (uint32 each), seed (int64), slots, live,
//	        deleted (uint64 each), entry (uint32), top (int32),
//	        upper length in uint32s (uint64), CRC-32C of the preceding bytes
//	payload: state [slots]u8, level [slots]u8, vectors [slots*dim]f32,
//	        inner-product graphs only: byte codes [slots*dim]i8 and their
//	        scales [slots]f32,
//	        layer-0 links [slots*(2M+1)]u32, upper links [upper length]u32
//	        (each node's blocks in id order)
//	trailer: CRC-32C of the payload (uint32)
//
// Version 1 files (no codes) still load: the codes are computed then,
// which halved the load speed at 20k×386. The header has its own checksum so a
// corrupt count is caught before it sizes an allocation.
const (
	magic      = "TESSHNSW"
	version    = 2
	headerSize = 84
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteTo writes the graph in the versioned binary format. Searches continue
// while it runs; inserts and deletes wait, so the file is one consistent
// snapshot.
func (g *Graph) WriteTo(w io.Writer) (int64, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	g.wmu.Lock()
	defer g.wmu.Unlock()
	entry, top := g.entry()
	cw := &countWriter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<20)
	var upperLen uint64
	for i := range g.state {
		upperLen += uint64(len(g.upper[i]))
	}
	var h [headerSize]byte
	copy(h[:8], magic)
	le := binary.LittleEndian
	le.PutUint32(h[8:], version)
	le.PutUint32(h[12:], uint32(g.dim))
	le.PutUint32(h[16:], uint32(g.cfg.M))
	le.PutUint32(h[20:], uint32(g.cfg.EfConstruction))
	le.PutUint32(h[24:], uint32(g.cfg.EfSearch))
	le.PutUint32(h[28:], uint32(g.cfg.Metric))
	le.PutUint64(h[32:], uint64(g.cfg.Seed))
	le.PutUint64(h[40:], uint64(len(g.state)))
	le.PutUint64(h[48:], uint64(g.live.Load()))
	le.PutUint64(h[56:], uint64(g.deleted.Load()))
	le.PutUint32(h[64:], entry)
	le.PutUint32(h[68:], uint32(int32(top)))
	le.PutUint64(h[72:], upperLen)
	le.PutUint32(h[80:], crc32.Checksum(h[:80], castagnoli))
	if _, err := bw.Write(h[:]); err != nil {
		return cw.n, fmt.Errorf("hnsw: write header: %w", err)
	}
	crc := crc32.New(castagnoli)
	put := func(what string, p []byte) error {
		crc.Write(p)
		if _, err := bw.Write(p); err != nil {
			return fmt.Errorf("hnsw: write %s: %w", what, err)
		}
		return nil
	}
	// States are uint32 in memory (for atomic access) and bytes on disk.
	st := make([]byte, len(g.state))
	for i, x := range g.state {
		st[i] = byte(x)
	}
	if err := put("state", st); err != nil {
		return cw.n, err
	}
	if err := put("levels", g.level); err != nil {
		return cw.n, err
	}
	if err := put("vectors", leBytes(g.vecs)); err != nil {
		return cw.n, err
	}
	if g.quantized() {
		if err := put("codes", int8Bytes(g.codes)); err != nil {
			return cw.n, err
		}
		if err := put("scales", leBytes(g.scales)); err != nil {
			return cw.n, err
		}
	}
	if err := put("links", leBytes(g.links0)); err != nil {
		return cw.n, err
	}
	for i := range g.state {
		if len(g.upper[i]) == 0 {
			continue
		}
		if err := put("upper links", leBytes(g.upper[i])); err != nil {
			return cw.n, err
		}
	}
	var t [4]byte
	le.PutUint32(t[:], crc.Sum32())
	if _, err := bw.Write(t[:]); err != nil {
		return cw.n, fmt.Errorf("hnsw: write checksum: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return cw.n, fmt.Errorf("hnsw: write: %w", err)
	}
	return cw.n, nil
}

// ReadFrom reads a graph written by WriteTo. Truncated, corrupt or
// inconsistent input returns an error describing what is wrong; a graph is
// returned only when both checksums and all structural checks pass.
func ReadFrom(r io.Reader) (*Graph, error) {
	var h [headerSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, readErr("header", err)
	}
	if string(h[:8]) != magic {
		return nil, fmt.Errorf("hnsw: not an hnsw graph file (magic %q)", h[:8])
	}
	le := binary.LittleEndian
	ver := le.Uint32(h[8:])
	if ver != 1 && ver != version {
		return nil, fmt.Errorf("hnsw: unsupported format version %d (want 1 or %d)", ver, version)
	}
	if got, want := crc32.Checksum(h[:80], castagnoli), le.Uint32(h[80:]); got != want {
		return nil, fmt.Errorf("hnsw: checksum mismatch in header (got %08x, stored %08x)", got, want)
	}
	cfg := Config{
		M:              int(le.Uint32(h[16:])),
		EfConstruction: int(le.Uint32(h[20:])),
		EfSearch:       int(le.Uint32(h[24:])),
		Metric:         Metric(le.Uint32(h[28:])),
		Seed:           int64(le.Uint64(h[32:])),
	}
	dim := int(le.Uint32(h[12:]))
	slots := le.Uint64(h[40:])
	live, deleted := le.Uint64(h[48:]), le.Uint64(h[56:])
	entry, top := le.Uint32(h[64:]), int(int32(le.Uint32(h[68:])))
	upperLen := le.Uint64(h[72:])
	switch {
	case dim <= 0 || dim > 1<<20:
		return nil, fmt.Errorf("hnsw: corrupt header: dimension %d", dim)
	case cfg.M < 2 || cfg.M > 1<<12 || cfg.EfConstruction <= 0 || cfg.EfSearch <= 0:
		return nil, fmt.Errorf("hnsw: corrupt header: M=%d efConstruction=%d efSearch=%d", cfg.M, cfg.EfConstruction, cfg.EfSearch)
	case cfg.Metric > L2:
		return nil, fmt.Errorf("hnsw: corrupt header: unknown metric %d", cfg.Metric)
	case slots > math.MaxUint32 || live+deleted > slots:
		return nil, fmt.Errorf("hnsw: corrupt header: %d slots, %d live, %d deleted", slots, live, deleted)
	case upperLen > slots*uint64(maxLevel)*uint64(cfg.M+1):
		return nil, fmt.Errorf("hnsw: corrupt header: %d upper links for %d slots", upperLen, slots)
	}
	g := New(dim, cfg)
	n := int(slots)
	state := make([]uint8, n)
	g.level = make([]uint8, n)
	g.vecs = make([]float32, n*dim)
	g.links0 = make([]uint32, n*(g.m0+1))
	g.upper = make([][]uint32, n)
	upper := make([]uint32, upperLen)
	type part struct {
		what string
		p    []byte
	}
	parts := []part{{"state", state}, {"levels", g.level}, {"vectors", rawBytes(g.vecs)}}
	storedCodes := ver >= 2 && g.quantized()
	if storedCodes {
		g.codes = make([]int8, n*dim)
		g.scales = make([]float32, n)
		parts = append(parts, part{"codes", int8Bytes(g.codes)}, part{"scales", rawBytes(g.scales)})
	}
	parts = append(parts, part{"links", rawBytes(g.links0)}, part{"upper links", rawBytes(upper)})
	crc := crc32.New(castagnoli)
	for _, part := range parts {
		if err := readHashed(r, crc, part.p); err != nil {
			return nil, readErr(part.what, err)
		}
	}
	var t [4]byte
	if _, err := io.ReadFull(r, t[:]); err != nil {
		return nil, readErr("checksum", err)
	}
	if got, want := crc.Sum32(), le.Uint32(t[:]); got != want {
		return nil, fmt.Errorf("hnsw: checksum mismatch in payload (got %08x, stored %08x)", got, want)
	}
	if !littleEndian {
		swap32(g.vecs)
		swap32(g.scales)
		swap32(g.links0)
		swap32(upper)
	}
	g.state = make([]uint32, n)
	for i, x := range state {
		g.state[i] = uint32(x)
	}
	if err := g.adopt(upper, int(live), int(deleted), entry, top); err != nil {
		return nil, err
	}
	if !storedCodes {
		g.quantizeAll()
	}
	g.upperWords.Store(int64(len(upper)))
	return g, nil
}

// adopt slices the upper-link block per node and checks every structural
// invariant a search relies on, so a file that passed the checksum but was
// written inconsistently still cannot cause out-of-range reads.
func (g *Graph) adopt(upper []uint32, live, deleted int, entry uint32, top int) error {
	n := len(g.state)
	bs := g.cfg.M + 1
	var nl, nd, off int
	for i := range n {
		switch g.state[i] {
		case slotLive:
			nl++
		case slotDeleted:
			nd++
		case slotEmpty:
		default:
			return fmt.Errorf("hnsw: corrupt graph: slot %d has state %d", i, g.state[i])
		}
		lvl := int(g.level[i])
		if lvl >= maxLevel {
			return fmt.Errorf("hnsw: corrupt graph: slot %d has level %d", i, lvl)
		}
		if lvl > 0 {
			if off+lvl*bs > len(upper) {
				return fmt.Errorf("hnsw: corrupt graph: upper links end before slot %d", i)
			}
			g.upper[i] = upper[off : off+lvl*bs : off+lvl*bs]
			off += lvl * bs
		}
		if g.state[i] == slotEmpty {
			continue
		}
		for l := 0; l <= lvl; l++ {
			lst := g.links(uint32(i), l)
			if int(lst[0]) > len(lst)-1 {
				return fmt.Errorf("hnsw: corrupt graph: slot %d layer %d has %d links (max %d)", i, l, lst[0], len(lst)-1)
			}
			for _, x := range lst[1 : 1+lst[0]] {
				if int(x) >= n || g.state[x] == slotEmpty || int(g.level[x]) < l {
					return fmt.Errorf("hnsw: corrupt graph: slot %d layer %d links to %d", i, l, x)
				}
			}
		}
	}
	if off != len(upper) {
		return fmt.Errorf("hnsw: corrupt graph: %d upper links unused", len(upper)-off)
	}
	if nl != live || nd != deleted {
		return fmt.Errorf("hnsw: corrupt graph: header says %d live/%d deleted, slots hold %d/%d", live, deleted, nl, nd)
	}
	if nl+nd == 0 {
		if top != -1 {
			return fmt.Errorf("hnsw: corrupt graph: empty graph with top level %d", top)
		}
	} else if int(entry) >= n || g.state[entry] == slotEmpty || int(g.level[entry]) != top {
		return fmt.Errorf("hnsw: corrupt graph: bad entry point %d (top %d)", entry, top)
	}
	g.live.Store(int64(live))
	g.deleted.Store(int64(deleted))
	g.setEntry(entry, top)
	return nil
}

func readHashed(r io.Reader, h hash.Hash32, p []byte) error {
	// Chunked so the checksum runs while the data is still in cache.
	const chunk = 4 << 20
	for len(p) > 0 {
		c := min(len(p), chunk)
		if _, err := io.ReadFull(r, p[:c]); err != nil {
			return err
		}
		h.Write(p[:c])
		p = p[c:]
	}
	return nil
}

func readErr(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("hnsw: truncated input reading %s: %w", what, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("hnsw: read %s: %w", what, err)
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// leBytes views a 4-byte-element slice as bytes. On big-endian hosts it
// returns a little-endian copy instead, so the file format never changes.
func leBytes[T float32 | uint32](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*4)
	if littleEndian {
		return b
	}
	c := make([]byte, len(b))
	for i := 0; i < len(b); i += 4 {
		c[i], c[i+1], c[i+2], c[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	return c
}

// int8Bytes views byte codes as bytes (no byte order to mind).
func int8Bytes(s []int8) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s))
}

// rawBytes views a 4-byte-element slice as its in-memory bytes, the target
// of bulk reads (swap32 fixes the order afterwards on big-endian hosts).
func rawBytes[T float32 | uint32](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*4)
}

// swap32 converts little-endian data read in place to host order on
// big-endian machines.
func swap32[T float32 | uint32](s []T) {
	if len(s) == 0 {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*4)
	for i := 0; i < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
}
