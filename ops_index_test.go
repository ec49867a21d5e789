package ember

import (
	"slices"
	"strings"
	"testing"
)

func init() {
	reg := func(name string, f func(a goldenArgs, in []*Tensor) *Tensor) { registerGolden(name, one(f)) }
	reg("index_select", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].IndexSelect(a.Int("axis", 0), in[1]) })
	reg("index_add", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].IndexAdd(a.Int("axis", 0), in[1], in[2]) })
	reg("gather", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].Gather(a.Int("axis", 0), in[1]) })
	reg("scatter", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].Scatter(a.Int("axis", 0), in[1], in[2]) })
	reg("scatter_add", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].ScatterAdd(a.Int("axis", 0), in[1], in[2]) })
	reg("masked_select", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].MaskedSelect(in[1]) })
	reg("masked_fill", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].MaskedFill(in[1], a.Float("value", 0)) })
	reg("where", func(a goldenArgs, in []*Tensor) *Tensor { return Where(in[0], in[1], in[2]) })
	reg("nonzero", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].Nonzero() })
	reg("take", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].Take(in[1]) })
	reg("embedding", func(a goldenArgs, in []*Tensor) *Tensor { return Embedding(in[0], in[1]) })
	reg("one_hot", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].OneHot(a.Int("n", -1)) })

	ix := func(v ...int64) *Tensor { return FromSlice(v) }
	mask := func(shape []int, v ...bool) *Tensor { return FromSlice(v, shape...) }
	cases := []struct {
		name   string
		shapes [][]int // inputs requiring grad
		f      func(in []*Tensor) *Tensor
	}{
		{"index_select", [][]int{{4, 3}}, func(in []*Tensor) *Tensor { return in[0].IndexSelect(0, ix(3, 0, 3)) }},
		{"index_add", [][]int{{4, 3}, {3, 3}}, func(in []*Tensor) *Tensor { return in[0].IndexAdd(0, ix(1, 1, 3), in[1]) }},
		{"gather", [][]int{{3, 4}}, func(in []*Tensor) *Tensor {
			return in[0].Gather(1, FromSlice([]int64{0, 0, 3, 2, 1, 2}, 3, 2))
		}},
		{"scatter", [][]int{{3, 4}, {3, 2}}, func(in []*Tensor) *Tensor {
			return in[0].Scatter(1, FromSlice([]int64{0, 2, 3, 1, 1, 0}, 3, 2), in[1])
		}},
		{"scatter_src_larger", [][]int{{3, 4}, {3, 3}}, func(in []*Tensor) *Tensor {
			return in[0].Scatter(1, FromSlice([]int64{0, 2, 3, 1}, 2, 2), in[1])
		}},
		{"scatter_add", [][]int{{3, 4}, {3, 2}}, func(in []*Tensor) *Tensor {
			return in[0].ScatterAdd(1, FromSlice([]int64{0, 0, 3, 1, 1, 1}, 3, 2), in[1])
		}},
		{"masked_select", [][]int{{4}}, func(in []*Tensor) *Tensor {
			return in[0].MaskedSelect(mask([]int{2, 4}, true, false, true, true, false, false, true, false))
		}},
		{"masked_fill", [][]int{{2, 3}}, func(in []*Tensor) *Tensor {
			return in[0].MaskedFill(mask([]int{3}, false, true, false), -4)
		}},
		{"where", [][]int{{2, 1}, {3}}, func(in []*Tensor) *Tensor {
			return Where(mask([]int{2, 3}, true, false, true, false, false, true), in[0], in[1])
		}},
		{"take", [][]int{{3, 4}}, func(in []*Tensor) *Tensor { return in[0].Take(FromSlice([]int64{-1, 0, 5, 5}, 2, 2)) }},
		{"embedding", [][]int{{4, 3}}, func(in []*Tensor) *Tensor { return Embedding(FromSlice([]int64{1, 3, 1, 0}, 2, 2), in[0]) }},
	}
	for i, c := range cases {
		s := uint64(900 + 10*i)
		addGradCheck(gradCase{name: c.name, secondOrder: true,
			inputs: func() []*Tensor {
				ins := make([]*Tensor, len(c.shapes))
				for j, sh := range c.shapes {
					ins[j] = randT(s+uint64(j), -2, 2, sh...)
				}
				return ins
			},
			f: func(in []*Tensor) *Tensor { y := c.f(in); return y.Mul(y) }})
	}
}

// TestIndexAgainstNaive compares gather, scatter_add and index_add with
// plain loops on random data.
func TestIndexAgainstNaive(t *testing.T) {
	x := randT(1, -1, 1, 4, 5).Detach()
	xv := x.Float64s()
	idx := FromSlice([]int64{4, 0, 0, 3, 2, 2, 1, 4, 0, 1, 3, 3}, 4, 3)
	iv := idx.Int64s()
	got := x.Gather(1, idx).Float64s()
	for r := range 4 {
		for c := range 3 {
			if want := xv[r*5+int(iv[r*3+c])]; got[r*3+c] != want {
				t.Fatalf("gather (%d,%d) = %v, want %v", r, c, got[r*3+c], want)
			}
		}
	}
	src := randT(2, -1, 1, 4, 3).Detach()
	sv := src.Float64s()
	got = x.ScatterAdd(1, idx, src).Float64s()
	want := slices.Clone(xv)
	for r := range 4 {
		for c := range 3 {
			want[r*5+int(iv[r*3+c])] += sv[r*3+c]
		}
	}
	if ok, msg := approxEqual(FromSlice(got), want, 1e-12, 1e-12); !ok {
		t.Fatalf("scatter_add: %s", msg)
	}
	rows := FromSlice([]int64{3, 3, 0})
	srcRows := randT(3, -1, 1, 3, 5).Detach()
	got = x.IndexAdd(0, rows, srcRows).Float64s()
	want = slices.Clone(xv)
	for i, r := range rows.Int64s() {
		for c := range 5 {
			want[int(r)*5+c] += srcRows.Float64s()[i*5+c]
		}
	}
	if ok, msg := approxEqual(FromSlice(got), want, 1e-12, 1e-12); !ok {
		t.Fatalf("index_add: %s", msg)
	}
}

// TestIndexOpsKeepInputs checks that the out-of-place index ops leave
// their inputs unchanged.
func TestIndexOpsKeepInputs(t *testing.T) {
	x := Zeros([]int{3, 3})
	x.IndexAdd(0, FromSlice([]int64{1}), Ones([]int{1, 3}))
	x.Scatter(0, FromSlice([]int64{0, 1, 2}, 1, 3), Ones([]int{1, 3}))
	x.ScatterAdd(1, FromSlice([]int64{0, 1, 2}, 1, 3), Ones([]int{1, 3}))
	x.MaskedFill(FromSlice([]bool{true}), 5)
	for _, v := range x.Float64s() {
		if v != 0 {
			t.Fatalf("input modified: %v", x.Float64s())
		}
	}
}

func TestIndexErrors(t *testing.T) {
	x := Zeros([]int{3, 4})
	i64 := func(v ...int64) *Tensor { return FromSlice(v) }
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"index_select_2d_index", func() { x.IndexSelect(0, FromSlice([]int64{0, 1}, 1, 2)) }, "index_select(): Index is supposed to be a vector"},
		{"index_select_range", func() { x.IndexSelect(0, i64(0, 3)) }, "index 3 is out of bounds for dimension 0 with size 3"},
		{"index_select_negative", func() { x.IndexSelect(1, i64(-1)) }, "index -1 is out of bounds for dimension 1 with size 4"},
		{"index_select_float_index", func() { x.IndexSelect(0, FromSlice([]float32{0})) }, "index must be an int64 or int32 tensor, got float32"},
		{"index_select_axis", func() { x.IndexSelect(2, i64(0)) }, "axis 2 is out of range"},
		{"index_add_shape", func() { x.IndexAdd(0, i64(0, 1), Zeros([]int{2, 3})) }, "source of shape [2 3] does not match [2 4]"},
		{"index_add_range", func() { x.IndexAdd(1, i64(4), Zeros([]int{3, 1})) }, "index 4 is out of bounds for dimension 1 with size 4"},
		{"gather_rank", func() { x.Gather(0, i64(0)) }, "index tensor must have the same number of dimensions as input tensor (1 vs 2)"},
		{"gather_size", func() { x.Gather(0, Zeros([]int{2, 5}, Int64)) }, "size of dimension 1 of index (5) is larger than the input's (4)"},
		{"gather_range", func() { x.Gather(1, Full([]int{3, 1}, 4, Int64)) }, "index 4 is out of bounds for dimension 1 with size 4"},
		{"scatter_rank", func() { x.Scatter(0, Zeros([]int{3}, Int64), Zeros([]int{3})) }, "must have the same number of dimensions as self"},
		{"scatter_src_small", func() { x.Scatter(0, Zeros([]int{2, 2}, Int64), Zeros([]int{1, 2})) }, "does not fit self [3 4] and src [1 2]"},
		{"scatter_add_range", func() { x.ScatterAdd(0, Full([]int{1, 1}, -1, Int64), Zeros([]int{1, 1})) }, "index -1 is out of bounds for dimension 0 with size 3"},
		{"masked_select_dtype", func() { x.MaskedSelect(Ones([]int{3, 4})) }, "expected BoolTensor for mask, got float32"},
		{"masked_select_shape", func() { x.MaskedSelect(Ones([]int{2, 4}, Bool)) }, "must match the size of tensor b"},
		{"masked_fill_shape", func() { x.MaskedFill(Ones([]int{2, 3, 4}, Bool), 1) }, "mask of shape [2 3 4] does not broadcast to [3 4]"},
		{"where_shape", func() { Where(Ones([]int{2}, Bool), x, x) }, "must match the size of tensor b"},
		{"take_range", func() { x.Take(i64(12)) }, "index 12 is out of bounds for dimension 0 with size 12"},
		{"take_negative_range", func() { x.Take(i64(-13)) }, "index -13 is out of bounds"},
		{"embedding_weight", func() { Embedding(i64(0), Zeros([]int{3})) }, "weight must be 2-D [num_embeddings, embedding_dim], got [3]"},
		{"embedding_ids", func() { Embedding(Zeros([]int{2}), x) }, "expected the indices to be an int64 or int32 tensor, got float32"},
		{"embedding_range", func() { Embedding(i64(3), x) }, "index 3 is out of bounds for dimension 0 with size 3"},
		{"one_hot_dtype", func() { x.OneHot(3) }, "one_hot is only applicable to index tensor"},
		{"one_hot_negative", func() { i64(1, -1).OneHot(3) }, "Class values must be non-negative"},
		{"one_hot_large", func() { i64(1, 5).OneHot(3) }, "Class values must be smaller than num_classes"},
		{"one_hot_empty_infer", func() { Zeros([]int{0}, Int64).OneHot(-1) }, "Can not infer total number of classes from empty tensor."},
		{"one_hot_classes", func() { i64(0).OneHot(-2) }, "num_classes must be positive or -1, got -2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Catch(c.f)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
		})
	}
}
