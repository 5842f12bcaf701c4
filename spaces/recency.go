package spaces

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// recencySpace is Superlinked's RecencySpace. For each period p with weight
// w the item part is [w·cos φ, w·sin φ], φ = (π/2)·(t − start_p)/(end − start_p),
// end = the next UTC midnight (plus an offset), start_p = end − p. Items older
// than the largest period get zeros plus negative_filter in one extra
// dimension. The part is normalised by √Σw². Queries encode "now".
//
// as_of replaces "now" with a fixed date, or with the newest value learned
// (as_of: newest), on both sides, so an old dataset keeps its spread.
type recencySpace struct {
	s       *SpaceSpec
	periods []Period
	norm    float64
	offset  time.Duration
	asOf    time.Time // a fixed as_of; zero when none
	newest  bool      // as_of: newest
	// newestNanos is the newest learned value in Unix nanoseconds, noNewest
	// before any. Prepare learns while workers encode, hence atomic.
	newestNanos atomic.Int64
}

// noNewest marks that no value has been learned; UnixNano never yields it
// for the years learn accepts.
const noNewest = math.MinInt64

func newRecencySpace(s *SpaceSpec) *recencySpace {
	r := &recencySpace{s: s, periods: s.Periods, offset: time.Duration(s.OffsetHours * float64(time.Hour))}
	switch s.AsOf {
	case "":
	case asOfNewest:
		r.newest = true
		r.newestNanos.Store(noNewest)
	default:
		r.asOf, _ = parseAsOf(s.AsOf) // validated by ParseSchema
	}
	if len(r.periods) == 0 {
		r.periods = []Period{{Days: 14, Weight: 1}}
	}
	var sum float64
	for i, p := range r.periods {
		if p.Weight == 0 {
			r.periods[i].Weight = 1
		}
		sum += r.periods[i].Weight * r.periods[i].Weight
	}
	r.norm = math.Sqrt(sum)
	return r
}

func (r *recencySpace) spec() *SpaceSpec { return r.s }
func (r *recencySpace) dim() int         { return 2*len(r.periods) + 1 }
func (r *recencySpace) negDims() int     { return 1 }

// reference is the space's "now": as_of when fixed, the newest learned
// value under as_of: newest (the clock until one is learned), else now.
func (r *recencySpace) reference(now time.Time) time.Time {
	switch {
	case !r.asOf.IsZero():
		return r.asOf
	case r.newest:
		if n := r.newestNanos.Load(); n != noNewest {
			return time.Unix(0, n).UTC()
		}
	}
	return now
}

// learn records t as the newest value when it is; it reports whether the
// reference moved.
func (r *recencySpace) learn(t time.Time) bool {
	// UnixNano is undefined outside 1678–2262.
	if !r.newest || t.Year() < 1678 || t.Year() > 2261 {
		return false
	}
	n := t.UnixNano()
	for {
		old := r.newestNanos.Load()
		if old != noNewest && n <= old {
			return false
		}
		if r.newestNanos.CompareAndSwap(old, n) {
			return true
		}
	}
}

// end is the reference instant: the next UTC midnight after the space's
// reference, plus offset.
func (r *recencySpace) end(now time.Time) time.Time {
	y, m, d := r.reference(now).UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC).Add(r.offset)
}

func (r *recencySpace) encode(t, now time.Time, dst []float32, query bool) {
	clear(dst)
	end := r.end(now)
	inAny := false
	for i, p := range r.periods {
		length := time.Duration(p.Days * float64(24*time.Hour))
		start := end.Add(-length)
		if t.Before(start) {
			continue
		}
		inAny = true
		frac := float64(t.Sub(start)) / float64(length)
		if frac > 1 {
			frac = 1
		}
		phi := math.Pi / 2 * frac
		dst[2*i] = float32(p.Weight * math.Cos(phi) / r.norm)
		dst[2*i+1] = float32(p.Weight * math.Sin(phi) / r.norm)
	}
	last := len(dst) - 1
	if query {
		dst[last] = 1
	} else if !inAny {
		dst[last] = float32(r.s.NegativeFilter)
	}
}

func (r *recencySpace) item(v any, now time.Time, dst []float32) error {
	if v == nil {
		clear(dst)
		return nil
	}
	t, ok := v.(time.Time)
	if !ok {
		return fmt.Errorf("space %s: value %v (%T) is not a time", r.s.Name, v, v)
	}
	r.encode(t, now, dst, false)
	return nil
}

func (r *recencySpace) query(now time.Time, dst []float32) {
	r.encode(r.reference(now), now, dst, true)
}
