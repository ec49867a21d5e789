package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// LayerNorm normalises x over its trailing axes (mean.Numel() rows), with
// optional weight and bias, writing y and the per-row mean and reciprocal
// standard deviation. The kernel keeps statistics in float32 (float64 for
// float64); mean and rstd views of another dtype receive them converted.
func (b *Backend) LayerNorm(y, mean, rstd, x, weight, bias backend.View, eps float64) {
	const op = "LayerNorm"
	dt := x.DType()
	if !dt.IsFloat() || y.DType() != dt {
		misuse(op, "of %v into %v", dt, y.DType())
	}
	b.bind(op)
	defer b.g.unbind()
	rows := mean.Numel()
	if rows == 0 || x.Numel() == 0 {
		return
	}
	cols := x.Numel() / rows
	acc := accDType(dt)
	xp, relX := b.denseIn(op, x, dt)
	wp, relW := b.optIn(op, weight, dt)
	bp, relB := b.optIn(op, bias, dt)
	yp, finY := b.denseOut(op, y, dt)
	mp, finM := b.denseOut(op, mean, acc)
	rp, finR := b.denseOut(op, rstd, acc)
	l := &kernels.LayerNorm{X: xp, W: wp, B: bp, Out: yp, Mean: mp, RStd: rp, Rows: int64(rows), Cols: int64(cols), Eps: eps}
	b.launch(op, layerNormKernelOf(kernels.LayerNormForward, kdt(dt)), kernels.LayerNormLaunch(l.Rows, b.maxBlocks),
		func(a *driver.Args) error { return kernels.PackLayerNorm(a, kernels.LayerNormForward, l) })
	finY()
	finM()
	finR()
	relX()
	relW()
	relB()
	keep(y, mean, rstd, x, weight, bias)
}

// LayerNormBackward computes dx, dweight and dbias (each may have a nil Buf
// when not wanted) from dy, x, the saved mean and rstd, and weight.
// dweight and dbias are sums over rows in a fixed order: deterministic.
func (b *Backend) LayerNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight backend.View) {
	const op = "LayerNormBackward"
	dt := x.DType()
	if !dt.IsFloat() || dy.DType() != dt {
		misuse(op, "of %v and %v", dt, dy.DType())
	}
	b.bind(op)
	defer b.g.unbind()
	rows := mean.Numel()
	if rows == 0 || x.Numel() == 0 {
		for _, v := range []backend.View{dweight, dbias} {
			if v.Buf != nil {
				b.fill(op, v, 0)
			}
		}
		return
	}
	cols := x.Numel() / rows
	acc := accDType(dt)
	gp, relG := b.denseIn(op, dy, dt)
	xp, relX := b.denseIn(op, x, dt)
	mp, relM := b.denseIn(op, mean, acc)
	rp, relR := b.denseIn(op, rstd, acc)
	wp, relW := b.optIn(op, weight, dt)
	l := &kernels.LayerNorm{X: xp, W: wp, DY: gp, Mean: mp, RStd: rp, Rows: int64(rows), Cols: int64(cols)}
	if dx.Buf != nil {
		var finDX func()
		l.DX, finDX = b.denseOut(op, dx, dt)
		b.launch(op, layerNormKernelOf(kernels.LayerNormBackward, kdt(dt)), kernels.LayerNormLaunch(l.Rows, b.maxBlocks),
			func(a *driver.Args) error { return kernels.PackLayerNorm(a, kernels.LayerNormBackward, l) })
		finDX()
	}
	if dweight.Buf != nil || dbias.Buf != nil {
		var finDW, finDB func()
		l.DW, finDW = b.optOut(op, dweight, dt)
		l.DB, finDB = b.optOut(op, dbias, dt)
		var first, sum kernels.Launch
		l.Chunk, l.Chunks, first, sum = kernels.LayerNormParamsPlan(l.Rows, l.Cols, b.maxBlocks)
		part := b.temp(op, acc, int(2*l.Chunks*l.Cols))
		l.PartW = part.ptr()
		l.PartB = part.ptr() + driver.DevicePtr(l.Chunks*l.Cols*int64(acc.Size()))
		b.launch(op, layerNormKernelOf(kernels.LayerNormBackwardParams, kdt(dt)), first,
			func(a *driver.Args) error { return kernels.PackLayerNorm(a, kernels.LayerNormBackwardParams, l) })
		b.launch(op, layerNormKernelOf(kernels.LayerNormParamsSum, kdt(dt)), sum,
			func(a *driver.Args) error { return kernels.PackLayerNorm(a, kernels.LayerNormParamsSum, l) })
		part.mem.release()
		finDW()
		finDB()
	}
	relG()
	relX()
	relM()
	relR()
	relW()
	keep(dx, dweight, dbias, dy, x, mean, rstd, weight)
}
