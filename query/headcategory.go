package query

import "github.com/tessera-search/tessera/index/lexical"

// steerToHeadCategory is steerToNamedCategory for a query whose labels
// match names no category as a whole but whose head does: "5g phone" and
// "android phone" name no category ("5g" and "android" are in no label),
// yet their head, phone, names Smartphones (a compound is a kind of its
// last part). The phones' titles ("Redmi Note 11T 5G …") never say phone,
// while stands and holders say "Phone Stand": the catalogue's own filing
// is the evidence that one is a phone and the other is not. An item whose
// labels name the head less precisely than the best (headLabels) loses up
// to steerShare of its relevance, as in steerToNamedCategory.
//
// It acts only when some item whose labels name the head is already
// within bandRatio of the best relevance, so that the filing decides
// among items the text found on topic and never drags a category up from
// below: without that guard "running shoes" in the demo catalogue steered
// to Clothing & Shoes, away from the running shoes filed under Sports &
// Outdoors (weighted NDCG@10 0.937 → 0.902).
//
// Weighted NDCG@10 (Amazon / demo / the untuned raw-file run): 0.907 /
// 0.842 / 0.909 → 0.916 / 0.842 / 0.917 ("5g phone" 0.095 → 0.617,
// "wifi router" 0.906 → 0.996; "fast charger adapter", whose head names
// adapters, 0.430 → 0.407 and 0.501 → 0.407 on the raw file); text-only
// 0.759 / 0.813 / 0.762 → 0.774 / 0.813 / 0.775. Shares of 0.2, 0.4 and
// 0.5 scored 0.909, 0.913 and 0.913 on Amazon; a head named by any label
// word counting fully (not by the label's precision) 0.905.
func steerToHeadCategory(cands []candidate, plans []textPlan, weights []float64, textWeight float64, named func(textPlan, *candidate) float64, steered []bool) {
	match := make([]float64, len(cands))
	for pi, tp := range plans {
		if steered[pi] || !tp.dynamic || tp.labels < 0 {
			continue
		}
		best, bestRel, namedRel := 0.0, 0.0, 0.0
		for i := range cands {
			// Labels that name the head hold its term (the labels
			// field indexes compound heads), so only candidates with a
			// label match are asked.
			match[i] = 0
			if len(cands[i].hit.Lex) > 0 && cands[i].hit.Lex[tp.labels] > 0 {
				match[i] = named(tp, &cands[i])
			}
			if match[i] > 0 {
				namedRel = max(namedRel, cands[i].rel)
			}
			best = max(best, match[i])
			bestRel = max(bestRel, cands[i].rel)
		}
		if best == 0 || namedRel < bandRatio*bestRel {
			continue
		}
		share := steerShare * weights[tp.space] / textWeight
		for i := range cands {
			cands[i].rel *= 1 - share*(1-match[i]/best)
		}
	}
}

// headLabels scores how precisely a candidate's labels name the query's
// head word (lexical.Head): for each label value, the share of its words
// that are the head (1 each) or a compound ending in it (HeadWeight:
// "Smartphones" for phone); a candidate scores its best label. So
// Smartphones (½) names phone better than Smartphones&BasicMobiles (⅙),
// the union category a keypad phone is also filed under.
type headLabels struct {
	head  []string // the head's terms; nil: the query has no head apart from itself
	cache map[string]float64
	terms []string
}

func newHeadLabels(text string) *headLabels {
	return &headLabels{head: lexical.Head(text), cache: map[string]float64{}}
}

// of is the best precision among a candidate's labels.
func (h *headLabels) of(labels []label) float64 {
	if len(h.head) == 0 {
		return 0
	}
	best := 0.0
	for _, l := range labels {
		best = max(best, h.label(l.value))
	}
	return best
}

// label is one label value's precision, computed once per query.
func (h *headLabels) label(value string) float64 {
	if c, ok := h.cache[value]; ok {
		return c
	}
	h.terms = lexical.Terms(value, h.terms[:0])
	words, hit := 0, 0.0
	for i, t := range h.terms {
		if joined(h.terms[:i], t) {
			continue
		}
		words++
		w := 0.0
		for _, q := range h.head {
			if q == t {
				w = 1
			} else if lexical.IsHead(q, t) {
				w = max(w, lexical.HeadWeight)
			}
		}
		hit += w
	}
	c := 0.0
	if words > 0 {
		c = hit / float64(words)
	}
	h.cache[value] = c
	return c
}
