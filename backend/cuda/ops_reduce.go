package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

var reduceKernels = map[backend.ReduceOp]kernels.ReduceOp{
	backend.Sum: kernels.Sum, backend.Prod: kernels.Prod, backend.Max: kernels.Max, backend.Min: kernels.Min,
}

// reducePlan is how a reduction runs: the source read as a contiguous
// [outer, len, inner] array at src (inner == 1: the last-axis kernel).
type reducePlan struct {
	src                driver.DevicePtr
	outer, size, inner int
	release            func()
}

// planReduce finds a contiguous [outer, len, inner] reading of src reduced
// over axes, in dtype dt: src itself when it is dense with the reduced
// axes adjacent (size-1 axes do not count), else a dense copy with the
// kept axes first. Bound.
func (b *Backend) planReduce(op string, src backend.View, axes []int, dt backend.DType) reducePlan {
	red := make([]bool, len(src.Shape))
	for _, a := range axes {
		red[a] = true
	}
	outer, size, inner := 1, 1, 1
	if src.IsContiguous() && src.DType() == dt {
		// The reduced axes of size > 1 must form one run, with only size-1
		// axes between them.
		first, last := -1, -1
		for d, n := range src.Shape {
			if red[d] && n != 1 {
				if first < 0 {
					first = d
				}
				last = d
			}
		}
		adjacent := true
		for d := first + 1; first >= 0 && d < last; d++ {
			if !red[d] && src.Shape[d] != 1 {
				adjacent = false
			}
		}
		if adjacent {
			for d, n := range src.Shape {
				switch {
				case first < 0 || d < first:
					outer *= n
				case d <= last:
					size *= n
				default:
					inner *= n
				}
			}
			ptr := b.devBuf(op, src).ptr() + elemOffset(src)
			return reducePlan{src: ptr, outer: outer, size: size, inner: inner, release: func() {}}
		}
	}
	var perm []int
	for d := range src.Shape {
		if !red[d] {
			perm = append(perm, d)
			outer *= src.Shape[d]
		}
	}
	for d := range src.Shape {
		if red[d] {
			perm = append(perm, d)
			size *= src.Shape[d]
		}
	}
	ptr, release := b.denseIn(op, permute(src, perm), dt)
	return reducePlan{src: ptr, outer: outer, size: size, inner: 1, release: release}
}

// Reduce reduces src over axes into dst (src's shape with those axes 1).
// Float sources reduce on the device (accumulating in float32, float64 for
// float64), into dst's dtype.
func (b *Backend) Reduce(op backend.ReduceOp, dst, src backend.View, axes []int) {
	const name = "Reduce"
	if len(dst.Shape) != len(src.Shape) {
		misuse(name, "dst shape %v, src shape %v", dst.Shape, src.Shape)
	}
	for _, a := range axes {
		if a < 0 || a >= len(src.Shape) || dst.Shape[a] != 1 {
			misuse(name, "axis %d of src %v into dst %v", a, src.Shape, dst.Shape)
		}
	}
	k, ok := reduceKernels[op]
	if !ok || !src.DType().IsFloat() || !dst.DType().IsFloat() {
		b.fallback("Reduce", []hostArg{out(dst), in(src)}, func(h []backend.View) { b.host.Reduce(op, h[0], h[1], axes) })
		return
	}
	b.bind(name)
	defer b.g.unbind()
	rows := dst.Numel()
	if rows == 0 {
		return
	}
	// Reduce in dst's dtype: a wider dst accumulates in its precision.
	dt := dst.DType()
	plan := b.planReduce(name, src, axes, dt)
	out, finish := b.denseOut(name, dst, dt)
	kern := reduceKernelOf(k, kdt(dt), plan.inner == 1)
	ax := kernels.Axis{Outer: int64(plan.outer), Len: int64(plan.size), Inner: int64(plan.inner)}
	l := kernels.ElementwiseLaunch(int64(rows), b.maxBlocks)
	if plan.inner == 1 {
		l = kernels.RowLaunch(int64(plan.outer), int64(plan.size), b.maxBlocks)
	}
	b.launch(name, kern, l, func(a *driver.Args) error { return kernels.PackReduce(a, out, plan.src, ax, 1) })
	finish()
	plan.release()
	keep(dst, src)
}

// ArgReduce writes into the int64 view dst the index along axis of the
// first maximum or minimum of src (NaN counts as the extreme).
func (b *Backend) ArgReduce(op backend.ArgOp, dst, src backend.View, axis int) {
	const name = "ArgReduce"
	if dst.DType() != backend.Int64 {
		misuse(name, "writes int64, not %v", dst.DType())
	}
	kop := kernels.ArgMax
	if op == backend.ArgMin {
		kop = kernels.ArgMin
	}
	if !src.DType().IsFloat() {
		b.fallback(name, []hostArg{out(dst), in(src)}, func(h []backend.View) { b.host.ArgReduce(op, h[0], h[1], axis) })
		return
	}
	b.bind(name)
	defer b.g.unbind()
	n := src.Shape[axis]
	rows := dst.Numel()
	if rows == 0 {
		return
	}
	if n == 0 {
		misuse(name, "over an empty axis")
	}
	ptr, release := b.denseIn(name, src, src.DType())
	ax := kernels.Axis{Outer: int64(backend.Numel(src.Shape[:axis])), Len: int64(n), Inner: int64(backend.Numel(src.Shape[axis+1:]))}
	out, finish := b.denseOut(name, dst, backend.Int64)
	l := kernels.ElementwiseLaunch(int64(rows), b.maxBlocks)
	if ax.Inner == 1 {
		l = kernels.RowLaunch(ax.Outer, ax.Len, b.maxBlocks)
	}
	b.launch(name, argReduceKernelOf(kop, kdt(src.DType()), ax.Inner == 1), l, func(a *driver.Args) error {
		return kernels.PackArgReduce(a, out, ptr, ax)
	})
	finish()
	release()
	keep(dst, src)
}

// Cumulative writes running sums or products of src along axis into dst.
func (b *Backend) Cumulative(op backend.CumOp, dst, src backend.View, axis int) {
	b.fallback("Cumulative", []hostArg{out(dst), in(src)}, func(h []backend.View) { b.host.Cumulative(op, h[0], h[1], axis) })
}
