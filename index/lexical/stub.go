// Package lexical: TEMPORARY STUB until the real package lands.
package lexical

import (
	"fmt"
	"math"
	"strings"
	"unicode"
)

type Hit struct {
	Slot  uint32
	Score float64
}

type Index struct {
	fields []string
	docs   map[uint32]map[string]map[string]bool
	df     map[string]map[string]int
}

func New(fields []string) *Index {
	x := &Index{fields: fields, docs: map[uint32]map[string]map[string]bool{}, df: map[string]map[string]int{}}
	for _, f := range fields {
		x.df[f] = map[string]int{}
	}
	return x
}

func Terms(text string, dst []string) []string {
	for _, t := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		dst = append(dst, strings.TrimSuffix(t, "s"))
	}
	return dst
}

func textOf(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		var b []string
		for _, e := range x {
			b = append(b, fmt.Sprint(e))
		}
		return strings.Join(b, " ")
	}
	return fmt.Sprint(v)
}

func (x *Index) Set(slot uint32, doc map[string]any) {
	x.Delete(slot)
	d := map[string]map[string]bool{}
	for _, f := range x.fields {
		set := map[string]bool{}
		for _, t := range Terms(textOf(doc[f]), nil) {
			if !set[t] {
				set[t] = true
				x.df[f][t]++
			}
		}
		d[f] = set
	}
	x.docs[slot] = d
}

func (x *Index) Delete(slot uint32) {
	if d, ok := x.docs[slot]; ok {
		for f, set := range d {
			for t := range set {
				x.df[f][t]--
			}
		}
		delete(x.docs, slot)
	}
}

func (x *Index) Len() int     { return len(x.docs) }
func (x *Index) Bytes() int64 { return 0 }

type Query struct {
	words []string
	terms []string
}

func (x *Index) Prepare(text string) *Query {
	q := &Query{}
	for _, w := range strings.Fields(strings.ToLower(text)) {
		q.words = append(q.words, w)
	}
	q.terms = Terms(text, nil)
	return q
}

func (x *Index) idf(f, t string) float64 {
	n := float64(len(x.docs))
	return math.Log(1 + (n-float64(x.df[f][t])+0.5)/(float64(x.df[f][t])+0.5))
}

func (x *Index) Score(q *Query, field string, slot uint32) float64 {
	d := x.docs[slot]
	var num, den float64
	for _, t := range q.terms {
		w := x.idf(field, t)
		den += w
		if d[field][t] {
			num += w
		}
	}
	if den == 0 {
		return 0
	}
	return num / den
}

func (x *Index) Top(q *Query, field string, k int, allow func(uint32) bool) []Hit {
	var out []Hit
	for s := range x.docs {
		if allow != nil && !allow(s) {
			continue
		}
		if sc := x.Score(q, field, s); sc > 0 {
			out = append(out, Hit{s, sc})
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && (out[j].Score > out[j-1].Score || (out[j].Score == out[j-1].Score && out[j].Slot < out[j-1].Slot)); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	if len(out) > k {
		out = out[:k]
	}
	return out
}

func (x *Index) Matched(q *Query, slot uint32) []string {
	var out []string
	for _, w := range q.words {
		for _, f := range x.fields {
			if x.docs[slot][f][strings.TrimSuffix(w, "s")] {
				out = append(out, w)
				break
			}
		}
	}
	return out
}
