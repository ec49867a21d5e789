package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu"
	"github.com/emberdl/ember/backend/cuda/driver"
)

// reduceOut returns the output type of a backend reduction of t, as the
// ember package asks for it.
func reduceOut(op backend.ReduceOp, t DType) DType {
	switch {
	case op == backend.All || op == backend.Any:
		return Bool
	case (op == backend.Sum || op == backend.Prod) && !t.isFloat():
		return I64
	}
	return t
}

// runReduction reduces x over axes on the emulator into a new tensor of
// layout ol and returns it.
func runReduction(t *testing.T, d *dev, op backend.ReduceOp, x *tensor, odt DType, ol layout, axes []int, scale float64, maxBlocks int) (*tensor, *Reduction) {
	t.Helper()
	out := newTensor(d, odt, ol, make([]float64, ol.size))
	r, err := NewReduction(x.l.shape64(), x.l.st(), ol.st(), axes, maxBlocks)
	if err != nil {
		t.Fatal(err)
	}
	var work driver.DevicePtr
	if n := r.WorkspaceElems(); n > 0 {
		work = d.alloc(int(n) * AccType(x.dt).Size())
	}
	code, _ := ReduceCodeFor(op)
	a := driver.NewArgs()
	for p := 0; p < r.Passes(); p++ {
		k, err := r.Kernel(p, x.dt, odt)
		if err != nil {
			t.Fatal(err)
		}
		l, err := r.Pack(a, p, code, out.dev, x.dev, work, scale)
		d.launch(k, l, a, err)
	}
	return out, r
}

type reduceCase struct {
	shape     []int
	axes      []int
	maxBlocks int
}

var reduceCases = []reduceCase{
	{[]int{5, 37}, []int{1}, 8},
	{[]int{5, 37}, []int{0}, 8},
	{[]int{5, 37}, []int{0, 1}, 8},
	{[]int{3, 4, 5, 6}, []int{1, 3}, 8},
	{[]int{3, 4, 5, 6}, []int{0, 2}, 8},
	{[]int{3, 4, 5}, nil, 8},
	{[]int{2, 3000}, []int{1}, 8},    // a block per output, split in two passes
	{[]int{5000}, []int{0}, 6},       // everything into one output, two passes
	{[]int{3000, 3}, []int{0}, 8},    // a thread per output, two passes
	{[]int{7, 1, 5}, []int{1}, 8},    // a reduced dim of size 1
	{[]int{2, 3000}, []int{1}, 1000}, // one pass
	{[]int{40, 33}, []int{1}, 2},     // lanes of a warp
}

func reduceGen(rng *rand.Rand, op backend.ReduceOp, dt DType) func() float64 {
	return func() float64 {
		switch {
		case dt == Bool:
			if op == backend.All {
				return float64(min(rng.IntN(20), 1)) // mostly true
			}
			return float64(rng.IntN(20) / 19) // mostly false
		case op == backend.Prod && dt.isFloat():
			return 0.98 + 0.04*rng.Float64()
		case op == backend.Prod:
			return float64(rng.IntN(3) - 1 + 2*rng.IntN(2))
		case dt == U8:
			return float64(rng.IntN(256))
		case !dt.isFloat():
			return float64(rng.IntN(2001) - 1000)
		}
		return rng.Float64()
	}
}

func TestReduceMatchesCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(30, 30))
	for ci, c := range reduceCases {
		for _, op := range []backend.ReduceOp{backend.Sum, backend.Prod, backend.Max, backend.Min, backend.All, backend.Any} {
			types := []DType{F32, F64, I64, I32, U8, Bool}
			if op == backend.All || op == backend.Any {
				types = []DType{Bool}
			}
			for _, dt := range types {
				xl := randomLayout(rng, c.shape, true)
				x := randomTensor(d, dt, xl, reduceGen(rng, op, dt))
				if dt.isFloat() && (op == backend.Max || op == backend.Min) && ci%3 == 0 {
					// NaN propagates into its output.
					vals := decode(dt, x.devBytes(d))
					vals[rng.IntN(len(vals))] = math.NaN()
					x = newTensor(d, dt, xl, vals)
				}
				oshape := append([]int(nil), c.shape...)
				for _, ax := range c.axes {
					oshape[ax] = 1
				}
				if c.axes == nil {
					for i := range oshape {
						oshape[i] = 1
					}
				}
				axes := c.axes
				if axes == nil {
					axes = []int{0, 1, 2}
				}
				odt := reduceOut(op, dt)
				ol := randomLayout(rng, oshape, false)
				out, r := runReduction(t, d, op, x, odt, ol, axes, 1, c.maxBlocks)
				cpuBE.Reduce(op, out.view(), x.view(), axes)
				out.compare(t, d, fmt.Sprintf("%v of %v %v over %v (%d passes)", op, dt, c.shape, axes, r.Passes()), false)
			}
		}
	}
}

// TestReduceHalvesAndMean checks the 16-bit types (which the CPU reduces
// in float32 after a cast) against float64 sums of the exact inputs, also
// into float32 outputs, and the scale of a mean.
func TestReduceHalvesAndMean(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(31, 31))
	for _, c := range reduceCases {
		axes := c.axes
		if axes == nil {
			axes = []int{0, 1, 2}
		}
		oshape := append([]int(nil), c.shape...)
		n := 1
		for _, ax := range axes {
			n *= oshape[ax]
			oshape[ax] = 1
		}
		for _, dt := range FloatTypes {
			for _, op := range []backend.ReduceOp{backend.Sum, backend.Max, backend.Min, backend.Prod} {
				outs := []DType{dt}
				if dt == BF16 || dt == F16 {
					outs = append(outs, F32)
				}
				for _, odt := range outs {
					xl := randomLayout(rng, c.shape, false)
					x := randomTensor(d, dt, xl, reduceGen(rng, op, dt))
					scale := 1.0
					if op == backend.Sum {
						scale = 1 / float64(n) // the mean
					}
					ol := dense(oshape...)
					out, _ := runReduction(t, d, op, x, odt, ol, axes, scale, c.maxBlocks)
					// Reference: the exact inputs in float64 on the CPU.
					x64 := cpuBuffer(F64, encode(F64, decode(dt, x.devBytes(d))))
					ref := zalloc(backend.Float64, ol.size)
					cpuBE.Reduce(op, ol.view(ref), xl.view(x64), axes)
					want := decode(F64, cpuBytes(ref))
					for i := range want {
						want[i] *= scale
					}
					got := decode(odt, d.read(out.dev, ol.size*odt.Size()))
					tol := odt
					if dt == BF16 || dt == F16 {
						tol = dt // accumulated in float32, rounded once at the end
					}
					checkClose(t, fmt.Sprintf("%v %v→%v %v over %v", op, dt, odt, c.shape, axes), tol, got, roundTo(odt, want))
				}
			}
		}
	}
}

func TestArgReduceMatchesCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(32, 32))
	for _, shape := range [][]int{{6, 45}, {2, 600}, {3, 8, 4}, {1000}, {3, 1, 5}} {
		for axis := range shape {
			for _, dt := range ArgTypes {
				for _, op := range []backend.ArgOp{backend.ArgMax, backend.ArgMin} {
					xl := randomLayout(rng, shape, false)
					x := randomTensor(d, dt, xl, func() float64 {
						if dt.isFloat() && rng.IntN(200) == 0 {
							return math.NaN()
						}
						return float64(rng.IntN(7)-3) + 3*boolF(dt == U8) // few values: many ties
					})
					oshape := append([]int(nil), shape...)
					oshape[axis] = 1
					ol := randomLayout(rng, oshape, false)
					out := newTensor(d, I64, ol, make([]float64, ol.size))
					kop := ArgMax
					if op == backend.ArgMin {
						kop = ArgMin
					}
					a := driver.NewArgs()
					l, err := PackArgReduceAxis(a, kop, out.operand(), x.operand(), xl.shape64(), axis, 4)
					d.launch(ArgReduceAxisKernel(dt), l, a, err)
					src := x.view()
					if dt == BF16 || dt == F16 {
						// The CPU takes float32 (ember converts): exact.
						f := zalloc(backend.Float32, xl.size)
						cpuBE.Copy(backend.Dense(f, xl.size), backend.Dense(x.cpu, xl.size))
						src = xl.view(f)
					}
					cpuBE.ArgReduce(op, out.view(), src, axis)
					out.compare(t, d, fmt.Sprintf("arg %v of %v %v axis %d", op, dt, shape, axis), true)
				}
			}
		}
	}
}

func boolF(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func TestCumulativeMatchesCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(33, 33))
	for _, c := range []struct {
		shape     []int
		axis      int
		maxBlocks int
	}{
		{[]int{3, 1000}, 1, 8}, // a block per lane, with a partial last chunk
		{[]int{50, 20}, 0, 8},  // a thread per lane
		{[]int{4, 5, 6}, 1, 8},
		{[]int{2, 2500}, 1, 2},
		{[]int{7}, 0, 8},
	} {
		for _, dt := range CumTypes {
			for _, op := range []backend.CumOp{backend.CumSum, backend.CumProd} {
				xl, ol := randomLayout(rng, c.shape, true), randomLayout(rng, c.shape, false)
				x := randomTensor(d, dt, xl, func() float64 {
					switch {
					case dt == I64 && op == backend.CumProd:
						return float64(rng.IntN(3) - 1)
					case dt == I64:
						return float64(rng.IntN(200) - 100)
					case op == backend.CumProd:
						return 0.99 + 0.02*rng.Float64()
					}
					return rng.Float64()
				})
				out := newTensor(d, dt, ol, make([]float64, ol.size))
				a := driver.NewArgs()
				k, l, err := PackCumulative(a, CumOp(op), dt, out.operand(), x.operand(), xl.shape64(), c.axis, c.maxBlocks)
				d.launch(k, l, a, err)
				name := fmt.Sprintf("%v of %v %v axis %d (%s)", op, dt, c.shape, c.axis, k.Expr)
				if dt == F32 || dt == BF16 || dt == F16 {
					// The float32 kernels accumulate in another order than
					// the CPU's loop: compare both with the float64 scan of
					// the exact inputs.
					f := cpuBuffer(F64, encode(F64, decode(dt, x.devBytes(d))))
					r := zalloc(backend.Float64, ol.size).(*cpu.Buffer)
					cpuBE.Cumulative(op, ol.view(r), xl.view(f), c.axis)
					checkClose(t, name, dt, decode(dt, out.devBytes(d)), roundTo(dt, decode(F64, cpuBytes(r))))
					continue
				}
				cpuBE.Cumulative(op, out.view(), x.view(), c.axis)
				out.compare(t, d, name, false)
			}
		}
	}
}

func TestReductionPlanErrors(t *testing.T) {
	if _, err := NewReduction([]int64{3, 4}, Strides{}, Strides{}, []int{2}, 4); err == nil {
		t.Error("axis 2 of a 2-dim tensor accepted")
	}
	if _, err := NewReduction([]int64{1 << 32}, Contiguous(1<<32), Strides{}, []int{0}, 4); err == nil {
		t.Error("2^32 reduced elements accepted")
	}
	r, err := NewReduction([]int64{4, 5}, Contiguous(4, 5), Contiguous(4, 1), []int{1}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Kernel(0, F32, I64); err == nil {
		t.Error("a reduction from float32 to int64 accepted")
	}
	a := driver.NewArgs()
	if _, err := r.Pack(a, 1, ReduceSum, 0, 0, 0, 1); err == nil {
		t.Error("pass 1 of a one-pass reduction accepted")
	}
	if _, err := r.Pack(a, 0, ReduceCode(9), 0, 0, 0, 1); err == nil {
		t.Error("reduction code 9 accepted")
	}
}
