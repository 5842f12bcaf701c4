package hnsw

// cand is a node with its score against the current query. Scores are
// "higher is closer" for every metric (negated distance for L2).
type cand struct {
	score float32
	id    uint32
}

// maxHeap pops the best (highest score) candidate first: the frontier of a
// layer search. Hand-written instead of container/heap to avoid the interface
// boxing that would allocate on every push.
type maxHeap []cand

func (h *maxHeap) push(c cand) {
	s := append(*h, c)
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].score >= s[i].score {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
	*h = s
}

func (h *maxHeap) pop() cand {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && s[r].score > s[l].score {
			j = r
		}
		if s[i].score >= s[j].score {
			break
		}
		s[i], s[j] = s[j], s[i]
		i = j
	}
	*h = s
	return top
}

// minHeap keeps the worst of the current best-ef results on top so it can
// be evicted in O(log ef) when a better node arrives.
type minHeap []cand

func (h *minHeap) push(c cand) {
	s := append(*h, c)
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].score <= s[i].score {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
	*h = s
}

// keep adds c when h holds fewer than k candidates or c beats the worst.
func (h *minHeap) keep(c cand, k int) {
	if len(*h) < k {
		h.push(c)
	} else if c.score > (*h)[0].score {
		(*h)[0] = c
		h.fix0()
	}
}

func (h *minHeap) pop() cand {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	s.fix0()
	*h = s
	return top
}

// drainDesc empties h into dst ordered by descending score.
func (h *minHeap) drainDesc(dst []cand) []cand {
	n := len(*h)
	start := len(dst)
	for range n {
		dst = append(dst, cand{})
	}
	for i := n - 1; i >= 0; i-- {
		dst[start+i] = h.pop()
	}
	return dst
}

// fix0 restores heap order after the top element was replaced.
func (h minHeap) fix0() {
	n := len(h)
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		j := l
		if r := l + 1; r < n && h[r].score < h[l].score {
			j = r
		}
		if h[i].score <= h[j].score {
			return
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
}
