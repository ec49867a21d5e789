package cuda

import (
	"fmt"
	"math"
	"testing"

	"github.com/emberdl/ember/backend"
)

// reducedShape is shape with axes set to 1.
func reducedShape(shape, axes []int) []int {
	out := append([]int(nil), shape...)
	for _, a := range axes {
		out[a] = 1
	}
	return out
}

// halfOrSelf runs f on float32 copies of views whose dtype the backend does
// no math on (the CPU's half types), converting the result back: what the
// ember package does for the CPU. out lists which views are written.
func halfOrSelf(be backend.Backend, v []backend.View, out []bool, f func(v []backend.View)) {
	if be.SupportsMath(v[0].DType()) {
		f(v)
		return
	}
	w := make([]backend.View, len(v))
	for i, x := range v {
		w[i] = x
		if x.Buf == nil || !x.DType().IsHalf() {
			continue
		}
		w[i] = backend.Dense(be.Alloc(backend.Float32, x.Numel()), x.Shape...)
		be.Copy(w[i], x)
	}
	f(w)
	for i, x := range v {
		if out[i] && x.Buf != nil && x.DType().IsHalf() {
			be.Copy(x, w[i])
		}
	}
}

func TestReduce(t *testing.T) {
	w := newTwin(t)
	shape := []int{3, 4, 5}
	for _, d := range floatTypes {
		for _, op := range []backend.ReduceOp{backend.Sum, backend.Prod, backend.Max, backend.Min} {
			for _, axes := range [][]int{{2}, {1}, {0}, {0, 2}, {1, 2}, {0, 1, 2}, {}} {
				for _, layout := range []string{"dense", "permuted"} {
					var src pair
					if layout == "dense" {
						src = w.random(d, 0.5, 1.5, shape...)
					} else {
						// [3, 4, 5] viewed from a dense [5, 3, 4] buffer.
						src = w.strided(d, 0.5, 1.5, 60, shape, []int{4, 1, 12}, 0)
					}
					dst := w.alloc(d, 0, reducedShape(shape, axes)...)
					what := fmt.Sprintf("%v %d over %v (%s)", d, op, axes, layout)
					onDevice(t, w.g, what, func() {
						w.run(func(be backend.Backend, v []backend.View) {
							halfOrSelf(be, v, []bool{true, false}, func(v []backend.View) { be.Reduce(op, v[0], v[1], axes) })
						}, dst, src)
					})
					tl := tolFor(d)
					if d == backend.Float32 {
						tl = tol{1e-5, 1e-6}
					}
					w.same(what, dst, tl)
				}
			}
		}
	}
}

func TestReduceNaNAndEmpty(t *testing.T) {
	w := newTwin(t)
	src := w.dense(backend.Float32, []float64{1, math.NaN(), 3, -2, 5, 0}, 2, 3)
	for _, op := range []backend.ReduceOp{backend.Max, backend.Min, backend.Sum} {
		dst := w.alloc(backend.Float32, 0, 2, 1)
		w.runDev("TestReduceNaNAndEmpty", func(be backend.Backend, v []backend.View) { be.Reduce(op, v[0], v[1], []int{1}) }, dst, src)
		w.same(fmt.Sprintf("op %d with NaN", op), dst, exact)
	}
	empty := w.alloc(backend.Float32, 0, 2, 0)
	for _, op := range []backend.ReduceOp{backend.Sum, backend.Prod, backend.Max} {
		dst := w.alloc(backend.Float32, 9, 2, 1)
		w.runDev("TestReduceNaNAndEmpty", func(be backend.Backend, v []backend.View) { be.Reduce(op, v[0], v[1], []int{1}) }, dst, empty)
		w.same(fmt.Sprintf("op %d of nothing", op), dst, exact)
	}
	// A float32 source summed into float64.
	big := w.random(backend.Float32, -1, 1, 4, 6)
	dst := w.alloc(backend.Float64, 0, 4, 1)
	w.runDev("TestReduceNaNAndEmpty", func(be backend.Backend, v []backend.View) { be.Reduce(backend.Sum, v[0], v[1], []int{1}) }, dst, big)
	w.same("float32 into float64", dst, tolF64)
}

func TestReduceIntegersAndBools(t *testing.T) {
	w := newTwin(t)
	src := w.dense(backend.Int32, []float64{1, 2, 3, -4, 5, 6}, 2, 3)
	dst := w.alloc(backend.Int64, 0, 1, 3)
	w.runDev("TestReduceIntegersAndBools", func(be backend.Backend, v []backend.View) { be.Reduce(backend.Sum, v[0], v[1], []int{0}) }, dst, src)
	w.same("int sum", dst, exact)
	mask := w.dense(backend.Bool, []float64{1, 0, 1, 1, 1, 1}, 2, 3)
	all := w.alloc(backend.Bool, 0, 2, 1)
	w.runDev("TestReduceIntegersAndBools", func(be backend.Backend, v []backend.View) { be.Reduce(backend.All, v[0], v[1], []int{1}) }, all, mask)
	w.same("all", all, exact)
}

func TestArgReduce(t *testing.T) {
	w := newTwin(t)
	for _, d := range floatTypes {
		for _, op := range []backend.ArgOp{backend.ArgMax, backend.ArgMin} {
			for axis := 0; axis < 3; axis++ {
				// Few distinct values, so ties occur: the first index wins.
				vals := make([]float64, 60)
				for i := range vals {
					vals[i] = float64(w.rng.IntN(4))
				}
				vals[7] = math.NaN()
				src := w.dense(d, vals, 3, 4, 5)
				dst := w.alloc(backend.Int64, 0, reducedShape([]int{3, 4, 5}, []int{axis})...)
				what := fmt.Sprintf("%v arg %d axis %d", d, op, axis)
				onDevice(t, w.g, what, func() {
					w.run(func(be backend.Backend, v []backend.View) {
						halfOrSelf(be, []backend.View{v[1], v[0]}, []bool{false, true}, func(u []backend.View) { be.ArgReduce(op, u[1], u[0], axis) })
					}, dst, src)
				})
				w.same(what, dst, exact)
			}
		}
	}
	// A strided source goes through a dense copy.
	src := transposed(w.random(backend.Float32, -1, 1, 6, 4))
	dst := w.alloc(backend.Int64, 0, 4, 1)
	w.run(func(be backend.Backend, v []backend.View) { be.ArgReduce(backend.ArgMax, v[0], v[1], 1) }, dst, src)
	w.same("strided argmax", dst, exact)
}

func TestCumulative(t *testing.T) {
	w := newTwin(t)
	src := transposed(w.random(backend.Float32, 0.5, 1.5, 4, 3))
	for _, op := range []backend.CumOp{backend.CumSum, backend.CumProd} {
		dst := w.alloc(backend.Float32, 0, 3, 4)
		w.runDev("TestCumulative", func(be backend.Backend, v []backend.View) { be.Cumulative(op, v[0], v[1], 1) }, dst, src)
		w.same("cumulative", dst, tolF32)
	}
}
