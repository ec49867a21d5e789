package cpu

import (
	"math"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/vec"
	"github.com/emberdl/ember/internal/parallel"
)

// convGeom holds the sizes of one 2-D convolution.
type convGeom struct {
	n, c, h, w     int // input
	o, kh, kw      int // filters
	oh, ow         int // output
	g, cg, og      int // groups, channels and filters per group
	p              backend.ConvParams
	colRows, colSz int // im2col matrix: (cg*kh*kw) × (oh*ow)
}

func newConvGeom(x, w, y []int, p backend.ConvParams) convGeom {
	g := convGeom{n: x[0], c: x[1], h: x[2], w: x[3], o: w[0], kh: w[2], kw: w[3], oh: y[2], ow: y[3], g: max(1, p.Groups), p: p}
	g.cg, g.og = g.c/g.g, g.o/g.g
	g.colRows = g.cg * g.kh * g.kw
	g.colSz = g.colRows * g.oh * g.ow
	return g
}

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

// scratch returns a pooled buffer of n elements of float type T, for
// memory a kernel uses and then hands back with Release.
func scratch[T float](c *Backend, n int) (*Buffer, []T) {
	var z T
	dt := backend.Float64
	if _, ok := any(z).(float32); ok {
		dt = backend.Float32
	}
	b := c.Alloc(dt, n).(*Buffer)
	if dt == backend.Float32 {
		return b, any(b.F32).([]T)
	}
	return b, any(b.F64).([]T)
}

// denseIn returns v with row-major strides when its elements are dense,
// else a dense copy of it.
func (c *Backend) denseIn(v backend.View) backend.View {
	if v.IsContiguous() {
		return backend.View{Buf: v.Buf, Shape: v.Shape, Strides: backend.ContiguousStrides(v.Shape), Offset: v.Offset}
	}
	t := backend.Dense(c.Alloc(buf(v).dt, v.Numel()), v.Shape...)
	c.Copy(t, v)
	return t
}

// denseOut returns a dense view to write a result into: dst itself when it
// is dense, else scratch memory that finishOut copies into dst.
func (c *Backend) denseOut(dst backend.View) backend.View {
	if dst.IsContiguous() {
		return backend.View{Buf: dst.Buf, Shape: dst.Shape, Strides: backend.ContiguousStrides(dst.Shape), Offset: dst.Offset}
	}
	return backend.Dense(c.Alloc(buf(dst).dt, dst.Numel()), dst.Shape...)
}

// finishOut copies a result computed by denseOut's scratch into dst and
// hands the scratch back.
func (c *Backend) finishOut(dst, out backend.View) {
	if out.Buf != dst.Buf {
		c.Copy(dst, out)
		c.Release(out.Buf)
	}
}

// doneIn hands back the copy denseIn made of orig, if it made one.
func (c *Backend) doneIn(orig, dense backend.View) {
	if dense.Buf != nil && dense.Buf != orig.Buf {
		c.Release(dense.Buf)
	}
}

// Conv2d computes dst = conv(x, w).
func (c *Backend) Conv2d(dst, x, w backend.View, p backend.ConvParams) {
	if dst.Numel() == 0 {
		return
	}
	g := newConvGeom(x.Shape, w.Shape, dst.Shape, p)
	out := c.denseOut(dst)
	if g.colRows == 0 {
		c.Fill(out, 0)
		c.finishOut(dst, out)
		return
	}
	wd := c.denseIn(w)
	defer c.doneIn(w, wd)
	w = wd
	switch buf(dst).dt {
	case backend.Float32:
		conv2d(c, &g, out, x, w, buf(x).F32)
	case backend.Float64:
		conv2d(c, &g, out, x, w, buf(x).F64)
	default:
		panic("cpu.Conv2d of " + buf(dst).dt.String())
	}
	c.finishOut(dst, out)
}

func conv2d[T float](c *Backend, g *convGeom, dst, x, w backend.View, xs []T) {
	ohw := g.oh * g.ow
	// y[n, gi*og:(gi+1)*og] (og × ohw) = W_g (og × colRows) · col (colRows × ohw).
	// The views' shapes and strides are shared, read-only, by every image;
	// each worker unpacks its images into one scratch matrix.
	wShape, wStrides := []int{1, g.og, g.colRows}, []int{0, w.Strides[0], 1}
	cShape, cStrides := []int{1, g.colRows, ohw}, []int{0, ohw, 1}
	yShape, yStrides := []int{1, g.og, ohw}, []int{0, dst.Strides[1], 1}
	parallel.For(g.n*g.g, 1, func(lo, hi int) {
		colBuf, col := scratch[T](c, g.colSz)
		defer c.Release(colBuf)
		for u := lo; u < hi; u++ {
			ni, gi := u/g.g, u%g.g
			im2col(g, xs, x.Strides, x.Offset+ni*x.Strides[0]+gi*g.cg*x.Strides[1], col)
			wv := backend.View{Buf: w.Buf, Shape: wShape, Strides: wStrides, Offset: w.Offset + gi*g.og*w.Strides[0]}
			cv := backend.View{Buf: colBuf, Shape: cShape, Strides: cStrides}
			yv := backend.View{Buf: dst.Buf, Shape: yShape, Strides: yStrides, Offset: dst.Offset + ni*dst.Strides[0] + gi*g.og*dst.Strides[1]}
			c.Matmul(yv, wv, cv, 0)
		}
	})
}

// Conv2dBackwardData computes dx from dy and w.
func (c *Backend) Conv2dBackwardData(dx, dy, w backend.View, p backend.ConvParams) {
	g := newConvGeom(dx.Shape, w.Shape, dy.Shape, p)
	c.Fill(dx, 0)
	if dx.Numel() == 0 || dy.Numel() == 0 || g.colRows == 0 {
		return
	}
	dyd, wd := c.denseIn(dy), c.denseIn(w)
	defer c.doneIn(dy, dyd)
	defer c.doneIn(w, wd)
	dy, w = dyd, wd
	switch buf(dx).dt {
	case backend.Float32:
		convBwdData(c, &g, dx, dy, w, buf(dx).F32)
	case backend.Float64:
		convBwdData(c, &g, dx, dy, w, buf(dx).F64)
	default:
		panic("cpu.Conv2dBackwardData of " + buf(dx).dt.String())
	}
}

func convBwdData[T float](c *Backend, g *convGeom, dx, dy, w backend.View, dxs []T) {
	ohw := g.oh * g.ow
	// Each (n) owns its dx image; groups of one image touch disjoint channels.
	// col (colRows × ohw) = W_gᵀ (colRows × og) · dy_g (og × ohw).
	addRow := addRowOf[T]()
	wShape, wStrides := []int{1, g.colRows, g.og}, []int{0, 1, w.Strides[0]}
	yShape, yStrides := []int{1, g.og, ohw}, []int{0, dy.Strides[1], 1}
	cShape, cStrides := []int{1, g.colRows, ohw}, []int{0, ohw, 1}
	parallel.For(g.n*g.g, 1, func(lo, hi int) {
		colBuf, col := scratch[T](c, g.colSz)
		defer c.Release(colBuf)
		for u := lo; u < hi; u++ {
			ni, gi := u/g.g, u%g.g
			wv := backend.View{Buf: w.Buf, Shape: wShape, Strides: wStrides, Offset: w.Offset + gi*g.og*w.Strides[0]}
			yv := backend.View{Buf: dy.Buf, Shape: yShape, Strides: yStrides, Offset: dy.Offset + ni*dy.Strides[0] + gi*g.og*dy.Strides[1]}
			cv := backend.View{Buf: colBuf, Shape: cShape, Strides: cStrides}
			c.Matmul(cv, wv, yv, 0)
			col2im(g, col, dxs, dx.Strides, dx.Offset+ni*dx.Strides[0]+gi*g.cg*dx.Strides[1], addRow)
		}
	})
}

// Conv2dBackwardFilter computes dw from x and dy.
func (c *Backend) Conv2dBackwardFilter(dw, x, dy backend.View, p backend.ConvParams) {
	if dw.Numel() == 0 {
		return
	}
	g := newConvGeom(x.Shape, dw.Shape, dy.Shape, p)
	out := c.denseOut(dw)
	if g.n == 0 || g.oh*g.ow == 0 {
		c.Fill(out, 0)
		c.finishOut(dw, out)
		return
	}
	dyd := c.denseIn(dy)
	defer c.doneIn(dy, dyd)
	dy = dyd
	switch buf(dw).dt {
	case backend.Float32:
		convBwdFilter(c, &g, out, x, dy, buf(x).F32)
	case backend.Float64:
		convBwdFilter(c, &g, out, x, dy, buf(x).F64)
	default:
		panic("cpu.Conv2dBackwardFilter of " + buf(dw).dt.String())
	}
	c.finishOut(dw, out)
}

func convBwdFilter[T float](c *Backend, g *convGeom, dw, x, dy backend.View, xs []T) {
	ohw := g.oh * g.ow
	dt := buf(dw).dt
	// Per group: dW_g (og × colRows) = Σ_n dy_g[n] (og × ohw) · col[n]ᵀ (ohw × colRows).
	// Images are split across workers, each with its own accumulator.
	workers := min(parallel.Workers(), g.n)
	for gi := 0; gi < g.g; gi++ {
		partial := make([]*Buffer, workers)
		parallel.Do(workers, func(wk int) {
			acc := c.Alloc(dt, g.og*g.colRows).(*Buffer)
			colBuf, col := scratch[T](c, g.colSz)
			defer c.Release(colBuf)
			av := backend.View{Buf: acc, Shape: []int{1, g.og, g.colRows}, Strides: []int{0, g.colRows, 1}}
			yShape, yStrides := []int{1, g.og, ohw}, []int{0, dy.Strides[1], 1}
			cv := backend.View{Buf: colBuf, Shape: []int{1, ohw, g.colRows}, Strides: []int{0, 1, ohw}}
			beta := 0.0 // the first product overwrites acc's undefined contents
			for ni := wk; ni < g.n; ni += workers {
				im2col(g, xs, x.Strides, x.Offset+ni*x.Strides[0]+gi*g.cg*x.Strides[1], col)
				yv := backend.View{Buf: dy.Buf, Shape: yShape, Strides: yStrides, Offset: dy.Offset + ni*dy.Strides[0] + gi*g.og*dy.Strides[1]}
				c.Matmul(av, yv, cv, beta)
				beta = 1
			}
			partial[wk] = acc
		})
		out := backend.View{Buf: dw.Buf, Shape: []int{g.og, g.colRows}, Strides: []int{dw.Strides[0], 1}, Offset: dw.Offset + gi*g.og*dw.Strides[0]}
		c.Copy(out, backend.Dense(partial[0], g.og, g.colRows))
		for _, pb := range partial[1:] {
			c.Binary(backend.Add, out, out, backend.Dense(pb, g.og, g.colRows))
		}
		for _, pb := range partial {
			c.Release(pb)
		}
	}
}

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
