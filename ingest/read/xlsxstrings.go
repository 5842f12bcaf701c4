package read

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
)

// sharedStrings is a workbook's shared-strings table: the text of every
// entry, back to back, in memory up to xlsxStringsInMemory and in a
// temporary file past it, with each entry's start offset in memory.
type sharedStrings struct {
	mem  []byte
	offs []int64 // entry i spans offs[i] to offs[i+1] (or size)
	size int64
	file *os.File      // set once the table has spilled to disk
	w    *bufio.Writer // writes to file while loading
}

// loadSharedStrings reads the table part. An entry is its <t> text, or
// its rich-text runs' <t> texts joined; phonetic hints (<rPh>) are not
// part of the value.
func loadSharedStrings(part *zip.File) (sst *sharedStrings, err error) {
	sst = &sharedStrings{}
	defer func() {
		if err != nil {
			sst.Close()
			sst = nil
		}
	}()
	rc, err := part.Open()
	if err != nil {
		return nil, fmt.Errorf("shared strings: %w", err)
	}
	defer rc.Close()
	tokens := newGuardedTokens(rc, maxXLSXCellBytes)
	var inSI, inT, inPhonetic bool
	var start int64
	for {
		tok, err := tokens.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("shared strings, entry %d: %w", len(sst.offs), err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				if len(sst.offs) >= maxXLSXSharedStrings {
					return nil, fmt.Errorf("shared strings: more than %d entries (the XLSX shared-strings limit): %w", maxXLSXSharedStrings, ErrTooLarge)
				}
				inSI, start = true, sst.size
				sst.offs = append(sst.offs, start)
			case "rPh":
				inPhonetic = true
			case "t":
				inT = inSI && !inPhonetic
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				inSI, inT = false, false
			case "rPh":
				inPhonetic = false
			case "t":
				inT = false
			}
		case xml.CharData:
			if !inT {
				continue
			}
			if sst.size-start+int64(len(t)) > maxXLSXCellBytes {
				return nil, fmt.Errorf("shared strings, entry %d: longer than %d bytes (the XLSX cell size limit): %w", len(sst.offs)-1, maxXLSXCellBytes, ErrTooLarge)
			}
			if err := sst.add(t); err != nil {
				return nil, err
			}
		}
	}
	if sst.w != nil {
		if err := sst.w.Flush(); err != nil {
			return nil, fmt.Errorf("shared strings: %w", err)
		}
		sst.w = nil
	}
	return sst, nil
}

// add appends text to the entry being read, spilling to disk when the
// table outgrows its memory share.
func (s *sharedStrings) add(text []byte) error {
	if s.file == nil && s.size+int64(len(text)) > xlsxStringsInMemory {
		f, err := os.CreateTemp("", "tessera-xlsx-strings-*")
		if err != nil {
			return fmt.Errorf("shared strings: spilling to disk: %w", err)
		}
		// Unlinked at once: the open file is all the reader needs, and
		// nothing is left behind if the process dies.
		os.Remove(f.Name())
		s.file, s.w = f, bufio.NewWriterSize(f, 1<<20)
		if _, err := s.w.Write(s.mem); err != nil {
			return fmt.Errorf("shared strings: spilling to disk: %w", err)
		}
		s.mem = nil
	}
	if s.file != nil {
		if _, err := s.w.Write(text); err != nil {
			return fmt.Errorf("shared strings: spilling to disk: %w", err)
		}
	} else {
		s.mem = append(s.mem, text...)
	}
	s.size += int64(len(text))
	return nil
}

// Len is the number of entries.
func (s *sharedStrings) Len() int { return len(s.offs) }

// get returns entry i.
func (s *sharedStrings) get(i int) (string, error) {
	if i < 0 || i >= len(s.offs) {
		return "", fmt.Errorf("shared string %d does not exist (the table has %d)", i, len(s.offs))
	}
	start, end := s.offs[i], s.size
	if i+1 < len(s.offs) {
		end = s.offs[i+1]
	}
	if s.file == nil {
		return string(s.mem[start:end]), nil
	}
	buf := make([]byte, end-start)
	if _, err := s.file.ReadAt(buf, start); err != nil {
		return "", fmt.Errorf("shared string %d: %w", i, err)
	}
	return string(buf), nil
}

// Close releases the temporary file, if any.
func (s *sharedStrings) Close() error {
	if s == nil || s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	return err
}
