package cpu

import (
	"math"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/internal/parallel"
)

// MaxPool2d writes window maxima and their flat in-plane positions.
func (c *Backend) MaxPool2d(dst, indices, x backend.View, p backend.PoolParams) {
	if dst.Numel() == 0 {
		return
	}
	switch buf(dst).dt {
	case backend.Float32:
		maxPool(dst, indices, x, p, buf(dst).F32, buf(x).F32)
	case backend.Float64:
		maxPool(dst, indices, x, p, buf(dst).F64, buf(x).F64)
	default:
		panic("cpu.MaxPool2d of " + buf(dst).dt.String())
	}
}

// is2x2 reports whether p is the common 2×2 window with stride 2 and
// neither padding nor dilation.
func is2x2(p backend.PoolParams) bool {
	return p.KernelH == 2 && p.KernelW == 2 && p.StrideH == 2 && p.StrideW == 2 &&
		p.PadH == 0 && p.PadW == 0 && p.DilationH == 1 && p.DilationW == 1
}

// MaxPool2dValues writes the window maxima alone, for inference: no int64
// indices as large as the output are stored. (The kernels still produce
// them, into one row of scratch per task that every row overwrites.)
func (c *Backend) MaxPool2dValues(dst, x backend.View, p backend.PoolParams) {
	c.MaxPool2d(dst, backend.View{Shape: dst.Shape}, x, p)
}

// maxPool pools x into dst and indices; an indices view without a buffer
// asks for the values alone.
func maxPool[T float](dst, indices, x backend.View, p backend.PoolParams, ds, xs []T) {
	n, ch := x.Shape[0], x.Shape[1]
	oh, ow := dst.Shape[2], dst.Shape[3]
	scratch := indices.Buf == nil
	var ix []int64
	if scratch {
		// Every plane and row writes the same row of ow indices.
		indices = backend.View{Shape: dst.Shape, Strides: []int{0, 0, 0, 1}}
	} else {
		ix = buf(indices).I64
	}
	fast := is2x2(p) && 2*oh <= x.Shape[2] && 2*ow <= x.Shape[3] && x.Strides[3] == 1 && dst.Strides[3] == 1 && indices.Strides[3] == 1
	parallel.For(n*ch, max(1, 8192/max(1, oh*ow*p.KernelH*p.KernelW)), func(lo, hi int) {
		ix := ix
		if scratch {
			ix = make([]int64, ow)
		}
		for plane := lo; plane < hi; {
			ni, ci := plane/ch, plane%ch
			xo := x.Offset + ni*x.Strides[0] + ci*x.Strides[1]
			do := dst.Offset + ni*dst.Strides[0] + ci*dst.Strides[1]
			io := indices.Offset + ni*indices.Strides[0] + ci*indices.Strides[1]
			if fast {
				// The channels of one image are planes a fixed stride apart.
				run := min(hi-plane, ch-ci)
				maxPlanes2x2(ds, ix, xs, do, io, xo, dst.Strides[1], indices.Strides[1], x.Strides[1],
					dst.Strides[2], indices.Strides[2], x.Strides[2], run, oh, ow, x.Shape[3])
				plane += run
				continue
			}
			maxPlane(ds, ix, xs, do, io, xo, dst.Strides, indices.Strides, x.Strides, x.Shape[2], x.Shape[3], oh, ow, p)
			plane++
		}
	})
}

// maxPlane pools one plane with any window.
func maxPlane[T float](ds []T, ix []int64, xs []T, do, io, xo int, dstS, idxS, xS []int, h, w, oh, ow int, p backend.PoolParams) {
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			best := T(math.Inf(-1))
			bi := -1
			for ki := 0; ki < p.KernelH; ki++ {
				iy := oy*p.StrideH - p.PadH + ki*p.DilationH
				if iy < 0 || iy >= h {
					continue
				}
				for kj := 0; kj < p.KernelW; kj++ {
					jx := ox*p.StrideW - p.PadW + kj*p.DilationW
					if jx < 0 || jx >= w {
						continue
					}
					v := xs[xo+iy*xS[2]+jx*xS[3]]
					// As PyTorch: the first maximum wins, but a NaN
					// always replaces the running maximum.
					if v > best || v != v || bi < 0 {
						best, bi = v, iy*w+jx
					}
				}
			}
			ds[do+oy*dstS[2]+ox*dstS[3]] = best
			ix[io+oy*idxS[2]+ox*idxS[3]] = int64(bi)
		}
	}
}

// maxPlanes2x2 pools `planes` planes (dp, ip and xp apart) with 2×2
// windows of stride 2, rows of x, dst and indices being contiguous (xr, dr
// and ir apart).
func maxPlanes2x2[T float](ds []T, ix []int64, xs []T, do, io, xo, dp, ip, xp, dr, ir, xr, planes, oh, ow, w int) {
	last := planes - 1
	if x32, ok := any(xs).([]float32); ok {
		// The kernel does not check bounds: check its last elements here.
		_, _, _ = x32[xo+last*xp+(2*oh-1)*xr+2*ow-1], ds[do+last*dp+(oh-1)*dr+ow-1], ix[io+last*ip+(oh-1)*ir+ow-1]
		convKern.maxPool2x2(planes, oh, ow, &x32[xo], xr, xp, &any(ds).([]float32)[do], dr, dp, &ix[io], ir, ip, w)
		return
	}
	for p := range planes {
		for oy := 0; oy < oh; oy++ {
			xrow, orow, irow := xo+p*xp+2*oy*xr, do+p*dp+oy*dr, io+p*ip+oy*ir
			maxRow2x2(xs[xrow:], xs[xrow+xr:], ds[orow:orow+ow], ix[irow:], int64(2*oy*w), w)
		}
	}
}

// maxRow2x2 pools one row of 2×2 windows: output ox is the maximum of
// top[2ox], top[2ox+1], bot[2ox], bot[2ox+1], taken in that order as
// maxPlane does (the first maximum kept, any NaN taken), its index
// base + 2ox plus 0, 1, w or w+1.
func maxRow2x2[T float](top, bot, out []T, idx []int64, base int64, w int) {
	top, bot, idx = top[:2*len(out)], bot[:2*len(out)], idx[:len(out)]
	for ox := range out {
		a, b := top[2*ox], top[2*ox+1]
		c, d := bot[2*ox], bot[2*ox+1]
		best, bi := a, int64(0)
		if b > best || b != b {
			best, bi = b, 1
		}
		if c > best || c != c {
			best, bi = c, int64(w)
		}
		if d > best || d != d {
			best, bi = d, int64(w)+1
		}
		out[ox] = best
		idx[ox] = base + int64(2*ox) + bi
	}
}
