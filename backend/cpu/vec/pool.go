package vec

import "math"

// MaxPool2 computes one output row of 2×2, stride-2 max pooling: for each
// ox in [0, len(dst)), the maximum of r0[2ox], r0[2ox+1], r1[2ox],
// r1[2ox+1] into dst[ox], and into which[ox] its position 0 to 3 in that
// order, with max pooling's rules: the first maximum wins, and a NaN
// replaces the running maximum. r0 and r1 hold at least 2·len(dst)
// elements.
func MaxPool2(dst []float32, which []int32, r0, r1 []float32) {
	n := len(dst)
	which, r0, r1 = which[:n], r0[:2*n], r1[:2*n]
	m := blocks(n)
	for i := 0; i < m; i += chunk {
		j := min(i+chunk, m)
		maxPool2Asm(dst[i:j], which[i:j], r0[2*i:2*j], r1[2*i:2*j])
	}
	maxPool2Go(dst[m:], which[m:], r0[2*m:], r1[2*m:])
}

func maxPool2Go(dst []float32, which []int32, r0, r1 []float32) {
	which, r0, r1 = which[:len(dst)], r0[:2*len(dst)], r1[:2*len(dst)]
	for i := range dst {
		best, k := math.Float32bits(r0[2*i]), int32(0)
		best, k = takeIf(best, k, r0[2*i+1], 1)
		best, k = takeIf(best, k, r1[2*i], 2)
		best, k = takeIf(best, k, r1[2*i+1], 3)
		dst[i], which[i] = math.Float32frombits(best), k
	}
}

// takeIf returns (v, kv) when v is greater than the running maximum (the
// bits best) or NaN, else (best, k), without branches: on random data the
// comparisons are unpredictable.
func takeIf(best uint32, k int32, v float32, kv int32) (uint32, int32) {
	b := math.Float32frombits(best)
	var m int32
	if v > b {
		m = -1
	}
	if v != v {
		m = -1
	}
	return math.Float32bits(v)&uint32(m) | best&^uint32(m), kv&m | k&^m
}
