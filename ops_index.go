package ember

import (
	"fmt"
	"slices"

	"github.com/emberdl/ember/backend"
)

// checkIndex validates an index tensor's dtype and range for an axis of
// the given size and returns it as int64. Indices must lie in [0, size),
// as in PyTorch's index_select, gather and scatter; with wrap, negative
// indices count from the end (as torch.take allows).
func checkIndex(op string, idx *Tensor, axis, size int, wrap bool) *Tensor {
	if idx.dtype != Int64 && idx.dtype != Int32 {
		panic(&DTypeError{Op: op, Msg: "index must be an int64 or int32 tensor, got " + idx.dtype.String()})
	}
	idx = idx.castNoGrad(Int64)
	if idx.Numel() == 0 || (!wrap && checksIndices(idx)) {
		return idx
	}
	// Integer tensors never record a graph, so no NoGrad scope is needed
	// (NoGrad is process-wide and would disturb other goroutines).
	lo, hi := idx.Amin().ItemInt(), idx.Amax().ItemInt()
	least := int64(0)
	if wrap {
		least = -int64(size)
	}
	if lo < least || hi >= int64(size) {
		bad := hi
		if lo < least {
			bad = lo
		}
		panic(&ValueError{Op: op, Msg: fmt.Sprintf("index %d is out of bounds for dimension %d with size %d", bad, axis, size)})
	}
	if lo < 0 {
		idx = Where(idx.Lt(Scalar(int64(0))), idx.AddScalar(float64(size)), idx)
	}
	return idx
}

// indexChecker is implemented by backends whose index kernels find
// out-of-range indices themselves and report them at the next call that
// waits for the device (CUDA's, like PyTorch's device-side assertions):
// reading the indices back to check them first would stall the device.
type indexChecker interface{ ChecksIndices() bool }

// checksIndices reports whether idx's backend checks indices itself.
func checksIndices(idx *Tensor) bool {
	c, ok := idx.be().(indexChecker)
	return ok && c.ChecksIndices()
}

// IndexSelect picks the entries idx (a 1-D or 0-d int64 or int32 tensor
// with values in [0, size)) along axis, like torch.index_select.
func (t *Tensor) IndexSelect(axis int, idx *Tensor) *Tensor {
	a := normAxis("index_select", axis, t.Dim())
	if idx.Dim() > 1 {
		panic(shapeErr("index_select", "index_select(): Index is supposed to be a vector", idx.shape))
	}
	sameDevice("index_select", t, idx)
	if t.Dim() == 0 {
		return t.Reshape(1).IndexSelect(0, idx).Reshape()
	}
	ix := checkIndex("index_select", idx.Reshape(-1), a, t.shape[a], false)
	shape := slices.Clone(t.shape)
	shape[a] = ix.shape[0]
	out := t.alloc(t.dtype, shape)
	if out.Numel() > 0 {
		t.be().IndexSelect(out.view(), t.view(), a, ix.view())
	}
	if r := track(t); r != nil {
		in := t.shape
		r.record(out, "IndexSelectBackward0", func(g *Tensor) []*Tensor {
			return []*Tensor{Zeros(in, g.dtype, g.st.dev).IndexAdd(a, ix, g)}
		})
	}
	return out
}

// IndexAdd returns t with src added at positions idx along axis:
// out[..., idx[i], ...] += src[..., i, ...] (repeats accumulate).
func (t *Tensor) IndexAdd(axis int, idx, src *Tensor) *Tensor {
	a := normAxis("index_add", axis, t.Dim())
	sameDevice("index_add", t, idx, src)
	if idx.Dim() > 1 {
		panic(shapeErr("index_add", "index_add(): Index is supposed to be a vector", idx.shape))
	}
	if t.Dim() == 0 {
		return t.Reshape(1).IndexAdd(0, idx, src.Reshape(-1)).Reshape()
	}
	ix := checkIndex("index_add", idx.Reshape(-1), a, t.shape[a], false)
	want := slices.Clone(t.shape)
	want[a] = ix.shape[0]
	if !slices.Equal(want, src.shape) {
		panic(shapeErr("index_add", fmt.Sprintf("source of shape %v does not match %v", src.shape, want), t.shape, src.shape))
	}
	dt := promoteTypes(t.dtype, src.dtype)
	comp := dt
	if !t.be().SupportsMath(comp) {
		comp = Float32
	}
	out := t.alloc(comp, t.shape)
	t.be().Copy(out.view(), t.view())
	if ix.shape[0] > 0 {
		t.be().IndexAdd(out.view(), a, ix.view(), src.castNoGrad(comp).view())
	}
	out = out.castNoGrad(dt)
	if r := track(t, src); r != nil {
		r.record(out, "IndexAddBackward0", func(g *Tensor) []*Tensor {
			var gt, gs *Tensor
			if r.needs(0) {
				gt = g
			}
			if r.needs(1) {
				gs = g.IndexSelect(a, ix)
			}
			return []*Tensor{gt, gs}
		})
	}
	return out
}

// Gather picks, along axis, the elements idx names:
// out[i][j][k] = t[i][idx[i][j][k]][k] for axis 1. idx has t's rank and
// sizes no larger than t's on the other axes.
func (t *Tensor) Gather(axis int, idx *Tensor) *Tensor {
	a := normAxis("gather", axis, t.Dim())
	sameDevice("gather", t, idx)
	if idx.Dim() != t.Dim() && !(t.Dim() == 0 && idx.Dim() <= 1) {
		panic(shapeErr("gather", fmt.Sprintf("index tensor must have the same number of dimensions as input tensor (%d vs %d)", idx.Dim(), t.Dim()), t.shape, idx.shape))
	}
	if t.Dim() == 0 {
		return t.Reshape(1).Gather(0, idx.Reshape(-1)).Reshape(idx.shape...)
	}
	for d := range t.shape {
		if d != a && idx.shape[d] > t.shape[d] {
			panic(shapeErr("gather", fmt.Sprintf("size of dimension %d of index (%d) is larger than the input's (%d)", d, idx.shape[d], t.shape[d]), t.shape, idx.shape))
		}
	}
	ix := checkIndex("gather", idx, a, t.shape[a], false)
	out := t.alloc(t.dtype, ix.shape)
	if out.Numel() > 0 {
		t.be().Gather(out.view(), t.view(), a, ix.view())
	}
	if r := track(t); r != nil {
		in := t.shape
		r.record(out, "GatherBackward0", func(g *Tensor) []*Tensor {
			return []*Tensor{Zeros(in, g.dtype, g.st.dev).scatterOp(a, ix, g, true, "ScatterAddBackward0")}
		})
	}
	return out
}

// scatterOp writes (or adds) src into a copy of t at idx along axis.
func (t *Tensor) scatterOp(a int, idx, src *Tensor, add bool, name string) *Tensor {
	sameDevice("scatter", t, idx, src)
	if idx.Dim() != t.Dim() || src.Dim() != t.Dim() {
		panic(shapeErr("scatter", fmt.Sprintf("index (rank %d) and src (rank %d) must have the same number of dimensions as self (rank %d)", idx.Dim(), src.Dim(), t.Dim()), t.shape, idx.shape, src.shape))
	}
	if t.Dim() == 0 {
		return t.Reshape(1).scatterOp(0, idx.Reshape(1), src.Reshape(1), add, name).Reshape()
	}
	for d := range t.shape {
		if idx.shape[d] > src.shape[d] || (d != a && idx.shape[d] > t.shape[d]) {
			panic(shapeErr("scatter", fmt.Sprintf("index of shape %v does not fit self %v and src %v", idx.shape, t.shape, src.shape), t.shape, idx.shape, src.shape))
		}
	}
	ix := checkIndex("scatter", idx, a, t.shape[a], false)
	comp := promoteTypes(t.dtype, src.dtype)
	if add && !t.be().SupportsMath(comp) {
		comp = Float32
	}
	out := t.alloc(comp, t.shape)
	t.be().Copy(out.view(), t.view())
	// src may be larger than idx: only its leading part is used.
	sv := src.castNoGrad(comp)
	sview := backend.View{Buf: sv.buf(), Shape: ix.shape, Strides: sv.strides, Offset: sv.offset}
	if ix.Numel() > 0 {
		t.be().Scatter(out.view(), a, ix.view(), sview, add)
	}
	out = out.castNoGrad(t.dtype)
	if !out.dtype.IsFloat() {
		return out
	}
	if r := track(t, src); r != nil {
		r.record(out, name, func(g *Tensor) []*Tensor {
			var gt, gs *Tensor
			if r.needs(0) {
				gt = g
				if !add {
					gt = g.scatterOp(a, ix, ZerosLike(ix, g.dtype), false, "ScatterBackward0")
				}
			}
			if r.needs(1) {
				gs = g.Gather(a, ix)
				if !slices.Equal(gs.shape, src.shape) {
					gs = placeInZeros(gs, src.shape, make([]int, len(src.shape)), 0)
				}
			}
			return []*Tensor{gt, gs}
		})
	}
	return out
}

// placeInZeros returns a tensor of shape filled with fill, with g copied in
// at the per-axis offsets starts. Its gradient with respect to g is the
// matching region.
func placeInZeros(g *Tensor, shape, starts []int, fill float64) *Tensor {
	out := full(g.be(), g.st.dev, g.dtype, shape, fill)
	region := out.region(starts, g.shape)
	g.be().Copy(region.view(), g.view())
	if r := track(g); r != nil {
		r.record(out, "ConstantPadNdBackward0", func(gg *Tensor) []*Tensor {
			return []*Tensor{gg.regionTracked(starts, g.shape)}
		})
	}
	return out
}

// region is the untracked view of t at starts with the given sizes.
func (t *Tensor) region(starts, sizes []int) *Tensor {
	off := t.offset
	for d, s := range starts {
		off += s * t.strides[d]
	}
	return t.asView(slices.Clone(sizes), slices.Clone(t.strides), off)
}

// regionTracked is region through Narrow, so gradients flow.
func (t *Tensor) regionTracked(starts, sizes []int) *Tensor {
	v := t
	for d := range starts {
		if starts[d] != 0 || sizes[d] != t.shape[d] {
			v = v.Narrow(d, starts[d], sizes[d])
		}
	}
	return v
}

// Scatter returns a copy of t with src written at idx along axis:
// out[i][idx[i][j][k]][k] = src[i][j][k] for axis 1.
func (t *Tensor) Scatter(axis int, idx, src *Tensor) *Tensor {
	return t.scatterOp(normAxis("scatter", axis, t.Dim()), idx, src, false, "ScatterBackward0")
}

// ScatterAdd returns a copy of t with src added at idx along axis (repeats
// accumulate).
func (t *Tensor) ScatterAdd(axis int, idx, src *Tensor) *Tensor {
	t, src = autocast2("scatter_add", t, src)
	return t.scatterOp(normAxis("scatter_add", axis, t.Dim()), idx, src, true, "ScatterAddBackward0")
}

// MaskedSelect returns the elements where mask (broadcast with t) is true,
// as a 1-D tensor (like t[mask]).
func (t *Tensor) MaskedSelect(mask *Tensor) *Tensor {
	sameDevice("masked_select", t, mask)
	if mask.dtype != Bool {
		panic(&DTypeError{Op: "masked_select", Msg: "masked_select: expected BoolTensor for mask, got " + mask.dtype.String()})
	}
	shape := broadcastShapes("masked_select", t.shape, mask.shape)
	x := t.Expand(shape...)
	m := mask.castNoGrad(Bool)
	buf, n := t.be().Nonzero(m.broadcastView(shape))
	pos := newTensor(&storage{buf: buf, be: t.be(), dev: t.st.dev}, Int64, []int{n}, []int{1}, 0)
	return x.Reshape(-1).IndexSelect(0, pos)
}

// Nonzero returns the indices of non-zero elements as an int64 tensor of
// shape [count, rank], like torch.nonzero.
func (t *Tensor) Nonzero() *Tensor {
	buf, n := t.be().Nonzero(t.view())
	flat := newTensor(&storage{buf: buf, be: t.be(), dev: t.st.dev}, Int64, []int{n}, []int{1}, 0)
	cols := make([]*Tensor, t.Dim())
	rem := flat
	for d := t.Dim() - 1; d >= 0; d-- {
		s := int64(t.shape[d])
		cols[d] = rem.Remainder(Scalar(s))
		rem = rem.FloorDivide(Scalar(s))
	}
	if len(cols) == 0 {
		return Zeros([]int{n, 0}, Int64, t.st.dev)
	}
	return Stack(cols, 1)
}

// Take returns the elements of the flattened t at idx (any shape);
// negative indices count from the end, as in torch.take.
func (t *Tensor) Take(idx *Tensor) *Tensor {
	sameDevice("take", t, idx)
	ix := checkIndex("take", idx.Reshape(-1), 0, t.Numel(), true)
	return t.Reshape(-1).IndexSelect(0, ix).Reshape(idx.shape...)
}

// Embedding looks up rows of weight [V, D] for the int64 ids of any shape,
// giving [ids..., D]; gradients accumulate into repeated rows.
func Embedding(ids, weight *Tensor) *Tensor {
	if weight.Dim() != 2 {
		panic(shapeErr("embedding", "weight must be 2-D [num_embeddings, embedding_dim], got "+shapeStr(weight.shape), weight.shape))
	}
	if ids.dtype != Int64 && ids.dtype != Int32 {
		panic(&DTypeError{Op: "embedding", Msg: "expected the indices to be an int64 or int32 tensor, got " + ids.dtype.String()})
	}
	out := weight.IndexSelect(0, ids.Reshape(-1))
	return out.Reshape(append(slices.Clone(ids.shape), weight.shape[1])...)
}
