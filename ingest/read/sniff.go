package read

// delimiterCandidates are the separators sniffed, in order of preference
// when counts tie.
var delimiterCandidates = []byte{',', ';', '\t', '|'}

// sniffDelimiter picks the separator that splits the first records of head
// into the same number of fields, header included, preferring more fields.
// Quoted text is ignored, so separators inside quotes do not count. The
// last record is ignored unless atEOF, because head may cut it short.
// Without a consistent candidate it picks the one consistent with the
// header in most records, else ','.
func sniffDelimiter(head []byte, atEOF bool) byte {
	const maxRecords = 50
	counts := make([][]int, len(delimiterCandidates))
	cur := make([]int, len(delimiterCandidates))
	inQuote, records := false, 0
	for i := 0; i < len(head) && records < maxRecords; i++ {
		c := head[i]
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '\n' || c == '\r':
			if c == '\r' && i+1 < len(head) && head[i+1] == '\n' {
				i++
			}
			for k := range cur {
				counts[k] = append(counts[k], cur[k])
				cur[k] = 0
			}
			records++
		default:
			for k, d := range delimiterCandidates {
				if c == d {
					cur[k]++
				}
			}
		}
	}
	if atEOF && !inQuote && records < maxRecords {
		for k := range cur {
			if cur[k] > 0 {
				counts[k] = append(counts[k], cur[k])
			}
		}
	}
	best, bestCount := -1, 0
	for k := range delimiterCandidates {
		c := counts[k]
		if len(c) == 0 || c[0] == 0 {
			continue
		}
		consistent := true
		for _, n := range c[1:] {
			if n != c[0] {
				consistent = false
				break
			}
		}
		if consistent && c[0] > bestCount {
			best, bestCount = k, c[0]
		}
	}
	if best >= 0 {
		return delimiterCandidates[best]
	}
	bestMatches := 0
	for k := range delimiterCandidates {
		c := counts[k]
		if len(c) == 0 || c[0] == 0 {
			continue
		}
		m := 0
		for _, n := range c[1:] {
			if n == c[0] {
				m++
			}
		}
		if m > bestMatches {
			best, bestMatches = k, m
		}
	}
	if best >= 0 {
		return delimiterCandidates[best]
	}
	return ','
}
