package vec

import "math"

// MaxPool2 computes one output row of 2×2, stride-2 max pooling over the
// input rows r0 (above) and r1 (below): for each ox in [0, len(dst)), the
// maximum of r0[2ox], r0[2ox+1], r1[2ox], r1[2ox+1] into dst[ox], with max
// pooling's rules (the first maximum wins; a NaN replaces the running
// maximum), and its position in the input plane into idx[ox]:
// base + 2ox (+1 for the right column) (+w for the lower row), base being
// r0's position and w the plane's width. r0 and r1 hold at least
// 2·len(dst) elements.
func MaxPool2(dst []float32, idx []int64, r0, r1 []float32, base, w int64) {
	n := len(dst)
	idx, r0, r1 = idx[:n], r0[:2*n], r1[:2*n]
	if !useAsm {
		maxPool2Go(dst, idx, r0, r1, base, w)
		return
	}
	for i := 0; i < n; i += chunk {
		j := min(i+chunk, n)
		maxPool2Asm(dst[i:j], idx[i:j], r0[2*i:2*j], r1[2*i:2*j], base+2*int64(i), w)
	}
}

func maxPool2Go(dst []float32, idx []int64, r0, r1 []float32, base, w int64) {
	idx, r0, r1 = idx[:len(dst)], r0[:2*len(dst)], r1[:2*len(dst)]
	for i := range dst {
		best, k := math.Float32bits(r0[2*i]), int64(0)
		best, k = takeIf(best, k, r0[2*i+1], 1)
		best, k = takeIf(best, k, r1[2*i], w)
		best, k = takeIf(best, k, r1[2*i+1], w+1)
		dst[i], idx[i] = math.Float32frombits(best), base+2*int64(i)+k
	}
}

// takeIf returns (v, kv) when v is greater than the running maximum (the
// bits best) or NaN, else (best, k), without branches: on random data the
// comparisons are unpredictable.
func takeIf(best uint32, k int64, v float32, kv int64) (uint32, int64) {
	b := math.Float32frombits(best)
	var m int32
	if v > b {
		m = -1
	}
	if v != v {
		m = -1
	}
	m64 := int64(m)
	return math.Float32bits(v)&uint32(m) | best&^uint32(m), kv&m64 | k&^m64
}
