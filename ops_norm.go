package ember

import (
	"fmt"
	"slices"

	"github.com/emberdl/ember/backend"
)

// checkNormShape panics unless x ends with normalizedShape and weight and
// bias (when given) have that shape; it returns the normalised size.
func checkNormShape(op string, x *Tensor, normalizedShape []int, weight, bias *Tensor) int {
	k := len(normalizedShape)
	if k == 0 {
		panic(&ValueError{Op: op, Msg: "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = []"})
	}
	if x.Dim() < k || !slices.Equal(x.shape[x.Dim()-k:], normalizedShape) {
		panic(shapeErr(op, fmt.Sprintf("Given normalized_shape=%v, expected input with shape [*, %v], but got input of size%v", normalizedShape, shapeStr(normalizedShape), x.shape), normalizedShape, x.shape))
	}
	for _, p := range []struct {
		name string
		t    *Tensor
	}{{"weight", weight}, {"bias", bias}} {
		if p.t != nil && !slices.Equal(p.t.shape, normalizedShape) {
			panic(shapeErr(op, fmt.Sprintf("Expected %s to be of same shape as normalized_shape, but got %s of shape %v and normalized_shape = %v", p.name, p.name, p.t.shape, normalizedShape), p.t.shape, normalizedShape))
		}
	}
	return backend.Numel(normalizedShape)
}

// LayerNorm normalises x over its trailing dimensions normalizedShape to
// zero mean and unit (biased) variance, then scales by weight and adds bias
// (either may be nil), like torch.nn.functional.layer_norm. eps is added
// to the variance (PyTorch's default is 1e-5). It runs on the backend's
// fused kernels; derivatives of any order are available.
func LayerNorm(x *Tensor, normalizedShape []int, weight, bias *Tensor, eps float64) *Tensor {
	const op = "layer_norm"
	x, weight, bias = autocast3(op, x, weight, bias)
	checkFloatOperands(op, x, weight, bias)
	checkNormShape(op, x, normalizedShape, weight, bias)
	y, _, _ := layerNorm(x, normalizedShape, weight, bias, eps)
	return y
}

// optView is the backend view of an optional tensor (a nil Buf for none).
func optView(t *Tensor) backend.View {
	if t == nil {
		return backend.View{}
	}
	return t.view()
}

// castOpt casts an optional tensor without recording.
func castOpt(t *Tensor, dt DType) *Tensor {
	if t == nil {
		return nil
	}
	return t.castNoGrad(dt)
}

// layerNorm normalises x over its trailing dimensions normShape with the
// fused kernel, returning the recorded result and the per-row mean and
// reciprocal standard deviation (unrecorded, in the compute dtype).
func layerNorm(x *Tensor, normShape []int, weight, bias *Tensor, eps float64) (y, mean, rstd *Tensor) {
	dt := x.computeDType()
	rows := backend.Numel(x.shape[:x.Dim()-len(normShape)])
	y = x.alloc(dt, x.shape)
	mean, rstd = x.alloc(dt, []int{rows}), x.alloc(dt, []int{rows})
	x.be().LayerNorm(y.view(), mean.view(), rstd.view(), x.castNoGrad(dt).view(), optView(castOpt(weight, dt)), optView(castOpt(bias, dt)), eps)
	y = y.castNoGrad(x.dtype)
	if r := track(x, weight, bias); r != nil {
		r.record(y, "NativeLayerNormBackward0", func(g *Tensor) []*Tensor {
			dx, dw, db := layerNormBackward(g, x, weight, mean, rstd, normShape, eps, r.needs(0), r.needs(1), r.needs(2))
			return []*Tensor{dx, dw, db}
		}, x, weight)
	}
	return y, mean, rstd
}

// layerNormBackward runs the fused backward kernel for the gradients that
// are needed. When the backward itself is being recorded (CreateGraph),
// each result gets a node whose gradients are composed from ember ops, so
// the backward can be differentiated again, to any order.
func layerNormBackward(g, x, w, mean, rstd *Tensor, normShape []int, eps float64, needX, needW, needB bool) (dx, dw, db *Tensor) {
	dt := x.computeDType()
	d := backend.Numel(normShape)
	var dxv, dwv, dbv backend.View
	if needX {
		dx = x.alloc(dt, x.shape)
		dxv = dx.view()
	}
	if needW {
		dw = x.alloc(dt, normShape)
		dwv = dw.view()
	}
	if needB {
		db = x.alloc(dt, normShape)
		dbv = db.view()
	}
	x.be().LayerNormBackward(dxv, dwv, dbv, g.castNoGrad(dt).view(), x.castNoGrad(dt).view(), mean.view(), rstd.view(), optView(castOpt(w, dt)))
	ln := lnGeom{x: x, w: w, rows: mean.Numel(), d: d, eps: eps}
	if dx != nil {
		dx = dx.castNoGrad(x.dtype)
		if r := track(g, x, w); r != nil {
			r.record(dx, "NativeLayerNormBackwardBackward0", func(gx *Tensor) []*Tensor {
				return ln.dxBackward(g, gx, r.needs(0), r.needs(1), r.needs(2))
			}, g, x, w)
		}
	}
	if dw != nil {
		dw = dw.castNoGrad(w.dtype)
		if r := track(g, x); r != nil {
			r.record(dw, "NativeLayerNormBackwardBackward0", func(gw *Tensor) []*Tensor {
				return ln.dwBackward(g, gw, r.needs(0), r.needs(1))
			}, g, x)
		}
	}
	if db != nil {
		db = db.castNoGrad(x.dtype)
		if r := track(g); r != nil {
			r.record(db, "NativeLayerNormBackwardBackward0", func(gb *Tensor) []*Tensor {
				return []*Tensor{gb.Reshape(1, d).Expand(ln.rows, d).Reshape(g.shape...)}
			})
		}
	}
	return dx, dw, db
}

// lnGeom holds what the composed layer-norm double backward needs. Rows
// are the leading elements of x, each of d normalised values.
type lnGeom struct {
	x, w    *Tensor
	rows, d int
	eps     float64
}

// stats recomputes, with recorded ops, the row-wise reciprocal standard
// deviation r [rows, 1] and normalised input xh [rows, d].
func (l lnGeom) stats() (r, xh *Tensor) {
	x2 := l.rowsOf(l.x)
	xc := x2.Sub(x2.MeanKeep(1))
	r = xc.Square().MeanKeep(1).AddScalar(l.eps).Rsqrt()
	return r, xc.Mul(r)
}

// rowsOf reshapes a tensor of x's shape to [rows, d].
func (l lnGeom) rowsOf(t *Tensor) *Tensor { return t.Reshape(l.rows, l.d) }

// project applies the layer-norm backward without weight to u [rows, d]:
// r*(u - mean(u) - xh*mean(u*xh)).
func project(u, r, xh *Tensor) *Tensor {
	return u.Sub(u.MeanKeep(1)).Sub(xh.Mul(u.Mul(xh).MeanKeep(1))).Mul(r)
}

// dxBackward returns the gradients of <dx, gx> with respect to the output
// gradient g, x and the weight, where dx = r*P(w*g) is the input gradient
// of layer norm (P the projection of project).
func (l lnGeom) dxBackward(g, gx *Tensor, needG, needX, needW bool) []*Tensor {
	r, xh := l.stats()
	g2, gx2 := l.rowsOf(g), l.rowsOf(gx)
	a := g2
	var w2 *Tensor
	if l.w != nil {
		w2 = l.w.Reshape(1, l.d)
		a = g2.Mul(w2)
	}
	var dg, dxx, dw *Tensor
	t := project(gx2, r, xh)
	if needG {
		dg = t
		if w2 != nil {
			dg = t.Mul(w2)
		}
		dg = dg.Reshape(g.shape...)
	}
	if needW && l.w != nil {
		dw = g2.Mul(t).Sum(0).Reshape(l.w.shape...)
	}
	if needX {
		// L = r*(<a,gx> - mean(a)*sum(gx) - m*q) per row with m = mean(a*xh)
		// and q = <xh,gx>: push dL/dxh = u and dL/dr = s back through
		// xh = (x-mu)*r and r = (var+eps)^-1/2.
		m := a.Mul(xh).MeanKeep(1)
		q := xh.Mul(gx2).SumKeep(1)
		u := a.Mul(q).MulScalar(1 / float64(l.d)).Add(gx2.Mul(m)).Mul(r).Neg()
		s := gx2.Mul(a.Sub(a.MeanKeep(1)).Sub(xh.Mul(m))).SumKeep(1)
		dxx = project(u, r, xh).Sub(xh.Mul(r.Square().Mul(s)).MulScalar(1 / float64(l.d))).Reshape(l.x.shape...)
	}
	return []*Tensor{dg, dxx, dw}
}

// dwBackward returns the gradients of <dw, gw> with respect to g and x,
// where dw = sum over rows of g*xh.
func (l lnGeom) dwBackward(g, gw *Tensor, needG, needX bool) []*Tensor {
	r, xh := l.stats()
	gw2 := gw.Reshape(1, l.d)
	var dg, dxx *Tensor
	if needG {
		dg = xh.Mul(gw2).Reshape(g.shape...)
	}
	if needX {
		dxx = project(l.rowsOf(g).Mul(gw2), r, xh).Reshape(l.x.shape...)
	}
	return []*Tensor{dg, dxx}
}

// upcast returns t in float32 when it is a half type (for composed
// normalisations that should not round every step to 16 bits).
func upcast(t *Tensor) *Tensor {
	if t != nil && t.dtype.IsHalf() {
		return t.To(Float32)
	}
	return t
}

// RMSNorm divides x by the root mean square of its trailing dimensions
// normalizedShape (plus eps inside the root) and scales by weight (nil for
// none), like torch.nn.functional.rms_norm.
func RMSNorm(x *Tensor, normalizedShape []int, weight *Tensor, eps float64) *Tensor {
	const op = "rms_norm"
	x, weight = autocast2(op, x, weight)
	checkFloatOperands(op, x, weight)
	checkNormShape(op, x, normalizedShape, weight, nil)
	axes := make([]int, len(normalizedShape))
	for i := range axes {
		axes[i] = x.Dim() - len(normalizedShape) + i
	}
	xf := upcast(x)
	y := xf.Mul(xf.Square().MeanKeep(axes...).AddScalar(eps).Rsqrt())
	if weight != nil {
		y = y.Mul(upcast(weight))
	}
	return y.To(x.dtype)
}

// channelShape returns [1, C, 1, ...] for broadcasting a per-channel
// tensor over x [N, C, *].
func channelShape(x *Tensor) []int {
	s := make([]int, x.Dim())
	for i := range s {
		s[i] = 1
	}
	s[1] = x.shape[1]
	return s
}

// affine scales and shifts x [N, C, *] per channel (weight, bias optional).
func affine(x, weight, bias *Tensor) *Tensor {
	cs := channelShape(x)
	if weight != nil {
		x = x.Mul(weight.Reshape(cs...))
	}
	if bias != nil {
		x = x.Add(bias.Reshape(cs...))
	}
	return x
}

// checkChannelParams panics unless each given tensor is [C].
func checkChannelParams(op string, c int, params map[string]*Tensor) {
	for _, name := range []string{"weight", "bias", "running_mean", "running_var"} {
		if t := params[name]; t != nil && (t.Dim() != 1 || t.shape[0] != c) {
			panic(shapeErr(op, fmt.Sprintf("expected %s to have %d elements (one per channel), but got %s of shape %v", name, c, name, t.shape), t.shape))
		}
	}
}

// GroupNorm normalises x [N, C, *] over groups of C/groups channels (and
// all spatial positions) per sample, then scales and shifts each channel
// by weight and bias [C] (either may be nil), like
// torch.nn.functional.group_norm (PyTorch's default eps is 1e-5).
func GroupNorm(x *Tensor, groups int, weight, bias *Tensor, eps float64) *Tensor {
	const op = "group_norm"
	x, weight, bias = autocast3(op, x, weight, bias)
	checkFloatOperands(op, x, weight, bias)
	if x.Dim() < 2 {
		panic(shapeErr(op, fmt.Sprintf("Expected at least 2 dimensions for input tensor but received %d", x.Dim()), x.shape))
	}
	c := x.shape[1]
	if groups <= 0 || c%groups != 0 {
		panic(shapeErr(op, fmt.Sprintf("Expected number of channels in input to be divisible by num_groups, but got input of shape %v and num_groups=%d", x.shape, groups), x.shape))
	}
	checkChannelParams(op, c, map[string]*Tensor{"weight": weight, "bias": bias})
	m := backend.Numel(x.shape[1:]) / groups
	y, _, _ := layerNorm(x.Reshape(x.shape[0], groups, m), []int{m}, nil, nil, eps)
	return affine(y.Reshape(x.shape...), weight, bias)
}

// BatchNorm normalises x [N, C], [N, C, L] or [N, C, H, W] (any N, C, *)
// per channel, like torch.nn.functional.batch_norm. In training mode it
// uses the batch statistics (biased variance) and, when runningMean and
// runningVar are given, updates them in place:
// running = (1-momentum)*running + momentum*batch, with the unbiased batch
// variance. In evaluation mode it uses the running statistics, which must
// be given. weight and bias [C] may be nil.
func BatchNorm(x, runningMean, runningVar, weight, bias *Tensor, training bool, momentum, eps float64) *Tensor {
	const op = "batch_norm"
	x, weight, bias = autocast3(op, x, weight, bias)
	checkFloatOperands(op, x, weight, bias)
	sameDevice(op, nonNil(x, runningMean, runningVar)...)
	if x.Dim() < 2 {
		panic(shapeErr(op, fmt.Sprintf("expected an input of at least 2 dimensions [N, C, *], got input of size %v", x.shape), x.shape))
	}
	c := x.shape[1]
	checkChannelParams(op, c, map[string]*Tensor{"weight": weight, "bias": bias, "running_mean": runningMean, "running_var": runningVar})
	if (runningMean == nil) != (runningVar == nil) {
		panic(&ValueError{Op: op, Msg: "running_mean and running_var must both be given or both be nil"})
	}
	for _, t := range []*Tensor{runningMean, runningVar} {
		if t != nil && !t.dtype.IsFloat() {
			panic(&DTypeError{Op: op, Msg: "running statistics must be floating point, got " + t.dtype.String()})
		}
	}
	if !training {
		if runningMean == nil {
			panic(&ValueError{Op: op, Msg: "running_mean must be defined in evaluation mode"})
		}
		cs := channelShape(x)
		xf := upcast(x)
		rm, rv := runningMean.Reshape(cs...).To(xf.dtype), runningVar.Reshape(cs...).To(xf.dtype)
		y := xf.Sub(rm).Mul(rv.AddScalar(eps).Rsqrt())
		return affine(y, upcast(weight), upcast(bias)).To(x.dtype)
	}
	m := x.Numel() / max(c, 1)
	if m <= 1 {
		panic(&ValueError{Op: op, Msg: fmt.Sprintf("Expected more than 1 value per channel when training, got input size %v", x.shape)})
	}
	// Channels become rows of one layer norm over [C, N*spatial].
	perm := append([]int{1, 0}, rangeInts(2, x.Dim())...)
	xt := x.Permute(perm...).Reshape(c, m)
	y, mean, _ := layerNorm(xt, []int{m}, nil, nil, eps)
	tshape := make([]int, x.Dim())
	for i, p := range perm {
		tshape[i] = x.shape[p]
	}
	out := affine(y.Reshape(tshape...).Permute(perm...), weight, bias)
	if runningMean != nil {
		// Computed on detached values: nothing here is recorded.
		unbiased := xt.Detach().castNoGrad(mean.dtype).Var(1, 1)
		md := mean.Detach()
		updateInPlace(runningMean, runningMean.Detach().castNoGrad(mean.dtype).MulScalar(1-momentum).Add(md.MulScalar(momentum)))
		updateInPlace(runningVar, runningVar.Detach().castNoGrad(mean.dtype).MulScalar(1-momentum).Add(unbiased.MulScalar(momentum)))
	}
	return out
}

// rangeInts returns lo, lo+1, ..., hi-1.
func rangeInts(lo, hi int) []int {
	out := make([]int, 0, max(hi-lo, 0))
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// nonNil returns the tensors that are not nil.
func nonNil(ts ...*Tensor) []*Tensor {
	var out []*Tensor
	for _, t := range ts {
		if t != nil {
			out = append(out, t)
		}
	}
	return out
}

// updateInPlace writes src (converted to dst's dtype) into dst's memory
// and bumps its version, as PyTorch's in-place running-statistics update.
func updateInPlace(dst, src *Tensor) {
	dst.be().Copy(dst.view(), src.view())
	dst.st.version++
}
