package cpu

import (
	"fmt"
	"math"

	"github.com/emberdl/ember/backend"
)

type float interface{ ~float32 | ~float64 }

// Unary applies op elementwise.
func (c *Backend) Unary(op backend.UnaryOp, dst, src backend.View, a, b float64) {
	checkSameShape("Unary", dst, src)
	d, s := buf(dst), buf(src)
	l := newLoop(dst.Shape, []int{dst.Offset, src.Offset}, dst.Strides, src.Strides)
	defer l.free()
	switch op {
	case backend.IsNan, backend.IsInf, backend.IsFinite:
		if d.dt != backend.Bool {
			panic("cpu.Unary: " + op.String() + " writes bool")
		}
		switch s.dt {
		case backend.Float32:
			convertRuns(l, d.B, s.F32, classify[float32](op))
		case backend.Float64:
			convertRuns(l, d.B, s.F64, classify[float64](op))
		default:
			panic("cpu.Unary: " + op.String() + " of " + s.dt.String())
		}
		return
	case backend.Not:
		convertRuns(l, d.B, s.B, func(x bool) bool { return !x })
		return
	}
	if d.dt != s.dt {
		panic(fmt.Sprintf("cpu.Unary %v: dst %v, src %v", op, d.dt, s.dt))
	}
	switch d.dt {
	case backend.Float32:
		if !unaryF32(l, op, d.F32, s.F32, a) {
			unaryFloat(l, op, d.F32, s.F32, a, b)
		}
	case backend.Float64:
		unaryFloat(l, op, d.F64, s.F64, a, b)
	case backend.Int64:
		unaryInt(l, op, d.I64, s.I64, a, b)
	case backend.Int32:
		unaryInt(l, op, d.I32, s.I32, a, b)
	case backend.Uint8:
		unaryInt(l, op, d.U8, s.U8, a, b)
	default:
		panic(fmt.Sprintf("cpu.Unary %v of %v", op, d.dt))
	}
}

func classify[T float](op backend.UnaryOp) func(T) bool {
	switch op {
	case backend.IsNan:
		return func(x T) bool { return x != x }
	case backend.IsInf:
		return func(x T) bool { return math.IsInf(float64(x), 0) }
	}
	return func(x T) bool { return !math.IsInf(float64(x), 0) && x == x }
}

func mapRuns[T any](l *loop, d, s []T, f func(T) T) {
	l.run(8, func(off [maxOps]int, m int) {
		o0, o1, s0, s1 := off[0], off[1], l.inner[0], l.inner[1]
		if s0 == 1 && s1 == 1 {
			dd, ss := d[o0:o0+m], s[o1:o1+m]
			for i := range dd {
				dd[i] = f(ss[i])
			}
			return
		}
		for i := 0; i < m; i++ {
			d[o0+i*s0] = f(s[o1+i*s1])
		}
	})
}

func unaryFloat[T float](l *loop, op backend.UnaryOp, d, s []T, a, b float64) {
	// Hot, simple ops get loops without a call per element.
	switch op {
	case backend.Relu:
		l.run(1, func(off [maxOps]int, m int) {
			o0, o1, s0, s1 := off[0], off[1], l.inner[0], l.inner[1]
			if s0 == 1 && s1 == 1 {
				dd, ss := d[o0:o0+m], s[o1:o1+m]
				for i, x := range ss {
					if x > 0 || x != x {
						dd[i] = x
					} else {
						dd[i] = 0
					}
				}
				return
			}
			for i := 0; i < m; i++ {
				x := s[o1+i*s1]
				if !(x > 0 || x != x) {
					x = 0
				}
				d[o0+i*s0] = x
			}
		})
		return
	case backend.MulScalar, backend.AddScalar:
		av := T(a)
		mul := op == backend.MulScalar
		l.run(1, func(off [maxOps]int, m int) {
			o0, o1, s0, s1 := off[0], off[1], l.inner[0], l.inner[1]
			if s0 == 1 && s1 == 1 {
				dd, ss := d[o0:o0+m], s[o1:o1+m]
				if mul {
					for i, x := range ss {
						dd[i] = x * av
					}
				} else {
					for i, x := range ss {
						dd[i] = x + av
					}
				}
				return
			}
			for i := 0; i < m; i++ {
				x := s[o1+i*s1]
				if mul {
					d[o0+i*s0] = x * av
				} else {
					d[o0+i*s0] = x + av
				}
			}
		})
		return
	case backend.Sigmoid, backend.Tanh:
		if d32, ok := any(d).([]float32); ok {
			activation32(l, op, d32, any(s).([]float32))
			return
		}
	}
	mapRuns(l, d, s, floatFunc[T](op, a, b))
}

// floatFunc returns the scalar function of a unary op, computed in float64
// for float32 inputs where the math package has no float32 version.
func floatFunc[T float](op backend.UnaryOp, a, b float64) func(T) T {
	f := func(g func(float64) float64) func(T) T { return func(x T) T { return T(g(float64(x))) } }
	switch op {
	case backend.Neg:
		return func(x T) T { return -x }
	case backend.Abs:
		return func(x T) T { return T(math.Abs(float64(x))) }
	case backend.Sign:
		return func(x T) T {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			if x != x {
				return 0 // as PyTorch: sign(NaN) = 0
			}
			return x // 0 and -0 stay
		}
	case backend.Exp:
		return f(math.Exp)
	case backend.Expm1:
		return f(math.Expm1)
	case backend.Log:
		return f(math.Log)
	case backend.Log1p:
		return f(math.Log1p)
	case backend.Log2:
		return f(math.Log2)
	case backend.Sqrt:
		return f(math.Sqrt)
	case backend.Rsqrt:
		return f(func(x float64) float64 { return 1 / math.Sqrt(x) })
	case backend.Square:
		return func(x T) T { return x * x }
	case backend.Sin:
		return f(math.Sin)
	case backend.Cos:
		return f(math.Cos)
	case backend.Tan:
		return f(math.Tan)
	case backend.Tanh:
		return f(math.Tanh)
	case backend.Sigmoid:
		return f(sigmoid)
	case backend.LeakyRelu:
		return func(x T) T {
			if x < 0 {
				return x * T(a)
			}
			return x
		}
	case backend.Elu:
		return f(func(x float64) float64 {
			if x > 0 {
				return x
			}
			return a * math.Expm1(x)
		})
	case backend.Selu:
		return f(func(x float64) float64 {
			if x > 0 {
				return seluScale * x
			}
			return seluScale * seluAlpha * math.Expm1(x)
		})
	case backend.Gelu:
		return f(func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) })
	case backend.GeluTanh:
		return f(geluTanh)
	case backend.Silu:
		return f(func(x float64) float64 { return x * sigmoid(x) })
	case backend.Softplus:
		return f(func(x float64) float64 {
			if x*a > b {
				return x
			}
			return math.Log1p(math.Exp(x*a)) / a
		})
	case backend.Mish:
		return f(func(x float64) float64 { return x * math.Tanh(softplus(x)) })
	case backend.Clamp:
		lo, hi := a, b
		return func(x T) T {
			if x != x {
				return x
			}
			if !math.IsNaN(lo) && float64(x) < lo {
				x = T(lo)
			}
			if !math.IsNaN(hi) && float64(x) > hi {
				x = T(hi)
			}
			return x
		}
	case backend.Floor:
		return f(math.Floor)
	case backend.Ceil:
		return f(math.Ceil)
	case backend.Round:
		return f(math.RoundToEven)
	case backend.Trunc:
		return f(math.Trunc)
	case backend.Reciprocal:
		return func(x T) T { return 1 / x }
	case backend.Erf:
		return f(math.Erf)
	case backend.PowScalar:
		switch a {
		case 2:
			return func(x T) T { return x * x }
		case 1:
			return func(x T) T { return x }
		case 0.5:
			return f(math.Sqrt)
		}
		return f(func(x float64) float64 { return math.Pow(x, a) })
	case backend.RPowScalar:
		return f(func(x float64) float64 { return math.Pow(a, x) })
	case backend.AddScalar:
		return func(x T) T { return x + T(a) }
	case backend.MulScalar:
		return func(x T) T { return x * T(a) }
	case backend.NanToNum:
		return func(x T) T {
			switch {
			case x != x:
				return T(a)
			case math.IsInf(float64(x), 1):
				return T(b)
			case math.IsInf(float64(x), -1):
				return T(-b)
			}
			return x
		}
	}
	panic("cpu.Unary: no float kernel for " + op.String())
}

const (
	seluAlpha = 1.6732632423543772848170429916717
	seluScale = 1.0507009873554804934193349852946
)

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func softplus(x float64) float64 {
	if x > 20 {
		return x
	}
	return math.Log1p(math.Exp(x))
}

func geluTanh(x float64) float64 {
	const k = 0.7978845608028654 // sqrt(2/pi)
	return 0.5 * x * (1 + math.Tanh(k*(x+0.044715*x*x*x)))
}

type integer interface{ ~int64 | ~int32 | ~uint8 }

func unaryInt[T integer](l *loop, op backend.UnaryOp, d, s []T, a, b float64) {
	var f func(T) T
	switch op {
	case backend.Neg:
		f = func(x T) T { return -x }
	case backend.Abs:
		f = func(x T) T {
			if x < 0 {
				return -x
			}
			return x
		}
	case backend.Sign:
		f = func(x T) T {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return T(0) - 1
			}
			return 0
		}
	case backend.Square:
		f = func(x T) T { return x * x }
	case backend.Relu:
		f = func(x T) T { return max(x, 0) }
	case backend.Clamp:
		f = func(x T) T {
			if !math.IsNaN(a) && float64(x) < a {
				x = T(a)
			}
			if !math.IsNaN(b) && float64(x) > b {
				x = T(b)
			}
			return x
		}
	case backend.Floor, backend.Ceil, backend.Round, backend.Trunc:
		f = func(x T) T { return x }
	case backend.AddScalar:
		f = func(x T) T { return x + T(a) }
	case backend.MulScalar:
		f = func(x T) T { return x * T(a) }
	default:
		panic("cpu.Unary: no integer kernel for " + op.String())
	}
	mapRuns(l, d, s, f)
}
