package ember

import (
	"slices"
	"strings"
	"testing"
)

// viewChains mirror the chains of testdata/gen/views.py.
var viewChains = map[string]func(x *Tensor) *Tensor{
	"a": func(x *Tensor) *Tensor {
		return x.Transpose(0, 1).Slice(0, 1, 1<<40, 2).Unsqueeze(1).Expand(-1, 3, -1, -1).Reshape(-1)
	},
	"b": func(x *Tensor) *Tensor { return x.Permute(2, 0, 1).Diagonal(0, 1, 2).Narrow(1, 1, 2).T() },
	"c": func(x *Tensor) *Tensor {
		return x.Select(2, 1).Flatten(0, 1).Unflatten(0, 2, -1).Slice(1, 0, 1<<40, 2)
	},
	"d": func(x *Tensor) *Tensor {
		return x.Transpose(0, 2).Transpose(0, 2).Reshape(2, 3, 2, 4).MT().Unsqueeze(0).Squeeze(0).Select(-1, 1)
	},
}

func init() {
	reg := func(name string, f func(a goldenArgs, x *Tensor) *Tensor) {
		registerGolden(name, one(func(a goldenArgs, in []*Tensor) *Tensor { return f(a, in[0]) }))
	}
	reg("reshape", func(a goldenArgs, x *Tensor) *Tensor { return x.Reshape(a.Ints("shape")...) })
	reg("view", func(a goldenArgs, x *Tensor) *Tensor { return x.View(a.Ints("shape")...) })
	reg("flatten", func(a goldenArgs, x *Tensor) *Tensor { return x.Flatten(a.Int("start", 0), a.Int("end", -1)) })
	reg("unflatten", func(a goldenArgs, x *Tensor) *Tensor { return x.Unflatten(a.Int("axis", 0), a.Ints("sizes")...) })
	reg("squeeze", func(a goldenArgs, x *Tensor) *Tensor { return x.Squeeze(a.Ints("axes")...) })
	reg("unsqueeze", func(a goldenArgs, x *Tensor) *Tensor { return x.Unsqueeze(a.Int("axis", 0)) })
	reg("permute", func(a goldenArgs, x *Tensor) *Tensor { return x.Permute(a.Ints("dims")...) })
	reg("transpose", func(a goldenArgs, x *Tensor) *Tensor { return x.Transpose(a.Int("a", 0), a.Int("b", 1)) })
	reg("t", func(a goldenArgs, x *Tensor) *Tensor { return x.T() })
	reg("mT", func(a goldenArgs, x *Tensor) *Tensor { return x.MT() })
	reg("narrow", func(a goldenArgs, x *Tensor) *Tensor {
		return x.Narrow(a.Int("axis", 0), a.Int("start", 0), a.Int("length", 0))
	})
	reg("slice", func(a goldenArgs, x *Tensor) *Tensor {
		return x.Slice(a.Int("axis", 0), a.Int("start", 0), a.Int("end", 0), a.Int("step", 1))
	})
	reg("select", func(a goldenArgs, x *Tensor) *Tensor { return x.Select(a.Int("axis", 0), a.Int("i", 0)) })
	reg("expand", func(a goldenArgs, x *Tensor) *Tensor { return x.Expand(a.Ints("shape")...) })
	reg("broadcast_to", func(a goldenArgs, x *Tensor) *Tensor { return x.BroadcastTo(a.Ints("shape")...) })
	registerGolden("expand_as", one(func(a goldenArgs, in []*Tensor) *Tensor { return in[0].ExpandAs(in[1]) }))
	reg("diagonal", func(a goldenArgs, x *Tensor) *Tensor {
		return x.Diagonal(a.Int("offset", 0), a.Int("a", 0), a.Int("b", 1))
	})
	reg("contiguous", func(a goldenArgs, x *Tensor) *Tensor { return x.Contiguous() })
	reg("clone", func(a goldenArgs, x *Tensor) *Tensor { return x.Clone() })
	reg("view_chain", func(a goldenArgs, x *Tensor) *Tensor { return viewChains[a.String("chain", "")](x) })

	// Finite-difference checks, second order included (views are linear, so
	// the second derivative is zero, which checks that the backward of the
	// backward is wired).
	unary := func(name string, shape []int, f func(x *Tensor) *Tensor) {
		s := uint64(len(gradCases) + 500)
		addGradCheck(gradCase{name: name, secondOrder: true,
			inputs: func() []*Tensor { return []*Tensor{randT(s, -2, 2, shape...)} },
			f: func(in []*Tensor) *Tensor {
				// Multiply by the input so the second derivative is not zero.
				return f(in[0]).Mul(f(in[0]))
			}})
	}
	unary("reshape_view", []int{2, 3, 4}, func(x *Tensor) *Tensor { return x.Reshape(4, -1) })
	unary("reshape_copy", []int{3, 4}, func(x *Tensor) *Tensor { return x.T().Reshape(-1) })
	unary("view", []int{2, 6}, func(x *Tensor) *Tensor { return x.View(3, 4) })
	unary("flatten_unflatten", []int{2, 3, 4}, func(x *Tensor) *Tensor { return x.Flatten(1, 2).Unflatten(1, 4, 3) })
	unary("squeeze_unsqueeze", []int{3, 1, 2}, func(x *Tensor) *Tensor { return x.Squeeze(1).Unsqueeze(-1) })
	unary("permute", []int{2, 3, 4}, func(x *Tensor) *Tensor { return x.Permute(2, 0, 1) })
	unary("transpose", []int{2, 3, 4}, func(x *Tensor) *Tensor { return x.Transpose(0, 2) })
	unary("transpose_scalar", []int{1}, func(x *Tensor) *Tensor { return x.Reshape().Transpose(0, 0).Reshape(1) })
	unary("mT", []int{2, 3, 4}, func(x *Tensor) *Tensor { return x.MT() })
	unary("narrow", []int{5, 3}, func(x *Tensor) *Tensor { return x.Narrow(0, 1, 3) })
	unary("slice_step", []int{7, 3}, func(x *Tensor) *Tensor { return x.Slice(0, -6, 7, 2) })
	unary("select", []int{4, 3}, func(x *Tensor) *Tensor { return x.Select(1, -1) })
	unary("expand", []int{3, 1}, func(x *Tensor) *Tensor { return x.Expand(2, 3, 4) })
	unary("diagonal", []int{3, 4, 5}, func(x *Tensor) *Tensor { return x.Diagonal(-1, 2, 0) })
	unary("clone", []int{2, 3}, func(x *Tensor) *Tensor { return x.T().Clone() })
	for name, f := range viewChains {
		unary("chain_"+name, []int{4, 3, 4}, f)
	}
}

// TestViewsShareStorage checks that views alias their base (writes to the
// base show through the view), and that copies do not.
func TestViewsShareStorage(t *testing.T) {
	mk := func() *Tensor { return Arange(0, 24, 1, Float32).Reshape(2, 3, 4) }
	cases := []struct {
		name string
		f    func(x *Tensor) *Tensor
		view bool
	}{
		{"reshape", func(x *Tensor) *Tensor { return x.Reshape(6, 4) }, true},
		{"view", func(x *Tensor) *Tensor { return x.View(-1) }, true},
		{"flatten", func(x *Tensor) *Tensor { return x.Flatten(0, 1) }, true},
		{"unflatten", func(x *Tensor) *Tensor { return x.Unflatten(2, 2, 2) }, true},
		{"squeeze", func(x *Tensor) *Tensor { return x.Unsqueeze(0).Squeeze() }, true},
		{"permute", func(x *Tensor) *Tensor { return x.Permute(2, 0, 1) }, true},
		{"transpose", func(x *Tensor) *Tensor { return x.Transpose(0, 1) }, true},
		{"mT", func(x *Tensor) *Tensor { return x.MT() }, true},
		{"narrow", func(x *Tensor) *Tensor { return x.Narrow(2, 1, 2) }, true},
		{"slice", func(x *Tensor) *Tensor { return x.Slice(2, 0, 4, 3) }, true},
		{"select", func(x *Tensor) *Tensor { return x.Select(1, 2) }, true},
		{"expand", func(x *Tensor) *Tensor { return x.Unsqueeze(0).Expand(3, -1, -1, -1) }, true},
		{"diagonal", func(x *Tensor) *Tensor { return x.Diagonal(1, 1, 2) }, true},
		{"split", func(x *Tensor) *Tensor { return x.Split(2, 2)[1] }, true},
		{"chunk", func(x *Tensor) *Tensor { return x.Chunk(3, 1)[2] }, true},
		{"unbind", func(x *Tensor) *Tensor { return x.Unbind(0)[1] }, true},
		{"contiguous_of_contiguous", func(x *Tensor) *Tensor { return x.Contiguous() }, true},
		{"transpose_then_view", func(x *Tensor) *Tensor { return x.Transpose(0, 2).View(4, 3, 2) }, true},
		{"reshape_of_transpose", func(x *Tensor) *Tensor { return x.Transpose(0, 2).Reshape(-1) }, false},
		{"contiguous_of_transpose", func(x *Tensor) *Tensor { return x.Transpose(0, 1).Contiguous() }, false},
		{"clone", func(x *Tensor) *Tensor { return x.Clone() }, false},
		{"repeat_ones", func(x *Tensor) *Tensor { return x.Repeat(1, 1, 1) }, false},
		{"flip", func(x *Tensor) *Tensor { return x.Flip(0) }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := mk()
			v := c.f(x)
			before := v.Float64s()
			if got := v.SharesStorage(x); got != c.view {
				t.Fatalf("SharesStorage = %v, want %v", got, c.view)
			}
			// Overwrite the base; a view must see the new values, a copy not.
			x.be().Fill(x.view(), -1)
			after := v.Float64s()
			for i, a := range after {
				if c.view && a != -1 {
					t.Fatalf("element %d of the view is %v after the base was set to -1", i, a)
				}
				if !c.view && a != before[i] {
					t.Fatalf("element %d of the copy changed from %v to %v", i, before[i], a)
				}
			}
		})
	}
}

// TestViewLayouts checks strides and offsets against PyTorch's for views
// of a contiguous [2, 3, 4] tensor.
func TestViewLayouts(t *testing.T) {
	x := Zeros([]int{2, 3, 4})
	cases := []struct {
		name    string
		v       *Tensor
		shape   []int
		strides []int
		offset  int
	}{
		{"transpose", x.Transpose(0, 2), []int{4, 3, 2}, []int{1, 4, 12}, 0},
		{"slice", x.Slice(2, 1, 4, 2), []int{2, 3, 2}, []int{12, 4, 2}, 1},
		{"select", x.Select(1, 2), []int{2, 4}, []int{12, 1}, 8},
		{"diagonal", x.Diagonal(1, 1, 2), []int{2, 3}, []int{12, 5}, 1},
		{"diagonal_neg", x.Diagonal(-1, 1, 2), []int{2, 2}, []int{12, 5}, 4},
		{"expand", x.Select(2, 0).Unsqueeze(2).Expand(2, 3, 5), []int{2, 3, 5}, []int{12, 4, 0}, 0},
		{"unsqueeze_end", x.Unsqueeze(3), []int{2, 3, 4, 1}, []int{12, 4, 1, 1}, 0},
		{"unsqueeze_mid", x.Unsqueeze(1), []int{2, 1, 3, 4}, []int{12, 12, 4, 1}, 0},
		{"view_of_transpose", x.Transpose(1, 2).View(2, 2, 2, 3), []int{2, 2, 2, 3}, []int{12, 2, 1, 4}, 0},
		{"slice_from", x.SliceFrom(1, -2), []int{2, 2, 4}, []int{12, 4, 1}, 4},
		{"narrow_neg_start", x.Narrow(2, -3, 2), []int{2, 3, 2}, []int{12, 4, 1}, 1},
	}
	for _, c := range cases {
		if !slices.Equal(c.v.Shape(), c.shape) || !slices.Equal(c.v.Strides(), c.strides) || c.v.Offset() != c.offset {
			t.Errorf("%s: shape %v strides %v offset %d, want %v %v %d", c.name, c.v.Shape(), c.v.Strides(), c.v.Offset(), c.shape, c.strides, c.offset)
		}
	}
}

// TestViewGradFns checks the grad_fn names against PyTorch's.
func TestViewGradFns(t *testing.T) {
	x := Ones([]int{2, 3, 4}).SetRequiresGrad(true)
	cases := []struct {
		v    *Tensor
		want string
	}{
		{x.View(6, 4), "ViewBackward0"},
		{x.Permute(1, 0, 2), "PermuteBackward0"},
		{x.Transpose(0, 2), "TransposeBackward0"},
		{x.Narrow(0, 0, 1), "SliceBackward0"},
		{x.Select(0, 1), "SelectBackward0"},
		{x.Unsqueeze(0), "UnsqueezeBackward0"},
		{x.Unsqueeze(0).Expand(2, 2, 3, 4), "ExpandBackward0"},
		{x.Diagonal(0, 0, 1), "DiagonalBackward0"},
		{x.Clone(), "CloneBackward0"},
	}
	for _, c := range cases {
		if got := c.v.GradFn(); got != c.want {
			t.Errorf("grad_fn %q, want %q", got, c.want)
		}
	}
}

// TestViewErrors checks the panics of bad view arguments.
func TestViewErrors(t *testing.T) {
	x := Zeros([]int{2, 3, 4})
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"view_noncontig", func() { x.Transpose(0, 1).View(-1) }, "view size is not compatible with input tensor's size and stride"},
		{"reshape_two_infer", func() { x.Reshape(-1, -1) }, "only one dimension can be inferred"},
		{"reshape_bad_size", func() { x.Reshape(5, 5) }, "shape [5 5] is invalid for input of size 24"},
		{"reshape_neg", func() { x.Reshape(-2, 12) }, "invalid shape dimension -2"},
		{"reshape_infer_zero", func() { Zeros([]int{0, 3}).Reshape(-1, 0) }, "is invalid for input of size 0"},
		{"flatten_order", func() { x.Flatten(2, 1) }, "start_dim cannot come after end_dim"},
		{"flatten_axis", func() { x.Flatten(0, 3) }, "axis 3 is out of range for a tensor of rank 3"},
		{"flatten_scalar_axis", func() { Scalar(1.0).Flatten(0, 1) }, "axis 1 is out of range for a tensor of rank 0"},
		{"unflatten_sizes", func() { x.Unflatten(1, 2, 2) }, "shape [2 2] is invalid for input of size 3"},
		{"squeeze_axis", func() { x.Squeeze(3) }, "axis 3 is out of range"},
		{"unsqueeze_axis", func() { x.Unsqueeze(4) }, "axis 4 is out of range for a tensor of rank 4"},
		{"permute_len", func() { x.Permute(0, 1) }, "number of dims don't match in permute"},
		{"permute_repeat", func() { x.Permute(0, 1, 1) }, "repeated dim 1"},
		{"transpose_axis", func() { x.Transpose(0, -4) }, "axis -4 is out of range"},
		{"T_3d", func() { x.T() }, "T expects a tensor with <= 2 dimensions, but it has 3"},
		{"mT_1d", func() { Zeros([]int{3}).MT() }, "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor."},
		{"narrow_past_end", func() { x.Narrow(2, 3, 2) }, "start (3) + length (2) exceeds dimension size (4)"},
		{"narrow_neg_length", func() { x.Narrow(2, 0, -1) }, "exceeds dimension size"},
		{"slice_step", func() { x.Slice(0, 0, 2, 0) }, "slice step must be positive, got 0"},
		{"select_index", func() { x.Select(1, 3) }, "index 3 is out of bounds for dimension 1 with size 3"},
		{"select_neg_index", func() { x.Select(1, -4) }, "index -4 is out of bounds for dimension 1 with size 3"},
		{"expand_fewer", func() { x.Expand(3, 4) }, "the number of sizes provided (2) must be greater or equal to the number of dimensions in the tensor (3)"},
		{"expand_mismatch", func() { x.Expand(2, 5, 4) }, "the expanded size of the tensor (5) must match the existing size (3) at non-singleton dimension 1"},
		{"expand_lead_neg", func() { x.Expand(-1, 2, 3, 4) }, "not allowed in a leading, non-existing dimension"},
		{"expand_neg_size", func() { Zeros([]int{1}).Expand(-2) }, "the expanded size -2 at dimension 0 is invalid"},
		{"diagonal_same", func() { x.Diagonal(0, 1, -2) }, "diagonal dimensions cannot be identical 1, 1"},
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
