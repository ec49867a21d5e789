package cpu

import (
	"github.com/emberdl/ember/backend"
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
