package ember

import (
	"strings"
	"testing"
)

var padModes = map[string]PadMode{"constant": PadConstant, "reflect": PadReflect, "replicate": PadReplicate, "circular": PadCircular}

func init() {
	registerGolden("cat", one(func(a goldenArgs, in []*Tensor) *Tensor { return Cat(in, a.Int("axis", 0)) }))
	registerGolden("stack", one(func(a goldenArgs, in []*Tensor) *Tensor { return Stack(in, a.Int("axis", 0)) }))
	registerGolden("split", func(a goldenArgs, in []*Tensor) []*Tensor { return in[0].Split(a.Int("size", 1), a.Int("axis", 0)) })
	registerGolden("split_sizes", func(a goldenArgs, in []*Tensor) []*Tensor {
		return in[0].SplitSizes(a.Ints("sizes"), a.Int("axis", 0))
	})
	registerGolden("chunk", func(a goldenArgs, in []*Tensor) []*Tensor { return in[0].Chunk(a.Int("n", 1), a.Int("axis", 0)) })
	registerGolden("unbind", func(a goldenArgs, in []*Tensor) []*Tensor { return in[0].Unbind(a.Int("axis", 0)) })
	reg := func(name string, f func(a goldenArgs, x *Tensor) *Tensor) {
		registerGolden(name, one(func(a goldenArgs, in []*Tensor) *Tensor { return f(a, in[0]) }))
	}
	reg("repeat", func(a goldenArgs, x *Tensor) *Tensor { return x.Repeat(a.Ints("reps")...) })
	reg("tile", func(a goldenArgs, x *Tensor) *Tensor { return x.Tile(a.Ints("reps")...) })
	reg("flip", func(a goldenArgs, x *Tensor) *Tensor { return x.Flip(a.Ints("axes")...) })
	reg("roll", func(a goldenArgs, x *Tensor) *Tensor { return x.Roll(a.Int("shift", 0), a.Ints("axes")...) })
	reg("tril", func(a goldenArgs, x *Tensor) *Tensor { return x.Tril(a.Int("k", 0)) })
	reg("triu", func(a goldenArgs, x *Tensor) *Tensor { return x.Triu(a.Int("k", 0)) })
	reg("pad", func(a goldenArgs, x *Tensor) *Tensor {
		mode, ok := padModes[a.String("mode", "")]
		if !ok {
			panic("unknown pad mode " + a.String("mode", ""))
		}
		return x.Pad(a.Ints("pads"), mode, a.Float("value", 0))
	})

	// Gradient checks, second order through a product with the input.
	sq := func(f func(x *Tensor) *Tensor) func(in []*Tensor) *Tensor {
		return func(in []*Tensor) *Tensor { y := f(in[0]); return y.Mul(y) }
	}
	check := func(name string, shape []int, f func(x *Tensor) *Tensor) {
		s := uint64(len(gradCases) + 700)
		addGradCheck(gradCase{name: name, secondOrder: true,
			inputs: func() []*Tensor { return []*Tensor{randT(s, -2, 2, shape...)} }, f: sq(f)})
	}
	addGradCheck(gradCase{name: "cat", secondOrder: true,
		inputs: func() []*Tensor {
			return []*Tensor{randT(1, -1, 1, 2, 3), randT(2, -1, 1, 2, 1), Zeros([]int{0}, Float64).SetRequiresGrad(true), randT(3, -1, 1, 2, 2)}
		},
		f: func(in []*Tensor) *Tensor { y := Cat(in, 1); return y.Mul(y) }})
	addGradCheck(gradCase{name: "stack", secondOrder: true,
		inputs: func() []*Tensor { return []*Tensor{randT(4, -1, 1, 2, 3), randT(5, -1, 1, 2, 3)} },
		f:      func(in []*Tensor) *Tensor { y := Stack(in, -1); return y.Mul(y) }})
	// Pieces are weighted differently so each one's gradient is checked.
	weighted := func(ps []*Tensor) *Tensor {
		var out *Tensor
		for i, p := range ps {
			term := p.Square().Sum().MulScalar(float64(i + 1))
			out = addGrad(out, term)
		}
		return out.Reshape(1)
	}
	split := []struct {
		name string
		f    func(x *Tensor) []*Tensor
	}{
		{"split", func(x *Tensor) []*Tensor { return x.Split(2, 0) }},
		{"split_sizes", func(x *Tensor) []*Tensor { return x.SplitSizes([]int{1, 0, 4}, 0) }},
		{"chunk", func(x *Tensor) []*Tensor { return x.Chunk(2, 1) }},
		{"unbind", func(x *Tensor) []*Tensor { return x.Unbind(-1) }},
	}
	for i, c := range split {
		s := uint64(20 + i)
		addGradCheck(gradCase{name: c.name, secondOrder: true,
			inputs: func() []*Tensor { return []*Tensor{randT(s, -1, 1, 5, 3)} },
			f:      func(in []*Tensor) *Tensor { return weighted(c.f(in[0])) }})
	}
	check("repeat", []int{2, 3}, func(x *Tensor) *Tensor { return x.Repeat(2, 1, 3) })
	check("tile", []int{2, 3}, func(x *Tensor) *Tensor { return x.Tile(2) })
	check("flip", []int{2, 3, 2}, func(x *Tensor) *Tensor { return x.Flip(0, 2) })
	check("roll_flat", []int{3, 4}, func(x *Tensor) *Tensor { return x.Roll(5) })
	check("roll_axes", []int{3, 4}, func(x *Tensor) *Tensor { return x.Roll(-1, 1, 0) })
	check("tril", []int{2, 3, 4}, func(x *Tensor) *Tensor { return x.Tril(1) })
	check("triu", []int{4, 3}, func(x *Tensor) *Tensor { return x.Triu(-1) })
	for mode, m := range padModes {
		check("pad_"+mode, []int{1, 2, 4, 5}, func(x *Tensor) *Tensor { return x.Pad([]int{2, 1, -1, 2}, m, 0.5) })
	}
}

// TestChunkCounts checks the number and sizes of torch.chunk's pieces:
// each ceil(len/n) long, so fewer than n may come back; an empty axis gives
// n empty pieces.
func TestChunkCounts(t *testing.T) {
	for _, c := range []struct{ size, n int }{{5, 3}, {6, 3}, {6, 4}, {3, 6}, {0, 3}, {1, 1}, {7, 2}} {
		pieces := Zeros([]int{c.size}).Chunk(c.n, 0)
		var want []int
		if c.size == 0 {
			want = make([]int, c.n)
		} else {
			step := (c.size + c.n - 1) / c.n
			for s := 0; s < c.size; s += step {
				want = append(want, min(step, c.size-s))
			}
		}
		got := make([]int, len(pieces))
		for i, p := range pieces {
			got[i] = p.Size(0)
		}
		if len(got) != len(want) {
			t.Errorf("chunk(%d) of %d: sizes %v, want %v", c.n, c.size, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("chunk(%d) of %d: sizes %v, want %v", c.n, c.size, got, want)
				break
			}
		}
	}
}

// TestRollMatchesNaive compares Roll with an index computation.
func TestRollMatchesNaive(t *testing.T) {
	x := Arange(0, 12, 1).Reshape(3, 4)
	for _, shift := range []int{-13, -5, -1, 0, 1, 3, 4, 11, 25} {
		got := x.Roll(shift).Ints()
		for i := range 12 {
			want := ((i-shift)%12 + 12) % 12
			if got[i] != want {
				t.Fatalf("roll(%d) flat: element %d = %d, want %d", shift, i, got[i], want)
			}
		}
		got = x.Roll(shift, 1).Ints()
		for r := range 3 {
			for c := range 4 {
				want := r*4 + ((c-shift)%4+4)%4
				if got[r*4+c] != want {
					t.Fatalf("roll(%d, 1): element (%d,%d) = %d, want %d", shift, r, c, got[r*4+c], want)
				}
			}
		}
	}
}

func TestShapeErrors(t *testing.T) {
	x := Zeros([]int{2, 3})
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"cat_none", func() { Cat(nil, 0) }, "expected a non-empty list of Tensors"},
		{"cat_scalar", func() { Cat([]*Tensor{Scalar(1.0), Scalar(2.0)}, 0) }, "zero-dimensional tensor cannot be concatenated"},
		{"cat_rank", func() { Cat([]*Tensor{x, Zeros([]int{2, 3, 1})}, 0) }, "tensors must have same number of dimensions: got 2 and 3"},
		{"cat_sizes", func() { Cat([]*Tensor{x, Zeros([]int{3, 3})}, 1) }, "sizes of tensors must match except in dimension 1; expected size 2 but got size 3 for tensor number 1 in the list"},
		{"cat_axis", func() { Cat([]*Tensor{x, x}, 2) }, "axis 2 is out of range"},
		{"stack_none", func() { Stack(nil, 0) }, "stack expects a non-empty list of tensors"},
		{"stack_sizes", func() { Stack([]*Tensor{x, Zeros([]int{3, 2})}, 0) }, "stack expects each tensor to be equal size, but got [2 3] at entry 0 and [3 2] at entry 1"},
		{"stack_axis", func() { Stack([]*Tensor{x, x}, 3) }, "axis 3 is out of range for a tensor of rank 3"},
		{"split_size", func() { x.Split(0, 0) }, "split_size must be positive, got 0"},
		{"split_sizes_sum", func() { x.SplitSizes([]int{1, 1}, 1) }, "split_with_sizes expects split_sizes to sum exactly to 3"},
		{"split_sizes_neg", func() { x.SplitSizes([]int{4, -1}, 1) }, "split sizes must be non-negative"},
		{"chunk_n", func() { x.Chunk(0, 0) }, "chunk expects `chunks` to be greater than 0, got: 0"},
		{"unbind_axis", func() { x.Unbind(-3) }, "axis -3 is out of range"},
		{"repeat_fewer", func() { x.Repeat(2) }, "number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"},
		{"repeat_neg", func() { x.Repeat(1, -1) }, "repeats must be non-negative"},
		{"flip_repeat", func() { x.Flip(0, -2) }, "dim 0 appears multiple times in the list of dims"},
		{"roll_axis", func() { x.Roll(1, 2) }, "axis 2 is out of range"},
		{"tril_1d", func() { Zeros([]int{3}).Tril(0) }, "tril: input tensor must have at least 2 dimensions"},
		{"triu_1d", func() { Zeros([]int{3}).Triu(0) }, "triu: input tensor must have at least 2 dimensions"},
		{"pad_odd", func() { x.Pad([]int{1}, PadConstant, 0) }, "padding length must be even"},
		{"pad_long", func() { x.Pad([]int{1, 1, 1, 1, 1, 1}, PadConstant, 0) }, "at most twice the rank (2), got 6"},
		{"pad_negative_size", func() { x.Pad([]int{-2, -2}, PadConstant, 0) }, "the input size 3, plus negative padding -2 and -2 resulted in a negative output size"},
		{"pad_crop_too_much", func() { x.Pad([]int{-4, 5}, PadConstant, 0) }, "resulted in a negative output size"},
		{"pad_reflect_large", func() { x.Pad([]int{3, 0}, PadReflect, 0) }, "padding size should be less than the corresponding input dimension, but got: padding (3, 0) at dimension 1"},
		{"pad_circular_large", func() { x.Pad([]int{0, 4}, PadCircular, 0) }, "padding value causes wrapping around more than once"},
		{"pad_replicate_empty", func() { Zeros([]int{2, 0}).Pad([]int{1, 1}, PadReplicate, 0) }, "cannot pad an empty dimension"},
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
