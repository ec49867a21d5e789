package cpu

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/vec"
	"github.com/emberdl/ember/internal/parallel"
)

// CausalSoftmax writes the causal attention weights of float32 scores src
// [..., L, S] into dst (same shape): for row i of each L×S matrix,
//
//	dst[i, j] = softmax_j(scale·src[i, j'] for j' ≤ i)   for j ≤ i,  0 beyond
//
// which is softmax(masked_fill(scale·src, j > i, -Inf)) in one pass instead
// of four (scale, mask, fill, softmax). Both views' last two axes must be
// contiguous rows. It reports false, doing nothing, otherwise.
func (cb *Backend) CausalSoftmax(dst, src backend.View, scale float64) bool {
	nd := len(src.Shape)
	if nd < 2 || len(dst.Shape) != nd || buf(src).dt != backend.Float32 || buf(dst).dt != backend.Float32 {
		return false
	}
	l, s := src.Shape[nd-2], src.Shape[nd-1]
	for _, v := range []backend.View{src, dst} {
		if v.Shape[nd-2] != l || v.Shape[nd-1] != s || (s > 1 && v.Strides[nd-1] != 1) || (l > 1 && v.Strides[nd-2] != s) {
			return false
		}
	}
	// The leading axes are walked as a flat list of matrices.
	mats := 1
	for _, n := range src.Shape[:nd-2] {
		mats *= n
	}
	if mats == 0 || l == 0 || s == 0 {
		return true
	}
	srcOff, dstOff := matrixOffsets(src, mats), matrixOffsets(dst, mats)
	if srcOff == nil || dstOff == nil {
		return false
	}
	xs, ys, sc := buf(src).F32, buf(dst).F32, float32(scale)
	parallel.For(mats*l, max(1, 4096/s), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			m, i := r/l, r%l
			x := xs[srcOff[m]+i*s : srcOff[m]+i*s+s]
			y := ys[dstOff[m]+i*s : dstOff[m]+i*s+s]
			n := min(i+1, s)
			vec.MulScalar(y[:n], x[:n], sc)
			sum := vec.ExpShift(y[:n], y[:n], vec.Max(y[:n]))
			vec.MulScalar(y[:n], y[:n], float32(1/sum))
			clear(y[n:])
		}
	})
	return true
}

// matrixOffsets returns the offset of each of the mats matrices of v's last
// two axes (its leading axes walked in row-major order), or nil when there
// are too many to list cheaply.
func matrixOffsets(v backend.View, mats int) []int {
	if mats > 1<<20 {
		return nil
	}
	lead := v.Shape[:len(v.Shape)-2]
	out := make([]int, mats)
	idx := make([]int, len(lead))
	for m := range mats {
		off := v.Offset
		for d, k := range idx {
			off += k * v.Strides[d]
		}
		out[m] = off
		for d := len(idx) - 1; d >= 0; d-- {
			if idx[d]++; idx[d] < lead[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}
