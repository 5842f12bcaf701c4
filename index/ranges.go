package index

import (
	"math"
	"slices"

	"github.com/bits-and-blooms/bitset"
)

// numberRanges answers range filters on a numeric column without reading
// every row: the values are cut into buckets at quantiles of the column,
// and below[i] holds the rows whose bucket is under i. A range's rows are
// then the interior buckets at once (below[hi] &^ below[lo+1], a word at a
// time) and the rows of at most two edge buckets, whose values each
// bucket keeps beside its slots, so that testing them reads two short
// arrays in order instead of the column at scattered slots. Missing
// values (NaN) are in no bucket, and so pass no range, as in a scan.
//
// A price window over 1M rows scanned every row twice (one pass per bound:
// 8 MB of floats each) and took 26 % of the CPU of tessera-bench scale's
// HTTP phase. With 64 buckets a range reads two 125 kB bitsets and tests
// about 1/32 of the rows; testing them at their slots in the column was
// still 9 % of that CPU (a cache miss a row), hence the values kept by
// bucket. The cost is 24 bytes a row per filtered numeric field, and up
// to 64 bit updates when a row's value moves buckets.
type numberRanges struct {
	bounds []float64        // ascending; bucket b holds [bounds[b-1], bounds[b])
	below  []*bitset.BitSet // len(bounds)+2: below[i] holds the rows of bucket < i
	rows   []bucketRows     // by bucket
	pos    []uint32         // by slot: its index in its bucket's rows
}

// bucketRows are a bucket's rows and their values, in no order.
type bucketRows struct {
	slots []uint32
	vals  []float64
}

// rangeBuckets is the most buckets a column is cut into.
const rangeBuckets = 64

// rangeMinRows is the column length from which a range index is kept:
// below it a scan costs microseconds.
const rangeMinRows = 4096

// bucket returns x's bucket: how many bounds are at most x.
func (r *numberRanges) bucket(x float64) int {
	i, found := slices.BinarySearch(r.bounds, x)
	if found {
		i++
	}
	return i
}

// newNumberRanges cuts nums into buckets at quantiles of its values and
// fills the bitsets; it returns nil when nums holds no value.
func newNumberRanges(nums []float64) *numberRanges {
	var sample []float64
	step := max(1, len(nums)/(16*rangeBuckets*8))
	for i := 0; i < len(nums); i += step {
		if x := nums[i]; !math.IsNaN(x) {
			sample = append(sample, x)
		}
	}
	if len(sample) == 0 {
		return nil
	}
	slices.Sort(sample)
	r := &numberRanges{}
	for i := 1; i < rangeBuckets; i++ {
		x := sample[i*len(sample)/rangeBuckets]
		if len(r.bounds) == 0 || x > r.bounds[len(r.bounds)-1] {
			r.bounds = append(r.bounds, x)
		}
	}
	nb := len(r.bounds) + 1
	// One bitset per bucket first, then prefix unions: a bit per row and
	// a word pass per bucket, not a bit per row and bucket.
	of := make([]*bitset.BitSet, nb)
	for b := range of {
		of[b] = bitset.New(uint(len(nums)))
	}
	r.rows = make([]bucketRows, nb)
	r.pos = make([]uint32, len(nums))
	for s, x := range nums {
		if !math.IsNaN(x) {
			b := r.bucket(x)
			of[b].Set(uint(s))
			r.add(b, uint32(s), x)
		}
	}
	r.below = make([]*bitset.BitSet, nb+1)
	r.below[0] = bitset.New(uint(len(nums)))
	for b := range nb {
		r.below[b+1] = r.below[b].Union(of[b])
	}
	return r
}

// move records that slot s's value changed from old to x (either NaN).
func (r *numberRanges) move(s uint32, old, x float64) {
	nb := len(r.bounds) + 1
	from, to := nb, nb // NaN: in no below set
	if !math.IsNaN(old) {
		from = r.bucket(old)
	}
	if !math.IsNaN(x) {
		to = r.bucket(x)
	}
	if from < nb {
		r.remove(from, s)
	}
	if to < nb {
		r.add(to, s, x)
	}
	// s is in below[i] for i > its bucket.
	for i := to + 1; i <= from; i++ {
		r.below[i].Set(uint(s))
	}
	for i := from + 1; i <= to; i++ {
		r.below[i].Clear(uint(s))
	}
}

// add puts slot s, of value x, in bucket b's rows.
func (r *numberRanges) add(b int, s uint32, x float64) {
	if int(s) >= len(r.pos) {
		r.pos = slices.Grow(r.pos, int(s)+1-len(r.pos))[:int(s)+1]
	}
	rb := &r.rows[b]
	r.pos[s] = uint32(len(rb.slots))
	rb.slots = append(rb.slots, s)
	rb.vals = append(rb.vals, x)
}

// remove takes slot s out of bucket b's rows, moving the last into its
// place.
func (r *numberRanges) remove(b int, s uint32) {
	rb := &r.rows[b]
	i, last := r.pos[s], len(rb.slots)-1
	moved := rb.slots[last]
	rb.slots[i], rb.vals[i] = moved, rb.vals[last]
	r.pos[moved] = i
	rb.slots, rb.vals = rb.slots[:last], rb.vals[:last]
}

// selectRange sets in words the bits of the rows s < len(words)·64 whose
// value x has lo <= x <= hi.
func (r *numberRanges) selectRange(lo, hi float64, words []uint64) {
	if !(lo <= hi) {
		return
	}
	ba, bb := r.bucket(lo), r.bucket(hi)
	// A bucket passes whole when its values all lie in [lo, hi]; the
	// others at the edges have their rows tested.
	whole := func(b int) bool {
		low := math.IsInf(lo, -1) || b > 0 && lo <= r.bounds[b-1]
		high := math.IsInf(hi, 1) || b < len(r.bounds) && r.bounds[b] <= hi
		return low && high
	}
	from, to := ba+1, bb // buckets [from, to) pass whole
	if whole(ba) {
		from = ba
	} else {
		r.test(ba, lo, hi, words)
	}
	if bb != ba {
		if whole(bb) {
			to = bb + 1
		} else {
			r.test(bb, lo, hi, words)
		}
	} else if from == ba {
		to = bb + 1
	}
	if from < to {
		orDiff(words, r.below[to].Words(), r.below[from].Words())
	}
}

// test sets in words the bits of bucket b's rows whose value lies in
// [lo, hi].
func (r *numberRanges) test(b int, lo, hi float64, words []uint64) {
	rb := &r.rows[b]
	n := uint32(len(words)) * 64
	for i, x := range rb.vals {
		if x >= lo && x <= hi {
			if s := rb.slots[i]; s < n {
				words[s/64] |= 1 << (s % 64)
			}
		}
	}
}

// orDiff sets words |= in &^ out, as far as words reaches.
func orDiff(words, in, out []uint64) {
	n := min(len(words), len(in))
	m := min(n, len(out))
	for i := range m {
		words[i] |= in[i] &^ out[i]
	}
	for i := m; i < n; i++ {
		words[i] |= in[i]
	}
}
