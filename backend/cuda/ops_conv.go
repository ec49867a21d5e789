package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/blas"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// Convolution is im2col (a kernel) then one strided-batched GEMM per group
// over a chunk of images; its input gradient is the transposed GEMM then
// col2im; its weight gradient GEMMs per image into float32 (float64 for
// float64) partials summed over the images. Chunks keep the col matrix
// below colBudget elements.
const colBudget = 64 << 20

// convGeom holds the sizes of one 2-D convolution.
type convGeom struct {
	n, c, h, w, o, kh, kw, oh, ow int
	g, cg, og                     int // groups, channels and filters per group
	p                             backend.ConvParams
}

func newConvGeom(x, w, y []int, p backend.ConvParams) convGeom {
	g := convGeom{n: x[0], c: x[1], h: x[2], w: x[3], o: w[0], kh: w[2], kw: w[3], oh: y[2], ow: y[3], g: max(1, p.Groups), p: p}
	g.cg, g.og = g.c/g.g, g.o/g.g
	return g
}

func (g *convGeom) ohw() int     { return g.oh * g.ow }
func (g *convGeom) rowsG() int   { return g.cg * g.kh * g.kw } // col rows of one group
func (g *convGeom) colRows() int { return g.c * g.kh * g.kw }

// chunk is how many images one col matrix holds.
func (g *convGeom) chunk(extra int) int {
	per := max(g.colRows()*g.ohw(), extra, 1)
	return max(1, min(g.n, colBudget/per))
}

// shape is the kernels' geometry of images [n0, n0+nb).
func (g *convGeom) shape(n0, nb int) kernels.ConvShape {
	p := g.p
	return kernels.ConvShape{N0: int64(n0), NB: int64(nb), C: int64(g.c), H: int64(g.h), W: int64(g.w),
		KH: int64(g.kh), KW: int64(g.kw), OH: int64(g.oh), OW: int64(g.ow),
		SH: int32(p.StrideH), SW: int32(p.StrideW), PH: int32(p.PadH), PW: int32(p.PadW),
		DH: int32(max(p.DilationH, 1)), DW: int32(max(p.DilationW, 1))}
}

// stridesOf returns the kernels' strides of a 4-D view.
func stridesOf(v backend.View) kernels.Strides {
	st := kernels.Strides{Offset: int64(v.Offset)}
	for i, s := range v.Strides {
		st.S[i] = int64(s)
	}
	return st
}

// im2col fills col with images [n0, n0+nb) of x. Bound.
func (b *Backend) im2col(op string, g *convGeom, col driver.DevicePtr, x backend.View, n0, nb int) {
	cs := g.shape(n0, nb)
	xp := b.devBuf(op, x).ptr()
	b.launch(op, convKernelOf(kernels.Im2col, kdt(x.DType())), kernels.ElementwiseLaunch(cs.ColElems(), b.maxBlocks), func(a *driver.Args) error {
		return kernels.PackIm2col(a, col, xp, stridesOf(x), cs)
	})
}

// gemmAt queues one GEMM; pointers are element offsets from their bases.
func (b *Backend) gemmAt(op string, m blas.Gemm, beta float64, a, bb, c driver.DevicePtr) {
	b.check(op, b.gemmRun(m, 1, beta, a, bb, c))
}

// elems is the byte offset of n elements of dtype d.
func elems(d backend.DType, n int) driver.DevicePtr { return driver.DevicePtr(n * d.Size()) }

// Conv2d computes the 2-D cross-correlation of x [N, C, H, W] with w
// [O, C/groups, KH, KW] into dst [N, O, OH, OW].
func (b *Backend) Conv2d(dst, x, w backend.View, p backend.ConvParams) {
	const op = "Conv2d"
	dt := x.DType()
	bt, ok := blasType(dt)
	if !ok || w.DType() != dt || dst.DType() != dt {
		b.fallback(op, []hostArg{out(dst), in(x), in(w)}, func(h []backend.View) { b.host.Conv2d(h[0], h[1], h[2], p) })
		return
	}
	b.bind(op)
	defer b.g.unbind()
	if dst.Numel() == 0 {
		return
	}
	g := newConvGeom(x.Shape, w.Shape, dst.Shape, p)
	if g.rowsG() == 0 {
		b.fill(op, dst, 0)
		return
	}
	wp, relW := b.denseIn(op, w, dt)
	yp, finY := b.denseOut(op, dst, dt)
	nb := g.chunk(0)
	col := b.temp(op, dt, nb*g.colRows()*g.ohw())
	for n0 := 0; n0 < g.n; n0 += nb {
		nbc := min(nb, g.n-n0)
		b.im2col(op, &g, col.ptr(), x, n0, nbc)
		for grp := range g.g {
			// y[n, grp] (og × ohw) = W_grp (og × rowsG) · col[n, grp] (rowsG × ohw)
			m := blas.Gemm{M: g.og, N: g.ohw(), K: g.rowsG(), Batch: nbc, AType: bt, BType: bt, CType: bt, Compute: computeType(dt),
				LDA: g.rowsG(), LDB: g.ohw(), LDC: g.ohw(),
				StrideB: int64(g.colRows() * g.ohw()), StrideC: int64(g.o * g.ohw())}
			b.gemmAt(op, m, 0, wp+elems(dt, grp*g.og*g.rowsG()), col.ptr()+elems(dt, grp*g.rowsG()*g.ohw()),
				yp+elems(dt, (n0*g.o+grp*g.og)*g.ohw()))
		}
	}
	col.mem.release()
	finY()
	relW()
	keep(dst, x, w)
}

// Conv2dBackwardData computes dx [N, C, H, W] from dy [N, O, OH, OW] and
// w: col = W_gᵀ·dy_g per group, then col2im (which writes every element
// of dx, summing in a fixed order: deterministic).
func (b *Backend) Conv2dBackwardData(dx, dy, w backend.View, p backend.ConvParams) {
	const op = "Conv2dBackwardData"
	dt := dx.DType()
	bt, ok := blasType(dt)
	if !ok || w.DType() != dt || dy.DType() != dt {
		b.fallback(op, []hostArg{out(dx), in(dy), in(w)}, func(h []backend.View) { b.host.Conv2dBackwardData(h[0], h[1], h[2], p) })
		return
	}
	b.bind(op)
	defer b.g.unbind()
	if dx.Numel() == 0 {
		return
	}
	g := newConvGeom(dx.Shape, w.Shape, dy.Shape, p)
	if g.rowsG() == 0 || g.ohw() == 0 || g.og == 0 {
		b.fill(op, dx, 0)
		return
	}
	wp, relW := b.denseIn(op, w, dt)
	gp, relG := b.denseIn(op, dy, dt)
	nb := g.chunk(0)
	col := b.temp(op, dt, nb*g.colRows()*g.ohw())
	xp := b.devBuf(op, dx).ptr()
	for n0 := 0; n0 < g.n; n0 += nb {
		nbc := min(nb, g.n-n0)
		for grp := range g.g {
			// col[n, grp] (rowsG × ohw) = W_grpᵀ (rowsG × og) · dy[n, grp] (og × ohw)
			m := blas.Gemm{M: g.rowsG(), N: g.ohw(), K: g.og, Batch: nbc, AType: bt, BType: bt, CType: bt, Compute: computeType(dt),
				TransA: true, LDA: g.rowsG(), LDB: g.ohw(), LDC: g.ohw(),
				StrideB: int64(g.o * g.ohw()), StrideC: int64(g.colRows() * g.ohw())}
			b.gemmAt(op, m, 0, wp+elems(dt, grp*g.og*g.rowsG()), gp+elems(dt, (n0*g.o+grp*g.og)*g.ohw()),
				col.ptr()+elems(dt, grp*g.rowsG()*g.ohw()))
		}
		cs := g.shape(n0, nbc)
		b.launch(op, convKernelOf(kernels.Col2im, kdt(dt)), kernels.ElementwiseLaunch(int64(nbc*g.c*g.h*g.w), b.maxBlocks), func(a *driver.Args) error {
			return kernels.PackCol2im(a, xp, stridesOf(dx), col.ptr(), cs, false)
		})
	}
	col.mem.release()
	relW()
	relG()
	keep(dx, dy, w)
}

// Conv2dBackwardFilter computes dw [O, C/groups, KH, KW] from x and dy:
// per image, dy_g · col_gᵀ into float32 (float64 for float64) partials,
// summed over the images by the reduction kernel (a fixed order:
// deterministic).
func (b *Backend) Conv2dBackwardFilter(dw, x, dy backend.View, p backend.ConvParams) {
	const op = "Conv2dBackwardFilter"
	dt := dw.DType()
	bt, ok := blasType(dt)
	if !ok || x.DType() != dt || dy.DType() != dt {
		b.fallback(op, []hostArg{out(dw), in(x), in(dy)}, func(h []backend.View) { b.host.Conv2dBackwardFilter(h[0], h[1], h[2], p) })
		return
	}
	b.bind(op)
	defer b.g.unbind()
	if dw.Numel() == 0 {
		return
	}
	g := newConvGeom(x.Shape, dw.Shape, dy.Shape, p)
	if g.n == 0 || g.ohw() == 0 {
		b.fill(op, dw, 0)
		return
	}
	acc := accDType(dt)
	cacc, _ := blasType(acc)
	gp, relG := b.denseIn(op, dy, dt)
	wElems := g.o * g.rowsG()
	nb := g.chunk(wElems)
	col := b.temp(op, dt, nb*g.colRows()*g.ohw())
	part := b.temp(op, acc, nb*wElems)
	sum := b.temp(op, acc, wElems)
	var red *Buffer
	for n0 := 0; n0 < g.n; n0 += nb {
		nbc := min(nb, g.n-n0)
		b.im2col(op, &g, col.ptr(), x, n0, nbc)
		for grp := range g.g {
			// part[n, grp] (og × rowsG) = dy[n, grp] (og × ohw) · col[n, grp]ᵀ (ohw × rowsG)
			m := blas.Gemm{M: g.og, N: g.rowsG(), K: g.ohw(), Batch: nbc, AType: bt, BType: bt, CType: cacc, Compute: computeType(dt),
				TransB: true, LDA: g.ohw(), LDB: g.ohw(), LDC: g.rowsG(),
				StrideA: int64(g.o * g.ohw()), StrideB: int64(g.colRows() * g.ohw()), StrideC: int64(wElems)}
			b.gemmAt(op, m, 0, gp+elems(dt, (n0*g.o+grp*g.og)*g.ohw()), col.ptr()+elems(dt, grp*g.rowsG()*g.ohw()),
				part.ptr()+elems(acc, grp*g.og*g.rowsG()))
		}
		pv := backend.Dense(part, nbc, wElems)
		if n0 == 0 {
			b.reduceSum(op, backend.Dense(sum, 1, wElems), pv)
			continue
		}
		if red == nil {
			red = b.temp(op, acc, wElems)
		}
		rv, sv := backend.Dense(red, 1, wElems), backend.Dense(sum, 1, wElems)
		b.reduceSum(op, rv, pv)
		c := ewCall{kind: ewBinary, k: binaryKernelOf(kdt(acc)), op: int32(kernels.Add)}
		b.elementwise(op, c, sv.Shape, b.viewOperand(op, sv), b.viewOperand(op, sv), b.viewOperand(op, rv))
	}
	b.copyView(op, dw, backend.Dense(sum, dw.Shape...))
	for _, t := range []*Buffer{col, part, sum, red} {
		if t != nil {
			t.mem.release()
		}
	}
	relG()
	keep(dw, x, dy)
}

// reduceSum sums the rows of src [n, m] into dst [1, m]. Bound.
func (b *Backend) reduceSum(op string, dst, src backend.View) {
	code, _ := kernels.ReduceCodeFor(backend.Sum)
	if !b.reduce(op, code, dst, src, []int{0}) {
		misuse(op, "no reduction kernel for %v", src.DType())
	}
}

// MaxPool2d writes the window maxima of x [N, C, H, W] into dst and the
// in-plane positions of the maxima into the int64 view indices (padding
// counts as -Inf; the first maximum wins and NaN replaces it, as the CPU).
func (b *Backend) MaxPool2d(dst, indices, x backend.View, p backend.PoolParams) {
	const op = "MaxPool2d"
	if !x.DType().IsFloat() || dst.DType() != x.DType() || indices.DType() != backend.Int64 {
		b.fallback(op, []hostArg{out(dst), out(indices), in(x)}, func(h []backend.View) { b.host.MaxPool2d(h[0], h[1], h[2], p) })
		return
	}
	b.bind(op)
	defer b.g.unbind()
	n := dst.Numel()
	if n == 0 {
		return
	}
	o, _ := b.kview(op, dst)
	ix, _ := b.kview(op, indices)
	xv, _ := b.kview(op, x)
	ps := kernels.PoolShape{N: int64(x.Shape[0]), C: int64(x.Shape[1]), H: int64(x.Shape[2]), W: int64(x.Shape[3]),
		OH: int64(dst.Shape[2]), OW: int64(dst.Shape[3]), KH: int32(p.KernelH), KW: int32(p.KernelW),
		SH: int32(p.StrideH), SW: int32(p.StrideW), PH: int32(p.PadH), PW: int32(p.PadW),
		DH: int32(max(p.DilationH, 1)), DW: int32(max(p.DilationW, 1))}
	b.launch(op, convKernelOf(kernels.MaxPool2d, kdt(x.DType())), kernels.ElementwiseLaunch(int64(n), b.maxBlocks), func(a *driver.Args) error {
		return kernels.PackMaxPool2d(a, &o, &ix, &xv, ps)
	})
	keep(dst, indices, x)
}
