package ember

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// namedInputs maps the fixture's input names (args "names") to tensors.
func namedInputs(a goldenArgs, in []*Tensor) map[string]*Tensor {
	var names []string
	a.Get("names", &names)
	m := map[string]*Tensor{}
	for i, n := range names {
		m[n] = in[i]
	}
	return m
}

func init() {
	registerGolden("layer_norm", one(func(a goldenArgs, in []*Tensor) *Tensor {
		m := namedInputs(a, in)
		return LayerNorm(m["x"], a.Ints("normalized_shape"), m["weight"], m["bias"], a.Float("eps", 1e-5))
	}))
	for which, name := range []string{"layer_norm_grad_input", "layer_norm_grad_weight"} {
		registerGolden(name, one(func(a goldenArgs, in []*Tensor) *Tensor {
			shape, eps := a.Ints("normalized_shape"), a.Float("eps", 1e-5)
			return gradOfInput(in[:2], which, in[2], func(t []*Tensor) *Tensor { return LayerNorm(t[0], shape, t[1], nil, eps) })
		}))
	}
	registerGolden("rms_norm", one(func(a goldenArgs, in []*Tensor) *Tensor {
		m := namedInputs(a, in)
		return RMSNorm(m["x"], a.Ints("normalized_shape"), m["weight"], a.Float("eps", 1e-6))
	}))
	registerGolden("group_norm", one(func(a goldenArgs, in []*Tensor) *Tensor {
		m := namedInputs(a, in)
		return GroupNorm(m["x"], a.Int("groups", 1), m["weight"], m["bias"], a.Float("eps", 1e-5))
	}))
	registerGolden("batch_norm", func(a goldenArgs, in []*Tensor) []*Tensor {
		m := namedInputs(a, in)
		y := BatchNorm(m["x"], m["running_mean"], m["running_var"], m["weight"], m["bias"],
			a.Bool("training", false), a.Float("momentum", 0.1), a.Float("eps", 1e-5))
		return []*Tensor{y, m["running_mean"], m["running_var"]}
	})

	// Layer norm: first and second derivatives everywhere (x, weight, bias),
	// plus the mixed ones through the first gradients.
	ln := func(in []*Tensor) *Tensor { return LayerNorm(in[0], []int{2, 3}, in[1], in[2], 1e-5) }
	lnInputs := func() []*Tensor {
		return []*Tensor{randT(900, -2, 2, 4, 2, 3), randT(901, 0.5, 1.5, 2, 3), randT(902, -1, 1, 2, 3)}
	}
	addGradCheck(gradCase{name: "layer_norm", secondOrder: true, inputs: lnInputs, f: ln})
	for which := range 3 {
		addGradCheck(gradCase{name: fmt.Sprintf("layer_norm_grad%d", which), secondOrder: true,
			inputs: func() []*Tensor { return withSeed(lnInputs(), 903, ln) },
			f: func(in []*Tensor) *Tensor {
				return gradOfInput(in[:3], which, in[3], ln)
			}})
	}
	addGradCheck(gradCase{name: "layer_norm_plain", secondOrder: true,
		inputs: func() []*Tensor { return []*Tensor{randT(905, -2, 2, 3, 5)} },
		f:      func(in []*Tensor) *Tensor { return LayerNorm(in[0], []int{5}, nil, nil, 1e-5) }})
	addGradCheck(gradCase{name: "rms_norm", secondOrder: true,
		inputs: func() []*Tensor { return []*Tensor{randT(910, -2, 2, 3, 4), randT(911, 0.5, 1.5, 4)} },
		f:      func(in []*Tensor) *Tensor { return RMSNorm(in[0], []int{4}, in[1], 1e-6) }})
	addGradCheck(gradCase{name: "group_norm", secondOrder: true,
		inputs: func() []*Tensor {
			return []*Tensor{randT(920, -2, 2, 2, 4, 3), randT(921, 0.5, 1.5, 4), randT(922, -1, 1, 4)}
		},
		f: func(in []*Tensor) *Tensor { return GroupNorm(in[0], 2, in[1], in[2], 1e-5) }})
	for _, training := range []bool{true, false} {
		addGradCheck(gradCase{name: fmt.Sprintf("batch_norm_training_%v", training), secondOrder: true,
			inputs: func() []*Tensor {
				return []*Tensor{randT(930, -2, 2, 3, 2, 2, 2), randT(931, 0.5, 1.5, 2), randT(932, -1, 1, 2)}
			},
			f: func(in []*Tensor) *Tensor {
				rm, rv := Zeros([]int{2}, Float64), Ones([]int{2}, Float64)
				return BatchNorm(in[0], rm, rv, in[1], in[2], training, 0.1, 1e-5)
			}})
	}
	addGradCheck(gradCase{name: "batch_norm_grad_input", secondOrder: true,
		inputs: func() []*Tensor {
			return withSeed([]*Tensor{randT(940, -2, 2, 4, 3), randT(941, 0.5, 1.5, 3)}, 942, func(in []*Tensor) *Tensor {
				return BatchNorm(in[0], nil, nil, in[1], nil, true, 0.1, 1e-5)
			})
		},
		f: func(in []*Tensor) *Tensor {
			return gradOfInput(in[:2], 0, in[2], func(t []*Tensor) *Tensor { return BatchNorm(t[0], nil, nil, t[1], nil, true, 0.1, 1e-5) })
		}})
}

func TestLayerNormAgainstNaive(t *testing.T) {
	x := randT(1, -3, 3, 4, 6).Detach()
	w := randT(2, -1, 1, 6).Detach()
	b := randT(3, -1, 1, 6).Detach()
	got := LayerNorm(x, []int{6}, w, b, 1e-5)
	xs, ws, bs := x.Float64s(), w.Float64s(), b.Float64s()
	want := make([]float64, 0, len(xs))
	for r := range 4 {
		row := xs[r*6 : (r+1)*6]
		mu, v := 0.0, 0.0
		for _, e := range row {
			mu += e / 6
		}
		for _, e := range row {
			v += (e - mu) * (e - mu) / 6
		}
		for i, e := range row {
			want = append(want, (e-mu)/math.Sqrt(v+1e-5)*ws[i]+bs[i])
		}
	}
	assertClose(t, "layer_norm", got, []int{4, 6}, want, 1e-12, 1e-12)
}

func TestNormHalf(t *testing.T) {
	x := randT(4, -2, 2, 3, 8).Detach()
	w := randT(5, 0.5, 1.5, 8).Detach()
	for _, c := range []struct {
		name string
		f    func(x, w *Tensor) *Tensor
	}{
		{"layer_norm", func(x, w *Tensor) *Tensor { return LayerNorm(x, []int{8}, w, nil, 1e-5) }},
		{"rms_norm", func(x, w *Tensor) *Tensor { return RMSNorm(x, []int{8}, w, 1e-6) }},
		{"group_norm", func(x, w *Tensor) *Tensor { return GroupNorm(x.Reshape(3, 8, 1), 4, w, nil, 1e-5).Reshape(3, 8) }},
	} {
		want := c.f(x, w)
		xh := x.To(BFloat16).SetRequiresGrad(true)
		got := c.f(xh, w.To(BFloat16))
		if got.DType() != BFloat16 {
			t.Fatalf("%s: dtype %v", c.name, got.DType())
		}
		assertClose(t, c.name, got, want.Shape(), want.Float64s(), 3e-2, 3e-2)
		got.Sum().Backward()
		if xh.Grad() == nil || xh.Grad().DType() != BFloat16 {
			t.Fatalf("%s: bfloat16 gradient %v", c.name, xh.Grad())
		}
	}
}

func TestBatchNormRunningStats(t *testing.T) {
	// Three training steps against a float64 reference of PyTorch's update
	// rule: running = (1-m)*running + m*stat, unbiased variance.
	rm := Zeros([]int{3}, Float64)
	rv := Ones([]int{3}, Float64)
	wantM, wantV := []float64{0, 0, 0}, []float64{1, 1, 1}
	const mom = 0.2
	for step := range 3 {
		x := randT(uint64(50+step), -2, 3, 4, 3, 5).Detach()
		v0 := rm.Version()
		BatchNorm(x, rm, rv, nil, nil, true, mom, 1e-5)
		if rm.Version() != v0+1 {
			t.Fatalf("running_mean version %d, want %d", rm.Version(), v0+1)
		}
		xs := x.Float64s()
		for c := range 3 {
			var vals []float64
			for n := range 4 {
				vals = append(vals, xs[(n*3+c)*5:(n*3+c+1)*5]...)
			}
			mu, ss := 0.0, 0.0
			for _, e := range vals {
				mu += e / float64(len(vals))
			}
			for _, e := range vals {
				ss += (e - mu) * (e - mu)
			}
			wantM[c] = (1-mom)*wantM[c] + mom*mu
			wantV[c] = (1-mom)*wantV[c] + mom*ss/float64(len(vals)-1)
		}
		assertClose(t, fmt.Sprintf("step %d mean", step), rm, []int{3}, wantM, 1e-12, 1e-12)
		assertClose(t, fmt.Sprintf("step %d var", step), rv, []int{3}, wantV, 1e-12, 1e-12)
	}
	// An evaluation step's backward does not read the running mean's value
	// (its gradient is -1/sqrt(var+eps) per element), so updating it in place
	// afterwards is harmless: backward still runs and is exact.
	rmg := Zeros([]int{3}, Float64).SetRequiresGrad(true)
	rvg := Ones([]int{3}, Float64)
	x := randT(60, -1, 1, 2, 3).Detach()
	y := BatchNorm(x, rmg, rvg, nil, nil, false, 0.1, 1e-5)
	BatchNorm(x, rmg.Detach(), rvg, nil, nil, true, 0.1, 1e-5)
	if err := Catch(func() { y.Sum().Backward() }); err != nil {
		t.Fatalf("backward after the running mean changed in place: %v", err)
	}
	g := -2 / math.Sqrt(1+1e-5)
	assertClose(t, "running-mean gradient", rmg.Grad(), []int{3}, []float64{g, g, g}, 1e-12, 1e-12)
}

func TestNormErrors(t *testing.T) {
	x := Zeros([]int{2, 3, 4})
	c3 := Zeros([]int{3})
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"ln shape", func() { LayerNorm(x, []int{3, 5}, nil, nil, 1e-5) }, "Given normalized_shape=[3 5], expected input with shape [*, [3 5]], but got input of size[2 3 4]"},
		{"ln empty shape", func() { LayerNorm(x, nil, nil, nil, 1e-5) }, "Expected normalized_shape to be at least 1-dimensional"},
		{"ln weight", func() { LayerNorm(x, []int{4}, c3, nil, 1e-5) }, "Expected weight to be of same shape as normalized_shape"},
		{"ln bias", func() { LayerNorm(x, []int{4}, nil, c3, 1e-5) }, "Expected bias to be of same shape as normalized_shape"},
		{"ln int", func() { LayerNorm(x.To(Int64), []int{4}, nil, nil, 1e-5) }, "not implemented for 'int64'"},
		{"ln dtype mix", func() { LayerNorm(x, []int{4}, Zeros([]int{4}, Float64), nil, 1e-5) }, "expected scalar type float32 but found float64"},
		{"rms shape", func() { RMSNorm(x, []int{3}, nil, 1e-6) }, "Given normalized_shape=[3]"},
		{"gn groups", func() { GroupNorm(Zeros([]int{2, 6, 4}), 4, nil, nil, 1e-5) }, "Expected number of channels in input to be divisible by num_groups, but got input of shape [2 6 4] and num_groups=4"},
		{"gn zero groups", func() { GroupNorm(x, 0, nil, nil, 1e-5) }, "divisible by num_groups"},
		{"gn rank", func() { GroupNorm(Zeros([]int{3}), 1, nil, nil, 1e-5) }, "Expected at least 2 dimensions"},
		{"gn weight", func() { GroupNorm(x, 3, Zeros([]int{4}), nil, 1e-5) }, "expected weight to have 3 elements"},
		{"bn eval without stats", func() { BatchNorm(x, nil, nil, nil, nil, false, 0.1, 1e-5) }, "running_mean must be defined in evaluation mode"},
		{"bn one value", func() { BatchNorm(Zeros([]int{1, 3}), nil, nil, nil, nil, true, 0.1, 1e-5) }, "Expected more than 1 value per channel when training, got input size [1 3]"},
		{"bn rank", func() { BatchNorm(c3, nil, nil, nil, nil, true, 0.1, 1e-5) }, "at least 2 dimensions"},
		{"bn stats shape", func() { BatchNorm(x, Zeros([]int{4}), Ones([]int{4}), nil, nil, true, 0.1, 1e-5) }, "expected running_mean to have 3 elements"},
		{"bn one stat", func() { BatchNorm(x, c3, nil, nil, nil, true, 0.1, 1e-5) }, "must both be given or both be nil"},
		{"bn int stats", func() { BatchNorm(x, c3.To(Int64), c3.To(Int64), nil, nil, true, 0.1, 1e-5) }, "running statistics must be floating point"},
	}
	for _, c := range cases {
		err := Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func ExampleLayerNorm() {
	x := FromSlice([]float32{1, 2, 3, 4, 10, 10, 10, 10}, 2, 4)
	y := LayerNorm(x, []int{4}, nil, nil, 1e-5)
	fmt.Printf("%.4f\n", y.Float64s())
	// Output:
	// [-1.3416 -0.4472 0.4472 1.3416 0.0000 0.0000 0.0000 0.0000]
}

// BenchmarkLayerNorm times LayerNorm forward and backward over 4096 rows of
// 768 values.
func BenchmarkLayerNorm(b *testing.B) {
	x := Randn([]int{4096, 768}, NewGenerator(1)).SetRequiresGrad(true)
	w := Ones([]int{768}).SetRequiresGrad(true)
	bias := Zeros([]int{768}).SetRequiresGrad(true)
	for b.Loop() {
		LayerNorm(x, []int{768}, w, bias, 1e-5).Sum().Backward()
	}
}
