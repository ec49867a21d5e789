package ember

import (
	"math"

	"github.com/emberdl/ember/backend"
)

// unaryGrad computes the input gradient of a unary op from its input x,
// output y and output gradient g, all in the op's compute dtype.
type unaryGrad func(x, y, g *Tensor) *Tensor

// unaryDef describes one elementwise op of a single tensor.
type unaryDef struct {
	name   string // the grad_fn name, e.g. "ExpBackward0"
	intOK  bool   // integer inputs keep their dtype (else they become float)
	grad   unaryGrad
	noGrad bool // piecewise constant: the gradient is zero
	// readsX and readsY say whether grad reads the input or the output, so
	// only those are saved (and checked for in-place changes).
	readsX, readsY bool
}

// unaryOp runs a unary kernel with dtype handling and records its gradient.
func (t *Tensor) unaryOp(op backend.UnaryOp, def unaryDef, a, b float64) *Tensor {
	if c := autocast1(op.String(), t); c != t {
		return c.unaryOp(op, def, a, b)
	}
	if t.dtype == Bool && !def.intOK {
		t = t.castNoGrad(DefaultDType())
	}
	outDT := t.dtype
	if !outDT.IsFloat() && !def.intOK {
		outDT = DefaultDType()
	}
	if outDT == Bool {
		panic(&DTypeError{Op: op.String(), Msg: "not supported for bool tensors"})
	}
	compDT := outDT
	if !t.be().SupportsMath(compDT) {
		compDT = Float32
	}
	x := t.castNoGrad(compDT)
	y := x.alloc(compDT, x.shape)
	x.be().Unary(op, y.view(), x.view(), a, b)
	out := y.castNoGrad(outDT)
	if !outDT.IsFloat() {
		return out
	}
	if r := track(t); r != nil {
		grad := def.grad
		if def.noGrad {
			grad = func(x, y, g *Tensor) *Tensor { return ZerosLike(g) }
		}
		var saved []*Tensor
		if def.readsX {
			saved = append(saved, t)
		}
		if def.readsY {
			saved = append(saved, out)
		}
		r.record(out, def.name, func(g *Tensor) []*Tensor {
			return []*Tensor{grad(t, out, g)}
		}, saved...)
	}
	return out
}

func (t *Tensor) sc(v float64) *Tensor { return scalarOn(t, v) }

// maskOf turns a bool tensor into 0/1 values of dtype like.
func maskOf(b *Tensor, like *Tensor) *Tensor { return b.To(like.dtype) }

// The unary op definitions; assigned in init because their gradients call
// the ops they define.
var (
	defNeg, defAbs, defSign, defExp, defExpm1, defLog, defLog1p, defLog2, defSqrt, defRsqrt, defSquare, defSin, defCos, defTan, defTanh, defSigmoid, defRelu, defFloor, defCeil, defRound, defTrunc, defReciprocal, defErf, defSelu, defGelu, defGeluTanh, defSilu, defMish unaryDef
)

func init() {
	defNeg = unaryDef{name: "NegBackward0", intOK: true, grad: func(x, y, g *Tensor) *Tensor { return g.Neg() }}
	defAbs = unaryDef{name: "AbsBackward0", readsX: true, intOK: true, grad: func(x, y, g *Tensor) *Tensor { return g.Mul(x.Sign()) }}
	defSign = unaryDef{name: "SignBackward0", intOK: true, noGrad: true}
	defExp = unaryDef{name: "ExpBackward0", readsY: true, grad: func(x, y, g *Tensor) *Tensor { return g.Mul(y) }}
	defExpm1 = unaryDef{name: "Expm1Backward0", readsY: true, grad: func(x, y, g *Tensor) *Tensor { return g.Mul(y.AddScalar(1)) }}
	defLog = unaryDef{name: "LogBackward0", readsX: true, grad: func(x, y, g *Tensor) *Tensor { return g.Div(x) }}
	defLog1p = unaryDef{name: "Log1pBackward0", readsX: true, grad: func(x, y, g *Tensor) *Tensor { return g.Div(x.AddScalar(1)) }}
	defLog2 = unaryDef{name: "Log2Backward0", readsX: true, grad: func(x, y, g *Tensor) *Tensor { return g.Div(x.MulScalar(math.Ln2)) }}
	defSqrt = unaryDef{name: "SqrtBackward0", readsY: true, grad: func(x, y, g *Tensor) *Tensor { return g.Div(y.MulScalar(2)) }}
	defRsqrt = unaryDef{name: "RsqrtBackward0", readsY: true, grad: func(x, y, g *Tensor) *Tensor { return g.Mul(y.PowScalar(3)).MulScalar(-0.5) }}
	defSquare = unaryDef{name: "PowBackward0", readsX: true, intOK: true, grad: func(x, y, g *Tensor) *Tensor { return g.Mul(x).MulScalar(2) }}
	defSin = unaryDef{name: "SinBackward0", readsX: true, grad: func(x, y, g *Tensor) *Tensor { return g.Mul(x.Cos()) }}
	defCos = unaryDef{name: "CosBackward0", readsX: true, grad: func(x, y, g *Tensor) *Tensor { return g.Mul(x.Sin()).Neg() }}
	defTan = unaryDef{name: "TanBackward0", readsY: true, grad: func(x, y, g *Tensor) *Tensor { return g.Mul(y.Square().AddScalar(1)) }}
	defTanh = unaryDef{name: "TanhBackward0", readsY: true, grad: func(x, y, g *Tensor) *Tensor { return g.Mul(y.Square().Neg().AddScalar(1)) }}
	defSigmoid = unaryDef{name: "SigmoidBackward0", readsY: true, grad: func(x, y, g *Tensor) *Tensor { return g.Mul(y.Mul(y.Neg().AddScalar(1))) }}
	defRelu = unaryDef{name: "ReluBackward0", readsY: true, intOK: true, grad: func(x, y, g *Tensor) *Tensor { return reluBackward(g, y) }}
	defFloor = unaryDef{name: "FloorBackward0", intOK: true, noGrad: true}
	defCeil = unaryDef{name: "CeilBackward0", intOK: true, noGrad: true}
	defRound = unaryDef{name: "RoundBackward0", intOK: true, noGrad: true}
	defTrunc = unaryDef{name: "TruncBackward0", intOK: true, noGrad: true}
	defReciprocal = unaryDef{name: "ReciprocalBackward0", readsY: true, grad: func(x, y, g *Tensor) *Tensor { return g.Mul(y.Square()).Neg() }}
	defErf = unaryDef{name: "ErfBackward0", readsX: true, grad: func(x, y, g *Tensor) *Tensor {
		return g.Mul(x.Square().Neg().Exp().MulScalar(2 / math.Sqrt(math.Pi)))
	}}
	defSelu = unaryDef{name: "EluBackward0", readsX: true, readsY: true, grad: func(x, y, g *Tensor) *Tensor {
		const scale, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
		return g.Mul(Where(x.Gt(x.sc(0)), x.sc(scale), y.AddScalar(scale*alpha)))
	}}
	defGelu = unaryDef{name: "GeluBackward0", readsX: true, grad: func(x, y, g *Tensor) *Tensor { return geluBackward(g, x) }}
	defGeluTanh = unaryDef{name: "GeluBackward0", readsX: true, grad: func(x, y, g *Tensor) *Tensor {
		const k, c = 0.7978845608028654, 0.044715
		x3 := x.Mul(x).Mul(x)
		inner := x.Add(x3.MulScalar(c)).MulScalar(k)
		th := inner.Tanh()
		dinner := x.Square().MulScalar(3 * c).AddScalar(1).MulScalar(k)
		left := th.AddScalar(1).MulScalar(0.5)
		right := x.MulScalar(0.5).Mul(th.Square().Neg().AddScalar(1)).Mul(dinner)
		return g.Mul(left.Add(right))
	}}
	defSilu = unaryDef{name: "SiluBackward0", readsX: true, grad: func(x, y, g *Tensor) *Tensor {
		s := x.Sigmoid()
		return g.Mul(s.Mul(x.Mul(s.Neg().AddScalar(1)).AddScalar(1)))
	}}
	defMish = unaryDef{name: "MishBackward0", readsX: true, grad: func(x, y, g *Tensor) *Tensor {
		tsp := x.Softplus(1, 20).Tanh()
		return g.Mul(tsp.Add(x.Mul(x.Sigmoid()).Mul(tsp.Square().Neg().AddScalar(1))))
	}}
}

// Neg returns -t.
func (t *Tensor) Neg() *Tensor { return t.unaryOp(backend.Neg, defNeg, 0, 0) }

// Abs returns |t|.
func (t *Tensor) Abs() *Tensor { return t.unaryOp(backend.Abs, defAbs, 0, 0) }

// Sign returns -1, 0 or 1 by the sign of each element.
func (t *Tensor) Sign() *Tensor { return t.unaryOp(backend.Sign, defSign, 0, 0) }

// Exp returns e^t.
func (t *Tensor) Exp() *Tensor { return t.unaryOp(backend.Exp, defExp, 0, 0) }

// Expm1 returns e^t - 1, accurate near zero.
func (t *Tensor) Expm1() *Tensor { return t.unaryOp(backend.Expm1, defExpm1, 0, 0) }

// Log returns the natural logarithm.
func (t *Tensor) Log() *Tensor { return t.unaryOp(backend.Log, defLog, 0, 0) }

// Log1p returns log(1 + t), accurate near zero.
func (t *Tensor) Log1p() *Tensor { return t.unaryOp(backend.Log1p, defLog1p, 0, 0) }

// Log2 returns the base-2 logarithm.
func (t *Tensor) Log2() *Tensor { return t.unaryOp(backend.Log2, defLog2, 0, 0) }

// Sqrt returns the square root.
func (t *Tensor) Sqrt() *Tensor { return t.unaryOp(backend.Sqrt, defSqrt, 0, 0) }

// Rsqrt returns 1/sqrt(t).
func (t *Tensor) Rsqrt() *Tensor { return t.unaryOp(backend.Rsqrt, defRsqrt, 0, 0) }

// Square returns t*t.
func (t *Tensor) Square() *Tensor { return t.unaryOp(backend.Square, defSquare, 0, 0) }

// Sin returns the sine.
func (t *Tensor) Sin() *Tensor { return t.unaryOp(backend.Sin, defSin, 0, 0) }

// Cos returns the cosine.
func (t *Tensor) Cos() *Tensor { return t.unaryOp(backend.Cos, defCos, 0, 0) }

// Tan returns the tangent.
func (t *Tensor) Tan() *Tensor { return t.unaryOp(backend.Tan, defTan, 0, 0) }

// Tanh returns the hyperbolic tangent.
func (t *Tensor) Tanh() *Tensor { return t.unaryOp(backend.Tanh, defTanh, 0, 0) }

// Sigmoid returns 1/(1+e^-t).
func (t *Tensor) Sigmoid() *Tensor { return t.unaryOp(backend.Sigmoid, defSigmoid, 0, 0) }

// Relu returns max(t, 0).
func (t *Tensor) Relu() *Tensor { return t.unaryOp(backend.Relu, defRelu, 0, 0) }

// LeakyRelu returns t where t > 0 and slope*t elsewhere (PyTorch's default
// slope is 0.01).
func (t *Tensor) LeakyRelu(slope float64) *Tensor {
	return t.unaryOp(backend.LeakyRelu, unaryDef{name: "LeakyReluBackward0", readsX: true, grad: func(x, y, g *Tensor) *Tensor {
		return g.Mul(Where(x.Gt(x.sc(0)), x.sc(1), x.sc(slope)))
	}}, slope, 0)
}

// Elu returns t where t > 0 and alpha*(e^t - 1) elsewhere.
func (t *Tensor) Elu(alpha float64) *Tensor {
	return t.unaryOp(backend.Elu, unaryDef{name: "EluBackward0", readsX: true, readsY: true, grad: func(x, y, g *Tensor) *Tensor {
		return g.Mul(Where(x.Gt(x.sc(0)), x.sc(1), y.AddScalar(alpha)))
	}}, alpha, 0)
}

// Selu returns scale*Elu(t, alpha) with the self-normalising constants.
func (t *Tensor) Selu() *Tensor { return t.unaryOp(backend.Selu, defSelu, 0, 0) }

// Gelu returns the exact GELU, t*Φ(t).
func (t *Tensor) Gelu() *Tensor {
	if out := t.geluKeepingGrad(); out != nil {
		return out
	}
	return t.unaryOp(backend.Gelu, defGelu, 0, 0)
}

// geluGrader is implemented by backends that compute the exact GELU and
// its derivative in one pass (the CPU's, for float32).
type geluGrader interface {
	GeluWithGrad(y, d, x backend.View) bool
}

// geluKeepingGrad is Gelu for a t that needs a gradient, on a backend that
// computes the derivative d alongside (sharing the erf): the backward pass
// is then g·d, a multiplication instead of an erf and an exp per element,
// with the same bits as GeluGrad's. d is kept as well as t (a recorded
// backward pass, for higher derivatives, differentiates GeluGrad of t). It
// returns nil where that does not apply (no gradient needed, autocast on,
// another dtype, a backend without the kernel).
func (t *Tensor) geluKeepingGrad() *Tensor {
	gg, ok := t.be().(geluGrader)
	if _, on := autocastOn(); !ok || on || t.dtype != Float32 {
		return nil
	}
	r := track(t)
	if r == nil {
		return nil
	}
	y, d := t.alloc(Float32, t.shape), t.alloc(Float32, t.shape)
	if !gg.GeluWithGrad(y.view(), d.view(), t.view()) {
		y.Free()
		d.Free()
		return nil
	}
	r.record(y, defGelu.name, func(g *Tensor) []*Tensor {
		if GradEnabled() || g.dtype != Float32 {
			return []*Tensor{geluBackward(g, t)}
		}
		return []*Tensor{g.Mul(d)}
	}, t, d)
	return y
}

// GeluTanh returns the tanh approximation of GELU (approximate='tanh').
func (t *Tensor) GeluTanh() *Tensor { return t.unaryOp(backend.GeluTanh, defGeluTanh, 0, 0) }

// Silu returns t*sigmoid(t) (also called swish).
func (t *Tensor) Silu() *Tensor { return t.unaryOp(backend.Silu, defSilu, 0, 0) }

// Softplus returns log(1 + e^(beta*t))/beta, and t itself where
// beta*t > threshold (PyTorch's defaults are beta 1, threshold 20).
func (t *Tensor) Softplus(beta, threshold float64) *Tensor {
	return t.unaryOp(backend.Softplus, unaryDef{name: "SoftplusBackward0", readsX: true, grad: func(x, y, g *Tensor) *Tensor {
		z := x.MulScalar(beta)
		return g.Mul(Where(z.Gt(x.sc(threshold)), x.sc(1), z.Sigmoid()))
	}}, beta, threshold)
}

// Mish returns t*tanh(softplus(t)).
func (t *Tensor) Mish() *Tensor { return t.unaryOp(backend.Mish, defMish, 0, 0) }

// Hardtanh clamps to [lo, hi] (PyTorch's defaults are -1 and 1).
func (t *Tensor) Hardtanh(lo, hi float64) *Tensor {
	return t.clampOp(lo, hi, "HardtanhBackward0")
}

// Clamp limits values to [lo, hi]; a NaN bound means no limit on that side
// (use math.NaN() for ClampMin-like behaviour).
func (t *Tensor) Clamp(lo, hi float64) *Tensor { return t.clampOp(lo, hi, "ClampBackward1") }

// ClampMin limits values from below.
func (t *Tensor) ClampMin(lo float64) *Tensor { return t.Clamp(lo, math.NaN()) }

// ClampMax limits values from above.
func (t *Tensor) ClampMax(hi float64) *Tensor { return t.Clamp(math.NaN(), hi) }

func (t *Tensor) clampOp(lo, hi float64, name string) *Tensor {
	if !math.IsNaN(lo) && !math.IsNaN(hi) && lo > hi && name == "HardtanhBackward0" {
		panic(&ValueError{Op: "hardtanh", Msg: "min_val cannot be greater than max_val"})
	}
	return t.unaryOp(backend.Clamp, unaryDef{name: name, intOK: true, readsX: true, grad: func(x, y, g *Tensor) *Tensor {
		// clamp passes the gradient on the closed interval, hardtanh on the
		// open one.
		in := OnesLike(x, Bool)
		lower, upper := (*Tensor).Ge, (*Tensor).Le
		if name == "HardtanhBackward0" {
			lower, upper = (*Tensor).Gt, (*Tensor).Lt
		}
		if !math.IsNaN(lo) {
			in = in.LogicalAnd(lower(x, x.sc(lo)))
		}
		if !math.IsNaN(hi) {
			in = in.LogicalAnd(upper(x, x.sc(hi)))
		}
		return g.Mul(maskOf(in, g))
	}}, lo, hi)
}

// Floor rounds down.
func (t *Tensor) Floor() *Tensor { return t.unaryOp(backend.Floor, defFloor, 0, 0) }

// Ceil rounds up.
func (t *Tensor) Ceil() *Tensor { return t.unaryOp(backend.Ceil, defCeil, 0, 0) }

// Round rounds to the nearest integer, halves to even.
func (t *Tensor) Round() *Tensor { return t.unaryOp(backend.Round, defRound, 0, 0) }

// Trunc rounds toward zero.
func (t *Tensor) Trunc() *Tensor { return t.unaryOp(backend.Trunc, defTrunc, 0, 0) }

// Reciprocal returns 1/t.
func (t *Tensor) Reciprocal() *Tensor { return t.unaryOp(backend.Reciprocal, defReciprocal, 0, 0) }

// Erf returns the error function.
func (t *Tensor) Erf() *Tensor { return t.unaryOp(backend.Erf, defErf, 0, 0) }

// PowScalar returns t^p.
func (t *Tensor) PowScalar(p float64) *Tensor {
	return t.unaryOp(backend.PowScalar, unaryDef{name: "PowBackward0", readsX: true, intOK: p >= 0 && p == math.Trunc(p), grad: func(x, y, g *Tensor) *Tensor {
		if p == 0 {
			return ZerosLike(g)
		}
		return g.Mul(x.PowScalar(p - 1)).MulScalar(p)
	}}, p, 0)
}

// RPowScalar returns base^t.
func (t *Tensor) RPowScalar(base float64) *Tensor {
	return t.unaryOp(backend.RPowScalar, unaryDef{name: "PowBackward1", readsY: true, grad: func(x, y, g *Tensor) *Tensor {
		return g.Mul(y).MulScalar(math.Log(base))
	}}, base, 0)
}

// AddScalar returns t + v.
func (t *Tensor) AddScalar(v float64) *Tensor {
	if !t.dtype.IsFloat() && v != math.Trunc(v) {
		return t.Add(Scalar(v))
	}
	return t.unaryOp(backend.AddScalar, unaryDef{name: "AddBackward1", intOK: true, grad: func(x, y, g *Tensor) *Tensor { return g }}, v, 0)
}

// SubScalar returns t - v.
func (t *Tensor) SubScalar(v float64) *Tensor { return t.AddScalar(-v) }

// MulScalar returns t * v.
func (t *Tensor) MulScalar(v float64) *Tensor {
	if !t.dtype.IsFloat() && v != math.Trunc(v) {
		return t.Mul(Scalar(v))
	}
	return t.unaryOp(backend.MulScalar, unaryDef{name: "MulBackward1", intOK: true, grad: func(x, y, g *Tensor) *Tensor { return g.MulScalar(v) }}, v, 0)
}

// DivScalar returns t / v (always floating point, like true division).
func (t *Tensor) DivScalar(v float64) *Tensor {
	if !t.dtype.IsFloat() {
		return t.Div(Scalar(v))
	}
	return t.MulScalar(1 / v)
}

// NanToNum replaces NaN with nan, +Inf with posinf and -Inf with neginf
// (PyTorch's defaults are 0 and the dtype's largest finite values).
func (t *Tensor) NanToNum(nan, posinf, neginf float64) *Tensor {
	if !t.dtype.IsFloat() {
		return t
	}
	// The kernel maps -Inf to -B; handle an asymmetric neginf with Where.
	out := t.unaryOp(backend.NanToNum, unaryDef{name: "NanToNumBackward0", readsX: true, grad: func(x, y, g *Tensor) *Tensor {
		return g.Mul(maskOf(x.IsFinite(), g))
	}}, nan, posinf)
	if neginf != -posinf {
		out = Where(t.IsInf().LogicalAnd(t.Lt(t.sc(0))), t.sc(neginf).To(out.dtype), out)
	}
	return out
}

// classify runs IsNan/IsInf/IsFinite.
func (t *Tensor) classify(op backend.UnaryOp) *Tensor {
	out := t.alloc(Bool, t.shape)
	if !t.dtype.IsFloat() {
		t.be().Fill(out.view(), b2f(op == backend.IsFinite))
		return out
	}
	x := t
	if !t.be().SupportsMath(t.dtype) {
		x = t.castNoGrad(Float32)
	}
	x.be().Unary(op, out.view(), x.view(), 0, 0)
	return out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// IsNan reports NaN elementwise (bool result).
func (t *Tensor) IsNan() *Tensor { return t.classify(backend.IsNan) }

// IsInf reports ±Inf elementwise.
func (t *Tensor) IsInf() *Tensor { return t.classify(backend.IsInf) }

// IsFinite reports finite elements.
func (t *Tensor) IsFinite() *Tensor { return t.classify(backend.IsFinite) }

// LogicalNot returns the elementwise logical not (bool result).
func (t *Tensor) LogicalNot() *Tensor {
	b := t.castNoGrad(Bool)
	out := t.alloc(Bool, t.shape)
	t.be().Unary(backend.Not, out.view(), b.view(), 0, 0)
	return out
}

// reluBackward returns g where y > 0 and 0 where y <= 0: the gradient of
// ReLU from its output y, in one pass (PyTorch's threshold_backward). Its
// own gradient is the same masking of the incoming gradient (and zero for
// y).
func reluBackward(g, y *Tensor) *Tensor {
	return binaryOp(backend.ReluGrad, "ThresholdBackwardBackward0", g, y, false, func(a, b, out, gg *Tensor, na, nb bool) (ga, gb *Tensor) {
		if na {
			ga = reluBackward(gg, b)
		}
		if nb {
			gb = ZerosLike(b)
		}
		return
	})
}

// geluBackward returns g·(Φ(x) + x·φ(x)), the gradient of the exact GELU
// at x, in one pass. Its own gradient is the same for g, and
// g·φ(x)·(2 - x²) for x.
func geluBackward(g, x *Tensor) *Tensor {
	return binaryOp(backend.GeluGrad, "GeluBackwardBackward0", g, x, false, func(a, b, out, gg *Tensor, na, nb bool) (ga, gb *Tensor) {
		if na {
			ga = geluBackward(gg, b)
		}
		if nb {
			pdf := b.Square().MulScalar(-0.5).Exp().MulScalar(1 / math.Sqrt(2*math.Pi))
			gb = gg.Mul(a).Mul(pdf.Mul(b.Square().Neg().AddScalar(2)))
		}
		return
	})
}
