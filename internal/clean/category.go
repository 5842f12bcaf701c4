package clean

import "strings"

// DefaultSeparator splits category_list values when a field declares none.
const DefaultSeparator = "|"

// SplitCategories cleans s like [Text], splits it on sep (DefaultSeparator
// when empty), trims each part, drops empty parts and
// duplicates, and keeps the order of first occurrence:
// "Home&Kitchen|Kitchen| |Kitchen" → ["Home&Kitchen", "Kitchen"].
// White space around sep does not count, since the parts are trimmed anyway:
// " >> " also splits "A>>B", which exports write both ways.
func SplitCategories(s, sep string) []string {
	return SplitPath(s, sep, 0)
}

// SplitPath is SplitCategories keeping only the first levels parts of the
// path (all when levels ≤ 0): "A >> B >> C" with levels 2 → ["A", "B"].
func SplitPath(s, sep string, levels int) []string {
	if sep == "" {
		sep = DefaultSeparator
	}
	if t := strings.TrimSpace(sep); t != "" {
		sep = t
	}
	parts := strings.Split(Text(s), sep)
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if levels > 0 && len(out) == levels {
			break
		}
		out = appendCategory(out, strings.TrimSpace(p))
	}
	return out
}

// joinPath writes a path's levels back with the separator as declared
// (" >> " keeps its spaces), for a category field that keeps a path.
func joinPath(levels []string, sep string) string {
	if sep == "" {
		sep = DefaultSeparator
	}
	return strings.Join(levels, sep)
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
