package ember

import (
	"fmt"
	"slices"

	"github.com/emberdl/ember/backend"
)

// inPlace computes f(t) out of place and writes the result into t's memory,
// bumping its version so that graphs which saved t's old value refuse to
// run backward (as PyTorch does). When gradients are being recorded, t
// takes the result's place in the graph (the op then reads a copy of t's
// old value, costing one copy, so its own backward stays valid).
func (t *Tensor) inPlace(op string, others []*Tensor, f func(old *Tensor) *Tensor) *Tensor {
	record := GradEnabled() && (t.requiresGrad || anyRequiresGrad(others))
	if record {
		if t.requiresGrad && t.node == nil {
			panic(&AutogradError{Msg: op + ": a leaf Variable that requires grad is being used in an in-place operation (wrap parameter updates in ember.NoGrad)"})
		}
		if t.isView {
			panic(&AutogradError{Msg: op + ": in-place operations on views are not recorded by autograd; use the out-of-place op, or Clone first"})
		}
	}
	old := *t // the value before the write, with its history
	old.leafHooks = nil
	var res *Tensor
	if record {
		// The op reads a copy of the old value, so what its backward saves
		// is not overwritten by the write below.
		res = f(old.Clone())
	} else {
		// Nothing requires a gradient, or grad mode is off: f records nothing.
		res = f(&old)
	}
	if res.dtype != t.dtype && record && t.dtype.IsFloat() {
		res = res.To(t.dtype) // recorded, so the graph's dtype matches t
	}
	if !slices.Equal(res.shape, t.shape) {
		panic(shapeErr(op, fmt.Sprintf("output with shape %v doesn't match the broadcast shape %v", t.shape, res.shape), t.shape, res.shape))
	}
	if res.dtype != t.dtype && !(t.dtype.IsFloat() || !res.dtype.IsFloat()) {
		panic(&DTypeError{Op: op, Msg: fmt.Sprintf("result type %v can't be cast to the desired output type %v", res.dtype, t.dtype)})
	}
	t.be().Copy(t.view(), res.view())
	t.st.version++
	if record {
		t.node = res.node
		t.requiresGrad = true
	}
	return t
}

// directUnary runs a unary kernel straight into t's memory when nothing is
// being recorded and no dtype conversion is needed: no allocation at all
// (how optimizers and gradient clipping update parameters). It reports
// whether it did.
func (t *Tensor) directUnary(op backend.UnaryOp, a, b float64) bool {
	if (GradEnabled() && t.requiresGrad) || !t.dtype.IsFloat() || !t.be().SupportsMath(t.dtype) {
		return false
	}
	t.be().Unary(op, t.view(), t.view(), a, b)
	t.st.version++
	return true
}

// directBinary is directUnary for t = t op u, with u broadcast to t.
func (t *Tensor) directBinary(op backend.BinaryOp, u *Tensor) bool {
	if (GradEnabled() && (t.requiresGrad || u.requiresGrad)) || u.dtype != t.dtype || !t.dtype.IsFloat() ||
		!t.be().SupportsMath(t.dtype) || u.st.dev != t.st.dev || (u.st == t.st && !sameLayout(t, u)) {
		return false
	}
	if !slices.Equal(broadcastShapes(op.String(), t.shape, u.shape), t.shape) {
		return false
	}
	t.be().Binary(op, t.view(), t.view(), u.broadcastView(t.shape))
	t.st.version++
	return true
}

func sameLayout(a, b *Tensor) bool {
	return a.offset == b.offset && slices.Equal(a.shape, b.shape) && slices.Equal(a.strides, b.strides)
}

func anyRequiresGrad(ts []*Tensor) bool {
	for _, t := range ts {
		if t != nil && t.requiresGrad {
			return true
		}
	}
	return false
}

// AddInPlace adds u (broadcast to t's shape) into t and returns t (add_).
func (t *Tensor) AddInPlace(u *Tensor) *Tensor {
	if t.directBinary(backend.Add, u) {
		return t
	}
	return t.inPlace("add_", []*Tensor{u}, func(x *Tensor) *Tensor { return x.Add(u) })
}

// AddScaledInPlace adds alpha*u into t (add_(u, alpha=alpha)).
func (t *Tensor) AddScaledInPlace(u *Tensor, alpha float64) *Tensor {
	return t.inPlace("add_", []*Tensor{u}, func(x *Tensor) *Tensor { return x.Add(u.MulScalar(alpha)) })
}

// SubInPlace subtracts u from t (sub_).
func (t *Tensor) SubInPlace(u *Tensor) *Tensor {
	if t.directBinary(backend.Sub, u) {
		return t
	}
	return t.inPlace("sub_", []*Tensor{u}, func(x *Tensor) *Tensor { return x.Sub(u) })
}

// MulInPlace multiplies t by u (mul_).
func (t *Tensor) MulInPlace(u *Tensor) *Tensor {
	if t.directBinary(backend.Mul, u) {
		return t
	}
	return t.inPlace("mul_", []*Tensor{u}, func(x *Tensor) *Tensor { return x.Mul(u) })
}

// DivInPlace divides t by u (div_).
func (t *Tensor) DivInPlace(u *Tensor) *Tensor {
	if t.directBinary(backend.Div, u) {
		return t
	}
	return t.inPlace("div_", []*Tensor{u}, func(x *Tensor) *Tensor { return x.Div(u) })
}

// AddScalarInPlace adds v to every element.
func (t *Tensor) AddScalarInPlace(v float64) *Tensor {
	if t.directUnary(backend.AddScalar, v, 0) {
		return t
	}
	return t.inPlace("add_", nil, func(x *Tensor) *Tensor { return x.AddScalar(v) })
}

// MulScalarInPlace multiplies every element by v.
func (t *Tensor) MulScalarInPlace(v float64) *Tensor {
	if t.directUnary(backend.MulScalar, v, 0) {
		return t
	}
	return t.inPlace("mul_", nil, func(x *Tensor) *Tensor { return x.MulScalar(v) })
}

// ClampInPlace clamps t to [lo, hi] (NaN bounds are ignored).
func (t *Tensor) ClampInPlace(lo, hi float64) *Tensor {
	if t.directUnary(backend.Clamp, lo, hi) {
		return t
	}
	return t.inPlace("clamp_", nil, func(x *Tensor) *Tensor { return x.Clamp(lo, hi) })
}

// ReluInPlace replaces negative elements with zero (relu_).
func (t *Tensor) ReluInPlace() *Tensor {
	if t.directUnary(backend.Relu, 0, 0) || t.reluInPlaceRecorded() {
		return t
	}
	return t.inPlace("relu_", nil, func(x *Tensor) *Tensor { return x.Relu() })
}

// reluInPlaceRecorded is relu_ on a tensor that is part of a graph: ReLU's
// backward reads only its output, so the op writes in place without the
// copy of the old value that other recorded in-place ops keep, and costs no
// memory at all (the point of torch.nn.ReLU(inplace=True)). Leaves, views
// and dtypes the backend cannot compute in go through inPlace, which
// reports the errors. It reports whether it ran.
func (t *Tensor) reluInPlaceRecorded() bool {
	if !GradEnabled() || !t.requiresGrad || t.node == nil || t.isView || !t.dtype.IsFloat() || !t.be().SupportsMath(t.dtype) {
		return false
	}
	old := *t // the value before the write, with its history
	old.leafHooks = nil
	r := track(&old)
	t.be().Unary(backend.Relu, t.view(), t.view(), 0, 0)
	t.st.version++
	// The output as backward reads it: t's memory, without t's history
	// (t's node changes with the next in-place op).
	y := newTensor(t.st, t.dtype, t.shape, t.strides, t.offset)
	r.record(t, "ReluBackward0", func(g *Tensor) []*Tensor { return []*Tensor{reluBackward(g, y)} }, y)
	return true
}

// FillInPlace sets every element to v (fill_).
func (t *Tensor) FillInPlace(v float64) *Tensor {
	if !(GradEnabled() && t.requiresGrad) {
		t.be().Fill(t.view(), v)
		t.st.version++
		return t
	}
	return t.inPlace("fill_", nil, func(x *Tensor) *Tensor { return FullLike(x, v) })
}

// ZeroInPlace sets every element to zero (zero_).
func (t *Tensor) ZeroInPlace() *Tensor { return t.FillInPlace(0) }

// CopyFrom copies src (broadcast to t's shape, converted to t's dtype and
// device) into t (copy_).
func (t *Tensor) CopyFrom(src *Tensor) *Tensor {
	return t.inPlace("copy_", []*Tensor{src}, func(x *Tensor) *Tensor {
		s := src
		if s.Device() != t.Device() {
			s = s.To(t.Device())
		}
		if s.dtype != t.dtype {
			s = s.To(t.dtype)
		}
		// Through Where, so that t keeps a history (with a zero gradient
		// for its old value) when it had one.
		return Where(OnesLike(x, Bool), s.Expand(t.shape...), x)
	})
}
