package read

import (
	"encoding/json"
	"errors"
	"fmt"
)

// errNotObject marks a JSON record that is not an object.
var errNotObject = errors.New("not a JSON object")

// decodeObject reads one JSON object whose "{" the decoder has just
// returned, keeping its keys in document order (a map would lose it) and
// turning numbers into int64 or float64. Later duplicate keys win, as in
// encoding/json.
func decodeObject(dec *json.Decoder) (map[string]any, []string, error) {
	values := make(map[string]any)
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, nil, fmt.Errorf("object key is %v", tok)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		if _, dup := values[key]; !dup {
			keys = append(keys, key)
		}
		values[key] = normalizeNumbers(v)
	}
	if _, err := dec.Token(); err != nil { // the closing "}"
		return nil, nil, err
	}
	return values, keys, nil
}

// normalizeNumbers replaces json.Number (the decoder uses UseNumber so that
// large integer ids keep their precision) by int64 when the number is an
// integer that fits, float64 otherwise.
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, err := x.Float64()
		if err != nil {
			return x.String() // out of float64 range: keep the text
		}
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
	}
	return v
}

// skipValue consumes the rest of a value whose first token was tok.
func skipValue(dec *json.Decoder, tok json.Token) error {
	d, ok := tok.(json.Delim)
	if !ok || d == '}' || d == ']' {
		return nil
	}
	for depth := 1; depth > 0; {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
			default:
				depth--
			}
		}
	}
	return nil
}

// columnSet collects JSON keys in order of first appearance.
type columnSet struct {
	cols []string
	seen map[string]bool
}

func (c *columnSet) add(keys []string) {
	if c.seen == nil {
		c.seen = make(map[string]bool)
	}
	for _, k := range keys {
		if !c.seen[k] {
			c.seen[k] = true
			c.cols = append(c.cols, k)
		}
	}
}
