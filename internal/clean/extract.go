package clean

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"
)

// errBadSpec is the reason for a value that opens a specification but
// parses neither as JSON nor as a Ruby hash.
var errBadSpec = errors.New("not a key/value specification (JSON or Ruby hash)")

// ExtractValue pulls key's value out of a key/value specification. It reads
// JSON and the Ruby-hash form that Flipkart exports use,
//
//	{"product_specification"=>[{"key"=>"Ideal For", "value"=>"Women"}, …]}
//
// finding key either as a {"key": K, "value": V} pair or as an object key,
// at any depth, compared case-insensitively. found is false when the
// specification lacks key (nil, "nil" and null specifications included):
// the field is then missing. A value that does not start with "{" or "["
// is not a specification; it is taken as the value itself, so a stream
// event may send the extracted value directly.
func ExtractValue(s, key string) (value any, found bool, err error) {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
		return s, true, nil
	}
	var doc any
	if err := json.Unmarshal([]byte(t), &doc); err != nil {
		if err := json.Unmarshal([]byte(rubyToJSON(t)), &doc); err != nil {
			return nil, false, errBadSpec
		}
	}
	v, found := lookup(doc, strings.TrimSpace(key), 0)
	if !found || v == nil {
		return nil, false, nil
	}
	return v, true, nil
}

// maxSpecDepth bounds the walk over nested specifications.
const maxSpecDepth = 32

// lookup finds key in doc: a {"key": key, "value": v} pair or an object's
// key, lists in order.
func lookup(doc any, key string, depth int) (any, bool) {
	if depth > maxSpecDepth {
		return nil, false
	}
	switch d := doc.(type) {
	case map[string]any:
		if k, ok := d["key"].(string); ok && strings.EqualFold(strings.TrimSpace(k), key) {
			if v, ok := d["value"]; ok {
				return specScalar(v), true
			}
		}
		// Sorted, so a key found at two places gives the same answer
		// every time.
		keys := make([]string, 0, len(d))
		for k := range d {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if strings.EqualFold(strings.TrimSpace(k), key) {
				return specScalar(d[k]), true
			}
		}
		for _, k := range keys {
			if found, ok := lookup(d[k], key, depth+1); ok {
				return found, true
			}
		}
	case []any:
		for _, v := range d {
			if found, ok := lookup(v, key, depth+1); ok {
				return found, true
			}
		}
	}
	return nil, false
}

// specScalar renders a found value as a raw value Clean accepts: lists of
// scalars join with ", ", objects become their JSON text.
func specScalar(v any) any {
	switch x := v.(type) {
	case []any:
		parts := make([]string, 0, len(x))
		for _, p := range x {
			if str, err := rawString(specScalar(p)); err == nil && str != "" {
				parts = append(parts, str)
			}
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return v
}

// rubyToJSON rewrites a Ruby hash literal as JSON: "=>" becomes ":" and
// nil becomes null outside double-quoted strings.
func rubyToJSON(s string) string {
	var b strings.Builder
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			b.WriteByte(c)
			if c == '\\' && i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
			b.WriteByte(c)
		case c == '=' && i+1 < len(s) && s[i+1] == '>':
			b.WriteByte(':')
			i++
		case strings.HasPrefix(s[i:], "nil") && !isIdentByte(s, i-1) && !isIdentByte(s, i+3):
			b.WriteString("null")
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isIdentByte(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	c := s[i]
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// SpecKeys lists the keys of a key/value specification as ExtractValue
// reads it ({"key": K, "value": V} pairs and object keys other than those
// of a pair), in document order where the document has one, without
// duplicates; nil when s is no specification. tessera init proposes
// extract fields from them.
func SpecKeys(s string) []string {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
		return nil
	}
	var doc any
	if err := json.Unmarshal([]byte(t), &doc); err != nil {
		if err := json.Unmarshal([]byte(rubyToJSON(t)), &doc); err != nil {
			return nil
		}
	}
	var keys []string
	seen := map[string]bool{}
	var walk func(any, int)
	walk = func(doc any, depth int) {
		if depth > maxSpecDepth {
			return
		}
		switch d := doc.(type) {
		case map[string]any:
			if k, ok := d["key"].(string); ok {
				if _, ok := d["value"]; ok {
					if k = strings.TrimSpace(k); k != "" && !seen[k] {
						seen[k] = true
						keys = append(keys, k)
					}
					return
				}
			}
			if _, ok := d["value"]; ok && len(d) == 1 {
				return // a value without a key (Flipkart's care notes)
			}
			names := make([]string, 0, len(d))
			for k := range d {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				switch d[k].(type) {
				case map[string]any, []any:
					walk(d[k], depth+1)
				default:
					if k = strings.TrimSpace(k); k != "" && !seen[k] {
						seen[k] = true
						keys = append(keys, k)
					}
				}
			}
		case []any:
			for _, v := range d {
				walk(v, depth+1)
			}
		}
	}
	walk(doc, 0)
	return keys
}
