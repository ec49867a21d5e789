package cuda

import (
	"math"
	"testing"

	"github.com/emberdl/ember/backend"
)

// transposed returns a pair viewing a dense [cols, rows] pair as its
// [rows, cols] transpose.
func transposed(p pair) pair {
	t := func(v backend.View) backend.View {
		return backend.View{Buf: v.Buf, Shape: []int{v.Shape[1], v.Shape[0]}, Strides: []int{v.Strides[1], v.Strides[0]}, Offset: v.Offset}
	}
	return pair{t(p.c), t(p.g)}
}

func TestUnaryKernelOps(t *testing.T) {
	w := newTwin(t)
	cases := []struct {
		op     backend.UnaryOp
		lo, hi float64
		a, b   float64
	}{
		{op: backend.Neg, lo: -3, hi: 3}, {op: backend.Abs, lo: -3, hi: 3}, {op: backend.Exp, lo: -3, hi: 3},
		{op: backend.Expm1, lo: -1, hi: 1}, {op: backend.Log, lo: 0.1, hi: 5}, {op: backend.Log1p, lo: -0.5, hi: 3},
		{op: backend.Sqrt, lo: 0, hi: 9}, {op: backend.Rsqrt, lo: 0.1, hi: 9}, {op: backend.Square, lo: -3, hi: 3},
		{op: backend.Sin, lo: -3, hi: 3}, {op: backend.Cos, lo: -3, hi: 3}, {op: backend.Tanh, lo: -3, hi: 3},
		{op: backend.Sigmoid, lo: -6, hi: 6}, {op: backend.Relu, lo: -3, hi: 3}, {op: backend.Gelu, lo: -3, hi: 3},
		{op: backend.GeluTanh, lo: -3, hi: 3}, {op: backend.Silu, lo: -3, hi: 3}, {op: backend.Floor, lo: -3, hi: 3},
		{op: backend.Ceil, lo: -3, hi: 3}, {op: backend.Round, lo: -3, hi: 3}, {op: backend.Trunc, lo: -3, hi: 3},
		{op: backend.Reciprocal, lo: 0.5, hi: 3}, {op: backend.Erf, lo: -2, hi: 2},
		{op: backend.LeakyRelu, lo: -3, hi: 3, a: 0.1}, {op: backend.Softplus, lo: -30, hi: 30, a: 1, b: 20},
		{op: backend.Clamp, lo: -3, hi: 3, a: -1, b: 0.5}, {op: backend.Clamp, lo: -3, hi: 3, a: math.NaN(), b: 0.5},
		{op: backend.AddScalar, lo: -3, hi: 3, a: 0.25}, {op: backend.MulScalar, lo: -3, hi: 3, a: -1.5},
		{op: backend.PowScalar, lo: 0.1, hi: 3, a: 2}, {op: backend.PowScalar, lo: 0.1, hi: 3, a: 1},
		{op: backend.PowScalar, lo: 0.1, hi: 3, a: 0.5}, {op: backend.PowScalar, lo: 0.1, hi: 3, a: 3.5},
	}
	for _, d := range floatTypes {
		for _, c := range cases {
			src := transposed(w.random(d, c.lo, c.hi, 5, 4)) // [4, 5], strided
			dst := w.alloc(d, 0, 4, 5)
			onDevice(t, w.g, c.op.String(), func() {
				w.run(func(be backend.Backend, v []backend.View) {
					if be.SupportsMath(d) {
						be.Unary(c.op, v[0], v[1], c.a, c.b)
						return
					}
					// The CPU computes half types in float32 and rounds.
					f := func(v backend.View) backend.View {
						t := backend.Dense(be.Alloc(backend.Float32, v.Numel()), v.Shape...)
						be.Copy(t, v)
						return t
					}
					s32, d32 := f(v[1]), f(v[0])
					be.Unary(c.op, d32, s32, c.a, c.b)
					be.Copy(v[0], d32)
				}, dst, src)
			})
			w.same(d.String()+" "+c.op.String(), dst, tolFor(d))
		}
	}
}

func TestUnaryBoolAndIntegerOps(t *testing.T) {
	w := newTwin(t)
	vals := []float64{-2, -0.5, 0, 0.5, 2, math.Inf(1), math.Inf(-1), math.NaN()}
	for _, c := range []struct {
		op    backend.UnaryOp
		d, od backend.DType
		a, b  float64
	}{
		{backend.IsNan, backend.Float32, backend.Bool, 0, 0},
		{backend.IsFinite, backend.Float64, backend.Bool, 0, 0},
		{backend.NanToNum, backend.Float32, backend.Float32, 9, 99},
		{backend.Tan, backend.Float64, backend.Float64, 0, 0},
		{backend.Sign, backend.Float32, backend.Float32, 0, 0},
		{backend.Softplus, backend.Float32, backend.Float32, 2, 10},
	} {
		src := w.dense(c.d, vals, 8)
		dst := w.alloc(c.od, 0, 8)
		w.runDev("unary", func(be backend.Backend, v []backend.View) { be.Unary(c.op, v[0], v[1], c.a, c.b) }, dst, src)
		w.same(c.op.String(), dst, tolFor(c.od))
	}
	// Integer ops.
	src := w.dense(backend.Int64, []float64{-3, -1, 0, 2, 5, 9}, 6)
	dst := w.alloc(backend.Int64, 0, 6)
	w.runDev("unary", func(be backend.Backend, v []backend.View) { be.Unary(backend.Abs, v[0], v[1], 0, 0) }, dst, src)
	w.same("int64 abs", dst, exact)
}

func TestBinaryKernelOps(t *testing.T) {
	w := newTwin(t)
	ops := []backend.BinaryOp{backend.Add, backend.Sub, backend.Mul, backend.Div, backend.Maximum,
		backend.Minimum, backend.Pow, backend.Remainder}
	cmps := []backend.BinaryOp{backend.Eq, backend.Ne, backend.Lt, backend.Le, backend.Gt, backend.Ge}
	for _, d := range floatTypes {
		for _, op := range append(ops, cmps...) {
			// x: [3, 4] broadcast from a [4] row; y: a transposed [3, 4].
			row := w.random(d, 0.5, 3, 4)
			x := pair{
				backend.View{Buf: row.c.Buf, Shape: []int{3, 4}, Strides: []int{0, 1}},
				backend.View{Buf: row.g.Buf, Shape: []int{3, 4}, Strides: []int{0, 1}},
			}
			y := transposed(w.random(d, -2, 2, 4, 3))
			if op.IsComparison() {
				// Equal elements must occur for Eq/Le/Ge to mean anything.
				y = x
			}
			od := d
			if op.IsComparison() {
				od = backend.Bool
			}
			dst := w.alloc(od, 0, 3, 4)
			onDevice(t, w.g, op.String(), func() {
				w.run(func(be backend.Backend, v []backend.View) {
					if be.SupportsMath(d) {
						be.Binary(op, v[0], v[1], v[2])
						return
					}
					f := func(v backend.View, dt backend.DType) backend.View {
						t := backend.Dense(be.Alloc(dt, v.Numel()), v.Shape...)
						be.Copy(t, v)
						return t
					}
					x32, y32 := f(v[1], backend.Float32), f(v[2], backend.Float32)
					o := v[0]
					if !op.IsComparison() {
						o = f(v[0], backend.Float32)
					}
					be.Binary(op, o, x32, y32)
					be.Copy(v[0], o)
				}, dst, x, y)
			})
			w.same(d.String()+" "+op.String(), dst, tolFor(od))
		}
	}
}

func TestBinaryIntegerAndOtherOps(t *testing.T) {
	w := newTwin(t)
	a := w.dense(backend.Int32, []float64{7, -7, 3, 0, 12, -5}, 6)
	b := w.dense(backend.Int32, []float64{2, 2, -2, 5, 5, 3}, 6)
	for _, op := range []backend.BinaryOp{backend.Add, backend.FloorDiv, backend.Remainder, backend.Lt} {
		od := backend.Int32
		if op.IsComparison() {
			od = backend.Bool
		}
		dst := w.alloc(od, 0, 6)
		w.runDev("binary", func(be backend.Backend, v []backend.View) { be.Binary(op, v[0], v[1], v[2]) }, dst, a, b)
		w.same("int32 "+op.String(), dst, exact)
	}
	x := w.random(backend.Float32, -2, 2, 6)
	y := w.random(backend.Float32, -2, 2, 6)
	dst := w.alloc(backend.Float32, 0, 6)
	w.runDev("binary", func(be backend.Backend, v []backend.View) { be.Binary(backend.Atan2, v[0], v[1], v[2]) }, dst, x, y)
	w.same("atan2", dst, tolF32)
}

func TestWhere(t *testing.T) {
	w := newTwin(t)
	for _, d := range []backend.DType{backend.Float32, backend.BFloat16, backend.Int64, backend.Bool} {
		cond := w.dense(backend.Bool, []float64{1, 0, 0, 1, 1, 0}, 2, 3)
		x := w.random(d, -5, 5, 2, 3)
		y := transposed(w.random(d, -5, 5, 3, 2))
		dst := w.alloc(d, 0, 2, 3)
		w.runDev("TestWhere", func(be backend.Backend, v []backend.View) { be.Where(v[0], v[1], v[2], v[3]) }, dst, cond, x, y)
		w.same(d.String()+" where", dst, exact)
	}
}
