package cpu

import "math/bits"

// philoxBlock is Philox4x32-10.
func philoxBlock(ctr [4]uint32, key [2]uint32) [4]uint32 {
	const (
		m0 = 0xD2511F53
		m1 = 0xCD9E8D57
		w0 = 0x9E3779B9
		w1 = 0xBB67AE85
	)
	for r := 0; r < 10; r++ {
		hi0, lo0 := bits.Mul32(m0, ctr[0])
		hi1, lo1 := bits.Mul32(m1, ctr[2])
		ctr = [4]uint32{hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0}
		key[0] += w0
		key[1] += w1
	}
	return ctr
}

// philoxWord returns stream element i of (seed, offset).
func philoxWords(seed, offset uint64, i0 int, out []uint32) {
	key := [2]uint32{uint32(seed), uint32(seed >> 32)}
	i := i0
	for len(out) > 0 {
		blk := offset + uint64(i/4)
		ctr := [4]uint32{uint32(blk), uint32(blk >> 32), 0, 0}
		r := philoxBlock(ctr, key)
		for w := i % 4; w < 4 && len(out) > 0; w++ {
			out[0] = r[w]
			out = out[1:]
			i++
		}
	}
}
