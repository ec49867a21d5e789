package ember

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// convOptsOf reads ConvOptions from fixture arguments.
func convOptsOf(a goldenArgs) ConvOptions {
	return ConvOptions{
		Stride:        a.Ints("stride"),
		Padding:       a.Ints("padding"),
		Dilation:      a.Ints("dilation"),
		Groups:        a.Int("groups", 1),
		PaddingPreset: ConvPadding(a.String("padding_preset", "")),
		OutputPadding: a.Ints("output_padding"),
	}
}

// optIn returns in[i], or nil when the fixture has fewer inputs.
func optIn(in []*Tensor, i int) *Tensor {
	if i < len(in) {
		return in[i]
	}
	return nil
}

// gradOfInput returns d(sum(f(in)·v))/d in[i] as a tensor that is itself
// differentiable (CreateGraph), for checking second derivatives. An input
// that does not require grad is differentiated through a leaf alias.
func gradOfInput(in []*Tensor, i int, v *Tensor, f func([]*Tensor) *Tensor) *Tensor {
	var r *Tensor
	EnableGrad(func() {
		cp := slices.Clone(in)
		if !cp[i].RequiresGrad() {
			cp[i] = cp[i].Detach().SetRequiresGrad(true)
		}
		r = Grad([]*Tensor{f(cp)}, []*Tensor{cp[i]}, WithGradient(v), CreateGraph(), AllowUnused())[0]
		if r == nil {
			r = ZerosLike(cp[i])
		}
	})
	return r
}

func init() {
	convs := map[string]func(x, w, b *Tensor, o ConvOptions) *Tensor{
		"conv2d": Conv2d, "conv1d": Conv1d, "conv_transpose2d": ConvTranspose2d, "conv_transpose1d": ConvTranspose1d,
	}
	for name, f := range convs {
		registerGolden(name, one(func(a goldenArgs, in []*Tensor) *Tensor {
			return f(in[0], in[1], optIn(in, 2), convOptsOf(a))
		}))
	}
	for i, name := range []string{"conv2d_grad_input", "conv2d_grad_weight"} {
		registerGolden(name, one(func(a goldenArgs, in []*Tensor) *Tensor {
			o := convOptsOf(a)
			return gradOfInput(in[:2], i, in[2], func(t []*Tensor) *Tensor { return Conv2d(t[0], t[1], nil, o) })
		}))
	}

	// Gradient checks in float64 on small sizes.
	type cc struct {
		name       string
		x, w       []int
		bias       int
		opts       ConvOptions
		transposed bool
		oneD       bool
	}
	cases := []cc{
		{name: "conv2d", x: []int{2, 2, 4, 5}, w: []int{3, 2, 2, 3}, bias: 3, opts: ConvOptions{Padding: []int{1}}},
		{name: "conv2d_strided_dilated", x: []int{1, 2, 6, 5}, w: []int{2, 2, 2, 2}, opts: ConvOptions{Stride: []int{2, 1}, Dilation: []int{2}}},
		{name: "conv2d_groups", x: []int{1, 4, 4, 4}, w: []int{4, 2, 3, 3}, bias: 4, opts: ConvOptions{Groups: 2, Padding: []int{1}}},
		{name: "conv2d_same_even", x: []int{1, 1, 4, 4}, w: []int{2, 1, 2, 2}, opts: ConvOptions{PaddingPreset: PaddingSame}},
		{name: "conv1d", x: []int{2, 2, 6}, w: []int{2, 2, 3}, bias: 2, opts: ConvOptions{Stride: []int{2}, Padding: []int{1}}, oneD: true},
		{name: "conv_transpose2d", x: []int{1, 2, 3, 3}, w: []int{2, 2, 2, 3}, bias: 2, opts: ConvOptions{Stride: []int{2}, Padding: []int{1}, OutputPadding: []int{1}}, transposed: true},
		{name: "conv_transpose2d_groups", x: []int{2, 4, 2, 3}, w: []int{4, 1, 2, 2}, opts: ConvOptions{Groups: 2, Dilation: []int{2}}, transposed: true},
		{name: "conv_transpose1d", x: []int{1, 2, 4}, w: []int{2, 3, 3}, bias: 3, opts: ConvOptions{Stride: []int{3}}, transposed: true, oneD: true},
	}
	for k, c := range cases {
		f := Conv2d
		switch {
		case c.transposed && c.oneD:
			f = ConvTranspose1d
		case c.transposed:
			f = ConvTranspose2d
		case c.oneD:
			f = Conv1d
		}
		s := uint64(300 + 10*k)
		inputs := func() []*Tensor {
			in := []*Tensor{randT(s, -1, 1, c.x...), randT(s+1, -1, 1, c.w...)}
			if c.bias > 0 {
				in = append(in, randT(s+2, -1, 1, c.bias))
			}
			return in
		}
		apply := func(in []*Tensor) *Tensor { return f(in[0], in[1], optIn(in, 2), c.opts) }
		addGradCheck(gradCase{name: c.name, secondOrder: true, inputs: inputs, f: apply})
		// Mixed second derivatives: the input gradient as a function of the
		// weight, and the weight gradient as a function of the input, each
		// checked to third order.
		for which := range 2 {
			addGradCheck(gradCase{name: fmt.Sprintf("%s_grad%d", c.name, which), secondOrder: true, inputs: inputs,
				f: func(in []*Tensor) *Tensor {
					var out *Tensor
					NoGrad(func() { out = apply(in) })
					v := randT(s+5, -1, 1, out.shape...).Detach()
					return gradOfInput(in, which, v, apply)
				}})
		}
	}
}

func TestConvAgainstNaive(t *testing.T) {
	// A direct float64 loop over the definition, for a case with every
	// option at once.
	x := randT(1, -1, 1, 2, 4, 7, 6).Detach()
	w := randT(2, -1, 1, 6, 2, 3, 2).Detach()
	b := randT(3, -1, 1, 6).Detach()
	sh, sw, ph, pw, dh, dw, g := 2, 1, 1, 2, 2, 3, 2
	got := Conv2d(x, w, b, ConvOptions{Stride: []int{sh, sw}, Padding: []int{ph, pw}, Dilation: []int{dh, dw}, Groups: g})
	xs, ws, bs := x.Float64s(), w.Float64s(), b.Float64s()
	n, c, h, wd := 2, 4, 7, 6
	o, cg, kh, kw := 6, 2, 3, 2
	oh := (h+2*ph-dh*(kh-1)-1)/sh + 1
	ow := (wd+2*pw-dw*(kw-1)-1)/sw + 1
	want := make([]float64, n*o*oh*ow)
	for ni := range n {
		for oi := range o {
			grp := oi / (o / g)
			for y := range oh {
				for xx := range ow {
					s := bs[oi]
					for ci := range cg {
						for i := range kh {
							for j := range kw {
								iy, ix := y*sh-ph+i*dh, xx*sw-pw+j*dw
								if iy < 0 || iy >= h || ix < 0 || ix >= wd {
									continue
								}
								s += xs[((ni*c+grp*cg+ci)*h+iy)*wd+ix] * ws[((oi*cg+ci)*kh+i)*kw+j]
							}
						}
					}
					want[((ni*o+oi)*oh+y)*ow+xx] = s
				}
			}
		}
	}
	assertClose(t, "conv2d", got, []int{n, o, oh, ow}, want, 1e-12, 1e-12)
}

func TestConvHalfAndDTypes(t *testing.T) {
	x := randT(5, -1, 1, 1, 2, 4, 4).Detach()
	w := randT(6, -1, 1, 3, 2, 3, 3).Detach()
	want := Conv2d(x, w, nil, ConvOptions{Padding: []int{1}})
	got := Conv2d(x.To(BFloat16), w.To(BFloat16), nil, ConvOptions{Padding: []int{1}})
	if got.DType() != BFloat16 {
		t.Fatalf("dtype %v, want bfloat16", got.DType())
	}
	assertClose(t, "bfloat16 conv", got, want.Shape(), want.Float64s(), 5e-2, 5e-2)
	// Gradients of a half-precision convolution come back in its dtype.
	xh := x.To(Float16).SetRequiresGrad(true)
	Conv2d(xh, w.To(Float16), nil, ConvOptions{}).Sum().Backward()
	if xh.Grad() == nil || xh.Grad().DType() != Float16 {
		t.Fatalf("float16 input gradient: %v", xh.Grad())
	}
}

func TestConvErrors(t *testing.T) {
	x := Zeros([]int{1, 2, 5, 5})
	w := Zeros([]int{3, 2, 3, 3})
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"rank", func() { Conv2d(Zeros([]int{2, 5}), w, nil, ConvOptions{}) }, "Expected 3D (unbatched) or 4D (batched) input to conv2d"},
		{"weight rank", func() { Conv2d(x, Zeros([]int{3, 2, 3}), nil, ConvOptions{}) }, "expected weight to be 4D"},
		{"channels", func() { Conv2d(x, Zeros([]int{3, 3, 3, 3}), nil, ConvOptions{}) }, "expected input[1 2 5 5] to have 3 channels, but got 2 channels instead"},
		{"groups divide weight", func() { Conv2d(Zeros([]int{1, 4, 5, 5}), Zeros([]int{3, 2, 3, 3}), nil, ConvOptions{Groups: 2}) }, "expected weight to be divisible by 2"},
		{"bias", func() { Conv2d(x, w, Zeros([]int{2}), ConvOptions{}) }, "expected bias to be 1-dimensional with 3 elements"},
		{"kernel too big", func() { Conv2d(x, Zeros([]int{3, 2, 7, 3}), nil, ConvOptions{}) }, "Kernel size can't be greater than actual input size"},
		{"stride", func() { Conv2d(x, w, nil, ConvOptions{Stride: []int{0}}) }, "stride should be positive"},
		{"padding", func() { Conv2d(x, w, nil, ConvOptions{Padding: []int{-1}}) }, "padding should be non-negative"},
		{"arity", func() { Conv2d(x, w, nil, ConvOptions{Stride: []int{1, 2, 3}}) }, "expected stride to be a single integer value or a list of 2 values"},
		{"same strided", func() { Conv2d(x, w, nil, ConvOptions{Stride: []int{2}, PaddingPreset: PaddingSame}) }, "padding='same' is not supported for strided convolutions"},
		{"bad preset", func() { Conv2d(x, w, nil, ConvOptions{PaddingPreset: "full"}) }, "Invalid padding string 'full'"},
		{"dtype mix", func() { Conv2d(x, w.To(Float64), nil, ConvOptions{}) }, "expected scalar type float32 but found float64"},
		{"int input", func() { Conv2d(x.To(Int64), w.To(Int64), nil, ConvOptions{}) }, "not implemented for 'int64'"},
		{"groups negative", func() { Conv2d(x, w, nil, ConvOptions{Groups: -1}) }, "non-positive groups"},
		{"transpose channels", func() { ConvTranspose2d(x, Zeros([]int{3, 2, 3, 3}), nil, ConvOptions{}) }, "Given transposed=1, weight of size [3 2 3 3], expected input[1 2 5 5] to have 3 channels"},
		{"transpose output padding", func() { ConvTranspose2d(x, Zeros([]int{2, 2, 3, 3}), nil, ConvOptions{OutputPadding: []int{1}}) }, "output padding must be smaller than either stride or dilation"},
		{"transpose preset", func() { ConvTranspose2d(x, Zeros([]int{2, 2, 3, 3}), nil, ConvOptions{PaddingPreset: PaddingSame}) }, "string padding is not supported"},
		{"transpose too small", func() { ConvTranspose2d(x, Zeros([]int{2, 2, 1, 1}), nil, ConvOptions{Padding: []int{3}}) }, "is too small"},
		{"conv1d rank", func() { Conv1d(Zeros([]int{1, 2, 3, 4}), Zeros([]int{1, 2, 3}), nil, ConvOptions{}) }, "Expected 2D (unbatched) or 3D (batched) input to conv1d"},
	}
	for _, c := range cases {
		err := Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func ExampleConv2d() {
	// A 3×3 box filter over a 4×4 image with "same" padding.
	x := Arange(0, 16, 1, Float32).Reshape(1, 1, 4, 4)
	w := Ones([]int{1, 1, 3, 3})
	y := Conv2d(x, w, nil, ConvOptions{PaddingPreset: PaddingSame})
	fmt.Println(y.Shape())
	fmt.Println(y.Reshape(4, 4).Value())
	// Output:
	// [1 1 4 4]
	// [[10 18 24 18] [27 45 54 39] [51 81 90 63] [42 66 72 50]]
}

// BenchmarkConv2d times one forward and backward pass of a 3×3 convolution
// on a small CNN-sized batch.
func BenchmarkConv2d(b *testing.B) {
	x := Randn([]int{32, 16, 32, 32}, NewGenerator(1))
	w := Randn([]int{32, 16, 3, 3}, NewGenerator(2)).SetRequiresGrad(true)
	bias := Zeros([]int{32}).SetRequiresGrad(true)
	xr := x.Detach().SetRequiresGrad(true)
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			NoGrad(func() { Conv2d(x, w, bias, ConvOptions{Padding: []int{1}}) })
		}
	})
	b.Run("forward_backward", func(b *testing.B) {
		for b.Loop() {
			Conv2d(xr, w, bias, ConvOptions{Padding: []int{1}}).Sum().Backward()
		}
	})
}

// TestConvFilterBiasFused checks the weight and bias gradients a float32
// convolution gets from the backend's fused kernel (one pass over the output
// gradient) against the separate kernels that CreateGraph uses, and against
// float64: stride 1 (the fused path), groups, and a strided convolution
// (the backend's fallback).
func TestConvFilterBiasFused(t *testing.T) {
	for _, c := range []struct {
		name string
		opts ConvOptions
		cin  int
	}{
		{"fewtaps", ConvOptions{Padding: []int{1}}, 2},
		{"stride1", ConvOptions{Padding: []int{1}}, 4},
		{"manytaps", ConvOptions{Padding: []int{1}}, 8},
		{"groups", ConvOptions{Padding: []int{1}, Groups: 2}, 8},
		{"strided", ConvOptions{Padding: []int{1}, Stride: []int{2}}, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			x64 := randT(11, -1, 1, 3, c.cin, 9, 10).Detach()
			w64 := randT(12, -1, 1, 8, c.cin/max(1, c.opts.Groups), 3, 3).Detach()
			b64 := randT(13, -1, 1, 8).Detach()
			grads := func(dt DType, opts ...BackwardOption) (gw, gb []float64) {
				x := x64.To(dt)
				w, b := w64.To(dt).SetRequiresGrad(true), b64.To(dt).SetRequiresGrad(true)
				y := Conv2d(x, w, b, c.opts)
				y.Mul(y).Sum().Backward(opts...)
				return w.Grad().Float64s(), b.Grad().Float64s()
			}
			gw, gb := grads(Float32)
			sw, sb := grads(Float32, CreateGraph())
			rw, rb := grads(Float64)
			for i := range rw {
				if math.Abs(gw[i]-sw[i]) > 1e-4*(1+math.Abs(sw[i])) || math.Abs(gw[i]-rw[i]) > 1e-3*(1+math.Abs(rw[i])) {
					t.Fatalf("dw[%d] = %v, separate kernels %v, float64 %v", i, gw[i], sw[i], rw[i])
				}
			}
			for i := range rb {
				if math.Abs(gb[i]-sb[i]) > 1e-4*(1+math.Abs(sb[i])) || math.Abs(gb[i]-rb[i]) > 1e-3*(1+math.Abs(rb[i])) {
					t.Fatalf("db[%d] = %v, separate kernels %v, float64 %v", i, gb[i], sb[i], rb[i])
				}
			}
		})
	}
}
