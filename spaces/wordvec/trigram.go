package wordvec

import "math"

// addTrigrams adds the character trigrams of "^word$" to acc (len a power
// of two) by signed feature hashing, scaled so that each word adds a
// vector of norm ≈ weight whatever its length. Hashing is a fixed
// multiply-shift over the three bytes, so vectors are identical across
// processes and machines.
func addTrigrams(acc []float32, word []byte, weight float32, shift uint) {
	n := len(word) // trigrams in "^word$"
	weight /= float32(math.Sqrt(float64(n)))
	prev2, prev1 := uint32('^'), uint32(0)
	for i := range n + 1 {
		var c uint32 = '$'
		if i < n {
			c = uint32(word[i])
		}
		if i > 0 {
			key := prev2 | prev1<<8 | c<<16
			h := (key + 1) * 0x9E3779B1 // +1: no key hashes to 0
			sign := weight
			if h&1 != 0 {
				sign = -weight
			}
			acc[h>>shift] += sign
			prev2 = prev1
		}
		prev1 = c
	}
}
