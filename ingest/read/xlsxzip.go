package read

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// maxXLSXEntries bounds the number of parts in a workbook; real workbooks
// have dozens, a hostile zip may have millions of tiny entries.
const maxXLSXEntries = 10000

// maxXLSXMetaPart bounds the small XML parts parsed here (workbook,
// relationships, styles) before they are read into memory.
const maxXLSXMetaPart = 32 << 20

// guardZip opens the zip directory and rejects a workbook whose declared
// uncompressed size exceeds limit, before anything is decompressed.
// archive/zip fails a read that goes past an entry's declared size, so the
// declared sizes are a real bound.
func guardZip(ra io.ReaderAt, size int64, name string, limit int64) (*zip.Reader, error) {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("read %s: not a valid xlsx (zip) file: %w", name, err)
	}
	if len(zr.File) > maxXLSXEntries {
		return nil, fmt.Errorf("read %s: %d zip entries (limit %d): %w", name, len(zr.File), maxXLSXEntries, ErrTooLarge)
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > uint64(limit) || total > uint64(limit) {
			return nil, fmt.Errorf("read %s: uncompressed size exceeds %d bytes (MaxXLSXBytes) at %s, possibly a zip bomb: %w",
				name, limit, f.Name, ErrTooLarge)
		}
	}
	return zr, nil
}

// workbookInfo is what the reader needs from the workbook's small parts.
type workbookInfo struct {
	parts         map[string]*zip.File // by name, without a leading slash
	sharedStrings string               // part path, "" if none
	sheets        []sheetInfo
	date1904      bool
	dateStyle     []bool // by cell style (xf) index: the number format shows a date
}

type sheetInfo struct {
	name string
	path string // part path inside the zip, e.g. xl/worksheets/sheet1.xml
}

type xmlRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

type xmlWorkbook struct {
	Pr struct {
		Date1904 string `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []struct {
		Name  string     `xml:"name,attr"`
		Attrs []xml.Attr `xml:",any,attr"`
	} `xml:"sheets>sheet"`
}

type xmlStyles struct {
	NumFmts []struct {
		ID   int    `xml:"numFmtId,attr"`
		Code string `xml:"formatCode,attr"`
	} `xml:"numFmts>numFmt"`
	Xfs []struct {
		NumFmtID int `xml:"numFmtId,attr"`
	} `xml:"cellXfs>xf"`
}

// readWorkbookInfo parses the package relationships, the workbook, its
// relationships and the styles.
func readWorkbookInfo(zr *zip.Reader) (*workbookInfo, error) {
	parts := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		parts[strings.TrimPrefix(f.Name, "/")] = f
	}
	wbPath := "xl/workbook.xml"
	var root xmlRels
	if err := decodePart(parts, "_rels/.rels", &root); err == nil {
		for _, r := range root.Rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				wbPath = strings.TrimPrefix(r.Target, "/")
			}
		}
	}
	var wb xmlWorkbook
	if err := decodePart(parts, wbPath, &wb); err != nil {
		return nil, fmt.Errorf("workbook: %w", err)
	}
	dir := path.Dir(wbPath)
	var rels xmlRels
	if err := decodePart(parts, path.Join(dir, "_rels", path.Base(wbPath)+".rels"), &rels); err != nil {
		return nil, fmt.Errorf("workbook relationships: %w", err)
	}
	targets := make(map[string]string, len(rels.Rels))
	stylesPath, sstPath := "", ""
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join(dir, t)
		}
		targets[r.ID] = t
		if strings.HasSuffix(r.Type, "/styles") {
			stylesPath = t
		}
		if strings.HasSuffix(r.Type, "/sharedStrings") {
			sstPath = t
		}
	}
	info := &workbookInfo{parts: parts, sharedStrings: sstPath, date1904: wb.Pr.Date1904 == "1" || wb.Pr.Date1904 == "true"}
	for _, s := range wb.Sheets {
		for _, a := range s.Attrs {
			if a.Name.Local == "id" {
				if p, ok := targets[a.Value]; ok {
					info.sheets = append(info.sheets, sheetInfo{name: s.Name, path: p})
				}
			}
		}
	}
	if len(info.sheets) == 0 {
		return nil, fmt.Errorf("workbook has no worksheets")
	}
	if stylesPath != "" {
		var st xmlStyles
		if err := decodePart(parts, stylesPath, &st); err != nil {
			return nil, fmt.Errorf("styles: %w", err)
		}
		custom := make(map[int]string, len(st.NumFmts))
		for _, f := range st.NumFmts {
			custom[f.ID] = f.Code
		}
		info.dateStyle = make([]bool, len(st.Xfs))
		for i, xf := range st.Xfs {
			info.dateStyle[i] = isDateFormat(xf.NumFmtID, custom[xf.NumFmtID])
		}
	}
	return info, nil
}

// decodePart unmarshals a small XML part.
func decodePart(parts map[string]*zip.File, name string, v any) error {
	f, ok := parts[name]
	if !ok {
		return fmt.Errorf("missing part %s", name)
	}
	if f.UncompressedSize64 > maxXLSXMetaPart {
		return fmt.Errorf("part %s is %d bytes (limit %d): %w", name, f.UncompressedSize64, maxXLSXMetaPart, ErrTooLarge)
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("part %s: %w", name, err)
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		return fmt.Errorf("part %s: %w", name, err)
	}
	return nil
}

// isDateFormat reports whether a number format displays a date or time:
// one of the built-in date formats, or a custom code with a y, m, d, h or s
// outside quoted text, escapes, fills and [colour] sections.
func isDateFormat(id int, code string) bool {
	switch {
	case id >= 14 && id <= 22, id >= 27 && id <= 36, id >= 45 && id <= 47, id >= 50 && id <= 58, id >= 71 && id <= 81:
		return true
	case code == "":
		return false
	}
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				return false
			}
		case '\\', '_', '*':
			i++ // escaped, padded or fill character
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				return false
			}
			switch strings.ToLower(code[i+1 : i+j]) { // elapsed time [h] [mm] [ss]
			case "h", "hh", "m", "mm", "s", "ss":
				return true
			}
			i += j
		case 'y', 'Y', 'm', 'M', 'd', 'D', 'h', 'H', 's', 'S':
			return true
		case ';':
			return false // only the first (positive) section decides
		}
	}
	return false
}

// columnIndex converts a cell reference such as "AB12" to its 1-based
// column (28); 0 when the reference has no letters.
func columnIndex(ref string) int {
	col := 0
	for i := 0; i < len(ref); i++ {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		if col > 1<<20 {
			return 0
		}
	}
	return col
}

// parseInt parses a non-negative attribute value; -1 if it is not one.
func parseInt(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return -1
	}
	return n
}
