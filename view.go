package ember

import (
	"fmt"
	"slices"

	"github.com/emberdl/ember/backend"
)

// asView returns a tensor sharing t's memory with a new layout.
func (t *Tensor) asView(shape, strides []int, offset int) *Tensor {
	v := newTensor(t.st, t.dtype, shape, strides, offset)
	v.isView = true
	return v
}

// inferShape resolves one -1 in shape against n elements.
func inferShape(op string, shape []int, n int) []int {
	out := slices.Clone(shape)
	infer := -1
	known := 1
	for i, s := range out {
		switch {
		case s == -1:
			if infer >= 0 {
				panic(shapeErr(op, "only one dimension can be inferred", shape))
			}
			infer = i
		case s < 0:
			panic(shapeErr(op, fmt.Sprintf("invalid shape dimension %d", s), shape))
		default:
			known *= s
		}
	}
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			panic(shapeErr(op, fmt.Sprintf("shape %v is invalid for input of size %d", shape, n), shape))
		}
		out[infer] = n / known
	} else if known != n {
		panic(shapeErr(op, fmt.Sprintf("shape %v is invalid for input of size %d", shape, n), shape))
	}
	return out
}

// viewStrides returns strides that let newShape view memory laid out as
// (shape, strides), or false when a copy is needed (PyTorch's rule).
func viewStrides(shape, strides, newShape []int) ([]int, bool) {
	n := backend.Numel(shape)
	if n == 0 || backend.IsContiguous(shape, strides) {
		return backend.ContiguousStrides(newShape), true
	}
	out := make([]int, len(newShape))
	viewD := len(newShape) - 1
	chunkBase := 0
	tensorNumel, viewNumel := 1, 1
	if len(shape) > 0 {
		chunkBase = strides[len(shape)-1]
	}
	for d := len(shape) - 1; d >= 0; d-- {
		tensorNumel *= shape[d]
		if d == 0 || (shape[d-1] != 1 && strides[d-1] != tensorNumel*chunkBase) {
			for viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1) {
				out[viewD] = viewNumel * chunkBase
				viewNumel *= newShape[viewD]
				viewD--
			}
			if viewNumel != tensorNumel {
				return nil, false
			}
			if d > 0 {
				chunkBase = strides[d-1]
				tensorNumel, viewNumel = 1, 1
			}
		}
	}
	if viewD != -1 {
		return nil, false
	}
	return out, true
}

// Reshape returns t with a new shape holding the same elements in row-major
// order: a view when the layout allows, else a copy. One size may be -1.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	shape = inferShape("reshape", shape, t.Numel())
	if slices.Equal(shape, t.shape) {
		return t.viewOp(shape, t.strides, t.offset, "ViewBackward0")
	}
	if st, ok := viewStrides(t.shape, t.strides, shape); ok {
		return t.viewOp(shape, st, t.offset, "ViewBackward0")
	}
	return t.Contiguous().Reshape(shape...)
}

// View is Reshape that never copies: it panics when t's layout cannot be
// viewed with the new shape (call Contiguous or Reshape).
func (t *Tensor) View(shape ...int) *Tensor {
	shape = inferShape("view", shape, t.Numel())
	st, ok := viewStrides(t.shape, t.strides, shape)
	if !ok {
		panic(shapeErr("view", "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces); use Reshape instead", t.shape, shape))
	}
	return t.viewOp(shape, st, t.offset, "ViewBackward0")
}

// viewOp makes a reshaping view with a gradient that reshapes back.
func (t *Tensor) viewOp(shape, strides []int, offset int, name string) *Tensor {
	out := t.asView(shape, strides, offset)
	if r := track(t); r != nil {
		in := t.shape
		r.record(out, name, func(g *Tensor) []*Tensor { return []*Tensor{g.Reshape(in...)} })
	}
	return out
}

// Flatten merges axes start..end (inclusive, negative counts from the end)
// into one.
func (t *Tensor) Flatten(start, end int) *Tensor {
	if t.Dim() == 0 {
		normAxis("flatten", start, 0)
		normAxis("flatten", end, 0)
		return t.Reshape(1)
	}
	s, e := normAxis("flatten", start, t.Dim()), normAxis("flatten", end, t.Dim())
	if s > e {
		panic(&ValueError{Op: "flatten", Msg: "start_dim cannot come after end_dim"})
	}
	shape := append([]int(nil), t.shape[:s]...)
	shape = append(shape, backend.Numel(t.shape[s:e+1]))
	shape = append(shape, t.shape[e+1:]...)
	return t.Reshape(shape...)
}

// Unflatten splits axis into sizes (one may be -1).
func (t *Tensor) Unflatten(axis int, sizes ...int) *Tensor {
	a := normAxis("unflatten", axis, t.Dim())
	sizes = inferShape("unflatten", sizes, t.shape[a])
	shape := append([]int(nil), t.shape[:a]...)
	shape = append(shape, sizes...)
	shape = append(shape, t.shape[a+1:]...)
	return t.Reshape(shape...)
}

// Squeeze removes the given size-1 axes, or all size-1 axes when none are
// given. Axes of another size are left alone, as in PyTorch.
func (t *Tensor) Squeeze(axes ...int) *Tensor {
	drop := make([]bool, t.Dim())
	if len(axes) == 0 {
		for i, s := range t.shape {
			drop[i] = s == 1
		}
	}
	for _, a := range axes {
		a = normAxis("squeeze", a, t.Dim())
		if t.Dim() > 0 && t.shape[a] == 1 {
			drop[a] = true
		}
	}
	var shape, strides []int
	for i := range t.shape {
		if !drop[i] {
			shape = append(shape, t.shape[i])
			strides = append(strides, t.strides[i])
		}
	}
	if shape == nil {
		shape, strides = []int{}, []int{}
	}
	return t.viewOp(shape, strides, t.offset, "SqueezeBackward0")
}

// Unsqueeze inserts a size-1 axis at position axis (in [-rank-1, rank]).
func (t *Tensor) Unsqueeze(axis int) *Tensor {
	a := normAxis("unsqueeze", axis, t.Dim()+1)
	shape := slices.Insert(slices.Clone(t.shape), a, 1)
	st := 1
	if a < t.Dim() {
		st = t.strides[a] * t.shape[a]
	}
	strides := slices.Insert(slices.Clone(t.strides), a, st)
	return t.viewOp(shape, strides, t.offset, "UnsqueezeBackward0")
}

// Permute reorders the axes: result axis i is t's axis dims[i].
func (t *Tensor) Permute(dims ...int) *Tensor { return t.permute(dims, "PermuteBackward0") }

// permute is Permute recording the grad_fn name.
func (t *Tensor) permute(dims []int, name string) *Tensor {
	if len(dims) != t.Dim() {
		panic(shapeErr("permute", fmt.Sprintf("number of dims don't match in permute: got %d for a tensor of rank %d", len(dims), t.Dim()), t.shape))
	}
	seen := make([]bool, len(dims))
	p := make([]int, len(dims))
	for i, d := range dims {
		d = normAxis("permute", d, t.Dim())
		if seen[d] {
			panic(&ValueError{Op: "permute", Msg: fmt.Sprintf("repeated dim %d in %v", d, dims)})
		}
		seen[d] = true
		p[i] = d
	}
	shape := make([]int, len(p))
	strides := make([]int, len(p))
	for i, d := range p {
		shape[i], strides[i] = t.shape[d], t.strides[d]
	}
	out := t.asView(shape, strides, t.offset)
	if r := track(t); r != nil {
		inv := make([]int, len(p))
		for i, d := range p {
			inv[d] = i
		}
		r.record(out, name, func(g *Tensor) []*Tensor { return []*Tensor{g.Permute(inv...)} })
	}
	return out
}

// Transpose swaps axes a and b.
func (t *Tensor) Transpose(a, b int) *Tensor {
	if t.Dim() == 0 {
		normAxis("transpose", a, 0)
		normAxis("transpose", b, 0)
		return t.viewOp(t.shape, t.strides, t.offset, "TransposeBackward0")
	}
	a, b = normAxis("transpose", a, t.Dim()), normAxis("transpose", b, t.Dim())
	p := make([]int, t.Dim())
	for i := range p {
		p[i] = i
	}
	p[a], p[b] = p[b], p[a]
	return t.permute(p, "TransposeBackward0")
}

// T returns the transpose of a matrix (rank ≤ 2), like Tensor.T.
func (t *Tensor) T() *Tensor {
	if t.Dim() > 2 {
		panic(shapeErr("T", fmt.Sprintf("T expects a tensor with <= 2 dimensions, but it has %d; use MT or Permute", t.Dim()), t.shape))
	}
	if t.Dim() < 2 {
		return t
	}
	return t.Transpose(0, 1)
}

// MT transposes the last two axes (like Tensor.mT).
func (t *Tensor) MT() *Tensor {
	if t.Dim() < 2 {
		panic(shapeErr("mT", "tensor.mT is only supported on matrices or batches of matrices. Got "+fmt.Sprint(t.Dim())+"-D tensor.", t.shape))
	}
	return t.Transpose(-2, -1)
}

// Narrow returns the view of length elements of axis starting at start
// (negative start counts from the end).
func (t *Tensor) Narrow(axis, start, length int) *Tensor {
	a := normAxis("narrow", axis, t.Dim())
	if start < 0 {
		start += t.shape[a]
	}
	if start < 0 || length < 0 || start+length > t.shape[a] {
		panic(&ValueError{Op: "narrow", Msg: fmt.Sprintf("start (%d) + length (%d) exceeds dimension size (%d)", start, length, t.shape[a])})
	}
	return t.sliceView(a, start, start+length, 1)
}

// Slice returns the view of axis from start to end (exclusive) every step,
// with Python slicing rules: negative indices count from the end and
// out-of-range bounds are clamped. step must be positive.
func (t *Tensor) Slice(axis, start, end, step int) *Tensor {
	a := normAxis("slice", axis, t.Dim())
	if step <= 0 {
		panic(&ValueError{Op: "slice", Msg: fmt.Sprintf("slice step must be positive, got %d", step)})
	}
	n := t.shape[a]
	clamp := func(i int) int {
		if i < 0 {
			i += n
		}
		return min(max(i, 0), n)
	}
	s, e := clamp(start), clamp(end)
	if e < s {
		e = s
	}
	return t.sliceView(a, s, e, step)
}

// SliceFrom is Slice to the end of the axis.
func (t *Tensor) SliceFrom(axis, start int) *Tensor { return t.Slice(axis, start, t.Size(axis), 1) }

func (t *Tensor) sliceView(a, s, e, step int) *Tensor {
	shape := slices.Clone(t.shape)
	strides := slices.Clone(t.strides)
	shape[a] = (e - s + step - 1) / step
	strides[a] *= step
	out := t.asView(shape, strides, t.offset+s*t.strides[a])
	if r := track(t); r != nil {
		in := t.shape
		r.record(out, "SliceBackward0", func(g *Tensor) []*Tensor {
			return []*Tensor{sliceScatter(g, in, a, s, step)}
		})
		out.node.addInto = func(acc, g *Tensor) bool { return addSlice(acc, g, in, a, s, step) }
	}
	return out
}

// addSlice adds g into the slice [start : : step] along axis of acc, a
// gradient of the given shape, in place, and reports whether it did: only
// when acc is contiguous (a broadcast gradient, such as a sum's, has one
// element for many), the dtypes and devices match and g does not share
// acc's memory.
func addSlice(acc, g *Tensor, shape []int, axis, start, step int) bool {
	if acc.dtype != g.dtype || acc.st.dev != g.st.dev || acc.st == g.st || !slices.Equal(acc.shape, shape) ||
		!acc.IsContiguous() || !acc.dtype.IsFloat() || !acc.be().SupportsMath(acc.dtype) {
		return false
	}
	dst := acc.sliceViewRaw(axis, start, step, g.shape[axis])
	if !slices.Equal(dst.shape, g.shape) {
		return false
	}
	acc.be().Binary(backend.Add, dst.view(), dst.view(), g.view())
	acc.st.version++
	return true
}

// sliceScatter returns zeros of shape with g written at
// [start : : step] along axis; its gradient is that slice.
func sliceScatter(g *Tensor, shape []int, axis, start, step int) *Tensor {
	out := g.alloc(g.dtype, shape)
	out.be().Fill(out.view(), 0)
	dst := out.sliceViewRaw(axis, start, step, g.shape[axis])
	g.be().Copy(dst.view(), g.view())
	if r := track(g); r != nil {
		r.record(out, "SliceScatterBackward0", func(gg *Tensor) []*Tensor {
			return []*Tensor{gg.Slice(axis, start, start+step*g.shape[axis], step)}
		})
	}
	return out
}

// sliceViewRaw is an untracked strided view used by kernels' callers.
func (t *Tensor) sliceViewRaw(axis, start, step, n int) *Tensor {
	shape := slices.Clone(t.shape)
	strides := slices.Clone(t.strides)
	shape[axis] = n
	strides[axis] *= step
	return t.asView(shape, strides, t.offset+start*t.strides[axis])
}

// Select returns the view at index i of axis, with that axis removed
// (negative i counts from the end).
func (t *Tensor) Select(axis, i int) *Tensor {
	a := normAxis("select", axis, t.Dim())
	n := t.shape[a]
	if i < -n || i >= n {
		panic(&ValueError{Op: "select", Msg: fmt.Sprintf("index %d is out of bounds for dimension %d with size %d", i, a, n)})
	}
	if i < 0 {
		i += n
	}
	shape := slices.Delete(slices.Clone(t.shape), a, a+1)
	strides := slices.Delete(slices.Clone(t.strides), a, a+1)
	out := t.asView(shape, strides, t.offset+i*t.strides[a])
	if r := track(t); r != nil {
		in := t.shape
		r.record(out, "SelectBackward0", func(g *Tensor) []*Tensor {
			return []*Tensor{sliceScatter(g.Unsqueeze(a), in, a, i, 1)}
		})
	}
	return out
}

// Expand broadcasts size-1 axes to larger sizes without copying (a view
// with zero strides); -1 keeps a size; new leading axes may be added.
func (t *Tensor) Expand(shape ...int) *Tensor {
	if len(shape) < t.Dim() {
		panic(shapeErr("expand", fmt.Sprintf("the number of sizes provided (%d) must be greater or equal to the number of dimensions in the tensor (%d)", len(shape), t.Dim()), t.shape, shape))
	}
	lead := len(shape) - t.Dim()
	newShape := make([]int, len(shape))
	strides := make([]int, len(shape))
	for i := range shape {
		if i < lead {
			if shape[i] < 0 {
				panic(shapeErr("expand", fmt.Sprintf("the expanded size %d is not allowed in a leading, non-existing dimension", shape[i]), t.shape, shape))
			}
			newShape[i] = shape[i]
			continue
		}
		src := t.shape[i-lead]
		s := shape[i]
		if s == -1 {
			s = src
		}
		if s < 0 {
			panic(shapeErr("expand", fmt.Sprintf("the expanded size %d at dimension %d is invalid (sizes must be non-negative, or -1 to keep one)", shape[i], i), t.shape, shape))
		}
		switch {
		case s == src:
			strides[i] = t.strides[i-lead]
		case src == 1:
			strides[i] = 0
		default:
			panic(shapeErr("expand", fmt.Sprintf("the expanded size of the tensor (%d) must match the existing size (%d) at non-singleton dimension %d; target sizes: %v, tensor sizes: %v", s, src, i, shape, t.shape), t.shape, shape))
		}
		newShape[i] = s
	}
	if slices.Equal(newShape, t.shape) {
		return t
	}
	out := t.asView(newShape, strides, t.offset)
	if r := track(t); r != nil {
		in := t.shape
		r.record(out, "ExpandBackward0", func(g *Tensor) []*Tensor { return []*Tensor{sumTo(g, in)} })
	}
	return out
}

// BroadcastTo is Expand to a full shape.
func (t *Tensor) BroadcastTo(shape ...int) *Tensor { return t.Expand(shape...) }

// ExpandAs expands t to other's shape.
func (t *Tensor) ExpandAs(other *Tensor) *Tensor { return t.Expand(other.shape...) }

// Diagonal returns the view of the diagonal with the given offset between
// axes a and b, which are removed and replaced by a last axis.
func (t *Tensor) Diagonal(offset, a, b int) *Tensor {
	a, b = normAxis("diagonal", a, t.Dim()), normAxis("diagonal", b, t.Dim())
	if a == b {
		panic(&ValueError{Op: "diagonal", Msg: fmt.Sprintf("diagonal dimensions cannot be identical %d, %d", a, b)})
	}
	var n, off int
	if offset >= 0 {
		n = max(0, min(t.shape[a], t.shape[b]-offset))
		off = offset * t.strides[b]
	} else {
		n = max(0, min(t.shape[a]+offset, t.shape[b]))
		off = -offset * t.strides[a]
	}
	if n == 0 {
		off = 0
	}
	var shape, strides []int
	for i := range t.shape {
		if i != a && i != b {
			shape = append(shape, t.shape[i])
			strides = append(strides, t.strides[i])
		}
	}
	shape = append(shape, n)
	strides = append(strides, t.strides[a]+t.strides[b])
	out := t.asView(shape, strides, t.offset+off)
	if r := track(t); r != nil {
		in := t.shape
		r.record(out, "DiagonalBackward0", func(g *Tensor) []*Tensor {
			return []*Tensor{diagonalScatter(g, in, offset, a, b)}
		})
	}
	return out
}

// diagonalScatter returns zeros of shape with g on the diagonal; its
// gradient is the diagonal.
func diagonalScatter(g *Tensor, shape []int, offset, a, b int) *Tensor {
	out := g.alloc(g.dtype, shape)
	out.be().Fill(out.view(), 0)
	d := out.Diagonal(offset, a, b) // out requires no gradient: nothing is recorded
	g.be().Copy(d.view(), g.view())
	if r := track(g); r != nil {
		r.record(out, "DiagonalScatterBackward0", func(gg *Tensor) []*Tensor {
			return []*Tensor{gg.Diagonal(offset, a, b)}
		})
	}
	return out
}

// Contiguous returns t itself when its memory is dense and row-major, else
// a dense copy.
func (t *Tensor) Contiguous() *Tensor {
	if t.IsContiguous() {
		return t
	}
	return t.Clone()
}

// Clone returns a dense copy of t (gradients flow back to t).
func (t *Tensor) Clone() *Tensor {
	out := t.alloc(t.dtype, t.shape)
	t.be().Copy(out.view(), t.view())
	if r := track(t); r != nil {
		r.record(out, "CloneBackward0", func(g *Tensor) []*Tensor { return []*Tensor{g} })
	}
	return out
}
