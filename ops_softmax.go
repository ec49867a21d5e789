package ember

import (
	"github.com/emberdl/ember/backend"
)

// Softmax returns exp(t) / sum(exp(t)) along axis (negative counts from the
// end), computed stably by the backend's fused kernel. Integer and bool
// inputs are converted to the default float dtype first (PyTorch refuses
// them). A lane holding only -Inf, a +Inf or a NaN gives NaN throughout, as
// in PyTorch.
func (t *Tensor) Softmax(axis int) *Tensor { return t.softmaxOp(axis, false) }

// LogSoftmax returns log(Softmax(axis)) computed as t - logsumexp(t), which
// stays finite where Softmax underflows to zero.
func (t *Tensor) LogSoftmax(axis int) *Tensor { return t.softmaxOp(axis, true) }

// laneView returns v with a 0-d shape viewed as one lane of one element, so
// kernels walking an axis accept scalars.
func laneView(v backend.View) backend.View {
	if len(v.Shape) == 0 {
		v.Shape, v.Strides = []int{1}, []int{1}
	}
	return v
}

func (t *Tensor) softmaxOp(axis int, log bool) *Tensor {
	name, gradName := "softmax", "SoftmaxBackward0"
	if log {
		name, gradName = "log_softmax", "LogSoftmaxBackward0"
	}
	t = autocast1(name, t)
	a := normAxis(name, axis, t.Dim())
	x := t
	if !x.dtype.IsFloat() {
		x = x.castNoGrad(DefaultDType())
	}
	outDT := x.dtype
	comp := outDT
	if !x.be().SupportsMath(comp) {
		comp = Float32
	}
	xc := x.castNoGrad(comp)
	y := xc.alloc(comp, xc.shape)
	if y.Numel() > 0 {
		xc.be().Softmax(laneView(y.view()), laneView(xc.view()), a, log)
	}
	out := y.castNoGrad(outDT)
	if r := track(t); r != nil {
		r.record(out, gradName, func(g *Tensor) []*Tensor {
			return []*Tensor{softmaxBackwardData(out, g, a, log)}
		}, out)
	}
	return out
}

// softmaxBackwardData turns the gradient g of y = (log)softmax(x) into the
// gradient of x with the backend kernel. It is itself recorded (with a
// backward composed of ember ops), so gradients of any order flow.
func softmaxBackwardData(y, g *Tensor, a int, log bool) *Tensor {
	if g.dtype != y.dtype {
		g = g.castNoGrad(y.dtype)
	}
	comp := y.dtype
	if !y.be().SupportsMath(comp) {
		comp = Float32
	}
	yc, gc := y.castNoGrad(comp), g.castNoGrad(comp)
	dx := yc.alloc(comp, yc.shape)
	if dx.Numel() > 0 {
		yc.be().SoftmaxBackward(laneView(dx.view()), laneView(yc.view()), laneView(gc.view()), a, log)
	}
	dx = dx.castNoGrad(y.dtype)
	if r := track(y, g); r != nil {
		name := "SoftmaxBackwardDataBackward0"
		if log {
			name = "LogSoftmaxBackwardDataBackward0"
		}
		r.record(dx, name, func(gg *Tensor) []*Tensor {
			gy, gg2 := softmaxDoubleBackward(y, g, gg, a, log, r.needs(0), r.needs(1))
			return []*Tensor{gy, gg2}
		}, y, g)
	}
	return dx
}

// softmaxDoubleBackward differentiates dx = softmaxBackwardData(y, g) given
// the gradient gg of dx. With s = sum over the axis:
//
//	softmax:     dx = y*(g - s(g*y));    d/dg = y*(gg - s(gg*y)),  d/dy = gg*(g - s(g*y)) - g*s(gg*y)
//	log-softmax: dx = g - exp(y)*s(g);   d/dg = gg - s(gg*exp(y)), d/dy = -gg*exp(y)*s(g)
func softmaxDoubleBackward(y, g, gg *Tensor, a int, log, needY, needG bool) (gy, gG *Tensor) {
	if log {
		p := y.Exp()
		if needG {
			gG = gg.Sub(gg.Mul(p).SumKeep(a))
		}
		if needY {
			gy = gg.Mul(p).Mul(g.SumKeep(a)).Neg()
		}
		return gy, gG
	}
	if needG {
		gG = softmaxBackwardData(y, gg, a, false)
	}
	if needY {
		gy = gg.Mul(g.Sub(g.Mul(y).SumKeep(a))).Sub(g.Mul(gg.Mul(y).SumKeep(a)))
	}
	return gy, gG
}
