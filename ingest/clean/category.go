package clean

import "strings"

// DefaultSeparator splits category_list values when a field declares none.
const DefaultSeparator = "|"

// SplitCategories cleans s like [Text], splits it on sep (DefaultSeparator
// when empty), trims each part, drops empty parts and
// duplicates, and keeps the order of first occurrence:
// "Home&Kitchen|Kitchen| |Kitchen" → ["Home&Kitchen", "Kitchen"].
func SplitCategories(s, sep string) []string {
	if sep == "" {
		sep = DefaultSeparator
	}
	parts := strings.Split(Text(s), sep)
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		out = appendCategory(out, strings.TrimSpace(p))
	}
	return out
}

// appendCategory appends c unless it is empty or already present; lists
// are short, so a linear scan beats a map.
func appendCategory(list []string, c string) []string {
	if c == "" {
		return list
	}
	for _, x := range list {
		if x == c {
			return list
		}
	}
	return append(list, c)
}
