package cpu

import (
	"math"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/vec"
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

func maxPool[T float](dst, indices, x backend.View, p backend.PoolParams, ds, xs []T) {
	n, ch, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	oh, ow := dst.Shape[2], dst.Shape[3]
	ix := buf(indices).I64
	if pool2x2(p, h, w, oh, ow) && x.IsContiguous() && dst.IsContiguous() && indices.IsContiguous() {
		if d32, ok := any(ds).([]float32); ok {
			maxPool2x2F32(n*ch, h, w, oh, ow, d32[dst.Offset:], ix[indices.Offset:], any(xs).([]float32)[x.Offset:])
			return
		}
		maxPool2x2(n*ch, h, w, oh, ow, ds[dst.Offset:], ix[indices.Offset:], xs[x.Offset:])
		return
	}
	parallel.For(n*ch, max(1, 4096/max(1, oh*ow*p.KernelH*p.KernelW)), func(lo, hi int) {
		for plane := lo; plane < hi; plane++ {
			ni, ci := plane/ch, plane%ch
			xo := x.Offset + ni*x.Strides[0] + ci*x.Strides[1]
			do := dst.Offset + ni*dst.Strides[0] + ci*dst.Strides[1]
			io := indices.Offset + ni*indices.Strides[0] + ci*indices.Strides[1]
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
							v := xs[xo+iy*x.Strides[2]+jx*x.Strides[3]]
							// As PyTorch: the first maximum wins, but a NaN
							// always replaces the running maximum.
							if v > best || v != v || bi < 0 {
								best, bi = v, iy*w+jx
							}
						}
					}
					ds[do+oy*dst.Strides[2]+ox*dst.Strides[3]] = best
					ix[io+oy*indices.Strides[2]+ox*indices.Strides[3]] = int64(bi)
				}
			}
		}
	})
}

// pool2x2 reports whether p is the common 2×2 window with stride 2 and no
// padding or dilation, with every window inside the input.
func pool2x2(p backend.PoolParams, h, w, oh, ow int) bool {
	return p.KernelH == 2 && p.KernelW == 2 && p.StrideH == 2 && p.StrideW == 2 &&
		p.PadH == 0 && p.PadW == 0 && p.DilationH == 1 && p.DilationW == 1 &&
		2*oh <= h && 2*ow <= w
}

// maxPool2x2 is maxPool for 2×2 windows of stride 2 on dense planes, with
// the same rules: the first maximum wins, a NaN replaces the running one.
func maxPool2x2[T float](planes, h, w, oh, ow int, ds []T, ix []int64, xs []T) {
	parallel.For(planes, max(1, grainElems/max(1, h*w)), func(lo, hi int) {
		for plane := lo; plane < hi; plane++ {
			xp := xs[plane*h*w : (plane+1)*h*w]
			dp := ds[plane*oh*ow : (plane+1)*oh*ow]
			ip := ix[plane*oh*ow : (plane+1)*oh*ow]
			for oy := 0; oy < oh; oy++ {
				r0 := xp[2*oy*w : 2*oy*w+2*ow]
				r1 := xp[(2*oy+1)*w : (2*oy+1)*w+2*ow]
				drow, irow := dp[oy*ow:(oy+1)*ow], ip[oy*ow:(oy+1)*ow]
				base := 2 * oy * w
				for ox := range drow {
					best, bi := r0[2*ox], base+2*ox
					if v := r0[2*ox+1]; v > best || v != v {
						best, bi = v, base+2*ox+1
					}
					if v := r1[2*ox]; v > best || v != v {
						best, bi = v, base+w+2*ox
					}
					if v := r1[2*ox+1]; v > best || v != v {
						best, bi = v, base+w+2*ox+1
					}
					drow[ox], irow[ox] = best, int64(bi)
				}
			}
		}
	})
}

// maxPool2x2F32 is maxPool2x2 for float32 with the vector kernel.
func maxPool2x2F32(planes, h, w, oh, ow int, ds []float32, ix []int64, xs []float32) {
	parallel.For(planes, max(1, grainElems/max(1, h*w)), func(lo, hi int) {
		for plane := lo; plane < hi; plane++ {
			xp := xs[plane*h*w : (plane+1)*h*w]
			for oy := 0; oy < oh; oy++ {
				o := (plane*oh + oy) * ow
				vec.MaxPool2(ds[o:o+ow], ix[o:o+ow], xp[2*oy*w:], xp[(2*oy+1)*w:], int64(2*oy*w), int64(w))
			}
		}
	})
}
