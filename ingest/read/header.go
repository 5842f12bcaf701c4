package read

import (
	"strconv"
	"strings"
)

// uniqueColumns trims header names, names blank ones "column_N" and
// suffixes repeats ("price", "price_2"), so each value has its own key.
func uniqueColumns(names []string) []string {
	out := make([]string, len(names))
	seen := make(map[string]bool, len(names))
	for i, n := range names {
		n = strings.TrimSpace(strings.TrimPrefix(n, "\uFEFF"))
		if n == "" {
			n = "column_" + strconv.Itoa(i+1)
		}
		base := n
		for k := 2; seen[n]; k++ {
			n = base + "_" + strconv.Itoa(k)
		}
		seen[n] = true
		out[i] = n
	}
	return out
}
