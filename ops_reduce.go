package ember

import (
	"fmt"
	"math"
	"slices"

	"github.com/emberdl/ember/backend"
)

// normAxes resolves reduction axes: none means all; negatives count from
// the end; repeats are an error.
func normAxes(op string, axes []int, rank int) []int {
	if len(axes) == 0 {
		out := make([]int, rank)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, 0, len(axes))
	seen := make([]bool, max(rank, 1))
	for _, a := range axes {
		a = normAxis(op, a, rank)
		if seen[a] {
			panic(&ValueError{Op: op, Msg: fmt.Sprintf("dim %d appears multiple times in the list of dims", a)})
		}
		seen[a] = true
		if rank > 0 {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

// keptShape returns shape with the axes set to 1.
func keptShape(shape, axes []int) []int {
	out := slices.Clone(shape)
	for _, a := range axes {
		out[a] = 1
	}
	return out
}

// dropAxes returns shape without the axes.
func dropAxes(shape, axes []int) []int {
	out := []int{}
	for i, s := range shape {
		if !slices.Contains(axes, i) {
			out = append(out, s)
		}
	}
	return out
}

// reduceRaw runs a reduction kernel without recording, returning the
// keepdim-shaped result.
func (t *Tensor) reduceRaw(op backend.ReduceOp, axes []int, outDT DType) *Tensor {
	src := t
	if !t.be().SupportsMath(t.dtype) {
		src = t.castNoGrad(Float32)
	}
	res := t.alloc(outDT, keptShape(t.shape, axes))
	if !t.be().SupportsMath(outDT) {
		tmp := t.alloc(Float32, res.shape)
		t.be().Reduce(op, tmp.view(), src.view(), axes)
		t.be().Copy(res.view(), tmp.view())
		return res
	}
	if t.Numel() == 0 {
		init := map[backend.ReduceOp]float64{backend.Sum: 0, backend.Prod: 1, backend.All: 1, backend.Any: 0}
		v, ok := init[op]
		if !ok {
			panic(&ValueError{Op: "max/min", Msg: "cannot reduce an empty tensor along a dimension of size 0 without an identity"})
		}
		t.be().Fill(res.view(), v)
		return res
	}
	t.be().Reduce(op, res.view(), src.view(), axes)
	return res
}

// finishReduce reshapes a keepdim result when keep is false.
func finishReduce(r *Tensor, shape, axes []int, keep bool) *Tensor {
	if keep {
		return r
	}
	return r.Reshape(dropAxes(shape, axes)...)
}

// expandGrad brings an output gradient back to the input shape.
func expandGrad(g *Tensor, inShape, axes []int, keep bool) *Tensor {
	if !keep {
		g = g.Reshape(keptShape(inShape, axes)...)
	}
	return g.Expand(inShape...)
}

func (t *Tensor) sum(axes []int, keep bool) *Tensor {
	axes = normAxes("sum", axes, t.Dim())
	outDT := t.dtype
	if !outDT.IsFloat() {
		outDT = Int64
	}
	out := finishReduce(t.reduceRaw(backend.Sum, axes, outDT), t.shape, axes, keep)
	if r := track(t); r != nil {
		in := t.shape
		r.record(out, "SumBackward1", func(g *Tensor) []*Tensor { return []*Tensor{expandGrad(g, in, axes, keep)} })
	}
	return out
}

// Sum adds the elements over the given axes (all axes when none), dropping
// them. Integer and bool tensors sum to int64.
func (t *Tensor) Sum(axes ...int) *Tensor { return autocast1("sum", t).sum(axes, false) }

// SumKeep is Sum keeping the reduced axes with size 1 (keepdim=True).
func (t *Tensor) SumKeep(axes ...int) *Tensor { return autocast1("sum", t).sum(axes, true) }

func (t *Tensor) mean(axes []int, keep bool) *Tensor {
	if !t.dtype.IsFloat() {
		panic(&DTypeError{Op: "mean", Msg: "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: " + t.dtype.String()})
	}
	ax := normAxes("mean", axes, t.Dim())
	n := 1
	for _, a := range ax {
		n *= t.shape[a]
	}
	return t.sum(axes, keep).MulScalar(1 / float64(n))
}

// Mean averages over the given axes (all when none). It needs a float
// tensor, as in PyTorch.
func (t *Tensor) Mean(axes ...int) *Tensor { return t.mean(axes, false) }

// MeanKeep is Mean keeping the reduced axes.
func (t *Tensor) MeanKeep(axes ...int) *Tensor { return t.mean(axes, true) }

func (t *Tensor) prod(axes []int, keep bool) *Tensor {
	axes = normAxes("prod", axes, t.Dim())
	outDT := t.dtype
	if !outDT.IsFloat() {
		outDT = Int64
	}
	out := finishReduce(t.reduceRaw(backend.Prod, axes, outDT), t.shape, axes, keep)
	if r := track(t); r != nil {
		r.record(out, "ProdBackward1", func(g *Tensor) []*Tensor {
			return []*Tensor{prodGrad(t, g, axes, keep)}
		}, t)
	}
	return out
}

// prodGrad is the gradient of a product: for each element, the product of
// the others (exact with zeros), via exclusive cumulative products.
func prodGrad(x, g *Tensor, axes []int, keep bool) *Tensor {
	if x.Numel() == 0 {
		return ZerosLike(x)
	}
	// Move the reduced axes last and flatten them.
	var perm []int
	for i := range x.shape {
		if !slices.Contains(axes, i) {
			perm = append(perm, i)
		}
	}
	perm = append(perm, axes...)
	xp := x.Permute(perm...)
	kept := dropAxes(x.shape, axes)
	n := 1
	for _, a := range axes {
		n *= x.shape[a]
	}
	flat := xp.Reshape(append(slices.Clone(kept), n)...)
	ones := OnesLike(flat.Narrow(-1, 0, 1))
	left := Cat([]*Tensor{ones, flat.Narrow(-1, 0, n-1).Cumprod(-1)}, -1)
	rev := flat.Flip(-1)
	right := Cat([]*Tensor{ones, rev.Narrow(-1, 0, n-1).Cumprod(-1)}, -1).Flip(-1)
	others := left.Mul(right)
	gk := g
	if keep {
		gk = g.Reshape(kept...)
	}
	res := others.Mul(gk.Unsqueeze(-1))
	permShape := make([]int, len(perm))
	for i, p := range perm {
		permShape[i] = x.shape[p]
	}
	inv := make([]int, len(perm))
	for i, p := range perm {
		inv[p] = i
	}
	return res.Reshape(permShape...).Permute(inv...)
}

// Prod multiplies the elements over the given axes (all when none).
func (t *Tensor) Prod(axes ...int) *Tensor { return autocast1("prod", t).prod(axes, false) }

// ProdKeep is Prod keeping the reduced axes.
func (t *Tensor) ProdKeep(axes ...int) *Tensor { return autocast1("prod", t).prod(axes, true) }

func (t *Tensor) extreme(op backend.ReduceOp, name string, axes []int, keep bool) *Tensor {
	axes = normAxes(name, axes, t.Dim())
	for _, a := range axes {
		if t.shape[a] == 0 {
			panic(&ValueError{Op: name, Msg: fmt.Sprintf("expected reduction dim %d to have non-zero size", a)})
		}
	}
	if t.dtype == Bool {
		bop := backend.All
		if op == backend.Max {
			bop = backend.Any
		}
		return finishReduce(t.reduceRaw(bop, axes, Bool), t.shape, axes, keep)
	}
	kept := t.reduceRaw(op, axes, t.dtype)
	out := finishReduce(kept, t.shape, axes, keep)
	if r := track(t); r != nil {
		r.record(out, name, func(g *Tensor) []*Tensor {
			// Share the gradient equally among tied extremes.
			mask := maskOf(t.Eq(kept), g)
			cnt := mask.SumKeep(axes...)
			return []*Tensor{expandGrad(g, t.shape, axes, keep).Mul(mask).Div(cnt)}
		}, t)
	}
	return out
}

// Amax returns the maximum over the given axes (all when none); NaN
// propagates. The gradient is shared equally among tied maxima.
func (t *Tensor) Amax(axes ...int) *Tensor {
	return t.extreme(backend.Max, "AmaxBackward0", axes, false)
}

// AmaxKeep is Amax keeping the reduced axes.
func (t *Tensor) AmaxKeep(axes ...int) *Tensor {
	return t.extreme(backend.Max, "AmaxBackward0", axes, true)
}

// Amin returns the minimum over the given axes (all when none).
func (t *Tensor) Amin(axes ...int) *Tensor {
	return t.extreme(backend.Min, "AminBackward0", axes, false)
}

// AminKeep is Amin keeping the reduced axes.
func (t *Tensor) AminKeep(axes ...int) *Tensor {
	return t.extreme(backend.Min, "AminBackward0", axes, true)
}

// Max returns the largest element (a scalar), like torch.max(x).
func (t *Tensor) Max() *Tensor { return t.extreme(backend.Max, "MaxBackward1", nil, false) }

// Min returns the smallest element (a scalar).
func (t *Tensor) Min() *Tensor { return t.extreme(backend.Min, "MinBackward1", nil, false) }

// argRaw returns the keepdim int64 indices of the first extreme along axis.
func (t *Tensor) argRaw(op backend.ArgOp, name string, axis int) *Tensor {
	if t.Dim() > 0 && t.shape[axis] == 0 {
		panic(&ValueError{Op: name, Msg: "cannot perform reduction function on a dimension of size 0"})
	}
	src := t
	if !t.be().SupportsMath(t.dtype) || t.dtype == Bool {
		src = t.castNoGrad(Float32)
	}
	shape := slices.Clone(t.shape)
	if len(shape) == 0 {
		return Zeros(nil, Int64, t.st.dev)
	}
	shape[axis] = 1
	out := t.alloc(Int64, shape)
	t.be().ArgReduce(op, out.view(), src.view(), axis)
	return out
}

func (t *Tensor) extremeDim(op backend.ArgOp, name string, axis int, keep bool) (values, indices *Tensor) {
	axis = normAxis(name, axis, t.Dim())
	if t.Dim() == 0 {
		return t.Clone(), Zeros(nil, Int64, t.st.dev)
	}
	kidx := t.argRaw(op, name, axis)
	var vals *Tensor
	vals = t.Detach().Gather(axis, kidx)
	if r := track(t); r != nil {
		r.record(vals, name, func(g *Tensor) []*Tensor {
			return []*Tensor{ZerosLike(t, t.dtype).scatterOp(axis, kidx, g, true, "ScatterAddBackward0")}
		})
	}
	if !keep {
		return vals.Squeeze(axis), kidx.Squeeze(axis)
	}
	return vals, kidx
}

// MaxDim returns the maxima along axis and their indices (the first one
// where several are equal), like torch.max(x, dim).
func (t *Tensor) MaxDim(axis int, keep bool) (values, indices *Tensor) {
	return t.extremeDim(backend.ArgMax, "MaxBackward0", axis, keep)
}

// MinDim returns the minima along axis and their indices.
func (t *Tensor) MinDim(axis int, keep bool) (values, indices *Tensor) {
	return t.extremeDim(backend.ArgMin, "MinBackward0", axis, keep)
}

func (t *Tensor) argExt(op backend.ArgOp, name string, axes []int, keep bool) *Tensor {
	switch len(axes) {
	case 0:
		flat := t.Reshape(-1)
		r := flat.argRaw(op, name, 0).Reshape()
		if keep {
			r = r.Reshape(keptShape(t.shape, normAxes(name, nil, t.Dim()))...)
		}
		return r
	case 1:
		if t.Dim() == 0 {
			normAxis(name, axes[0], 0)
			return Zeros(nil, Int64, t.st.dev)
		}
		a := normAxis(name, axes[0], t.Dim())
		r := t.argRaw(op, name, a)
		if !keep {
			r = r.Squeeze(a)
		}
		return r
	}
	panic(&ValueError{Op: name, Msg: "takes at most one axis"})
}

// Argmax returns the index of the maximum: of the flattened tensor when no
// axis is given, else along that axis (int64).
func (t *Tensor) Argmax(axis ...int) *Tensor { return t.argExt(backend.ArgMax, "argmax", axis, false) }

// ArgmaxKeep is Argmax keeping the reduced axis.
func (t *Tensor) ArgmaxKeep(axis ...int) *Tensor {
	return t.argExt(backend.ArgMax, "argmax", axis, true)
}

// Argmin returns the index of the minimum.
func (t *Tensor) Argmin(axis ...int) *Tensor { return t.argExt(backend.ArgMin, "argmin", axis, false) }

// ArgminKeep is Argmin keeping the reduced axis.
func (t *Tensor) ArgminKeep(axis ...int) *Tensor {
	return t.argExt(backend.ArgMin, "argmin", axis, true)
}

func (t *Tensor) variance(correction int, axes []int, keep bool) *Tensor {
	if !t.dtype.IsFloat() {
		panic(&DTypeError{Op: "var", Msg: "std and var only support floating point and complex dtypes"})
	}
	ax := normAxes("var", axes, t.Dim())
	n := 1
	for _, a := range ax {
		n *= t.shape[a]
	}
	d := t.Sub(t.MeanKeep(ax...))
	return d.Square().sum(ax, keep).MulScalar(1 / float64(max(n-correction, 0)))
}

// Var returns the variance over the given axes (all when none), dividing by
// N - correction (PyTorch's default correction is 1, Bessel's).
func (t *Tensor) Var(correction int, axes ...int) *Tensor { return t.variance(correction, axes, false) }

// VarKeep is Var keeping the reduced axes.
func (t *Tensor) VarKeep(correction int, axes ...int) *Tensor {
	return t.variance(correction, axes, true)
}

// Std returns the standard deviation (see Var).
func (t *Tensor) Std(correction int, axes ...int) *Tensor {
	return t.variance(correction, axes, false).Sqrt()
}

// StdKeep is Std keeping the reduced axes.
func (t *Tensor) StdKeep(correction int, axes ...int) *Tensor {
	return t.variance(correction, axes, true).Sqrt()
}

func (t *Tensor) norm(p float64, axes []int, keep bool) *Tensor {
	if !t.dtype.IsFloat() {
		panic(&DTypeError{Op: "norm", Msg: "norm(): input dtype should be floating point, got " + t.dtype.String()})
	}
	switch {
	case p == 2:
		s := t.Square().sum(axes, keep)
		out := s.Sqrt()
		return out
	case p == 1:
		return t.Abs().sum(axes, keep)
	case math.IsInf(p, 1):
		return t.Abs().extreme(backend.Max, "AmaxBackward0", axes, keep)
	case math.IsInf(p, -1):
		return t.Abs().extreme(backend.Min, "AminBackward0", axes, keep)
	case p == 0:
		return maskOf(t.Ne(t.sc(0)), t).sum(axes, keep)
	}
	return t.Abs().PowScalar(p).sum(axes, keep).PowScalar(1 / p)
}

// Norm returns the vector p-norm over the given axes (all when none): p may
// be 1, 2, any positive number, math.Inf(1) or math.Inf(-1).
func (t *Tensor) Norm(p float64, axes ...int) *Tensor {
	return autocast1("norm", t).norm(p, axes, false)
}

// NormKeep is Norm keeping the reduced axes.
func (t *Tensor) NormKeep(p float64, axes ...int) *Tensor {
	return autocast1("norm", t).norm(p, axes, true)
}

func (t *Tensor) logSumExp(axes []int, keep bool) *Tensor {
	x := t
	if !x.dtype.IsFloat() {
		x = x.To(DefaultDType())
	}
	ax := normAxes("logsumexp", axes, x.Dim())
	// The shift is a constant for autograd: computed from detached values.
	m := x.Detach().AmaxKeep(ax...)
	// Rows of -Inf (or all +Inf) would give NaN: shift by 0 there.
	m = Where(m.IsInf(), ZerosLike(m), m)
	out := x.Sub(m).Exp().sum(ax, true).Log().Add(m)
	if !keep {
		out = out.Reshape(dropAxes(x.shape, ax)...)
	}
	return out
}

// LogSumExp returns log(sum(exp(t))) over the axes, computed stably.
func (t *Tensor) LogSumExp(axes ...int) *Tensor {
	return autocast1("logsumexp", t).logSumExp(axes, false)
}

// LogSumExpKeep is LogSumExp keeping the reduced axes.
func (t *Tensor) LogSumExpKeep(axes ...int) *Tensor {
	return autocast1("logsumexp", t).logSumExp(axes, true)
}

func (t *Tensor) boolReduce(op backend.ReduceOp, axes []int, keep bool) *Tensor {
	ax := normAxes(op2name(op), axes, t.Dim())
	b := t.castNoGrad(Bool)
	return finishReduce(b.reduceRaw(op, ax, Bool), t.shape, ax, keep)
}

func op2name(op backend.ReduceOp) string {
	if op == backend.All {
		return "all"
	}
	return "any"
}

// All reports whether every element (over the axes, or all) is non-zero.
func (t *Tensor) All(axes ...int) *Tensor { return t.boolReduce(backend.All, axes, false) }

// AllKeep is All keeping the reduced axes.
func (t *Tensor) AllKeep(axes ...int) *Tensor { return t.boolReduce(backend.All, axes, true) }

// Any reports whether some element (over the axes, or all) is non-zero.
func (t *Tensor) Any(axes ...int) *Tensor { return t.boolReduce(backend.Any, axes, false) }

// AnyKeep is Any keeping the reduced axes.
func (t *Tensor) AnyKeep(axes ...int) *Tensor { return t.boolReduce(backend.Any, axes, true) }

func (t *Tensor) cumulative(op backend.CumOp, name string, axis int) *Tensor {
	if c := autocast1(name, t); c != t {
		return c.cumulative(op, name, axis)
	}
	if t.Dim() == 0 {
		normAxis(name, axis, 0)
		return t.Clone()
	}
	a := normAxis(name, axis, t.Dim())
	dt := t.dtype
	if !dt.IsFloat() {
		dt = Int64
	}
	comp := dt
	if !t.be().SupportsMath(comp) {
		comp = Float32
	}
	x := t.castNoGrad(comp)
	out := t.alloc(comp, t.shape)
	t.be().Cumulative(op, out.view(), x.view(), a)
	out = out.castNoGrad(dt)
	if r := track(t); r != nil {
		if op == backend.CumSum {
			r.record(out, "CumsumBackward0", func(g *Tensor) []*Tensor {
				return []*Tensor{g.Flip(a).Cumsum(a).Flip(a)}
			})
		} else {
			r.record(out, "CumprodBackward0", func(g *Tensor) []*Tensor {
				return []*Tensor{cumprodGrad(t, out, g, a)}
			}, t, out)
		}
	}
	return out
}

// cumprodGrad: d out_k / d x_i = prod_{j<=k, j!=i} x_j for k >= i. Without
// zeros that is out_k / x_i; with zeros it is computed exactly by
// replacing x_i with 1 in turn (quadratic in the axis length).
func cumprodGrad(x, out, g *Tensor, a int) *Tensor {
	if x.Detach().Eq(x.sc(0)).Any().Item() == 0 {
		return g.Mul(out).Flip(a).Cumsum(a).Flip(a).Div(x)
	}
	n := x.shape[a]
	xa := x.Transpose(a, -1) // [..., n]
	ga := g.Transpose(a, -1)
	eye := Eye(n, x.dtype, x.st.dev).Bool()
	// rep[..., i, j] = x_j with x_i replaced by 1.
	rep := Where(eye, OnesLike(xa.Unsqueeze(-2)), xa.Unsqueeze(-2).Expand(append(slices.Clone(xa.shape[:xa.Dim()-1]), n, n)...))
	cp := rep.Cumprod(-1) // [..., i, k]
	tri := Ones([]int{n, n}, x.dtype, x.st.dev).Triu(0)
	res := cp.Mul(tri).Mul(ga.Unsqueeze(-2)).Sum(-1)
	return res.Transpose(a, -1)
}

// Cumsum returns running sums along axis.
func (t *Tensor) Cumsum(axis int) *Tensor { return t.cumulative(backend.CumSum, "cumsum", axis) }

// Cumprod returns running products along axis.
func (t *Tensor) Cumprod(axis int) *Tensor { return t.cumulative(backend.CumProd, "cumprod", axis) }

// Bool returns t converted to bool (non-zero is true).
func (t *Tensor) Bool() *Tensor { return t.castNoGrad(Bool) }
