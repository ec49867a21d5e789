package ember

import (
	"math"
	"testing"
)

// unaryFuncs maps fixture op names to the Go ops.
var unaryFuncs = map[string]func(*Tensor) *Tensor{
	"neg": (*Tensor).Neg, "abs": (*Tensor).Abs, "sign": (*Tensor).Sign, "exp": (*Tensor).Exp,
	"expm1": (*Tensor).Expm1, "log": (*Tensor).Log, "log1p": (*Tensor).Log1p, "log2": (*Tensor).Log2,
	"sqrt": (*Tensor).Sqrt, "rsqrt": (*Tensor).Rsqrt, "square": (*Tensor).Square, "sin": (*Tensor).Sin,
	"cos": (*Tensor).Cos, "tan": (*Tensor).Tan, "tanh": (*Tensor).Tanh, "sigmoid": (*Tensor).Sigmoid,
	"relu": (*Tensor).Relu, "selu": (*Tensor).Selu, "gelu": (*Tensor).Gelu, "gelu_tanh": (*Tensor).GeluTanh,
	"silu": (*Tensor).Silu, "mish": (*Tensor).Mish, "floor": (*Tensor).Floor, "ceil": (*Tensor).Ceil,
	"round": (*Tensor).Round, "trunc": (*Tensor).Trunc, "reciprocal": (*Tensor).Reciprocal, "erf": (*Tensor).Erf,
	"isnan": (*Tensor).IsNan, "isinf": (*Tensor).IsInf, "isfinite": (*Tensor).IsFinite, "logical_not": (*Tensor).LogicalNot,
}

func init() {
	for name, f := range unaryFuncs {
		registerGolden(name, one(func(a goldenArgs, in []*Tensor) *Tensor { return f(in[0]) }))
	}
	withAB := map[string]func(x *Tensor, a, b, c float64) *Tensor{
		"leaky_relu":  func(x *Tensor, a, b, c float64) *Tensor { return x.LeakyRelu(a) },
		"elu":         func(x *Tensor, a, b, c float64) *Tensor { return x.Elu(a) },
		"softplus":    func(x *Tensor, a, b, c float64) *Tensor { return x.Softplus(a, b) },
		"hardtanh":    func(x *Tensor, a, b, c float64) *Tensor { return x.Hardtanh(a, b) },
		"clamp":       func(x *Tensor, a, b, c float64) *Tensor { return x.Clamp(a, b) },
		"clamp_min":   func(x *Tensor, a, b, c float64) *Tensor { return x.ClampMin(a) },
		"clamp_max":   func(x *Tensor, a, b, c float64) *Tensor { return x.ClampMax(a) },
		"pow_scalar":  func(x *Tensor, a, b, c float64) *Tensor { return x.PowScalar(a) },
		"rpow_scalar": func(x *Tensor, a, b, c float64) *Tensor { return x.RPowScalar(a) },
		"nan_to_num":  func(x *Tensor, a, b, c float64) *Tensor { return x.NanToNum(a, b, c) },
	}
	for name, f := range withAB {
		registerGolden(name, one(func(a goldenArgs, in []*Tensor) *Tensor {
			return f(in[0], a.Float("a", 0), a.Float("b", 0), a.Float("c", 0))
		}))
	}

	// Gradient checks: each differentiable unary op on a float64 input in a
	// range where it is smooth.
	type rng struct{ lo, hi float64 }
	smooth := map[string]rng{
		"neg": {-2, 2}, "abs": {0.1, 2}, "exp": {-2, 2}, "expm1": {-2, 2}, "log": {0.2, 3},
		"log1p": {-0.5, 3}, "log2": {0.2, 3}, "sqrt": {0.2, 3}, "rsqrt": {0.2, 3}, "square": {-2, 2},
		"sin": {-2, 2}, "cos": {-2, 2}, "tan": {-1, 1}, "tanh": {-2, 2}, "sigmoid": {-3, 3},
		"relu": {0.1, 2}, "selu": {-2, 2}, "gelu": {-3, 3}, "gelu_tanh": {-3, 3}, "silu": {-3, 3},
		"mish": {-3, 3}, "reciprocal": {0.3, 2}, "erf": {-2, 2},
	}
	seed := uint64(1)
	for name, r := range smooth {
		f := unaryFuncs[name]
		s := seed
		seed++
		addGradCheck(gradCase{name: name, secondOrder: true,
			inputs: func() []*Tensor { return []*Tensor{randT(s, r.lo, r.hi, 2, 3)} },
			f:      func(in []*Tensor) *Tensor { return f(in[0]) }})
	}
	addGradCheck(gradCase{name: "relu_negative_side", inputs: func() []*Tensor { return []*Tensor{randT(3, -2, -0.1, 4)} },
		f: func(in []*Tensor) *Tensor { return in[0].Relu() }})
	addGradCheck(gradCase{name: "sign", inputs: func() []*Tensor { return []*Tensor{randT(4, 0.1, 2, 4)} },
		f: func(in []*Tensor) *Tensor { return in[0].Sign().Add(in[0]) }})
	for _, name := range []string{"floor", "ceil", "round", "trunc"} {
		f := unaryFuncs[name]
		addGradCheck(gradCase{name: name, inputs: func() []*Tensor {
			// Keep away from integers and halves, where these jump.
			return []*Tensor{FromSlice([]float64{0.2, 1.3, -0.7, 2.2}).SetRequiresGrad(true)}
		}, f: func(in []*Tensor) *Tensor { return f(in[0]).Add(in[0]) }})
	}
	params := []struct {
		name string
		lo   float64
		hi   float64
		f    func(*Tensor) *Tensor
	}{
		{"leaky_relu", -2, 2, func(x *Tensor) *Tensor { return x.LeakyRelu(0.1) }},
		{"elu", -2, 2, func(x *Tensor) *Tensor { return x.Elu(0.7) }},
		{"softplus", -2, 2, func(x *Tensor) *Tensor { return x.Softplus(2, 1) }},
		{"hardtanh", -2, 2, func(x *Tensor) *Tensor { return x.Hardtanh(-0.5, 0.6) }},
		{"clamp", -2, 2, func(x *Tensor) *Tensor { return x.Clamp(-0.5, 0.6) }},
		{"clamp_min", -2, 2, func(x *Tensor) *Tensor { return x.ClampMin(0.1) }},
		{"pow_scalar", 0.2, 2, func(x *Tensor) *Tensor { return x.PowScalar(2.5) }},
		{"pow_scalar0", 0.2, 2, func(x *Tensor) *Tensor { return x.PowScalar(0).Add(x) }},
		{"rpow_scalar", -1, 1, func(x *Tensor) *Tensor { return x.RPowScalar(3) }},
		{"add_scalar", -1, 1, func(x *Tensor) *Tensor { return x.AddScalar(3) }},
		{"mul_scalar", -1, 1, func(x *Tensor) *Tensor { return x.MulScalar(-3) }},
		{"nan_to_num", -1, 1, func(x *Tensor) *Tensor { return x.NanToNum(0, 1, -1) }},
	}
	for i, p := range params {
		s := uint64(100 + i)
		addGradCheck(gradCase{name: p.name, secondOrder: true,
			inputs: func() []*Tensor { return []*Tensor{randT(s, p.lo, p.hi, 3, 2)} },
			f:      func(in []*Tensor) *Tensor { return p.f(in[0]) }})
	}
}

func TestUnaryDTypes(t *testing.T) {
	x := FromSlice([]int64{-2, 3})
	if got := x.Exp().DType(); got != Float32 {
		t.Errorf("exp of int64: dtype %v, want float32", got)
	}
	if got := x.Abs().DType(); got != Int64 {
		t.Errorf("abs of int64: dtype %v, want int64", got)
	}
	h := FromSlice([]float32{0.5, -1}).To(BFloat16)
	if got := h.Tanh().DType(); got != BFloat16 {
		t.Errorf("tanh of bfloat16: dtype %v", got)
	}
	if err := Catch(func() { FromSlice([]bool{true}).Neg() }); err == nil {
		t.Error("neg of bool: no error")
	}
	if got := FromSlice([]float64{math.Inf(1)}).IsInf().Bools()[0]; !got {
		t.Error("isinf(+Inf) = false")
	}
}
