package ember

import (
	"fmt"
	"slices"

	"github.com/emberdl/ember/backend"
)

// scalarsToDevice moves a 0-d CPU tensor (such as ember.Scalar(2)) to the
// device of the other operand, as PyTorch lets CPU scalars mix with
// tensors on any device.
func scalarsToDevice(a, b *Tensor) (*Tensor, *Tensor) {
	if a.st.dev == b.st.dev {
		return a, b
	}
	move := func(s, to *Tensor) *Tensor {
		w := s.wrapped
		s = s.To(to.st.dev)
		s.wrapped = w
		return s
	}
	switch {
	case len(a.shape) == 0 && a.st.dev == CPU:
		a = move(a, b)
	case len(b.shape) == 0 && b.st.dev == CPU:
		b = move(b, a)
	}
	return a, b
}

// broadcastShapes returns the NumPy broadcast of two shapes.
func broadcastShapes(op string, a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range n {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			panic(shapeErr(op, fmt.Sprintf("the size of tensor a (%d) must match the size of tensor b (%d) at non-singleton dimension %d (shapes %v and %v)", da, db, i, a, b), a, b))
		}
	}
	return out
}

// broadcastView returns t's backend view expanded to shape.
func (t *Tensor) broadcastView(shape []int) backend.View {
	lead := len(shape) - len(t.shape)
	strides := make([]int, len(shape))
	for i := range shape {
		if j := i - lead; j >= 0 && t.shape[j] != 1 {
			strides[i] = t.strides[j]
		}
	}
	return backend.View{Buf: t.buf(), Shape: shape, Strides: strides, Offset: t.offset}
}

// sumTo reduces a broadcast gradient back to shape.
func sumTo(g *Tensor, shape []int) *Tensor {
	if slices.Equal(g.shape, shape) {
		return g
	}
	lead := len(g.shape) - len(shape)
	var axes []int
	for i := range g.shape {
		if i < lead || (shape[i-lead] == 1 && g.shape[i] != 1) {
			axes = append(axes, i)
		}
	}
	out := g
	if len(axes) > 0 {
		out = g.SumKeep(axes...)
	}
	return out.Reshape(shape...)
}

// binaryGrad computes the gradients of a binary op for the inputs that
// need one (the other entry is ignored).
type binaryGrad func(a, b, out, g *Tensor, needA, needB bool) (ga, gb *Tensor)

// binaryReads says which operands a binary op's gradient reads, so only
// those are saved (and checked against in-place changes).
var binaryReads = map[backend.BinaryOp]struct{ forA, forB [2]bool }{
	backend.Add: {},
	backend.Sub: {},
	backend.Mul: {forA: [2]bool{false, true}, forB: [2]bool{true, false}},
	backend.Div: {forA: [2]bool{false, true}, forB: [2]bool{true, true}},
}

// binaryOp runs op with broadcasting and dtype promotion; floatOnly makes
// integer operands compute in the default float dtype (true division).
func binaryOp(op backend.BinaryOp, name string, a, b *Tensor, floatOnly bool, grad binaryGrad) *Tensor {
	a, b = scalarsToDevice(a, b)
	sameDevice(op.String(), a, b)
	dt := resultType(a, b)
	if floatOnly && !dt.IsFloat() {
		dt = DefaultDType()
	}
	shape := broadcastShapes(op.String(), a.shape, b.shape)
	comp := dt
	if !a.be().SupportsMath(comp) {
		comp = Float32
	}
	outDT := comp
	if op.IsComparison() {
		outDT = Bool
	}
	if dt == Bool && !op.IsComparison() {
		switch op {
		case backend.Add, backend.Mul, backend.Maximum, backend.Minimum, backend.Sub:
			if op == backend.Sub {
				panic(&DTypeError{Op: "sub", Msg: "subtraction, the - operator, with two bool tensors is not supported; use LogicalXor"})
			}
		default:
			panic(&DTypeError{Op: op.String(), Msg: "not supported for bool tensors"})
		}
	}
	x, y := a.castNoGrad(comp), b.castNoGrad(comp)
	out := a.alloc(outDT, shape)
	a.be().Binary(op, out.view(), x.broadcastView(shape), y.broadcastView(shape))
	if !op.IsComparison() && comp != dt {
		out = out.castNoGrad(dt)
	}
	if grad == nil || !out.dtype.IsFloat() {
		return out
	}
	if r := track(a, b); r != nil {
		reads, known := binaryReads[op]
		var saved []*Tensor
		for i, need := range []bool{r.needs(0), r.needs(1)} {
			use := reads.forA
			if i == 1 {
				use = reads.forB
			}
			if need && (!known || use[0]) {
				saved = append(saved, a)
			}
			if need && (!known || use[1]) {
				saved = append(saved, b)
			}
		}
		r.record(out, name, func(g *Tensor) []*Tensor {
			ga, gb := grad(a, b, out, g, r.needs(0), r.needs(1))
			if r.needs(0) && ga != nil {
				ga = sumTo(ga, a.shape)
			}
			if r.needs(1) && gb != nil {
				gb = sumTo(gb, b.shape)
			}
			return []*Tensor{ga, gb}
		}, saved...)
	}
	return out
}

// Add returns t + u with broadcasting.
func (t *Tensor) Add(u *Tensor) *Tensor {
	return binaryOp(backend.Add, "AddBackward0", t, u, false, func(a, b, out, g *Tensor, na, nb bool) (*Tensor, *Tensor) {
		return g, g
	})
}

// Sub returns t - u.
func (t *Tensor) Sub(u *Tensor) *Tensor {
	return binaryOp(backend.Sub, "SubBackward0", t, u, false, func(a, b, out, g *Tensor, na, nb bool) (ga, gb *Tensor) {
		if nb {
			gb = g.Neg()
		}
		return g, gb
	})
}

// Mul returns t * u elementwise.
func (t *Tensor) Mul(u *Tensor) *Tensor {
	return binaryOp(backend.Mul, "MulBackward0", t, u, false, func(a, b, out, g *Tensor, na, nb bool) (ga, gb *Tensor) {
		if na {
			ga = g.Mul(b)
		}
		if nb {
			gb = g.Mul(a)
		}
		return
	})
}

// Div returns t / u (true division: integers give floats).
func (t *Tensor) Div(u *Tensor) *Tensor {
	return binaryOp(backend.Div, "DivBackward0", t, u, true, func(a, b, out, g *Tensor, na, nb bool) (ga, gb *Tensor) {
		if na {
			ga = g.Div(b)
		}
		if nb {
			gb = g.Mul(a).Div(b.Square()).Neg()
		}
		return
	})
}

// FloorDivide returns floor(t / u).
func (t *Tensor) FloorDivide(u *Tensor) *Tensor {
	return binaryOp(backend.FloorDiv, "FloorDivideBackward0", t, u, false, func(a, b, out, g *Tensor, na, nb bool) (ga, gb *Tensor) {
		if na {
			ga = ZerosLike(g)
		}
		if nb {
			gb = ZerosLike(g)
		}
		return
	})
}

// Maximum returns the elementwise maximum (NaN propagates).
func (t *Tensor) Maximum(u *Tensor) *Tensor {
	return binaryOp(backend.Maximum, "MaximumBackward0", t, u, false, minMaxGrad(true))
}

// Minimum returns the elementwise minimum (NaN propagates).
func (t *Tensor) Minimum(u *Tensor) *Tensor {
	return binaryOp(backend.Minimum, "MinimumBackward0", t, u, false, minMaxGrad(false))
}

// minMaxGrad splits the gradient equally where the inputs tie, as PyTorch.
func minMaxGrad(isMax bool) binaryGrad {
	return func(a, b, out, g *Tensor, na, nb bool) (ga, gb *Tensor) {
		var wins *Tensor
		if isMax {
			wins = a.Gt(b)
		} else {
			wins = a.Lt(b)
		}
		tie := maskOf(a.Eq(b), g).MulScalar(0.5)
		wa := maskOf(wins, g).Add(tie)
		if na {
			ga = g.Mul(wa)
		}
		if nb {
			gb = g.Mul(wa.Neg().AddScalar(1))
		}
		return
	}
}

// Remainder returns t mod u with the sign of u (Python's %).
func (t *Tensor) Remainder(u *Tensor) *Tensor {
	return binaryOp(backend.Remainder, "RemainderBackward0", t, u, false, func(a, b, out, g *Tensor, na, nb bool) (ga, gb *Tensor) {
		if na {
			ga = g
		}
		if nb {
			gb = g.Mul(a.Div(b).Floor()).Neg()
		}
		return
	})
}

// Atan2 returns the angle of the point (u, t), elementwise.
func (t *Tensor) Atan2(u *Tensor) *Tensor {
	return binaryOp(backend.Atan2, "Atan2Backward0", t, u, true, func(a, b, out, g *Tensor, na, nb bool) (ga, gb *Tensor) {
		den := a.Square().Add(b.Square())
		if na {
			ga = g.Mul(b).Div(den)
		}
		if nb {
			gb = g.Mul(a).Div(den).Neg()
		}
		return
	})
}

// Pow returns t^u elementwise.
func (t *Tensor) Pow(u *Tensor) *Tensor {
	t, u = autocast2("pow", t, u)
	return binaryOp(backend.Pow, "PowBackward1", t, u, false, func(a, b, out, g *Tensor, na, nb bool) (ga, gb *Tensor) {
		if na {
			// b * a^(b-1), with 0 where b == 0 (so 0^0 has gradient 0).
			d := b.Mul(a.Pow(b.Sub(b.sc(1))))
			ga = g.Mul(Where(b.Eq(b.sc(0)), ZerosLike(d), d))
		}
		if nb {
			// a^b * log(a), with 0 where a == 0 and b >= 0.
			d := out.Mul(a.Log())
			ga0 := a.Eq(a.sc(0)).LogicalAnd(b.Ge(b.sc(0)))
			gb = g.Mul(Where(ga0, ZerosLike(d), d))
		}
		return
	})
}

func (t *Tensor) compare(op backend.BinaryOp, u *Tensor) *Tensor {
	return binaryOp(op, "", t, u, false, nil)
}

// Eq returns t == u elementwise (bool).
func (t *Tensor) Eq(u *Tensor) *Tensor { return t.compare(backend.Eq, u) }

// Ne returns t != u elementwise.
func (t *Tensor) Ne(u *Tensor) *Tensor { return t.compare(backend.Ne, u) }

// Lt returns t < u elementwise.
func (t *Tensor) Lt(u *Tensor) *Tensor { return t.compare(backend.Lt, u) }

// Le returns t <= u elementwise.
func (t *Tensor) Le(u *Tensor) *Tensor { return t.compare(backend.Le, u) }

// Gt returns t > u elementwise.
func (t *Tensor) Gt(u *Tensor) *Tensor { return t.compare(backend.Gt, u) }

// Ge returns t >= u elementwise.
func (t *Tensor) Ge(u *Tensor) *Tensor { return t.compare(backend.Ge, u) }

// logical runs a logical op on the truth values of t and u.
func (t *Tensor) logical(op backend.BinaryOp, u *Tensor) *Tensor {
	return binaryOp(op, "", t.castNoGrad(Bool), u.castNoGrad(Bool), false, nil)
}

// LogicalAnd returns t && u elementwise (non-zero is true; bool result).
func (t *Tensor) LogicalAnd(u *Tensor) *Tensor { return t.logical(backend.LogicalAnd, u) }

// LogicalOr returns t || u elementwise.
func (t *Tensor) LogicalOr(u *Tensor) *Tensor { return t.logical(backend.LogicalOr, u) }

// LogicalXor returns t != u on truth values.
func (t *Tensor) LogicalXor(u *Tensor) *Tensor { return t.logical(backend.LogicalXor, u) }

// Where returns x where cond is true and y elsewhere, broadcasting all
// three; cond is converted to bool.
func Where(cond, x, y *Tensor) *Tensor {
	x, y = scalarsToDevice(x, y)
	cond, _ = scalarsToDevice(cond, x)
	sameDevice("where", cond, x, y)
	dt := resultType(x, y)
	shape := broadcastShapes("where", broadcastShapes("where", cond.shape, x.shape), y.shape)
	c := cond.castNoGrad(Bool)
	xv, yv := x.castNoGrad(dt), y.castNoGrad(dt)
	out := x.alloc(dt, shape)
	x.be().Where(out.view(), c.broadcastView(shape), xv.broadcastView(shape), yv.broadcastView(shape))
	if !dt.IsFloat() {
		return out
	}
	if r := track(nil, x, y); r != nil {
		r.record(out, "WhereBackward0", func(g *Tensor) []*Tensor {
			var gx, gy *Tensor
			z := ZerosLike(g)
			if r.needs(1) {
				gx = sumTo(Where(c, g, z), x.shape)
			}
			if r.needs(2) {
				gy = sumTo(Where(c, z, g), y.shape)
			}
			return []*Tensor{nil, gx, gy}
		}, cond)
	}
	return out
}

// MaskedFill returns t with value written where mask (broadcast to t's
// shape) is true.
func (t *Tensor) MaskedFill(mask *Tensor, value float64) *Tensor {
	if !slices.Equal(broadcastShapes("masked_fill", t.shape, mask.shape), t.shape) {
		panic(shapeErr("masked_fill", fmt.Sprintf("mask of shape %v does not broadcast to %v", mask.shape, t.shape), t.shape, mask.shape))
	}
	return Where(mask, t.sc(value).castNoGrad(t.dtype), t)
}
