package ember

import (
	"slices"
	"strings"
	"testing"
)

func init() {
	registerGolden("linear", one(func(a goldenArgs, in []*Tensor) *Tensor { return Linear(in[0], in[1], in[2]) }))
	registerGolden("linear_nobias", one(func(a goldenArgs, in []*Tensor) *Tensor { return Linear(in[0], in[1], nil) }))
	for i, c := range []struct {
		name string
		x    []int
		bias bool
	}{{"linear", []int{4, 3}, true}, {"linear_nobias", []int{4, 3}, false}, {"linear_3d", []int{2, 2, 3}, true}} {
		s := uint64(1700 + 10*i)
		addGradCheck(gradCase{name: c.name, secondOrder: true,
			inputs: func() []*Tensor {
				in := []*Tensor{randT(s, -1, 1, c.x...), randT(s+1, -1, 1, 5, 3)}
				if c.bias {
					in = append(in, randT(s+2, -1, 1, 5))
				}
				return in
			},
			f: func(in []*Tensor) *Tensor {
				if len(in) == 3 {
					return Linear(in[0], in[1], in[2])
				}
				return Linear(in[0], in[1], nil)
			}})
	}
}

// TestLinearWeightGradContiguous checks that the weight's gradient comes
// out dense (the optimizers' fast path) and that the op is one node.
func TestLinearWeightGradContiguous(t *testing.T) {
	x := randT(1, -1, 1, 6, 4)
	w := randT(2, -1, 1, 3, 4).SetRequiresGrad(true)
	b := randT(3, -1, 1, 3).SetRequiresGrad(true)
	y := Linear(x, w, b)
	if y.GradFn() != "AddmmBackward0" {
		t.Errorf("grad_fn %q, want AddmmBackward0", y.GradFn())
	}
	y.Sum().Backward()
	if !w.Grad().IsContiguous() || !slices.Equal(w.Grad().Shape(), []int{3, 4}) {
		t.Errorf("weight gradient: shape %v strides %v, want a dense [3 4]", w.Grad().Shape(), w.Grad().Strides())
	}
	// d/dw sum(x·wᵀ + b) = column sums of x in every row.
	xs := x.Float64s()
	g := w.Grad().Float64s()
	for o := range 3 {
		for i := range 4 {
			want := 0.0
			for r := range 6 {
				want += xs[r*4+i]
			}
			if d := g[o*4+i] - want; d > 1e-5 || d < -1e-5 {
				t.Fatalf("w.grad[%d][%d] = %v, want %v", o, i, g[o*4+i], want)
			}
		}
	}
	for _, v := range b.Grad().Float64s() {
		if v != 6 {
			t.Fatalf("b.grad = %v, want all 6", b.Grad().Float64s())
		}
	}
}

// TestLinearErrors checks the argument errors.
func TestLinearErrors(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		msg  string
	}{
		{"1-D weight", func() { Linear(Ones([]int{2, 3}), Ones([]int{3}), nil) }, "weight must be 2-D"},
		{"inner mismatch", func() { Linear(Ones([]int{2, 3}), Ones([]int{4, 2}), nil) }, "mat1 and mat2 shapes cannot be multiplied"},
		{"integer", func() { Linear(Ones([]int{2, 3}, Int64), Ones([]int{4, 3}, Int64), nil) }, "integer and bool matrix products"},
	}
	for _, c := range cases {
		err := Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.msg)
		}
	}
}
