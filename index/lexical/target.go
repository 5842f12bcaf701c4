package lexical

import "sync"

// Accessory titles. A product title names its own thing first and what it
// is for after a connector: "Case for Fire TV Remote", "Wall Charger for
// Mobile Phones", "Screen Protector for iPhone 13". Such an item holds
// every word of "tv remote" or "iphone 13", yet it is a case or a screen
// protector. The title's own noun comes before its first connector (its
// lead); the connector's phrase, up to the next punctuation mark, names
// the target. A title whose lead lacks the query's head word while that
// phrase holds it names the head only as its target: "Remote Compatible
// for Mi Smart LED TV" is a remote ("remote" is in its lead), "Case for
// Firetv Remote, Fire Stick Remote Cover Case" is not (its lead is "Case",
// and the later "Remote Cover Case" is a compound whose head is case).
//
// The connectors are the English ones product titles use for a target:
// "for" (also "suitable for", "compatible for"), "fits", and "with" after
// "works", "work" or "compatible". A lone "compatible" is not one: titles
// say "Compatible Tata Sky Remote" for a remote. Commas end the phrase
// ("Running Shoes for Men, Black"; "… for Men, Running Shoes" keeps its
// shoes), unlike the index's accessory damping, which runs to the next
// stronger mark and is part of what an index stores.

// TargetTest tells whether a title names a query's head word only as the
// target of an accessory phrase. It is safe for concurrent use.
type TargetTest struct {
	head group
	ok   bool // the query has a head word
}

// NewTargetTest prepares the test for query: its head is the word Head
// names, or the query's one word when it has only one.
func NewTargetTest(query string) *TargetTest {
	q := prepare(query)
	t := &TargetTest{}
	if len(q.groups) == 1 && !q.groups[0].accessory {
		t.head, t.ok = q.groups[0], true
	}
	for _, g := range q.groups {
		if g.boost == headBoost {
			t.head, t.ok = g, true
		}
	}
	return t
}

var targetAnalyzers = sync.Pool{New: func() any { return new(analyzer) }}

// OnlyTarget says whether title holds the query's head word in the phrase
// of its first connector and not before that connector. A title that
// starts with a connector ("For iPhone 13, …") has no lead to judge and is
// never an accessory by this test.
func (t *TargetTest) OnlyTarget(title string) bool {
	if !t.ok {
		return false
	}
	cut, ok := connectorSegment(title)
	if !ok {
		return false
	}
	a := targetAnalyzers.Get().(*analyzer)
	defer targetAnalyzers.Put(a)
	a.run(title[:cut], false)
	if firstConnector(a) < 0 && cut < len(title) {
		// The scan's word was no connector ("Ready-for-use", "Earbuds
		// with Mic, Case for …"): read the whole title.
		a.run(title, false)
	}
	return t.judge(a)
}

// judge is OnlyTarget's verdict on an analysed title.
func (t *TargetTest) judge(a *analyzer) bool {
	c := firstConnector(a)
	if c <= 0 {
		return false
	}
	seg := a.words[c].seg
	if t.held(a, func(w int32) bool { return int(w) < c }) {
		return false
	}
	return t.held(a, func(w int32) bool { return int(w) > c && a.words[w].seg == seg })
}

// firstConnector returns the index of the first connector word of an
// analysed text, or -1.
func firstConnector(a *analyzer) int {
	for i := range a.words {
		if connector(a.raw, a.words, i) {
			return i
		}
	}
	return -1
}

// connectorSegment finds, by a scan of the bytes, the first "for", "fits"
// or "with" standing alone (between characters that are not ASCII letters
// or digits) and returns the end of the segment it starts: the next comma
// or phrase end (endsPhrase). The analyzer then reads only text[:end],
// which holds the lead and the connector's phrase: a long title costs
// what its first clauses cost (BenchmarkOnlyTarget). ok is false when
// there is no such word: the title has no connector.
func connectorSegment(text string) (end int, ok bool) {
	at := -1
	for i := 0; i+3 <= len(text); i++ {
		if i > 0 && isAlnumASCII(text[i-1]) {
			continue
		}
		for _, w := range [...]string{"for", "fits", "with"} {
			if i+len(w) <= len(text) && equalFoldASCII(text[i:i+len(w)], w) && (i+len(w) == len(text) || !isAlnumASCII(text[i+len(w)])) {
				at = i + len(w)
				break
			}
		}
		if at >= 0 {
			break
		}
	}
	if at < 0 {
		return 0, false
	}
	for i := at; i < len(text); i++ {
		if c := text[i]; c == ',' || c < 0x80 && endsPhrase(rune(c), text, i+1) {
			return i, true
		}
	}
	return len(text), true
}

// equalFoldASCII compares s with the lowercase ASCII word w, ignoring
// case.
func equalFoldASCII(s, w string) bool {
	for i := 0; i < len(w); i++ {
		if lowerASCII(s[i]) != w[i] {
			return false
		}
	}
	return true
}

// connector says whether word i of an analysed text starts a target
// phrase.
func connector(raw []byte, words []word, i int) bool {
	switch string(raw[words[i].start:words[i].end]) {
	case "for", "fits":
		return true
	case "with":
		if i == 0 {
			return false
		}
		switch string(raw[words[i-1].start:words[i-1].end]) {
		case "works", "work", "compatible":
			return true
		}
	}
	return false
}

// held says whether some word that in accepts holds the head: its joined
// form, or all its parts.
func (t *TargetTest) held(a *analyzer, in func(w int32) bool) bool {
	for i := 0; i < len(a.toks); {
		w := a.toks[i].word
		parts := 0
		for ; i < len(a.toks) && a.toks[i].word == w; i++ {
			if !in(w) {
				continue
			}
			term := string(a.arena[a.toks[i].start:a.toks[i].end])
			if t.head.joined != "" && term == t.head.joined {
				return true
			}
			for _, p := range t.head.parts {
				if p == term {
					parts++
				}
			}
		}
		if parts > 0 && parts >= len(t.head.parts) {
			return true
		}
	}
	return false
}
