package cpu

import "unsafe"

// maxPool2x2Go is the pure-Go twin of the 2×2 max-pooling kernel (see
// convKernels.maxPool2x2).
func maxPool2x2Go(planes, oh, ow int, x *float32, xr, xp int, out *float32, outr, outp int, idx *int64, idxr, idxp, w int) {
	if planes == 0 || oh == 0 || ow == 0 {
		return
	}
	xs := unsafe.Slice(x, (planes-1)*xp+(2*oh-1)*xr+2*ow)
	os := unsafe.Slice(out, (planes-1)*outp+(oh-1)*outr+ow)
	is := unsafe.Slice(idx, (planes-1)*idxp+(oh-1)*idxr+ow)
	for p := range planes {
		for oy := range oh {
			xo, oo, io := p*xp+2*oy*xr, p*outp+oy*outr, p*idxp+oy*idxr
			maxRow2x2(xs[xo:], xs[xo+xr:], os[oo:oo+ow], is[io:], int64(2*oy*w), w)
		}
	}
}
