package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// kview returns the kernels' operand of a view of at most kernels.MaxDims
// dims (its strides and offset in elements); ok is false for more dims.
func (b *Backend) kview(op string, v backend.View) (o kernels.Operand, ok bool) {
	if len(v.Shape) > kernels.MaxDims {
		return o, false
	}
	o.Ptr = b.devBuf(op, v).ptr()
	o.Strides.Offset = int64(v.Offset)
	for i, s := range v.Strides {
		o.Strides.S[i] = int64(s)
	}
	return o, true
}

// shape64 converts a shape to the kernels' integers.
func shape64(shape []int) []int64 {
	out := make([]int64, len(shape))
	for i, d := range shape {
		out[i] = int64(d)
	}
	return out
}

// Reduce reduces src over axes into dst (src's shape with those axes 1),
// reading and writing any strides, with the CPU backend's output types:
// Sum and Prod of integer or bool sources write int64, All and Any bool.
// Floats accumulate in float32 (float64 for float64); a float source
// reduced into a wider float dtype is converted first.
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
	code, ok := kernels.ReduceCodeFor(op)
	if ok && len(src.Shape) <= kernels.MaxDims {
		b.bind(name)
		defer b.g.unbind()
		if b.reduce(name, code, dst, src, axes) {
			return
		}
	}
	b.fallback(name, []hostArg{out(dst), in(src)}, func(h []backend.View) { b.host.Reduce(op, h[0], h[1], axes) })
}

// reduce runs the strided reduction kernels; false means they have no
// instantiation for these dtypes. Between float dtypes without a direct
// kernel the reduction runs in the wider one, converting around it. Bound.
func (b *Backend) reduce(name string, code kernels.ReduceCode, dst, src backend.View, axes []int) bool {
	si, _ := b.kview(name, src)
	so, _ := b.kview(name, dst)
	r, err := kernels.NewReduction(shape64(src.Shape), si.Strides, so.Strides, axes, b.maxBlocks)
	b.check(name, err)
	if r.Outputs() == 0 {
		return true
	}
	in, out := src.DType(), dst.DType()
	ks := make([]kernels.Kernel, r.Passes())
	for p := range ks {
		if ks[p], err = r.Kernel(p, kdt(in), kdt(out)); err != nil {
			break
		}
	}
	if err != nil {
		if !in.IsFloat() || !out.IsFloat() || in == out {
			return false
		}
		return b.reduceWide(name, code, dst, src, axes)
	}
	var work *Buffer
	if n := r.WorkspaceElems(); n > 0 {
		work = b.temp(name, bdt(kernels.AccType(kdt(in))), int(n))
	}
	for p, k := range ks {
		var wp driver.DevicePtr
		if work != nil {
			wp = work.ptr()
		}
		f, err := b.fn(k)
		if err == nil {
			a := b.args.Get().(*driver.Args)
			var l kernels.Launch
			if l, err = r.Pack(a, p, code, so.Ptr, si.Ptr, wp, 1); err == nil {
				err = b.run(f, l, a)
			}
			b.args.Put(a)
		}
		b.check(name, err)
	}
	if work != nil {
		work.mem.release()
	}
	keep(dst, src)
	return true
}

// reduceWide reduces between two float dtypes in the wider of them. Bound.
func (b *Backend) reduceWide(name string, code kernels.ReduceCode, dst, src backend.View, axes []int) bool {
	w := src.DType()
	if floatRank(dst.DType()) > floatRank(w) {
		w = dst.DType()
	}
	if src.DType() != w {
		tmp := b.temp(name, w, src.Numel())
		defer tmp.mem.release()
		tv := backend.Dense(tmp, src.Shape...)
		b.copyView(name, tv, src)
		src = tv
	}
	if dst.DType() == w {
		return b.reduce(name, code, dst, src, axes)
	}
	tmp := b.temp(name, w, dst.Numel())
	defer tmp.mem.release()
	tv := backend.Dense(tmp, dst.Shape...)
	if !b.reduce(name, code, tv, src, axes) {
		return false
	}
	b.copyView(name, dst, tv)
	return true
}

// floatRank orders float dtypes by precision.
func floatRank(d backend.DType) int {
	switch d {
	case backend.Float64:
		return 3
	case backend.Float32:
		return 2
	}
	return 1
}

// ArgReduce writes into the int64 view dst the index along axis of the
// first maximum or minimum of src (NaN counts as the extreme), any
// strides.
func (b *Backend) ArgReduce(op backend.ArgOp, dst, src backend.View, axis int) {
	const name = "ArgReduce"
	if dst.DType() != backend.Int64 {
		misuse(name, "writes int64, not %v", dst.DType())
	}
	kop := kernels.ArgMax
	if op == backend.ArgMin {
		kop = kernels.ArgMin
	}
	if src.DType() == backend.Bool || len(src.Shape) > kernels.MaxDims {
		b.fallback(name, []hostArg{out(dst), in(src)}, func(h []backend.View) { b.host.ArgReduce(op, h[0], h[1], axis) })
		return
	}
	b.bind(name)
	defer b.g.unbind()
	if dst.Numel() == 0 {
		return
	}
	if src.Shape[axis] == 0 {
		misuse(name, "over an empty axis")
	}
	si, _ := b.kview(name, src)
	so, _ := b.kview(name, dst)
	f, err := b.fn(argAxisKernelOf(kdt(src.DType())))
	b.check(name, err)
	a := b.args.Get().(*driver.Args)
	defer b.args.Put(a)
	l, err := kernels.PackArgReduceAxis(a, kop, &so, &si, shape64(src.Shape), axis, b.maxBlocks)
	if err == nil {
		err = b.run(f, l, a)
	}
	b.check(name, err)
	keep(dst, src)
}

// Cumulative writes running sums or products of src along axis into dst
// (float dtypes and int64, as on the CPU; any strides).
func (b *Backend) Cumulative(op backend.CumOp, dst, src backend.View, axis int) {
	const name = "Cumulative"
	dt := src.DType()
	if dst.DType() != dt || !(dt.IsFloat() || dt == backend.Int64) || len(src.Shape) > kernels.MaxDims {
		b.fallback(name, []hostArg{out(dst), in(src)}, func(h []backend.View) { b.host.Cumulative(op, h[0], h[1], axis) })
		return
	}
	sameShape(name, dst.Shape, src)
	b.bind(name)
	defer b.g.unbind()
	if dst.Numel() == 0 {
		return
	}
	kop := kernels.CumSum
	if op == backend.CumProd {
		kop = kernels.CumProd
	}
	si, _ := b.kview(name, src)
	so, _ := b.kview(name, dst)
	a := b.args.Get().(*driver.Args)
	defer b.args.Put(a)
	k, l, err := kernels.PackCumulative(a, kop, kdt(dt), &so, &si, shape64(src.Shape), axis, b.maxBlocks)
	if err == nil {
		var f driver.Function
		if f, err = b.fn(k); err == nil {
			err = b.run(f, l, a)
		}
	}
	b.check(name, err)
	keep(dst, src)
}
