package read

import (
	"fmt"
	"strconv"
	"strings"
)

// headerColumns trims header names and names blank ones "column_N" (N the
// 1-based position). A name given twice is an error naming both positions
// as the user finds them (position: "field 5" in a CSV file, "column E" in
// a sheet): the two columns' values would land on one key, and which one
// survived would depend on the reader.
func headerColumns(names []string, position func(i int) string) ([]string, error) {
	out := make([]string, len(names))
	seen := make(map[string]int, len(names))
	for i, n := range names {
		n = strings.TrimSpace(strings.TrimPrefix(n, "\uFEFF"))
		if n == "" {
			n = "column_" + strconv.Itoa(i+1)
		}
		if j, dup := seen[n]; dup {
			return nil, fmt.Errorf("header: column %q appears twice, at %s and %s: rename one", n, position(j), position(i))
		}
		seen[n] = i
		out[i] = n
	}
	return out, nil
}

// csvField names a 0-based CSV header position.
func csvField(i int) string { return "field " + strconv.Itoa(i+1) }

// sheetColumn names a 0-based sheet column by its letters.
func sheetColumn(i int) string { return "column " + columnName(i+1) }
