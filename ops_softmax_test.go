package ember

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func init() {
	registerGolden("softmax", one(func(a goldenArgs, in []*Tensor) *Tensor { return in[0].Softmax(a.Int("axis", -1)) }))
	registerGolden("log_softmax", one(func(a goldenArgs, in []*Tensor) *Tensor { return in[0].LogSoftmax(a.Int("axis", -1)) }))

	ops := []struct {
		name string
		f    func(x *Tensor, axis int) *Tensor
	}{
		{"softmax", (*Tensor).Softmax},
		{"log_softmax", (*Tensor).LogSoftmax},
	}
	shapes := []struct {
		shape []int
		axis  int
	}{
		{[]int{2, 3}, 1}, {[]int{2, 3}, 0}, {[]int{2, 3, 4}, 1}, {[]int{3, 2, 2}, -3}, {[]int{5}, 0}, {[]int{1}, 0},
	}
	seed := uint64(500)
	for _, op := range ops {
		for _, s := range shapes {
			op, s, sd := op, s, seed
			seed++
			addGradCheck(gradCase{name: fmt.Sprintf("%s/%v/axis%d", op.name, s.shape, s.axis), secondOrder: true,
				inputs: func() []*Tensor { return []*Tensor{randT(sd, -2, 2, s.shape...)} },
				f:      func(in []*Tensor) *Tensor { return op.f(in[0], s.axis) }})
		}
		// The backward as a function of the input and of the output
		// gradient, checked to second order (third-order derivatives of the
		// op), reaches the backward of the backward. One input varies per
		// check: the harness frees the graph between second-order inputs.
		for _, wrtG := range []bool{false, true} {
			op, sd, wrtG := op, seed, wrtG
			seed++
			addGradCheck(gradCase{name: fmt.Sprintf("%s/backward_of_backward/wrt_grad=%v", op.name, wrtG), secondOrder: true,
				inputs: func() []*Tensor {
					x, v := randT(sd, -2, 2, 3, 4), randT(sd+100, -1, 1, 3, 4)
					if wrtG {
						return []*Tensor{x.Detach(), v}
					}
					return []*Tensor{x, v.Detach()}
				},
				f: func(in []*Tensor) *Tensor {
					return gradWith(func(x *Tensor) *Tensor { return op.f(x, 1) }, in[0], in[1])
				}})
		}
	}
	// Non-contiguous inputs.
	addGradCheck(gradCase{name: "softmax/noncontiguous", secondOrder: true,
		inputs: func() []*Tensor { return []*Tensor{randT(530, -2, 2, 4, 3)} },
		f:      func(in []*Tensor) *Tensor { return in[0].Transpose(0, 1).Softmax(1) }})
}

// gradWith returns the gradient of f at x for the output gradient v,
// keeping the graph so the result can be differentiated again (with
// respect to x and to v). It makes x a leaf when it does not require
// gradients (as in the numeric half of a gradient check).
func gradWith(f func(x *Tensor) *Tensor, x, v *Tensor) *Tensor {
	var g *Tensor
	EnableGrad(func() {
		if !x.RequiresGrad() {
			x = x.Detach().SetRequiresGrad(true)
		}
		g = Grad([]*Tensor{f(x)}, []*Tensor{x}, WithGradient(v), CreateGraph(), AllowUnused())[0]
		if g == nil {
			g = ZerosLike(x)
		}
	})
	return g
}

func TestSoftmaxDTypes(t *testing.T) {
	cases := []struct {
		in   *Tensor
		want DType
	}{
		{FromSlice([]int64{1, 2, 3}), Float32},
		{FromSlice([]bool{true, false}), Float32},
		{FromSlice([]float64{1, 2}), Float64},
		{FromSlice([]float32{1, 2}).To(Float16), Float16},
		{FromSlice([]float32{1, 2}).To(BFloat16), BFloat16},
	}
	for _, c := range cases {
		for _, log := range []bool{false, true} {
			var got *Tensor
			if log {
				got = c.in.LogSoftmax(0)
			} else {
				got = c.in.Softmax(0)
			}
			if got.DType() != c.want {
				t.Errorf("softmax(log=%v) of %v: dtype %v, want %v", log, c.in.DType(), got.DType(), c.want)
			}
		}
	}
}

// TestSoftmaxHalfGradient checks the gradient of a float16 softmax against
// the float64 one (the kernel computes in float32).
func TestSoftmaxHalfGradient(t *testing.T) {
	vals := []float64{0.5, -1, 2, 0.25, 1.5, -0.5}
	for _, log := range []bool{false, true} {
		ref := FromSlice(vals, 2, 3).SetRequiresGrad(true)
		half := FromSlice(vals, 2, 3).To(Float16).SetRequiresGrad(true)
		w := FromSlice([]float64{1, -2, 0.5, 3, 0, -1}, 2, 3)
		f := (*Tensor).Softmax
		if log {
			f = (*Tensor).LogSoftmax
		}
		f(ref, 1).Mul(w).Sum().Backward()
		f(half, 1).Mul(w.To(Float16)).Sum().Backward()
		if half.Grad().DType() != Float16 {
			t.Fatalf("gradient dtype %v, want float16", half.Grad().DType())
		}
		if ok, msg := approxEqual(half.Grad(), ref.Grad().Float64s(), 1e-2, 1e-2); !ok {
			t.Errorf("log=%v: %s", log, msg)
		}
	}
}

// TestSoftmaxNaive checks softmax and log-softmax against a naive float64
// version on long, wide-ranged lanes, along the last axis and (through a
// transposed view) the first; the sizes make the kernel split lanes over
// the worker pool.
func TestSoftmaxNaive(t *testing.T) {
	const rows, n = 40, 257
	x := randT(77, -30, 30, rows, n).Detach()
	v := x.Float64s()
	type variant struct {
		name      string
		soft, log []float64 // row-major [rows, n]
	}
	xt := x.T().Contiguous() // [n, rows]: softmax along axis 0 of xt is along rows of x
	variants := []variant{
		{"last axis", x.Softmax(1).Float64s(), x.LogSoftmax(1).Float64s()},
		{"first axis", xt.Softmax(0).T().Contiguous().Float64s(), xt.LogSoftmax(0).T().Contiguous().Float64s()},
	}
	for _, vr := range variants {
		for r := 0; r < rows; r++ {
			row := v[r*n : (r+1)*n]
			m := math.Inf(-1)
			for _, e := range row {
				m = math.Max(m, e)
			}
			s := 0.0
			for _, e := range row {
				s += math.Exp(e - m)
			}
			for i, e := range row {
				want := math.Exp(e-m) / s
				if got := vr.soft[r*n+i]; math.Abs(got-want) > 1e-15+1e-12*want {
					t.Fatalf("%s: softmax[%d,%d] = %v, want %v", vr.name, r, i, got, want)
				}
				if got, want := vr.log[r*n+i], e-m-math.Log(s); math.Abs(got-want) > 1e-12 {
					t.Fatalf("%s: log_softmax[%d,%d] = %v, want %v", vr.name, r, i, got, want)
				}
			}
		}
	}
}

func TestSoftmaxGradFn(t *testing.T) {
	x := randT(3, -1, 1, 2, 3)
	if got := x.Softmax(1).GradFn(); got != "SoftmaxBackward0" {
		t.Errorf("softmax grad_fn %q", got)
	}
	if got := x.LogSoftmax(-1).GradFn(); got != "LogSoftmaxBackward0" {
		t.Errorf("log_softmax grad_fn %q", got)
	}
	var y *Tensor
	NoGrad(func() { y = x.Softmax(1) })
	if y.RequiresGrad() {
		t.Error("softmax under NoGrad requires grad")
	}
}

func TestSoftmaxErrors(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"axis too large", func() { Zeros([]int{2, 3}).Softmax(2) }, "softmax: axis 2 is out of range for a tensor of rank 2"},
		{"axis too small", func() { Zeros([]int{2, 3}).LogSoftmax(-3) }, "log_softmax: axis -3 is out of range"},
		{"scalar axis", func() { Scalar(1.0).Softmax(1) }, "softmax: axis 1 is out of range for a tensor of rank 0"},
	}
	for _, c := range cases {
		err := Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func BenchmarkSoftmax(b *testing.B) {
	for _, shape := range [][]int{{128, 10}, {256, 1000}} {
		x := randT(1, -3, 3, shape...).Detach().To(Float32)
		b.Run(fmt.Sprint(shape), func(b *testing.B) {
			for b.Loop() {
				x.LogSoftmax(1)
			}
		})
	}
}

func ExampleTensor_Softmax() {
	x := FromSlice([]float32{1, 2, 3, 1, 1, 1}, 2, 3)
	fmt.Printf("%.4f\n", x.Softmax(1).Float32s())
	fmt.Printf("%.4f\n", x.LogSoftmax(1).Float32s())
	// Output:
	// [0.0900 0.2447 0.6652 0.3333 0.3333 0.3333]
	// [-2.4076 -1.4076 -0.4076 -1.0986 -1.0986 -1.0986]
}
