// Package read streams records out of tabular files — CSV, TSV, XLSX,
// NDJSON and JSON arrays — in constant memory, for bulk ingestion.
//
// Every format yields [Record] values through the same [Reader]: a map from
// column name to the raw value, plus the data row number and the physical
// line (or sheet row) where the record starts, so that errors can point at
// the source. A bad row (a ragged CSV row, broken quoting, an invalid JSON
// line) is returned as a *[RowError]: the caller records it, skips the row
// and keeps calling Next. Any other error is fatal.
//
// # Text encodings (CSV, TSV, NDJSON, JSON)
//
// A UTF-8 byte order mark is dropped; UTF-16 LE or BE is decoded when it
// starts with its byte order mark (or, without one, when the first bytes
// are ASCII interleaved with NULs). Otherwise the text is read as UTF-8,
// and any byte that is not part of a valid UTF-8 sequence is decoded as
// Windows-1252 (a superset of Latin-1's printable range), so Latin-1 and
// Windows-1252 exports read correctly without declaring an encoding.
//
// # Headers
//
// The first CSV record (the first non-empty sheet row for XLSX) is the
// header. Names are trimmed; a blank name becomes "column_N" (N its 1-based
// position). A name given twice is an error that names both positions (CSV
// field numbers, sheet column letters). JSON columns are the keys in order
// of first appearance.
//
// # Workbooks
//
// An XLSX sheet is decoded from the zip as it is read, never extracted, and
// no more than one row is held; the shared-strings table moves to an
// unlinked temporary file past 32 MiB. Limits bound everything else: the
// unpacked size (Options.MaxXLSXBytes), 1 MiB per cell (a longer one ends
// the read), 16 MiB of text and 16,384 columns per row (a *RowError), and
// 8 Mi shared strings. Errors wrap ErrTooLarge.
//
// # Values
//
// CSV and TSV yield strings ("" for an empty field). XLSX yields string,
// float64, bool or time.Time according to the cell type and number format
// (dates in UTC), formulas as their cached values, and nil for empty and
// error cells. JSON yields strings, bools, nil, int64 for integers that fit,
// float64 for other numbers, []any and map[string]any.
package read
