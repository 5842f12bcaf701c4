package query

import (
	"cmp"
	"math"
	"slices"
)

// Category affinity is pseudo-relevance feedback from the catalogue's own
// labels: the best text matches for "led tv" are mostly filed under
// Televisions, so a remote control that also says "LED TV" in its title,
// but is filed under Remote Controls, is less likely what was asked for.
const (
	// affinityTop is how many of the most relevant candidates vote.
	affinityTop = 10
	// affinityShare is the most relevance an item can lose for sharing
	// none of the voters' specific labels.
	affinityShare = 0.5
	// steerMin is the label match that makes a query name a category;
	// steerShare the most relevance an item filed elsewhere loses.
	steerMin   = 0.5
	steerShare = 0.3
)

// steerToNamedCategory: when the query names a category of the catalogue
// (some candidate's labels hold most of the query's words: "smartphone" →
// Smartphones), an item filed elsewhere loses up to steerShare of its
// relevance, in proportion to how much less of the query its labels name
// than the best. A label's match is its BM25 score weighted by how
// precisely it names the query (labelCoverage), so a cable whose title
// says "Smartphone" ranks below the phones filed under Smartphones, and a
// keypad phone filed under Smartphones&BasicMobiles between the two. A
// query that names no category (the best BM25 label match is under
// steerMin) steers nothing.
func steerToNamedCategory(cands []candidate, plans []textPlan, weights []float64, textWeight float64, cover func(textPlan, *candidate) float64) (steered []bool) {
	steered = make([]bool, len(plans))
	for pi, tp := range plans {
		if !tp.dynamic || tp.labels < 0 {
			continue
		}
		best := 0.0
		for i := range cands {
			if len(cands[i].hit.Lex) > 0 {
				best = max(best, cands[i].hit.Lex[tp.labels])
			}
		}
		if best < steerMin {
			continue
		}
		// A candidate without a label match has l = 0 whatever its
		// labels' precision: only the others are asked.
		match := make([]float64, len(cands))
		bestPrecise := 0.0
		for i := range cands {
			if len(cands[i].hit.Lex) > 0 && cands[i].hit.Lex[tp.labels] > 0 {
				match[i] = cands[i].hit.Lex[tp.labels] * cover(tp, &cands[i])
				bestPrecise = max(bestPrecise, match[i])
			}
		}
		if bestPrecise == 0 {
			continue
		}
		share := steerShare * weights[tp.space] / textWeight
		for i := range cands {
			cands[i].rel *= 1 - share*(1-match[i]/bestPrecise)
		}
		steered[pi] = true
	}
	return steered
}

// applyAffinity scales each candidate's relevance by how much its labels
// (the values of the label fields) agree with those of the affinityTop
// most relevant candidates, each label weighted by its rarity in the pool
// so that a label every candidate has ("Electronics") says nothing. An
// item as typical of the voters as they are of themselves keeps its
// relevance; one sharing nothing with them loses affinityShare of it.
// Without label fields, or with fewer candidates than voters, nothing
// changes.
func applyAffinity(cands []candidate, labelFields int) {
	if labelFields == 0 || len(cands) <= affinityTop {
		return
	}
	// Labels are interned once, per field by value (hashing one string,
	// not a field/value pair): every later step indexes slices.
	ids := make([]map[string]int, labelFields)
	for f := range ids {
		ids[f] = map[string]int{}
	}
	// Candidate i's labels are flat[start[i]:start[i+1]].
	start := make([]int, len(cands)+1)
	flat := make([]int, 0, 4*len(cands))
	var df []int
	for i := range cands {
		for _, l := range cands[i].labels {
			id, ok := ids[l.field][l.value]
			if !ok {
				id = len(df)
				ids[l.field][l.value] = id
				df = append(df, 0)
			}
			flat = append(flat, id)
			df[id]++
		}
		start[i+1] = len(flat)
	}
	labels := func(i int) []int { return flat[start[i]:start[i+1]] }
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(cands[b].rel, cands[a].rel) })
	votes := make([]float64, len(df))
	for _, i := range order[:affinityTop] {
		for _, l := range labels(i) {
			votes[l] += 1.0 / affinityTop
		}
	}
	n := float64(len(cands))
	idf := make([]float64, len(df))
	for l, d := range df {
		idf[l] = math.Log(1 + n/float64(d))
	}
	affinity := func(ls []int) (float64, bool) {
		var num, den float64
		for _, l := range ls {
			num += idf[l] * votes[l]
			den += idf[l]
		}
		if den == 0 {
			return 0, false
		}
		return num / den, true
	}
	var typical float64
	voters := 0
	for _, i := range order[:affinityTop] {
		if a, ok := affinity(labels(i)); ok {
			typical += a
			voters++
		}
	}
	if voters == 0 || typical == 0 {
		return
	}
	typical /= float64(voters)
	for i := range cands {
		a, ok := affinity(labels(i))
		if !ok {
			continue // an item without labels is neither helped nor hurt
		}
		cands[i].rel *= 1 - affinityShare + affinityShare*min(1, a/typical)
	}
}

// label is one value of one label field (its index in the label fields).
type label struct {
	field int
	value string
}

// readLabels sets each candidate's labels, appended to dst, and returns
// dst.
func readLabels(cands []candidate, labelFields []string, dst []label) []label {
	for i := range cands {
		n := len(dst)
		dst = labelsOf(cands[i].hit.Fields, labelFields, dst)
		cands[i].labels = dst[n:len(dst):len(dst)]
	}
	return dst
}

// labelsOf appends a document's label values.
func labelsOf(fields map[string]any, labelFields []string, dst []label) []label {
	for fi, f := range labelFields {
		switch v := fields[f].(type) {
		case string:
			dst = append(dst, label{fi, v})
		case []string:
			for _, s := range v {
				dst = append(dst, label{fi, s})
			}
		case []any:
			for _, s := range v {
				if s, ok := s.(string); ok {
					dst = append(dst, label{fi, s})
				}
			}
		}
	}
	return dst
}
