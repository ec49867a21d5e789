package cpu

import (
	"github.com/emberdl/ember/backend/cpu/vec"
)

// The im2col lowering of convolutions: each kernel tap becomes a row of a
// matrix whose product with the filters is the convolution.

// span returns the output positions o in [0, n) whose input position
// o*stride + off lies in [0, size): they form the range [lo, hi).
func span(n, stride, off, size int) (lo, hi int) {
	// o*stride + off >= 0  ⇔  o >= ceil(-off/stride)
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	// o*stride + off <= size-1  ⇔  o <= floor((size-1-off)/stride)
	if size-1-off < 0 {
		return min(lo, n), min(lo, n)
	}
	hi = min(n, (size-1-off)/stride+1)
	lo = min(lo, hi)
	return lo, hi
}

// im2col unpacks image plane group (n, group) of x into col, a
// colRows × (oh*ow) matrix. Each row is the input shifted by one kernel
// tap: rows of the image are copied whole where they lie inside it, and
// the padding is zero.
func im2col[T float](g *convGeom, x []T, xs []int, xo int, col []T) {
	p := g.p
	ohw := g.oh * g.ow
	for ci := 0; ci < g.cg; ci++ {
		for ki := 0; ki < g.kh; ki++ {
			oy0, oy1 := span(g.oh, p.StrideH, ki*p.DilationH-p.PadH, g.h)
			for kj := 0; kj < g.kw; kj++ {
				row := col[((ci*g.kh+ki)*g.kw+kj)*ohw:][:ohw]
				offW := kj*p.DilationW - p.PadW
				ox0, ox1 := span(g.ow, p.StrideW, offW, g.w)
				clear(row[:oy0*g.ow])
				clear(row[oy1*g.ow:])
				if g.rowsFlat(xs[2], xs[3]) && oy1 > oy0 {
					// Output and input rows have one width and a unit
					// stride: the whole block is one shifted copy, with
					// the taps that fall off a row's end zeroed after.
					iy0 := oy0 - p.PadH + ki*p.DilationH
					base := xo + ci*xs[1] + iy0*xs[2] + offW
					blk := row[oy0*g.ow : oy1*g.ow]
					plane := xo + ci*xs[1] // the shifted run stays inside the plane
					lo, hi := max(0, plane-base), min(len(blk), plane+g.h*g.w-base)
					clear(blk[:lo])
					clear(blk[hi:])
					copy(blk[lo:hi], x[base+lo:base+hi])
					zeroEdges(blk, g.ow, ox0, ox1)
					continue
				}
				for oy := oy0; oy < oy1; oy++ {
					iy := oy*p.StrideH - p.PadH + ki*p.DilationH
					dst := row[oy*g.ow : (oy+1)*g.ow]
					base := xo + ci*xs[1] + iy*xs[2]
					clear(dst[:ox0])
					clear(dst[ox1:])
					if p.StrideW == 1 && xs[3] == 1 {
						copy(dst[ox0:ox1], x[base+ox0+offW:base+ox1+offW])
						continue
					}
					for ox := ox0; ox < ox1; ox++ {
						dst[ox] = x[base+(ox*p.StrideW+offW)*xs[3]]
					}
				}
			}
		}
	}
}

// col2im adds the columns back into the image plane (the adjoint of
// im2col); addRow adds a run of a column row into the image.
func col2im[T float](g *convGeom, col []T, dx []T, ds []int, do int, addRow func(dst, src []T)) {
	p := g.p
	ohw := g.oh * g.ow
	for ci := 0; ci < g.cg; ci++ {
		for ki := 0; ki < g.kh; ki++ {
			oy0, oy1 := span(g.oh, p.StrideH, ki*p.DilationH-p.PadH, g.h)
			for kj := 0; kj < g.kw; kj++ {
				row := col[((ci*g.kh+ki)*g.kw+kj)*ohw:][:ohw]
				offW := kj*p.DilationW - p.PadW
				ox0, ox1 := span(g.ow, p.StrideW, offW, g.w)
				if g.rowsFlat(ds[2], ds[3]) && oy1 > oy0 {
					// As in im2col: one shifted add of the whole block,
					// after zeroing the taps that fall off a row's end
					// (col is scratch).
					iy0 := oy0 - p.PadH + ki*p.DilationH
					base := do + ci*ds[1] + iy0*ds[2] + offW
					blk := row[oy0*g.ow : oy1*g.ow]
					zeroEdges(blk, g.ow, ox0, ox1)
					plane := do + ci*ds[1] // the shifted run stays inside the plane
					lo, hi := max(0, plane-base), min(len(blk), plane+g.h*g.w-base)
					addRow(dx[base+lo:base+hi], blk[lo:hi])
					continue
				}
				for oy := oy0; oy < oy1; oy++ {
					iy := oy*p.StrideH - p.PadH + ki*p.DilationH
					base := do + ci*ds[1] + iy*ds[2]
					src := row[oy*g.ow : (oy+1)*g.ow]
					if p.StrideW == 1 && ds[3] == 1 {
						addRow(dx[base+ox0+offW:base+ox1+offW], src[ox0:ox1])
						continue
					}
					for ox := ox0; ox < ox1; ox++ {
						dx[base+(ox*p.StrideW+offW)*ds[3]] += src[ox]
					}
				}
			}
		}
	}
}

// rowsFlat reports whether a block of im2col rows maps onto the image as
// one contiguous run: stride 1 along the width, output rows as wide as
// input rows, and an image with a unit column stride and dense rows.
func (g *convGeom) rowsFlat(rowStride, colStride int) bool {
	return g.p.StrideW == 1 && g.p.StrideH == 1 && g.p.DilationH == 1 && g.ow == g.w && colStride == 1 && rowStride == g.w
}

// zeroEdges clears, in each row of width w of blk, the positions outside
// [lo, hi): the taps of a shifted copy that fell into a neighbouring row.
func zeroEdges[T float](blk []T, w, lo, hi int) {
	if lo == 0 && hi == w {
		return
	}
	for r := 0; r+w <= len(blk); r += w {
		row := blk[r : r+w]
		for i := 0; i < lo; i++ {
			row[i] = 0
		}
		for i := hi; i < w; i++ {
			row[i] = 0
		}
	}
}

// addRowOf returns the function col2im adds rows with: the vector kernel
// for float32.
func addRowOf[T float]() func(dst, src []T) {
	var z T
	if _, ok := any(z).(float32); ok {
		f := func(dst, src []float32) { vec.Add(dst, dst, src) }
		return any(f).(func(dst, src []T))
	}
	return func(dst, src []T) {
		src = src[:len(dst)]
		for i, v := range src {
			dst[i] += v
		}
	}
}
