package spaces

import (
	"fmt"
	"math"
	"sync"
)

// defaultMaxCategories is the number of slots a category space learns when
// its categories are not listed. The dimension must be fixed before the
// first row, so learned spaces reserve room up front.
const defaultMaxCategories = 64

// categorySpace is Superlinked's CategoricalSimilaritySpace: N slots plus
// one for "other"; an item has 1/√N on its categories and negative_filter
// elsewhere; a query for k categories has √N/k on them.
type categorySpace struct {
	s     *SpaceSpec
	n     int
	learn bool

	mu    sync.RWMutex
	slots map[string]int
	names []string
}

func newCategorySpace(s *SpaceSpec) *categorySpace {
	c := &categorySpace{s: s, slots: map[string]int{}}
	c.n = len(s.Categories)
	if s.MaxCategories > c.n {
		c.n = s.MaxCategories
	}
	if len(s.Categories) == 0 {
		c.learn = true
		if c.n == 0 {
			c.n = defaultMaxCategories
		}
	}
	for _, name := range s.Categories {
		c.add(name)
	}
	return c
}

func (c *categorySpace) spec() *SpaceSpec { return c.s }
func (c *categorySpace) dim() int         { return c.n + 1 }
func (c *categorySpace) negDims() int     { return 0 }

func (c *categorySpace) add(name string) int {
	if i, ok := c.slots[name]; ok {
		return i
	}
	i := len(c.names)
	c.slots[name] = i
	c.names = append(c.names, name)
	return i
}

// slot returns the category's slot, learning it when there is room; the
// "other" slot (index n) takes everything else.
func (c *categorySpace) slot(name string, learn bool) int {
	c.mu.RLock()
	i, ok := c.slots[name]
	c.mu.RUnlock()
	if ok {
		return i
	}
	if !learn || !c.learn {
		return c.n
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if i, ok := c.slots[name]; ok {
		return i
	}
	if len(c.names) >= c.n {
		return c.n
	}
	return c.add(name)
}

// learnName adds name when there is room and reports whether it was new.
func (c *categorySpace) learnName(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.slots[name]; ok || len(c.names) >= c.n {
		return false
	}
	c.add(name)
	return true
}

// vocabulary lists the known categories in slot order.
func (c *categorySpace) vocabulary() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]string(nil), c.names...)
}

// restore re-learns a persisted vocabulary, in slot order.
func (c *categorySpace) restore(names []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, name := range names {
		if j, ok := c.slots[name]; ok && j != i {
			return fmt.Errorf("space %s: category %q is in slot %d, the saved vocabulary has it in %d", c.s.Name, name, j, i)
		}
		if i >= c.n {
			return fmt.Errorf("space %s: saved vocabulary has %d categories, the space holds %d", c.s.Name, len(names), c.n)
		}
		c.add(name)
	}
	return nil
}

func categoryValues(v any) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		if x == "" {
			return nil, nil
		}
		return []string{x}, nil
	case []string:
		return x, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("category value %v (%T) is not a string", e, e)
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("category value %v (%T) is not a string or list of strings", v, v)
	}
}

func (c *categorySpace) item(v any, dst []float32) error {
	clear(dst)
	cats, err := categoryValues(v)
	if err != nil {
		return fmt.Errorf("space %s: %w", c.s.Name, err)
	}
	if len(cats) == 0 {
		return nil
	}
	if nf := float32(c.s.NegativeFilter); nf != 0 {
		for i := range dst {
			dst[i] = nf
		}
	}
	on := float32(1 / math.Sqrt(float64(c.n)))
	// Categories are learned by Encoder.Learn, in source order, before
	// encoding: an unknown one here goes to "other". That keeps encode-only
	// requests from filling the vocabulary.
	for _, name := range cats {
		dst[c.slot(name, false)] = on
	}
	return nil
}

func (c *categorySpace) query(v any, dst []float32) (bool, error) {
	clear(dst)
	cats, err := categoryValues(v)
	if err != nil {
		return false, fmt.Errorf("space %s: %w", c.s.Name, err)
	}
	if len(cats) == 0 {
		return false, nil
	}
	slots := make(map[int]bool, len(cats))
	for _, name := range cats {
		slots[c.slot(name, false)] = true
	}
	val := float32(math.Sqrt(float64(c.n)) / float64(len(slots)))
	for i := range slots {
		dst[i] = val
	}
	return true, nil
}
