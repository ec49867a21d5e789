//go:build !purego

package cpu

// maxPool2x2AVX2 pools planes with 2×2 windows of stride 2 (see
// convKernels.maxPool2x2).
//
//go:noescape
func maxPool2x2AVX2(planes, oh, ow int, x *float32, xr, xp int, out *float32, outr, outp int, idx *int64, idxr, idxp, w int)

func maxPool2x2Vec(planes, oh, ow int, x *float32, xr, xp int, out *float32, outr, outp int, idx *int64, idxr, idxp, w int) {
	if w >= 1<<30 { // the kernel keeps w+1 in 32-bit lanes
		maxPool2x2Go(planes, oh, ow, x, xr, xp, out, outr, outp, idx, idxr, idxp, w)
		return
	}
	maxPool2x2AVX2(planes, oh, ow, x, xr, xp, out, outr, outp, idx, idxr, idxp, w)
}
