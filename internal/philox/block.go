package philox

// Philox4x32 constants from Salmon et al.: the two round multipliers and the
// Weyl key increments (golden ratio and sqrt(3) - 1 in 32-bit fixed point).
const (
	mul0   = 0xD2511F53
	mul1   = 0xCD9E8D57
	weyl0  = 0x9E3779B9
	weyl1  = 0xBB67AE85
	rounds = 10
)

// Block is the Philox4x32-10 bijection: it maps a 128-bit counter (ctr[0] the
// lowest word) under a 64-bit key to four pseudo-random 32-bit words.
func Block(ctr [4]uint32, key [2]uint32) [4]uint32 {
	return blockRounds(ctr, key, rounds)
}

// blockRounds applies n Philox4x32 rounds; the key is bumped by the Weyl
// constants between rounds, as in Random123.
func blockRounds(ctr [4]uint32, key [2]uint32, n int) [4]uint32 {
	c0, c1, c2, c3 := ctr[0], ctr[1], ctr[2], ctr[3]
	k0, k1 := key[0], key[1]
	for r := 0; r < n; r++ {
		if r > 0 {
			k0 += weyl0
			k1 += weyl1
		}
		p0 := uint64(mul0) * uint64(c0)
		p1 := uint64(mul1) * uint64(c2)
		c0, c1, c2, c3 = uint32(p1>>32)^c1^k0, uint32(p1), uint32(p0>>32)^c3^k1, uint32(p0)
	}
	return [4]uint32{c0, c1, c2, c3}
}

// block10 is Block on a counter given as a 128-bit value lo + hi<<64, with the
// ten rounds written out so that the fill loops keep everything in registers.
func block10(lo, hi uint64, k0, k1 uint32) (uint32, uint32, uint32, uint32) {
	c0, c1, c2, c3 := uint32(lo), uint32(lo>>32), uint32(hi), uint32(hi>>32)
	var p0, p1 uint64
	round := func() {
		p0 = uint64(mul0) * uint64(c0)
		p1 = uint64(mul1) * uint64(c2)
		c0, c1, c2, c3 = uint32(p1>>32)^c1^k0, uint32(p1), uint32(p0>>32)^c3^k1, uint32(p0)
		k0 += weyl0
		k1 += weyl1
	}
	round()
	round()
	round()
	round()
	round()
	round()
	round()
	round()
	round()
	round()
	return c0, c1, c2, c3
}
