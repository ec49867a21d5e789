package ember

import (
	"fmt"
	"slices"
)

// Cat joins tensors along an existing axis. All must have the same shape
// except along axis (1-D empty tensors are skipped, as in PyTorch).
func Cat(ts []*Tensor, axis int) *Tensor {
	var parts []*Tensor
	skip := make([]bool, len(ts))
	for i, t := range ts {
		if t.Dim() == 1 && t.shape[0] == 0 && len(ts) > 1 {
			skip[i] = true
			continue
		}
		parts = append(parts, t)
	}
	if len(parts) == 0 {
		if len(ts) == 0 {
			panic(&ValueError{Op: "cat", Msg: "expected a non-empty list of Tensors"})
		}
		return ts[0].Clone()
	}
	ref := parts[0]
	if ref.Dim() == 0 {
		panic(shapeErr("cat", "zero-dimensional tensor cannot be concatenated", ref.shape))
	}
	a := normAxis("cat", axis, ref.Dim())
	sameDevice("cat", parts...)
	dt := parts[0].dtype
	total := 0
	for i, t := range parts {
		if t.Dim() != ref.Dim() {
			panic(shapeErr("cat", fmt.Sprintf("tensors must have same number of dimensions: got %d and %d", ref.Dim(), t.Dim()), ref.shape, t.shape))
		}
		for d := range t.shape {
			if d != a && t.shape[d] != ref.shape[d] {
				panic(shapeErr("cat", fmt.Sprintf("sizes of tensors must match except in dimension %d; expected size %d but got size %d for tensor number %d in the list", a, ref.shape[d], t.shape[d], i), ref.shape, t.shape))
			}
		}
		total += t.shape[a]
		dt = promoteTypes(dt, t.dtype)
	}
	shape := slices.Clone(ref.shape)
	shape[a] = total
	out := ref.alloc(dt, shape)
	pos := 0
	starts := make([]int, len(ts))
	for i, t := range ts {
		starts[i] = pos
		if skip[i] {
			continue
		}
		if t.shape[a] > 0 {
			dst := out.sliceViewRaw(a, pos, 1, t.shape[a])
			t.be().Copy(dst.view(), t.castNoGrad(dt).view())
		}
		pos += t.shape[a]
	}
	if r := track(ts...); r != nil {
		r.record(out, "CatBackward0", func(g *Tensor) []*Tensor {
			gs := make([]*Tensor, len(ts))
			for i, t := range ts {
				switch {
				case !r.needs(i):
				case skip[i]:
					gs[i] = ZerosLike(t, g.dtype)
				default:
					gs[i] = g.Narrow(a, starts[i], t.shape[a])
				}
			}
			return gs
		})
	}
	return out
}

// Stack joins tensors of one shape along a new axis.
func Stack(ts []*Tensor, axis int) *Tensor {
	if len(ts) == 0 {
		panic(&ValueError{Op: "stack", Msg: "stack expects a non-empty list of tensors"})
	}
	a := normAxis("stack", axis, ts[0].Dim()+1)
	parts := make([]*Tensor, len(ts))
	for i, t := range ts {
		if !slices.Equal(t.shape, ts[0].shape) {
			panic(shapeErr("stack", fmt.Sprintf("stack expects each tensor to be equal size, but got %v at entry 0 and %v at entry %d", ts[0].shape, t.shape, i), ts[0].shape, t.shape))
		}
		parts[i] = t.Unsqueeze(a)
	}
	return Cat(parts, a)
}

// Split cuts t along axis into pieces of size (the last may be smaller);
// the pieces are views.
func (t *Tensor) Split(size, axis int) []*Tensor {
	a := normAxis("split", axis, t.Dim())
	if size <= 0 {
		panic(&ValueError{Op: "split", Msg: fmt.Sprintf("split_size must be positive, got %d", size)})
	}
	n := t.shape[a]
	var out []*Tensor
	for s := 0; s < n || (n == 0 && s == 0); s += size {
		out = append(out, t.Narrow(a, s, min(size, n-s)))
		if n == 0 {
			break
		}
	}
	return out
}

// SplitSizes cuts t along axis into pieces of the given sizes, which must
// add up to the axis length.
func (t *Tensor) SplitSizes(sizes []int, axis int) []*Tensor {
	a := normAxis("split", axis, t.Dim())
	sum := 0
	for _, s := range sizes {
		if s < 0 {
			panic(&ValueError{Op: "split", Msg: fmt.Sprintf("split sizes must be non-negative, got %v", sizes)})
		}
		sum += s
	}
	if sum != t.shape[a] {
		panic(&ValueError{Op: "split", Msg: fmt.Sprintf("split_with_sizes expects split_sizes to sum exactly to %d (input tensor's size at dimension %d), but got split_sizes=%v", t.shape[a], a, sizes)})
	}
	out := make([]*Tensor, len(sizes))
	pos := 0
	for i, s := range sizes {
		out[i] = t.Narrow(a, pos, s)
		pos += s
	}
	return out
}

// Chunk cuts t into n pieces of (nearly) equal size along axis, as
// torch.chunk: each of size ceil(len/n), so fewer than n may come back.
func (t *Tensor) Chunk(n, axis int) []*Tensor {
	if n <= 0 {
		panic(&ValueError{Op: "chunk", Msg: fmt.Sprintf("chunk expects `chunks` to be greater than 0, got: %d", n)})
	}
	a := normAxis("chunk", axis, t.Dim())
	if t.shape[a] == 0 {
		// An empty axis gives n empty pieces, as torch.chunk does.
		return t.SplitSizes(make([]int, n), a)
	}
	return t.Split((t.shape[a]+n-1)/n, a)
}

// Unbind removes axis, returning the slices along it.
func (t *Tensor) Unbind(axis int) []*Tensor {
	a := normAxis("unbind", axis, t.Dim())
	out := make([]*Tensor, t.shape[a])
	for i := range out {
		out[i] = t.Select(a, i)
	}
	return out
}

// Repeat tiles t: the result has size t.Size(i)*reps[i] along axis i
// (reps may have more entries than t has axes, adding leading axes).
func (t *Tensor) Repeat(reps ...int) *Tensor {
	if len(reps) < t.Dim() {
		panic(&ValueError{Op: "repeat", Msg: "number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"})
	}
	for _, r := range reps {
		if r < 0 {
			panic(&ValueError{Op: "repeat", Msg: fmt.Sprintf("repeats must be non-negative, got %v", reps)})
		}
	}
	x := t
	for x.Dim() < len(reps) {
		x = x.Unsqueeze(0)
	}
	var inter, expanded, final []int
	for i, s := range x.shape {
		inter = append(inter, 1, s)
		expanded = append(expanded, reps[i], s)
		final = append(final, reps[i]*s)
	}
	// Clone, not Contiguous: the result must never share t's memory.
	return x.Reshape(inter...).Expand(expanded...).Clone().Reshape(final...)
}

// Tile is Repeat that also accepts fewer reps than axes (padded with 1s on
// the left), like torch.tile.
func (t *Tensor) Tile(reps ...int) *Tensor {
	for len(reps) < t.Dim() {
		reps = append([]int{1}, reps...)
	}
	return t.Repeat(reps...)
}

// Flip reverses the order of elements along the axes.
func (t *Tensor) Flip(axes ...int) *Tensor {
	ax := normAxes("flip", axes, t.Dim())
	if len(axes) == 0 {
		ax = nil
	}
	v := t.view()
	v.Strides = slices.Clone(v.Strides)
	for _, a := range ax {
		if t.shape[a] > 1 {
			v.Offset += (t.shape[a] - 1) * v.Strides[a]
			v.Strides[a] = -v.Strides[a]
		}
	}
	out := t.alloc(t.dtype, t.shape)
	if out.Numel() > 0 {
		t.be().Copy(out.view(), v)
	}
	if r := track(t); r != nil {
		r.record(out, "FlipBackward0", func(g *Tensor) []*Tensor { return []*Tensor{g.Flip(ax...)} })
	}
	return out
}

// Roll shifts elements along axis by shift, wrapping around; with no axis
// the tensor is rolled as if flattened.
func (t *Tensor) Roll(shift int, axes ...int) *Tensor {
	if len(axes) == 0 {
		return t.Reshape(-1).Roll(shift, 0).Reshape(t.shape...)
	}
	out := t
	for _, ax := range axes {
		a := normAxis("roll", ax, t.Dim())
		n := out.shape[a]
		if n == 0 {
			continue
		}
		s := ((shift % n) + n) % n
		if s == 0 {
			continue
		}
		out = Cat([]*Tensor{out.Narrow(a, n-s, s), out.Narrow(a, 0, n-s)}, a)
	}
	if out == t {
		return t.Clone()
	}
	return out
}

// triMask returns the bool mask of positions (i, j) with j - i >= k
// (upper) or j - i <= k (lower) for t's last two axes.
func (t *Tensor) triMask(k int, upper bool) *Tensor {
	if t.Dim() < 2 {
		op := "tril"
		if upper {
			op = "triu"
		}
		panic(shapeErr(op, op+": input tensor must have at least 2 dimensions, got shape "+shapeStr(t.shape), t.shape))
	}
	rows, cols := t.shape[t.Dim()-2], t.shape[t.Dim()-1]
	i := Arange(0, float64(rows), 1, t.st.dev).Unsqueeze(1)
	j := Arange(0, float64(cols), 1, t.st.dev).Unsqueeze(0)
	d := j.Sub(i)
	if upper {
		return d.Ge(Scalar(int64(k)))
	}
	return d.Le(Scalar(int64(k)))
}

// Tril keeps the lower triangle (j - i <= k) of the last two axes and
// zeroes the rest.
func (t *Tensor) Tril(k int) *Tensor { return Where(t.triMask(k, false), t, ZerosLike(t)) }

// Triu keeps the upper triangle (j - i >= k).
func (t *Tensor) Triu(k int) *Tensor { return Where(t.triMask(k, true), t, ZerosLike(t)) }

// PadMode selects how Pad fills new elements.
type PadMode int

// Padding modes.
const (
	PadConstant  PadMode = iota // a constant value
	PadReflect                  // mirror without repeating the edge
	PadReplicate                // repeat the edge value
	PadCircular                 // wrap around
)

// Pad adds (or, with negative amounts, removes) elements at both ends of
// the last axes, like torch.nn.functional.pad: pads holds (before, after)
// pairs starting from the last axis.
func (t *Tensor) Pad(pads []int, mode PadMode, value float64) *Tensor {
	if len(pads)%2 != 0 || len(pads)/2 > t.Dim() {
		panic(&ValueError{Op: "pad", Msg: fmt.Sprintf("padding length must be even and at most twice the rank (%d), got %d", t.Dim(), len(pads))})
	}
	out := t
	for p := 0; p < len(pads)/2; p++ {
		a := t.Dim() - 1 - p
		before, after := pads[2*p], pads[2*p+1]
		out = padAxis(out, a, before, after, mode, value)
	}
	return out
}

func padAxis(t *Tensor, a, before, after int, mode PadMode, value float64) *Tensor {
	n := t.shape[a]
	if n+before+after < 0 || n+min(before, 0) < 0 || n+min(after, 0) < 0 {
		panic(&ValueError{Op: "pad", Msg: fmt.Sprintf("the input size %d, plus negative padding %d and %d resulted in a negative output size, which is invalid", n, before, after)})
	}
	// Negative padding crops first.
	if before < 0 {
		t = t.Narrow(a, -before, n+before)
		n += before
		before = 0
	}
	if after < 0 {
		t = t.Narrow(a, 0, n+after)
		n += after
		after = 0
	}
	if before == 0 && after == 0 {
		return t
	}
	switch mode {
	case PadConstant:
		shape := slices.Clone(t.shape)
		shape[a] = n + before + after
		starts := make([]int, t.Dim())
		starts[a] = before
		return placeInZeros(t, shape, starts, value)
	case PadReflect:
		if before >= n || after >= n {
			panic(&ValueError{Op: "pad", Msg: fmt.Sprintf("padding size should be less than the corresponding input dimension, but got: padding (%d, %d) at dimension %d of input %v", before, after, a, t.shape)})
		}
	case PadReplicate, PadCircular:
		if n == 0 {
			panic(&ValueError{Op: "pad", Msg: "cannot pad an empty dimension in replicate or circular mode"})
		}
		if mode == PadCircular && (before > n || after > n) {
			panic(&ValueError{Op: "pad", Msg: "padding value causes wrapping around more than once"})
		}
	}
	idx := make([]int64, n+before+after)
	for i := range idx {
		j := i - before
		switch mode {
		case PadReflect:
			if j < 0 {
				j = -j
			} else if j >= n {
				j = 2*(n-1) - j
			}
		case PadReplicate:
			j = min(max(j, 0), n-1)
		case PadCircular:
			j = ((j % n) + n) % n
		}
		idx[i] = int64(j)
	}
	ix := FromSlice(idx)
	if t.st.dev != CPU {
		ix = ix.To(t.st.dev)
	}
	return t.IndexSelect(a, ix)
}
