package cpu

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/internal/parallel"
)

// The convolution kernels of the backend. Stride-1 float32 convolutions,
// the common case, run as an implicit GEMM on the convolution
// micro-kernels (conv_shift.go, conv_implicit.go, conv_filter.go): the
// forward pass and the input gradient (rewritten as a forward convolution
// of the output gradient with the flipped, transposed weights) on the tile
// kernel, the weight gradient on the GEMM's micro-kernel (gemm.ColumnS)
// over gathered panels, or on the dot kernel when there are few taps.
// Everything else (float64, strided convolutions) takes the general path
// of conv_general.go: im2col of a band of rows, then the packed GEMM.

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

// s1MinRows is the fewest destination channels per group for which the
// tile kernel, convTileRows channels at a time, beats im2col and the GEMM
// (one channel, as the input gradient of a first layer, wastes 5/6 of it).
const s1MinRows = 3

// convPlanUnits is the number of units a stride-1 plan aims for, so that
// every worker gets several (bands split images when there are few).
func convPlanUnits() int { return 4 * max(2, parallel.Workers()) }

// Conv2d computes dst = conv(x, w).
func (c *Backend) Conv2d(dst, x, w backend.View, p backend.ConvParams) {
	c.Conv2dBias(dst, x, w, backend.View{}, p)
}

// Conv2dBias computes dst = conv(x, w) + b, b [O] being added to every
// position of its output channel as the convolution writes it (no bias
// when b.Buf is nil). It is not part of backend.Backend: the ember package
// uses it, where a backend has it, instead of a separate addition.
func (c *Backend) Conv2dBias(dst, x, w, b backend.View, p backend.ConvParams) {
	if dst.Numel() == 0 {
		return
	}
	g := newConvGeom(x.Shape, w.Shape, dst.Shape, p.StrideH, p.StrideW, p.PadH, p.PadW, p.DilationH, p.DilationW, p.Groups)
	if g.colRows == 0 {
		c.Fill(dst, 0)
		if b.Buf != nil {
			c.Binary(backend.Add, dst, dst, backend.View{Buf: b.Buf, Shape: dst.Shape, Strides: []int{0, b.Strides[0], 0, 0}, Offset: b.Offset})
		}
		return
	}
	dt := buf(dst).dt
	if dt == backend.Float32 && p.StrideH == 1 && p.StrideW == 1 && g.og >= s1MinRows {
		s, ok := newS1Conv(g.n, g.c, g.h, g.w, g.o, g.oh, g.ow, g.g, g.kh, g.kw, g.dh, g.dw, g.ph, g.pw, convPlanUnits())
		if ok {
			ap := getScratch[float32](s.packedLen())
			var bs []float32
			bstride := 0
			if b.Buf != nil {
				bs, bstride = buf(b).F32, b.Strides[0]
			}
			s.packForward(ap.s, buf(w).F32, w.Strides, w.Offset, bs, bstride, b.Offset)
			s.forward(buf(dst).F32, buf(x).F32, dst.Strides, x.Strides, dst.Offset, x.Offset, ap.s)
			putScratch(ap)
			return
		}
	}
	out := c.densePlanesOut(dst)
	w = c.denseIn(w)
	switch dt {
	case backend.Float32:
		var bs []float32
		if b.Buf != nil {
			bs = buf(b).F32
		}
		convForwardGeneral(&g, out, x, w, b, buf(out).F32, buf(x).F32, buf(w).F32, bs)
	case backend.Float64:
		var bs []float64
		if b.Buf != nil {
			bs = buf(b).F64
		}
		convForwardGeneral(&g, out, x, w, b, buf(out).F64, buf(x).F64, buf(w).F64, bs)
	default:
		panic("cpu.Conv2d of " + dt.String())
	}
	c.finishOut(dst, out)
}

// Conv2dBackwardData computes dx from dy and w.
func (c *Backend) Conv2dBackwardData(dx, dy, w backend.View, p backend.ConvParams) {
	if dx.Numel() == 0 {
		return
	}
	g := newConvGeom(dx.Shape, w.Shape, dy.Shape, p.StrideH, p.StrideW, p.PadH, p.PadW, p.DilationH, p.DilationW, p.Groups)
	if dy.Numel() == 0 || g.colRows == 0 {
		c.Fill(dx, 0)
		return
	}
	dt := buf(dx).dt
	// With stride 1, dx is the convolution of dy, padded by
	// dilation·(k-1) - padding, with the flipped weights of each group
	// transposed.
	ph, pw := g.dh*(g.kh-1)-g.ph, g.dw*(g.kw-1)-g.pw
	if dt == backend.Float32 && p.StrideH == 1 && p.StrideW == 1 && ph >= 0 && pw >= 0 && g.cg >= s1MinRows {
		s, ok := newS1Conv(g.n, g.o, g.oh, g.ow, g.c, g.h, g.w, g.g, g.kh, g.kw, g.dh, g.dw, ph, pw, convPlanUnits())
		if ok {
			ap := getScratch[float32](s.packedLen())
			s.packBackwardData(ap.s, buf(w).F32, w.Strides, w.Offset)
			s.forward(buf(dx).F32, buf(dy).F32, dx.Strides, dy.Strides, dx.Offset, dy.Offset, ap.s)
			putScratch(ap)
			return
		}
	}
	out := c.denseOut(dx)
	dy, w = c.densePlanesIn(dy), c.denseIn(w)
	switch dt {
	case backend.Float32:
		convDataGeneral(&g, out, dy, w, buf(out).F32, buf(dy).F32, buf(w).F32)
	case backend.Float64:
		convDataGeneral(&g, out, dy, w, buf(out).F64, buf(dy).F64, buf(w).F64)
	default:
		panic("cpu.Conv2dBackwardData of " + dt.String())
	}
	c.finishOut(dx, out)
}

// Conv2dBackwardFilter computes dw from x and dy.
func (c *Backend) Conv2dBackwardFilter(dw, x, dy backend.View, p backend.ConvParams) {
	c.Conv2dBackwardFilterBias(dw, backend.View{}, x, dy, p)
}

// Conv2dBackwardFilterBias computes dw from x and dy as
// Conv2dBackwardFilter does and, unless db.Buf is nil, the bias gradient
// db [O]: dy summed over images and positions, in the same pass over dy
// where the kernel allows. It is not part of backend.Backend: the ember
// package uses it, where a backend has it, instead of a separate
// reduction.
func (c *Backend) Conv2dBackwardFilterBias(dw, db, x, dy backend.View, p backend.ConvParams) {
	if !c.convFilter(dw, db, x, dy, p) && db.Buf != nil {
		// The reduction's destination keeps the reduced axes.
		db4 := backend.View{Buf: db.Buf, Shape: []int{1, db.Shape[0], 1, 1}, Strides: []int{0, db.Strides[0], 0, 0}, Offset: db.Offset}
		c.Reduce(backend.Sum, db4, dy, []int{0, 2, 3})
	}
}

// convFilter computes dw from x and dy, and db with it where the kernel
// allows (float32 stride-1 convolutions), which it reports.
func (c *Backend) convFilter(dw, db, x, dy backend.View, p backend.ConvParams) (biased bool) {
	if dw.Numel() == 0 {
		return false
	}
	g := newConvGeom(x.Shape, dw.Shape, dy.Shape, p.StrideH, p.StrideW, p.PadH, p.PadW, p.DilationH, p.DilationW, p.Groups)
	if g.n == 0 || g.oh*g.ow == 0 {
		c.Fill(dw, 0)
		return false
	}
	dt := buf(dw).dt
	if dt == backend.Float32 && p.StrideH == 1 && p.StrideW == 1 {
		// A fixed unit target keeps the summation order, and so the
		// result, independent of the thread count.
		s, ok := newS1Conv(g.n, g.c, g.h, g.w, g.o, g.oh, g.ow, g.g, g.kh, g.kw, g.dh, g.dw, g.ph, g.pw, 8)
		if ok {
			var bs []float32
			bstride := 0
			if db.Buf != nil && buf(db).dt == backend.Float32 {
				bs, bstride = buf(db).F32, db.Strides[0]
			}
			s.filter(buf(dw).F32, dw.Strides, dw.Offset, bs, bstride, db.Offset, buf(x).F32, x.Strides, x.Offset, buf(dy).F32, dy.Strides, dy.Offset)
			return bs != nil
		}
	}
	out := c.denseOut(dw)
	dy = c.densePlanesIn(dy)
	switch dt {
	case backend.Float32:
		convFilterGeneral(&g, out, x, dy, buf(out).F32, buf(x).F32, buf(dy).F32)
	case backend.Float64:
		convFilterGeneral(&g, out, x, dy, buf(out).F64, buf(x).F64, buf(dy).F64)
	default:
		panic("cpu.Conv2dBackwardFilter of " + dt.String())
	}
	c.finishOut(dw, out)
	return false
}

// densePlanes reports whether every [H, W] plane of a 4-D view is dense
// (its batch and channel strides may be anything).
func densePlanes(v backend.View) bool {
	return v.Strides[3] == 1 && v.Strides[2] == v.Shape[3]
}

// densePlanesIn returns v itself when its planes are dense, else a dense
// copy.
func (c *Backend) densePlanesIn(v backend.View) backend.View {
	if densePlanes(v) {
		return v
	}
	return c.denseIn(v)
}

// densePlanesOut returns dst itself when its planes are dense, else dense
// scratch that finishOut copies into dst.
func (c *Backend) densePlanesOut(dst backend.View) backend.View {
	if densePlanes(dst) {
		return dst
	}
	return c.denseOut(dst)
}
