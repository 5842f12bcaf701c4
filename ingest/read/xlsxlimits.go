package read

import (
	"encoding/xml"
	"fmt"
	"io"
)

// Limits on what the XLSX reader holds in memory, so that any upload within
// MaxXLSXBytes is read in well under 256 MB of heap (TestXLSXMemoryBound).
// Before them, excelize decoded a whole row at a time: one 300 MB cell took
// 2.1 GB of heap, a row of 16,384 cells of 20 KB 470 MB.
const (
	// maxXLSXCellBytes bounds one cell's text. Excel itself stops at 32,767
	// characters (at most 128 KiB of UTF-8); anything past 1 MiB did not
	// come from a spreadsheet program and ends the read.
	maxXLSXCellBytes = 1 << 20
	// maxXLSXRowBytes bounds the text of one row; a longer row is skipped
	// as a row error.
	maxXLSXRowBytes = 16 << 20
	// maxXLSXColumns is Excel's own sheet width.
	maxXLSXColumns = 16384
	// xlsxStringsInMemory is how much shared-string text stays in memory;
	// past it the table moves to a temporary file, read back by offset.
	xlsxStringsInMemory = 32 << 20
	// maxXLSXSharedStrings bounds the table's entries (8 bytes of offset
	// each in memory).
	maxXLSXSharedStrings = 8 << 20
)

// guardedTokens reads XML tokens from a zip part and fails when one token
// would be longer than limit bytes. encoding/xml buffers a whole token (a
// text run, or an element with all its attributes) before returning it, so
// without the guard one enormous cell is held in full, several times over.
type guardedTokens struct {
	dec   *xml.Decoder
	in    io.Reader
	limit int64
	read  int64 // bytes handed to the decoder
	mark  int64 // decoder offset after the last token returned
}

func newGuardedTokens(r io.Reader, limit int64) *guardedTokens {
	g := &guardedTokens{in: r, limit: limit}
	g.dec = xml.NewDecoder(guardReader{g})
	return g
}

// next returns the next raw token (valid until the following call).
func (g *guardedTokens) next() (xml.Token, error) {
	tok, err := g.dec.RawToken()
	g.mark = g.dec.InputOffset()
	return tok, err
}

type guardReader struct{ g *guardedTokens }

func (r guardReader) Read(p []byte) (int, error) {
	g := r.g
	if g.read-g.mark > g.limit {
		return 0, fmt.Errorf("a value or element longer than %d bytes (the XLSX cell size limit): %w", g.limit, ErrTooLarge)
	}
	n, err := g.in.Read(p)
	g.read += int64(n)
	return n, err
}
