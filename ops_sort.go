package ember

import (
	"fmt"
	"slices"
)

// sortRaw sorts t along axis a without recording a gradient. NaN sorts as
// the largest value; equal elements keep their order (a stable sort).
func (t *Tensor) sortRaw(a int, descending bool) (values, indices *Tensor) {
	comp := t.dtype
	switch {
	case comp == Bool:
		comp = Uint8
	case !t.be().SupportsMath(comp):
		comp = Float32
	}
	src := t.castNoGrad(comp)
	values = t.alloc(comp, t.shape)
	indices = t.alloc(Int64, t.shape)
	if t.Numel() > 0 {
		t.be().Sort(values.view(), indices.view(), src.view(), a, descending)
	}
	return values.castNoGrad(t.dtype), indices
}

// recordSelection makes values (elements of t picked along axis a at
// indices, both of the same shape) differentiable: the gradient goes back
// to the picked positions, as for PyTorch's sort, topk and kthvalue.
func (t *Tensor) recordSelection(values, indices *Tensor, a int, name string) {
	if !values.dtype.IsFloat() {
		return
	}
	if r := track(t); r != nil {
		in := t.shape
		r.record(values, name, func(g *Tensor) []*Tensor {
			return []*Tensor{Zeros(in, g.dtype, g.st.dev).scatterOp(a, indices, g, true, "ScatterAddBackward0")}
		})
	}
}

// Sort sorts the elements of t along axis in ascending (or descending)
// order, like torch.sort(stable=True). It returns the sorted values and the
// int64 indices of their original positions. The sort is stable: equal
// elements keep their order. NaN sorts as larger than every number.
func (t *Tensor) Sort(axis int, descending bool) (values, indices *Tensor) {
	if t.Dim() == 0 {
		v, i := t.Reshape(1).Sort(0, descending)
		return v.Reshape(), i.Reshape()
	}
	a := normAxis("sort", axis, t.Dim())
	values, indices = t.sortRaw(a, descending)
	t.recordSelection(values, indices, a, "SortBackward0")
	return values, indices
}

// Argsort returns the int64 indices that sort t along axis (stably), as
// the second result of Sort.
func (t *Tensor) Argsort(axis int, descending bool) *Tensor {
	if t.Dim() == 0 {
		normAxis("argsort", axis, 0)
		return Zeros(nil, Int64, t.st.dev)
	}
	_, idx := t.sortRaw(normAxis("argsort", axis, t.Dim()), descending)
	return idx
}

// Topk returns the k largest (or, when largest is false, smallest)
// elements of t along axis and their int64 indices, like torch.topk. The
// results are always in sorted order (largest first, or smallest first);
// sorted is accepted for PyTorch compatibility, whose unsorted order is
// unspecified. Among equal elements the one found first comes first; NaN
// counts as the largest value.
func (t *Tensor) Topk(k, axis int, largest, sorted bool) (values, indices *Tensor) {
	_ = sorted
	if t.Dim() == 0 {
		if k < 0 || k > 1 {
			panic(&ValueError{Op: "topk", Msg: fmt.Sprintf("selected index k out of range: k = %d for a tensor of 1 element", k)})
		}
		v, i := t.Reshape(1).Topk(k, 0, largest, sorted)
		if k == 0 {
			return v, i
		}
		return v.Reshape(), i.Reshape()
	}
	a := normAxis("topk", axis, t.Dim())
	if k < 0 || k > t.shape[a] {
		panic(&ValueError{Op: "topk", Msg: fmt.Sprintf("selected index k out of range: k = %d for dimension %d of size %d", k, a, t.shape[a])})
	}
	v, i := t.sortRaw(a, largest)
	values, indices = v.sliceViewRaw(a, 0, 1, k).Contiguous(), i.sliceViewRaw(a, 0, 1, k).Contiguous()
	t.recordSelection(values, indices, a, "TopkBackward0")
	return values, indices
}

// Kthvalue returns the k-th smallest element (k counts from 1) of t along
// axis and its int64 index, like torch.kthvalue; keep retains the reduced
// axis with size 1. NaN counts as the largest value.
func (t *Tensor) Kthvalue(k, axis int, keep bool) (values, indices *Tensor) {
	if t.Dim() == 0 {
		if k != 1 {
			panic(&ValueError{Op: "kthvalue", Msg: fmt.Sprintf("selected number k out of range: k = %d for a tensor of 1 element", k)})
		}
		v, i := t.Reshape(1).Kthvalue(k, 0, false)
		return v, i
	}
	a := normAxis("kthvalue", axis, t.Dim())
	if k < 1 || k > t.shape[a] {
		panic(&ValueError{Op: "kthvalue", Msg: fmt.Sprintf("selected number k out of range: k = %d for dimension %d of size %d", k, a, t.shape[a])})
	}
	v, i := t.sortRaw(a, false)
	values, indices = v.sliceViewRaw(a, k-1, 1, 1).Contiguous(), i.sliceViewRaw(a, k-1, 1, 1).Contiguous()
	if !keep {
		shape := slices.Delete(slices.Clone(t.shape), a, a+1)
		values, indices = values.Reshape(shape...), indices.Reshape(shape...)
	}
	if values.dtype.IsFloat() {
		if r := track(t); r != nil {
			in := t.shape
			r.record(values, "KthvalueBackward0", func(g *Tensor) []*Tensor {
				gi, ii := g, indices
				if !keep {
					gi, ii = g.Unsqueeze(a), indices.Unsqueeze(a)
				}
				return []*Tensor{Zeros(in, g.dtype, g.st.dev).scatterOp(a, ii, gi, true, "ScatterAddBackward0")}
			})
		}
	}
	return values, indices
}

// Unique returns the distinct elements of t (flattened), like torch.unique
// without dim. With sorted they come in ascending order; otherwise in the
// order of their first appearance (PyTorch leaves that order unspecified).
// inverse (when returnInverse is set; of t's shape) gives for each element
// of t its position in values, and counts (when returnCounts is set) how
// often each value occurs; both are int64 and nil when not asked for.
// Every NaN is distinct from every other value, NaN included. Unique
// records no gradient.
func (t *Tensor) Unique(sorted, returnInverse, returnCounts bool) (values, inverse, counts *Tensor) {
	values, inverse, counts = t.Detach().unique(sorted)
	if !returnInverse {
		inverse = nil
	}
	if !returnCounts {
		counts = nil
	}
	return values, inverse, counts
}

func (t *Tensor) unique(sorted bool) (values, inverse, counts *Tensor) {
	flat := t.Reshape(-1)
	n := flat.Numel()
	dev := t.st.dev
	if n == 0 {
		empty := Zeros([]int{0}, Int64, dev)
		return t.alloc(t.dtype, []int{0}), Zeros(t.shape, Int64, dev), empty
	}
	sv, perm := flat.sortRaw(0, false)
	// first[i] marks the first element of each run of equal sorted values.
	first := Ones([]int{1}, Bool, dev)
	if n > 1 {
		first = Cat([]*Tensor{first, sv.Slice(0, 1, n, 1).Ne(sv.Slice(0, 0, n-1, 1))}, 0)
	}
	group := first.castNoGrad(Int64).Cumsum(0).AddScalar(-1) // run number of each sorted element
	values = sv.MaskedSelect(first)
	k := values.Numel()
	counts = Zeros([]int{k}, Int64, dev).ScatterAdd(0, group, Ones([]int{n}, Int64, dev))
	inv := Zeros([]int{n}, Int64, dev).Scatter(0, perm, group) // run number of each original element
	if !sorted {
		// The stable sort puts each run's earliest element first, so the
		// original position of a run's first element orders the runs by
		// first appearance.
		firstPos := perm.MaskedSelect(first)
		order := firstPos.Argsort(0, false)
		rank := Zeros([]int{k}, Int64, dev).Scatter(0, order, Arange(0, float64(k), 1, dev))
		values, counts, inv = values.IndexSelect(0, order), counts.IndexSelect(0, order), rank.IndexSelect(0, inv)
	}
	return values, inv.Reshape(t.shape...), counts
}
