package clean

import (
	"encoding/json"
	"errors"
	"strings"
)

// UnwrapList is the unwrap key's one value: strip a list wrapper.
const UnwrapList = "list"

// errBadList is the reason for a value that opens a list wrapper but is no
// list.
var errBadList = errors.New(`starts with "[" but is not a list of strings`)

// UnwrapListValue strips a JSON-array or list-literal wrapper from s and
// returns its elements: `["A >> B"]` → ["A >> B"], `['a', "b"]` → ["a",
// "b"]. A value without a wrapper is one element, so a column where only
// some values are wrapped cleans alike. Exports such as Flipkart's wrap a
// single category path this way.
func UnwrapListValue(s string) ([]string, error) {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "[") {
		return []string{s}, nil
	}
	if !strings.HasSuffix(t, "]") {
		return nil, errBadList
	}
	var list []any
	if err := json.Unmarshal([]byte(t), &list); err == nil {
		out := make([]string, 0, len(list))
		for _, x := range list {
			if x == nil {
				continue
			}
			str, err := rawString(x)
			if err != nil {
				return nil, errBadList
			}
			out = append(out, str)
		}
		return out, nil
	}
	return listLiteral(t[1 : len(t)-1])
}

// listLiteral reads the inside of a Python- or Ruby-style list literal:
// comma-separated items, each quoted with ' or " (backslash escapes the
// next character) or bare.
func listLiteral(s string) ([]string, error) {
	var out []string
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return out, nil
		}
		var item string
		if q := s[0]; q == '"' || q == '\'' {
			var b strings.Builder
			i, closed := 1, false
			for i < len(s) {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				i++
				if c == q {
					closed = true
					break
				}
				b.WriteByte(c)
			}
			if !closed {
				return nil, errBadList
			}
			item, s = b.String(), strings.TrimLeft(s[i:], " \t\r\n")
			if s != "" && s[0] != ',' {
				return nil, errBadList
			}
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			item, s = strings.TrimSpace(s[:end]), s[end:]
		}
		out = append(out, item)
		s = strings.TrimPrefix(s, ",")
	}
}
