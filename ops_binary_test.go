package ember

import (
	"strings"
	"testing"
)

var binaryFuncs = map[string]func(a, b *Tensor) *Tensor{
	"add": (*Tensor).Add, "sub": (*Tensor).Sub, "mul": (*Tensor).Mul, "div": (*Tensor).Div,
	"maximum": (*Tensor).Maximum, "minimum": (*Tensor).Minimum, "atan2": (*Tensor).Atan2,
	"pow": (*Tensor).Pow, "remainder": (*Tensor).Remainder, "floor_divide": (*Tensor).FloorDivide,
	"eq": (*Tensor).Eq, "ne": (*Tensor).Ne, "lt": (*Tensor).Lt, "le": (*Tensor).Le, "gt": (*Tensor).Gt, "ge": (*Tensor).Ge,
	"logical_and": (*Tensor).LogicalAnd, "logical_or": (*Tensor).LogicalOr, "logical_xor": (*Tensor).LogicalXor,
}

func init() {
	for name, f := range binaryFuncs {
		registerGolden(name, one(func(a goldenArgs, in []*Tensor) *Tensor { return f(in[0], in[1]) }))
	}

	type pair struct {
		name   string
		lo, hi float64 // range of both inputs
		blo    float64 // lower bound of the second input
		f      func(a, b *Tensor) *Tensor
	}
	checks := []pair{
		{"add", -2, 2, -2, (*Tensor).Add}, {"sub", -2, 2, -2, (*Tensor).Sub}, {"mul", -2, 2, -2, (*Tensor).Mul},
		{"div", -2, 2, 0.5, (*Tensor).Div}, {"atan2", -2, 2, 0.3, (*Tensor).Atan2},
		{"pow", 0.5, 2, -1, (*Tensor).Pow}, {"remainder", 0.1, 2, 3.3, (*Tensor).Remainder},
		{"maximum", -2, 2, -2, (*Tensor).Maximum}, {"minimum", -2, 2, -2, (*Tensor).Minimum},
		{"floor_divide", 0.1, 2, 3.3, func(a, b *Tensor) *Tensor { return a.FloorDivide(b).Add(a) }},
	}
	for i, c := range checks {
		s := uint64(200 + 2*i)
		addGradCheck(gradCase{name: c.name, secondOrder: c.name != "maximum" && c.name != "minimum",
			inputs: func() []*Tensor {
				return []*Tensor{randT(s, c.lo, c.hi, 3, 1, 2), randT(s+1, c.blo, c.hi+max(0, c.blo), 4, 1)}
			},
			f: func(in []*Tensor) *Tensor { return c.f(in[0], in[1]) }})
	}
	addGradCheck(gradCase{name: "where", secondOrder: true,
		inputs: func() []*Tensor {
			return []*Tensor{FromSlice([]bool{true, false, true}), randT(7, -1, 1, 2, 3), randT(8, -1, 1, 3)}
		},
		f: func(in []*Tensor) *Tensor { return Where(in[0], in[1], in[2]) }})
	addGradCheck(gradCase{name: "masked_fill",
		inputs: func() []*Tensor { return []*Tensor{randT(9, -1, 1, 2, 3)} },
		f:      func(in []*Tensor) *Tensor { return in[0].MaskedFill(FromSlice([]bool{false, true, false}), 3) }})
	addGradCheck(gradCase{name: "mixed_dtype_grad_cast",
		inputs: func() []*Tensor { return []*Tensor{randT(10, -1, 1, 3)} },
		f: func(in []*Tensor) *Tensor {
			// float32 parts convert back: the gradient reaches the float64 input through ToCopyBackward0.
			return in[0].To(Float32).To(Float64).Mul(in[0])
		}, eps: 1e-3, atol: 1e-3, rtol: 1e-3})
}

func TestBinaryErrors(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"broadcast", func() { Ones([]int{2, 3}).Add(Ones([]int{4})) }, "add: the size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"},
		{"bool sub", func() { FromSlice([]bool{true}).Sub(FromSlice([]bool{false})) }, "subtraction, the - operator, with two bool tensors is not supported"},
		{"mask shape", func() { Ones([]int{2, 3}).MaskedFill(FromSlice([]bool{true, false}), 1) }, "masked_fill"},
	}
	for _, c := range cases {
		err := Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if _, ok := err.(*ShapeError); c.name == "broadcast" && !ok {
			t.Errorf("%s: error type %T, want *ShapeError", c.name, err)
		}
	}
}

func TestScalarPromotion(t *testing.T) {
	x := FromSlice([]float32{1, 2})
	if got := x.Mul(Scalar(2.5)).DType(); got != Float32 {
		t.Errorf("float32 * Scalar(2.5) = %v, want float32", got)
	}
	i := FromSlice([]int64{1, 2})
	if got := i.Mul(Scalar(2.5)).DType(); got != Float32 {
		t.Errorf("int64 * Scalar(2.5) = %v, want float32", got)
	}
	if got := i.Add(Scalar(2)).DType(); got != Int64 {
		t.Errorf("int64 + Scalar(2) = %v, want int64", got)
	}
	if got := FromSlice([]uint8{1}).Add(Scalar(int64(300))).DType(); got != Uint8 {
		t.Errorf("uint8 + Scalar(300) = %v, want uint8", got)
	}
	if got := x.Add(FromSlice([]float64{1}).Reshape()).DType(); got != Float32 {
		t.Errorf("float32 + 0-d float64 = %v, want float32", got)
	}
}
