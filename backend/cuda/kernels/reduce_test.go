package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// reduceRef reduces a contiguous [outer, len, inner] tensor over len.
func reduceRef(op ReduceOp, x []float64, ax Axis, scale float64) []float64 {
	out := make([]float64, ax.Outer*ax.Inner)
	for o := int64(0); o < ax.Outer; o++ {
		for i := int64(0); i < ax.Inner; i++ {
			var acc float64
			switch op {
			case Sum:
				acc = 0
			case Prod:
				acc = 1
			case Max:
				acc = math.Inf(-1)
			case Min:
				acc = math.Inf(1)
			}
			for r := int64(0); r < ax.Len; r++ {
				v := x[(o*ax.Len+r)*ax.Inner+i]
				switch {
				case op == Sum:
					acc += v
				case op == Prod:
					acc *= v
				case math.IsNaN(v) || math.IsNaN(acc):
					acc = math.NaN()
				case op == Max:
					acc = math.Max(acc, v)
				case op == Min:
					acc = math.Min(acc, v)
				}
			}
			out[o*ax.Inner+i] = acc * scale
		}
	}
	return out
}

// argRef returns the first index of the extreme value; NaN counts as the
// extreme.
func argRef(op ArgOp, x []float64, ax Axis) []int64 {
	out := make([]int64, ax.Outer*ax.Inner)
	for o := int64(0); o < ax.Outer; o++ {
		for i := int64(0); i < ax.Inner; i++ {
			best := int64(0)
			for r := int64(1); r < ax.Len; r++ {
				v, b := x[(o*ax.Len+r)*ax.Inner+i], x[(o*ax.Len+best)*ax.Inner+i]
				if math.IsNaN(b) {
					break
				}
				if math.IsNaN(v) || (op == ArgMax && v > b) || (op == ArgMin && v < b) {
					best = r
				}
			}
			out[o*ax.Inner+i] = best
		}
	}
	return out
}

func TestReductions(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(4, 4))
	a := driver.NewArgs()
	for _, ax := range []Axis{{5, 37, 1}, {3, 700, 1}, {3, 7, 5}, {2, 1, 9}} {
		n := int(ax.Outer * ax.Len * ax.Inner)
		for _, dt := range FloatTypes {
			for _, op := range ReduceOps {
				lo, hi := -2.0, 2.0
				if op == Prod {
					lo, hi = 0.97, 1.03 // keep the product of 700 values finite
				}
				vals := randRange(rng, n, lo, hi)
				if op == Max || op == Min {
					vals[n/2] = math.NaN() // NaN propagates into its output
				}
				in, exact := d.upload(dt, vals)
				out := d.alloc(int(ax.Outer*ax.Inner) * dt.Size())
				scale := 1.0
				if op == Sum {
					scale = 1 / float64(ax.Len) // the mean
				}
				err := PackReduce(a, out, in, ax, scale)
				l := ElementwiseLaunch(ax.Outer*ax.Inner, 4)
				if ax.Inner == 1 {
					l = RowLaunch(ax.Outer, ax.Len, 2) // fewer blocks than rows: grid-stride
				}
				d.launch(ReduceKernel(op, dt, ax.Inner == 1), l, a, err)
				want := roundTo(dt, reduceRef(op, exact, ax, scale))
				checkClose(t, fmt.Sprintf("%s %+v", op, ax), dt, d.download(dt, out, len(want)), want)
			}
		}
	}
}

func TestArgReductions(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(5, 5))
	a := driver.NewArgs()
	for _, ax := range []Axis{{6, 45, 1}, {2, 600, 1}, {3, 8, 4}} {
		n := int(ax.Outer * ax.Len * ax.Inner)
		for _, dt := range FloatTypes {
			// Few distinct values, so ties are common.
			vals := make([]float64, n)
			for i := range vals {
				vals[i] = float64(rng.IntN(7) - 3)
			}
			vals[n-1] = math.NaN()
			in, exact := d.upload(dt, vals)
			for _, op := range []ArgOp{ArgMax, ArgMin} {
				out := d.alloc(int(ax.Outer*ax.Inner) * 8)
				err := PackArgReduce(a, out, in, ax)
				l := ElementwiseLaunch(ax.Outer*ax.Inner, 4)
				if ax.Inner == 1 {
					l = RowLaunch(ax.Outer, ax.Len, 3)
				}
				d.launch(ArgReduceKernel(op, dt, ax.Inner == 1), l, a, err)
				got, want := d.downloadI64(out, int(ax.Outer*ax.Inner)), argRef(op, exact, ax)
				for i := range want {
					if got[i] != want[i] {
						t.Errorf("%v %s %+v: output %d = %d, want %d", dt, op, ax, i, got[i], want[i])
					}
				}
			}
		}
	}
}
