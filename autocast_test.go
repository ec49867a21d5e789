package ember

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
)

// autocastOps are the ops of the autocast fixtures (testdata/gen/autocast.py)
// and of the policy table below, by fixture name.
var autocastOps = map[string]func(in []*Tensor) *Tensor{
	"matmul":         func(in []*Tensor) *Tensor { return in[0].Matmul(in[1]) },
	"matmul_batched": func(in []*Tensor) *Tensor { return in[0].Matmul(in[1]) },
	"mm":             func(in []*Tensor) *Tensor { return in[0].Mm(in[1]) },
	"bmm":            func(in []*Tensor) *Tensor { return in[0].Bmm(in[1]) },
	"scaled_dot_product_attention": func(in []*Tensor) *Tensor {
		return ScaledDotProductAttention(in[0], in[1], in[2], nil, 0, false, 0, nil)
	},
	"linear":        func(in []*Tensor) *Tensor { return Linear(in[0], in[1], in[2]) },
	"linear_nobias": func(in []*Tensor) *Tensor { return Linear(in[0], in[1], nil) },
	"linear_shared_weight": func(in []*Tensor) *Tensor {
		return Cat([]*Tensor{Linear(in[0], in[2], nil), Linear(in[1], in[2], nil)}, 0)
	},
	"einsum": func(in []*Tensor) *Tensor { return Einsum("bij,bjk->bik", in[0], in[1]) },
	"conv1d": func(in []*Tensor) *Tensor { return Conv1d(in[0], in[1], in[2], ConvOptions{Padding: []int{1}}) },
	"conv2d": func(in []*Tensor) *Tensor {
		return Conv2d(in[0], in[1], in[2], ConvOptions{Stride: []int{2}, Padding: []int{1}})
	},
	"conv_transpose1d": func(in []*Tensor) *Tensor {
		return ConvTranspose1d(in[0], in[1], in[2], ConvOptions{Stride: []int{2}})
	},
	"conv_transpose2d": func(in []*Tensor) *Tensor {
		return ConvTranspose2d(in[0], in[1], in[2], ConvOptions{Stride: []int{2}, Padding: []int{1}})
	},

	"exp":         func(in []*Tensor) *Tensor { return in[0].Exp() },
	"expm1":       func(in []*Tensor) *Tensor { return in[0].Expm1() },
	"log":         func(in []*Tensor) *Tensor { return in[0].Log() },
	"log2":        func(in []*Tensor) *Tensor { return in[0].Log2() },
	"log1p":       func(in []*Tensor) *Tensor { return in[0].Log1p() },
	"reciprocal":  func(in []*Tensor) *Tensor { return in[0].Reciprocal() },
	"rsqrt":       func(in []*Tensor) *Tensor { return in[0].Rsqrt() },
	"tan":         func(in []*Tensor) *Tensor { return in[0].Tan() },
	"softplus":    func(in []*Tensor) *Tensor { return in[0].Softplus(1, 20) },
	"pow":         func(in []*Tensor) *Tensor { return in[0].Pow(in[1]) },
	"pow_scalar":  func(in []*Tensor) *Tensor { return in[0].PowScalar(2.5) },
	"rpow_scalar": func(in []*Tensor) *Tensor { return in[0].RPowScalar(1.5) },
	"softmax":     func(in []*Tensor) *Tensor { return in[0].Softmax(-1) },
	"log_softmax": func(in []*Tensor) *Tensor { return in[0].LogSoftmax(1) },
	"sum":         func(in []*Tensor) *Tensor { return in[0].Sum() },
	"sum_axis":    func(in []*Tensor) *Tensor { return in[0].SumKeep(-1) },
	"prod":        func(in []*Tensor) *Tensor { return in[0].Prod(1) },
	"cumsum":      func(in []*Tensor) *Tensor { return in[0].Cumsum(1) },
	"cumprod":     func(in []*Tensor) *Tensor { return in[0].Cumprod(0) },
	"norm":        func(in []*Tensor) *Tensor { return in[0].Norm(2, 1) },
	"logsumexp":   func(in []*Tensor) *Tensor { return in[0].LogSumExp(1) },
	"interpolate": func(in []*Tensor) *Tensor {
		return Interpolate(in[0], InterpolateOptions{Size: []int{5, 4}, Mode: InterpBilinear})
	},
	"layer_norm": func(in []*Tensor) *Tensor { return LayerNorm(in[0], []int{4}, in[1], in[2], 1e-5) },
	"group_norm": func(in []*Tensor) *Tensor { return GroupNorm(in[0], 2, in[1], in[2], 1e-5) },
	"batch_norm": func(in []*Tensor) *Tensor {
		c := in[0].Size(1)
		dev := in[0].Device()
		return BatchNorm(in[0], Zeros([]int{c}, dev), Ones([]int{c}, dev), in[1], in[2], true, 0.1, 1e-5)
	},
	"rms_norm":       func(in []*Tensor) *Tensor { return RMSNorm(in[0], []int{4}, in[1], 1e-6) },
	"mse_loss":       func(in []*Tensor) *Tensor { return MSELoss(in[0], in[1], ReductionMean) },
	"l1_loss":        func(in []*Tensor) *Tensor { return L1Loss(in[0], in[1], ReductionMean) },
	"smooth_l1_loss": func(in []*Tensor) *Tensor { return SmoothL1Loss(in[0], in[1], 0.5, ReductionMean) },
	"huber_loss":     func(in []*Tensor) *Tensor { return HuberLoss(in[0], in[1], 0.7, ReductionMean) },
	"binary_cross_entropy": func(in []*Tensor) *Tensor {
		return BinaryCrossEntropy(in[0], in[1], nil, ReductionMean)
	},
	"binary_cross_entropy_with_logits": func(in []*Tensor) *Tensor {
		return BinaryCrossEntropyWithLogits(in[0], in[1], nil, nil, ReductionMean)
	},
	"kl_div": func(in []*Tensor) *Tensor { return KLDiv(in[0], in[1], ReductionBatchMean, false) },
	"margin_ranking_loss": func(in []*Tensor) *Tensor {
		return MarginRankingLoss(in[0], in[1], in[2], 0.2, ReductionMean)
	},
	"cosine_embedding_loss": func(in []*Tensor) *Tensor {
		return CosineEmbeddingLoss(in[0], in[1], in[2], 0.1, ReductionMean)
	},
	"nll_loss":      func(in []*Tensor) *Tensor { return NLLLoss(in[0], in[1], nil) },
	"cross_entropy": func(in []*Tensor) *Tensor { return CrossEntropy(in[0], in[1], nil) },

	"dot":         func(in []*Tensor) *Tensor { return in[0].Dot(in[1]) },
	"scatter_add": func(in []*Tensor) *Tensor { return in[0].ScatterAdd(1, in[1], in[2]) },

	"gelu": func(in []*Tensor) *Tensor { return in[0].Gelu() },
	"mean": func(in []*Tensor) *Tensor { return in[0].Mean(1) },
	"relu": func(in []*Tensor) *Tensor { return in[0].Relu() },
}

func init() {
	for name, f := range autocastOps {
		registerGolden("autocast_"+name, one(func(a goldenArgs, in []*Tensor) *Tensor {
			dt, err := ParseDType(a.String("dtype", ""))
			if err != nil {
				panic(err)
			}
			var out *Tensor
			Autocast(dt, func() { out = f(in) })
			return out
		}))
	}
}

// autocastCase is one op of the policy table: fresh float32 leaves, and
// the inputs (by index) that stand for 16-bit activations.
type autocastCase struct {
	name   string // a key of autocastOps
	policy string // the key of autocastPolicies it exercises
	inputs func() []*Tensor
	half   []int
}

// leaf returns a float32 leaf requiring grad with values in [lo, hi).
func leaf(seed uint64, lo, hi float64, shape ...int) *Tensor {
	return randT(seed, lo, hi, shape...).Detach().To(Float32).SetRequiresGrad(true)
}

func autocastCases() []autocastCase {
	one := func(lo, hi float64, shape ...int) func() []*Tensor {
		return func() []*Tensor { return []*Tensor{leaf(1, lo, hi, shape...)} }
	}
	ints := func(v ...int64) *Tensor { return FromSlice(v) }
	return []autocastCase{
		{"matmul", "matmul", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 3, 8), leaf(2, -2, 2, 8, 5)} }, nil},
		{"matmul_batched", "matmul", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 2, 3, 8), leaf(2, -2, 2, 8, 5)} }, nil},
		{"mm", "matmul", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 3, 8), leaf(2, -2, 2, 8, 2)} }, nil},
		{"bmm", "bmm", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 2, 3, 8), leaf(2, -2, 2, 2, 8, 5)} }, nil},
		{"scaled_dot_product_attention", "scaled_dot_product_attention", func() []*Tensor {
			return []*Tensor{leaf(1, -2, 2, 1, 2, 3, 4), leaf(2, -2, 2, 1, 2, 5, 4), leaf(3, -2, 2, 1, 2, 5, 3)}
		}, nil},
		{"linear", "linear", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 2, 3, 8), leaf(2, -1, 1, 5, 8), leaf(3, -1, 1, 5)} }, nil},
		{"linear_nobias", "linear", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 3, 8), leaf(2, -1, 1, 5, 8)} }, []int{0}},
		{"einsum", "einsum", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 2, 3, 8), leaf(2, -2, 2, 2, 8, 5)} }, nil},
		{"conv1d", "conv1d", func() []*Tensor {
			return []*Tensor{leaf(1, -2, 2, 2, 3, 8), leaf(2, -1, 1, 4, 3, 3), leaf(3, -1, 1, 4)}
		}, nil},
		{"conv2d", "conv2d", func() []*Tensor {
			return []*Tensor{leaf(1, -2, 2, 2, 3, 6, 6), leaf(2, -1, 1, 4, 3, 3, 3), leaf(3, -1, 1, 4)}
		}, nil},
		{"conv_transpose1d", "conv_transpose1d", func() []*Tensor {
			return []*Tensor{leaf(1, -2, 2, 2, 3, 5), leaf(2, -1, 1, 3, 4, 3), leaf(3, -1, 1, 4)}
		}, nil},
		{"conv_transpose2d", "conv_transpose2d", func() []*Tensor {
			return []*Tensor{leaf(1, -2, 2, 1, 3, 4, 4), leaf(2, -1, 1, 3, 2, 3, 3), leaf(3, -1, 1, 2)}
		}, nil},

		{"exp", "exp", one(-2, 2, 3, 4), []int{0}},
		{"expm1", "expm1", one(-2, 2, 3, 4), []int{0}},
		{"log", "log", one(0.2, 3, 3, 4), []int{0}},
		{"log2", "log2", one(0.2, 3, 3, 4), []int{0}},
		{"log1p", "log1p", one(0.2, 3, 3, 4), []int{0}},
		{"reciprocal", "reciprocal", one(0.2, 3, 3, 4), []int{0}},
		{"rsqrt", "rsqrt", one(0.2, 3, 3, 4), []int{0}},
		{"tan", "tan", one(-1, 1, 3, 4), []int{0}},
		{"softplus", "softplus", one(-2, 2, 3, 4), []int{0}},
		{"pow", "pow", func() []*Tensor { return []*Tensor{leaf(1, 0.2, 3, 3, 4), leaf(2, -2, 2, 3, 4)} }, []int{0, 1}},
		{"pow_scalar", "pow_scalar", one(0.2, 3, 3, 4), []int{0}},
		{"rpow_scalar", "rpow_scalar", one(-2, 2, 3, 4), []int{0}},
		{"softmax", "softmax", one(-4, 4, 3, 5), []int{0}},
		{"log_softmax", "log_softmax", one(-4, 4, 3, 5), []int{0}},
		{"sum", "sum", one(-2, 2, 3, 4), []int{0}},
		{"sum_axis", "sum", one(-2, 2, 3, 4), []int{0}},
		{"prod", "prod", one(0.5, 1.5, 2, 3), []int{0}},
		{"cumsum", "cumsum", one(-2, 2, 3, 4), []int{0}},
		{"cumprod", "cumprod", one(0.5, 1.5, 3, 4), []int{0}},
		{"norm", "norm", one(-2, 2, 3, 4), []int{0}},
		{"logsumexp", "logsumexp", one(-2, 2, 3, 4), []int{0}},
		{"interpolate", "interpolate", one(-2, 2, 1, 2, 3, 3), []int{0}},
		{"layer_norm", "layer_norm", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 2, 3, 4), leaf(2, 0.5, 1.5, 4), leaf(3, -1, 1, 4)} }, []int{0}},
		{"group_norm", "group_norm", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 2, 4, 3), leaf(2, 0.5, 1.5, 4), leaf(3, -1, 1, 4)} }, []int{0}},
		{"batch_norm", "batch_norm", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 4, 3, 2), leaf(2, 0.5, 1.5, 3), leaf(3, -1, 1, 3)} }, []int{0}},
		{"rms_norm", "rms_norm", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 2, 3, 4), leaf(2, 0.5, 1.5, 4)} }, []int{0}},
		{"mse_loss", "mse_loss", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 3, 4), leaf(2, -2, 2, 3, 4)} }, []int{0}},
		{"l1_loss", "l1_loss", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 3, 4), leaf(2, -2, 2, 3, 4)} }, []int{0}},
		{"smooth_l1_loss", "smooth_l1_loss", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 3, 4), leaf(2, -2, 2, 3, 4)} }, []int{0}},
		{"huber_loss", "huber_loss", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 3, 4), leaf(2, -2, 2, 3, 4)} }, []int{0}},
		{"binary_cross_entropy", "binary_cross_entropy", func() []*Tensor {
			return []*Tensor{leaf(1, 0.05, 0.95, 3, 4), leaf(2, 0, 1, 3, 4).Detach()}
		}, []int{0}},
		{"binary_cross_entropy_with_logits", "binary_cross_entropy_with_logits", func() []*Tensor {
			return []*Tensor{leaf(1, -2, 2, 3, 4), leaf(2, 0, 1, 3, 4)}
		}, []int{0}},
		{"kl_div", "kl_div", func() []*Tensor {
			return []*Tensor{leaf(1, -2, 2, 3, 4).Detach().LogSoftmax(1).Detach().SetRequiresGrad(true), leaf(2, -2, 2, 3, 4).Detach().Softmax(1)}
		}, []int{0}},
		{"margin_ranking_loss", "margin_ranking_loss", func() []*Tensor {
			return []*Tensor{leaf(1, -2, 2, 5), leaf(2, -2, 2, 5), FromSlice([]float32{1, -1, 1, 1, -1})}
		}, []int{0, 1}},
		{"cosine_embedding_loss", "cosine_embedding_loss", func() []*Tensor {
			return []*Tensor{leaf(1, -2, 2, 3, 5), leaf(2, -2, 2, 3, 5), FromSlice([]float32{1, -1, 1})}
		}, []int{0, 1}},
		{"nll_loss", "nll_loss", func() []*Tensor {
			return []*Tensor{leaf(1, -2, 2, 4, 3).Detach().LogSoftmax(1).Detach().SetRequiresGrad(true), ints(0, 2, 1, 2)}
		}, []int{0}},
		{"cross_entropy", "cross_entropy", func() []*Tensor { return []*Tensor{leaf(1, -3, 3, 4, 3), ints(0, 2, 1, 2)} }, []int{0}},

		{"dot", "dot", func() []*Tensor { return []*Tensor{leaf(1, -2, 2, 5), leaf(2, -2, 2, 5)} }, []int{0}},
		{"scatter_add", "scatter_add", func() []*Tensor {
			return []*Tensor{leaf(1, -2, 2, 2, 4), FromSlice([]int64{0, 1, 3, 2, 2, 0}, 2, 3), leaf(2, -2, 2, 2, 3)}
		}, []int{0}},
	}
}

// wantAutocastDType is the result dtype of a case under Autocast(dt): the
// policy's target, or for promote the widest input dtype.
func wantAutocastDType(policy castPolicy, dt DType, c autocastCase, nIn int) DType {
	switch policy {
	case castLower:
		return dt
	case castFloat32:
		return Float32
	}
	if len(c.half) == nIn {
		return dt
	}
	return Float32
}

// closeScaled compares got with want elementwise within tol times the
// largest |want| (a 16-bit rounding error is relative to the operands'
// scale, not to each result).
func closeScaled(got, want *Tensor, tol float64) (bool, string) {
	g, w := got.Float64s(), want.Float64s()
	if len(g) != len(w) {
		return false, fmt.Sprintf("%d elements, want %d", len(g), len(w))
	}
	scale := 1e-3
	for _, v := range w {
		scale = max(scale, math.Abs(v))
	}
	for i := range g {
		if !(math.Abs(g[i]-w[i]) <= tol*scale) {
			return false, fmt.Sprintf("element %d: got %.6g, want %.6g (tolerance %.3g)", i, g[i], w[i], tol*scale)
		}
	}
	return true, ""
}

// TestAutocastPolicies runs every op of every policy under bfloat16 and
// float16 autocast: the result has the policy's dtype, is close to the
// float32 result, and the float32 leaves get float32 gradients close to
// the float32 ones.
func TestAutocastPolicies(t *testing.T) {
	tols := map[DType]float64{BFloat16: 3e-2, Float16: 4e-3}
	covered := map[string]bool{}
	for _, c := range autocastCases() {
		policy, ok := autocastPolicies[c.policy]
		if !ok {
			t.Fatalf("%s: %q is not in autocastPolicies", c.name, c.policy)
		}
		covered[c.policy] = true
		f := autocastOps[c.name]
		for _, dt := range []DType{BFloat16, Float16} {
			t.Run(c.name+"/"+dt.String(), func(t *testing.T) {
				// Reference: float32 throughout.
				ref := c.inputs()
				want := f(ref)
				seed := RandnLike(want, NewGenerator(5))
				want.Backward(WithGradient(seed))

				in := c.inputs()
				args := slices.Clone(in)
				var out *Tensor
				Autocast(dt, func() {
					for _, i := range c.half {
						args[i] = in[i].To(dt) // an activation of a 16-bit layer
					}
					out = f(args)
				})
				if wdt := wantAutocastDType(policy, dt, c, len(in)); out.DType() != wdt {
					t.Fatalf("result dtype %v, want %v (%v policy)", out.DType(), wdt, policy)
				}
				if !slices.Equal(out.Shape(), want.Shape()) {
					t.Fatalf("shape %v, want %v", out.Shape(), want.Shape())
				}
				if ok, msg := closeScaled(out, want, tols[dt]); !ok {
					t.Fatalf("value: %s", msg)
				}
				out.Backward(WithGradient(seed.To(out.DType())))
				for i, x := range in {
					if !x.RequiresGrad() {
						continue
					}
					g := x.Grad()
					if g == nil {
						t.Fatalf("input %d: no gradient", i)
					}
					if g.DType() != Float32 {
						t.Fatalf("input %d: gradient dtype %v, want float32", i, g.DType())
					}
					if ok, msg := closeScaled(g, ref[i].Grad(), 2*tols[dt]); !ok {
						t.Fatalf("gradient of input %d: %s", i, msg)
					}
				}
			})
		}
	}
	for op := range autocastPolicies {
		if !covered[op] {
			t.Errorf("policy of %q has no case in autocastCases", op)
		}
	}
}

// TestAutocastUnlistedOps checks that ops of no list keep their inputs'
// dtype and that float64 and integer tensors are never converted.
func TestAutocastUnlistedOps(t *testing.T) {
	x32 := leaf(1, -2, 2, 3, 4)
	x64 := randT(2, -2, 2, 4, 3)
	ids := FromSlice([]int64{1, 2, 3})
	cases := []struct {
		name string
		f    func() *Tensor
		want DType
	}{
		{"relu float32", func() *Tensor { return x32.Relu() }, Float32},
		{"gelu bfloat16", func() *Tensor { return x32.To(BFloat16).Gelu() }, BFloat16},
		{"mean bfloat16", func() *Tensor { return x32.To(BFloat16).Mean() }, BFloat16},
		{"add bfloat16+float32 promotes", func() *Tensor { return x32.To(BFloat16).Add(x32) }, Float32},
		{"matmul float64", func() *Tensor { return x64.Matmul(x64.T()) }, Float64},
		{"matmul float64 with float32", func() *Tensor { return x64.T().Matmul(x32.T()) }, Float64},
		{"exp float64", func() *Tensor { return x64.Exp() }, Float64},
		{"sum int64", func() *Tensor { return ids.Sum() }, Int64},
		{"cumsum int64", func() *Tensor { return ids.Cumsum(0) }, Int64},
		{"pow float32 with a Go number", func() *Tensor { return x32.To(BFloat16).Pow(Scalar(2.0)) }, Float32},
	}
	for _, c := range cases {
		var got *Tensor
		Autocast(BFloat16, func() { got = c.f() })
		if got.DType() != c.want {
			t.Errorf("%s: dtype %v, want %v", c.name, got.DType(), c.want)
		}
	}
}

// TestAutocastNesting checks nested scopes, Float32 disabling, the state
// after a panic, and AutocastDType.
func TestAutocastNesting(t *testing.T) {
	a, b := leaf(1, -1, 1, 2, 3), leaf(2, -1, 1, 3, 2)
	mm := func() DType { return a.Matmul(b).DType() }
	var trace []string
	note := func(where string) {
		trace = append(trace, fmt.Sprintf("%s:%v/%v", where, AutocastDType(), mm()))
	}
	note("outside")
	Autocast(BFloat16, func() {
		note("bf16")
		Autocast(Float16, func() { note("fp16") })
		Autocast(Float32, func() {
			note("off")
			Autocast(BFloat16, func() { note("bf16 again") })
		})
		note("bf16 after")
	})
	note("after")
	want := []string{"outside:float32/float32", "bf16:bfloat16/bfloat16", "fp16:float16/float16", "off:float32/float32",
		"bf16 again:bfloat16/bfloat16", "bf16 after:bfloat16/bfloat16", "after:float32/float32"}
	if !slices.Equal(trace, want) {
		t.Fatalf("trace\n%v\nwant\n%v", trace, want)
	}
	err := Catch(func() {
		Autocast(Float16, func() { panic(&ValueError{Op: "test", Msg: "boom"}) })
	})
	if err == nil || AutocastDType() != Float32 || autocastCache.entries != nil || autocastNesting.Load() != 0 {
		t.Fatalf("after a panic: err %v, dtype %v, cache %v, nesting %d", err, AutocastDType(), autocastCache.entries, autocastNesting.Load())
	}
}

func TestAutocastErrors(t *testing.T) {
	for _, dt := range []DType{Float64, Int64, Int32, Uint8, Bool} {
		err := Catch(func() { Autocast(dt, func() { t.Errorf("%v: f ran", dt) }) })
		want := "Autocast: the autocast dtype must be bfloat16 or float16 (or float32 to disable autocast), not " + dt.String()
		if err == nil || err.Error() != want {
			t.Errorf("Autocast(%v): %v, want %q", dt, err, want)
		}
		if _, ok := err.(*DTypeError); !ok {
			t.Errorf("Autocast(%v): error type %T, want *DTypeError", dt, err)
		}
	}
}

// TestAutocastCache checks that a parameter is cast once per scope while
// unchanged, cast again after an in-place write, after a NoGrad cast and
// after Backward freed the graph, and that the cache empties when the
// outermost scope returns.
func TestAutocastCache(t *testing.T) {
	w := leaf(1, -1, 1, 5, 4)
	x1, x2 := leaf(2, -1, 1, 3, 4), leaf(3, -1, 1, 2, 4)
	cached := func() *Tensor {
		autocastCache.mu.Lock()
		defer autocastCache.mu.Unlock()
		return autocastCache.entries[w].out
	}
	Autocast(BFloat16, func() {
		y1 := Linear(x1, w, nil)
		c1 := cached()
		if c1 == nil || c1.DType() != BFloat16 {
			t.Fatalf("no bfloat16 copy of the weight cached: %v", c1)
		}
		y2 := Linear(x2, w, nil)
		if cached() != c1 {
			t.Fatal("the weight was cast twice in one scope")
		}
		Autocast(Float16, func() {
			Linear(x1, w, nil)
			if c := cached(); c == c1 || c.DType() != Float16 {
				t.Fatalf("inner float16 scope reused the bfloat16 copy")
			}
		})
		// Both uses send their gradient through the cast to w.
		Cat([]*Tensor{y1, y2}, 0).Sum().Backward()
		want := x1.Detach().Sum(0).Add(x2.Detach().Sum(0)).Unsqueeze(0).Expand(5, 4)
		if ok, msg := closeScaled(w.Grad(), want, 1e-2); !ok {
			t.Fatalf("weight gradient: %s", msg)
		}
		// The graph of the cached copy is freed: the next use recasts.
		w.SetGrad(nil)
		Linear(x1, w, nil).Sum().Backward()
		if cached() == c1 {
			t.Fatal("a copy whose graph was freed by Backward was reused")
		}
		if ok, msg := closeScaled(w.Grad(), x1.Detach().Sum(0).Unsqueeze(0).Expand(5, 4), 1e-2); !ok {
			t.Fatalf("weight gradient after recast: %s", msg)
		}
		// An in-place update (an optimizer step) makes the copy stale.
		c2 := cached()
		NoGrad(func() { w.MulScalarInPlace(2) })
		y := Linear(x1, w, nil)
		if c3 := cached(); c3 == c2 {
			t.Fatal("the copy of a weight changed in place was reused")
		}
		if ok, msg := closeScaled(y, x1.Detach().Matmul(w.Detach().T()), 2e-2); !ok {
			t.Fatalf("result after the in-place update: %s", msg)
		}
		// New data (SetData, as a layer moved or reloaded) is cast afresh.
		w.SetData(w.Detach().Neg().Contiguous())
		y = Linear(x1, w, nil)
		if ok, msg := closeScaled(y, x1.Detach().Matmul(w.Detach().T()), 2e-2); !ok {
			t.Fatalf("result after SetData: %s", msg)
		}
	})
	if autocastCache.entries != nil {
		t.Fatal("cache not emptied when the scope returned")
	}
	// A copy made under NoGrad has no graph: with gradients on it is made
	// again, so the weight still gets its gradient.
	w.SetGrad(nil)
	Autocast(Float16, func() {
		NoGrad(func() { Linear(x1, w, nil) })
		Linear(x1, w, nil).Sum().Backward()
	})
	if w.Grad() == nil {
		t.Fatal("no gradient after a NoGrad use of the weight in the same scope")
	}
}

// TestAutocastBackwardRunsWithoutAutocast checks that Backward inside a
// scope runs with autocast off and gives the gradients Backward after the
// scope gives.
func TestAutocastBackwardRunsWithoutAutocast(t *testing.T) {
	run := func(inside bool) (*Tensor, []DType) {
		x, w := leaf(1, -1, 1, 4, 6), leaf(2, -1, 1, 3, 6)
		var seen []DType
		var loss *Tensor
		Autocast(BFloat16, func() {
			h := Linear(x, w, nil)
			h.RegisterHook(func(g *Tensor) *Tensor {
				seen = append(seen, AutocastDType())
				return nil
			})
			loss = h.Exp().Sum()
			if inside {
				loss.Backward()
			}
		})
		if !inside {
			loss.Backward()
		}
		return w.Grad(), seen
	}
	gIn, seenIn := run(true)
	gOut, _ := run(false)
	if !slices.Equal(seenIn, []DType{Float32}) {
		t.Fatalf("autocast during Backward: %v, want off", seenIn)
	}
	if gIn.DType() != Float32 || !slices.Equal(gIn.Float32s(), gOut.Float32s()) {
		t.Fatalf("gradient with Backward inside the scope %v differs from outside %v", gIn.Float32s(), gOut.Float32s())
	}
}

// TestAutocastConcurrent runs ops sharing one parameter from several
// goroutines inside one scope (for the race detector).
func TestAutocastConcurrent(t *testing.T) {
	w, b := leaf(1, -1, 1, 8, 6), leaf(2, -1, 1, 8)
	xs := make([]*Tensor, 6)
	for i := range xs {
		xs[i] = leaf(uint64(10+i), -1, 1, 4, 6)
	}
	outs := make([]*Tensor, len(xs))
	Autocast(BFloat16, func() {
		var wg sync.WaitGroup
		for i := range xs {
			wg.Go(func() { outs[i] = Linear(xs[i], w, b).Softmax(-1) })
		}
		wg.Wait()
	})
	for i, o := range outs {
		want := Linear(xs[i].Detach(), w.Detach(), b.Detach()).Softmax(-1)
		if o.DType() != Float32 {
			t.Fatalf("goroutine %d: dtype %v", i, o.DType())
		}
		if ok, msg := closeScaled(o, want, 3e-2); !ok {
			t.Fatalf("goroutine %d: %s", i, msg)
		}
	}
}

// trainMLP trains a 2-layer MLP regressor with plain SGD on a fixed
// synthetic task, with the forward pass under Autocast(dt), and returns
// the first and last losses.
func trainMLP(dt DType, steps int) (first, last float64) {
	gen := NewGenerator(42)
	x := Randn([]int{128, 8}, gen)
	teacher := Randn([]int{8, 1}, gen)
	y := x.Matmul(teacher).Tanh().Add(x.Narrow(1, 0, 1).Square().MulScalar(0.3))
	w1 := Randn([]int{32, 8}, gen).MulScalar(1 / math.Sqrt(8)).SetRequiresGrad(true)
	b1 := Zeros([]int{32}).SetRequiresGrad(true)
	w2 := Randn([]int{1, 32}, gen).MulScalar(1 / math.Sqrt(32)).SetRequiresGrad(true)
	b2 := Zeros([]int{1}).SetRequiresGrad(true)
	params := []*Tensor{w1, b1, w2, b2}
	for step := range steps {
		var loss *Tensor
		Autocast(dt, func() {
			h := Linear(x, w1, b1).Relu()
			loss = MSELoss(Linear(h, w2, b2), y, ReductionMean)
		})
		if step == 0 {
			first = loss.Item()
		}
		last = loss.Item()
		loss.Backward()
		NoGrad(func() {
			for _, p := range params {
				p.AddScaledInPlace(p.Grad(), -0.1)
				p.SetGrad(nil)
			}
		})
	}
	return first, last
}

// TestAutocastTrainingMatchesFloat32 trains the same MLP in float32 and
// under bfloat16 and float16 autocast: the mixed-precision runs reach
// nearly the float32 loss.
func TestAutocastTrainingMatchesFloat32(t *testing.T) {
	const steps = 150
	first32, last32 := trainMLP(Float32, steps)
	if last32 > 0.3*first32 {
		t.Fatalf("float32 training did not learn: loss %.4f -> %.4f", first32, last32)
	}
	for _, dt := range []DType{BFloat16, Float16} {
		first, last := trainMLP(dt, steps)
		if math.Abs(first-first32) > 0.02*first32 {
			t.Errorf("%v: first loss %.5f, float32 %.5f", dt, first, first32)
		}
		if math.Abs(last-last32) > 0.1*last32 {
			t.Errorf("%v: final loss %.5f, float32 %.5f", dt, last, last32)
		}
	}
}

// BenchmarkLinearAutocast times a Linear layer's forward and backward in
// float32, and under bfloat16 and float16 autocast (emulated through
// float32 on the CPU, so slower there: the casts are extra work).
func BenchmarkLinearAutocast(b *testing.B) {
	x := Randn([]int{256, 512}, NewGenerator(1))
	w := Randn([]int{512, 512}, NewGenerator(2)).SetRequiresGrad(true)
	bias := Zeros([]int{512}).SetRequiresGrad(true)
	for _, dt := range []DType{Float32, BFloat16, Float16} {
		b.Run(dt.String(), func(b *testing.B) {
			for b.Loop() {
				var loss *Tensor
				Autocast(dt, func() { loss = Linear(x, w, bias).Sum() })
				loss.Backward()
				w.SetGrad(nil)
				bias.SetGrad(nil)
			}
		})
	}
}

// BenchmarkUnaryAutocastOff times a small elementwise op outside any
// scope: the hook costs one atomic load.
func BenchmarkUnaryAutocastOff(b *testing.B) {
	x := Randn([]int{16})
	for b.Loop() {
		x.Exp()
	}
}
