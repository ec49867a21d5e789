package amp

import (
	"math"
	"strings"
	"testing"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/optim"
)

// oneParam returns a float32 parameter with the given gradient and an SGD
// optimizer over it (lr 1: a step subtracts the unscaled gradient).
func oneParam(grad ...float32) (*ember.Tensor, *optim.SGD) {
	p := ember.Zeros([]int{len(grad)}).SetRequiresGrad(true)
	p.SetGrad(ember.FromSlice(grad))
	return p, optim.NewSGD([]*ember.Tensor{p}, optim.SGDOptions{LR: 1})
}

// TestUpdateRule drives the scale with sequences of clean and overflowing
// iterations and compares with the rule worked out by hand.
func TestUpdateRule(t *testing.T) {
	cases := []struct {
		name     string
		opts     ScalerOptions
		overflow []bool
		scales   []float64 // after each Update
		trackers []int
	}{
		{"defaults back off and count", ScalerOptions{}, []bool{false, true, true, false},
			[]float64{65536, 32768, 16384, 16384}, []int{1, 0, 0, 1}},
		{"growth after the interval", ScalerOptions{GrowthInterval: 2}, []bool{false, false, false, false, false},
			[]float64{65536, 131072, 131072, 262144, 262144}, []int{1, 0, 1, 0, 1}},
		{"an overflow restarts the count", ScalerOptions{GrowthInterval: 3, InitScale: 8}, []bool{false, false, true, false, false, false},
			[]float64{8, 8, 4, 4, 4, 8}, []int{1, 2, 0, 1, 2, 0}},
		{"custom factors", ScalerOptions{InitScale: 1, GrowthFactor: 3, BackoffFactor: 0.25, GrowthInterval: 1}, []bool{false, false, true},
			[]float64{3, 9, 2.25}, []int{0, 0, 0}},
		// 2^127·2 overflows float32: the scale stays, the count restarts.
		{"growth that would overflow float32 is skipped", ScalerOptions{InitScale: math.Ldexp(1, 127), GrowthInterval: 1}, []bool{false, false},
			[]float64{math.Ldexp(1, 127), math.Ldexp(1, 127)}, []int{0, 0}},
		// 0.1 is rounded to float32 after each product, as PyTorch's float32 scale.
		{"the scale is a float32", ScalerOptions{InitScale: 1, BackoffFactor: 0.1}, []bool{true, true},
			[]float64{float64(float32(0.1)), float64(float32(float64(float32(0.1)) * 0.1))}, []int{0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewGradScaler(c.opts)
			for i, over := range c.overflow {
				g := float32(1)
				if over {
					g = float32(math.Inf(1))
				}
				_, opt := oneParam(g)
				if stepped := s.Step(opt); stepped == over {
					t.Fatalf("iteration %d: stepped %v with overflow %v", i, stepped, over)
				}
				s.Update()
				if got := s.CurrentScale(); got != c.scales[i] {
					t.Fatalf("iteration %d: scale %v, want %v", i, got, c.scales[i])
				}
				if got := s.State().GrowthTracker; got != c.trackers[i] {
					t.Fatalf("iteration %d: growth count %d, want %d", i, got, c.trackers[i])
				}
			}
		})
	}
}

// TestStepUnscalesAndSkips checks the values Step leaves: unscaled
// gradients and a step on finite ones, untouched parameters on an inf or
// NaN anywhere.
func TestStepUnscalesAndSkips(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	cases := []struct {
		name      string
		grad      []float32 // scaled gradient (scale 2^16)
		stepped   bool
		wantParam []float32
	}{
		{"finite", []float32{65536, -131072, 32768}, true, []float32{-1, 2, -0.5}},
		{"inf", []float32{65536, inf, 1}, false, []float32{0, 0, 0}},
		{"-inf", []float32{-inf, 1, 1}, false, []float32{0, 0, 0}},
		{"nan", []float32{1, 1, nan}, false, []float32{0, 0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewGradScaler(ScalerOptions{})
			p, opt := oneParam(c.grad...)
			if got := s.Step(opt); got != c.stepped {
				t.Fatalf("stepped %v, want %v", got, c.stepped)
			}
			for i, v := range p.Float32s() {
				if v != c.wantParam[i] {
					t.Fatalf("param %v, want %v", p.Float32s(), c.wantParam)
				}
			}
			if c.stepped {
				for i, g := range p.Grad().Float32s() {
					if g != c.grad[i]/65536 {
						t.Fatalf("unscaled gradient %v, want the gradient over 65536", p.Grad().Float32s())
					}
				}
			}
		})
	}
}

// TestScale checks the scaled loss: value, dtype, shape and the gradient
// it gives.
func TestScale(t *testing.T) {
	s := NewGradScaler(ScalerOptions{InitScale: 1024})
	cases := []struct {
		name string
		loss *ember.Tensor
		want ember.DType
		val  float64
	}{
		{"float32", ember.From(float32(1.5)), ember.Float32, 1536},
		{"float64", ember.From(1.5, ember.Float64), ember.Float64, 1536},
		{"float16 goes to float32", ember.From(1.5, ember.Float16), ember.Float32, 1536},
		{"bfloat16 goes to float32", ember.From(1.5, ember.BFloat16), ember.Float32, 1536},
		{"int64 goes to float32", ember.From(int64(3)), ember.Float32, 3072},
		{"shape kept", ember.From([]float32{1.5}), ember.Float32, 1536},
	}
	for _, c := range cases {
		got := s.Scale(c.loss)
		if got.DType() != c.want || got.Dim() != c.loss.Dim() || got.Item() != c.val {
			t.Errorf("%s: %v %v %v, want %v %v %v", c.name, got.DType(), got.Shape(), got.Item(), c.want, c.loss.Shape(), c.val)
		}
	}
	w := ember.FromSlice([]float32{2, 3}).SetRequiresGrad(true)
	s.Scale(w.Mul(w).Sum()).Backward()
	if g := w.Grad().Float32s(); g[0] != 4*1024 || g[1] != 6*1024 {
		t.Fatalf("gradient of the scaled loss %v, want [4096 6144]", g)
	}
}

// TestFloat16UnderflowNeedsScaling shows what the scaler is for: a float16
// forward pass whose gradients flush to zero without scaling gives the
// float32 gradient with it.
func TestFloat16UnderflowNeedsScaling(t *testing.T) {
	x := ember.Randn([]int{64, 8}, ember.NewGenerator(3))
	const tiny = 1e-8 // below float16's smallest subnormal (6e-8)
	grad := func(scaler *GradScaler, dt ember.DType) *ember.Tensor {
		w := ember.Randn([]int{4, 8}, ember.NewGenerator(4)).SetRequiresGrad(true)
		opt := optim.NewSGD([]*ember.Tensor{w}, optim.SGDOptions{LR: optim.Zero})
		var loss *ember.Tensor
		ember.Autocast(dt, func() { loss = ember.Linear(x, w, nil).Sum().MulScalar(tiny) })
		scaler.Scale(loss).Backward()
		scaler.Unscale(opt)
		return w.Grad()
	}
	want := x.Sum(0).MulScalar(tiny).Unsqueeze(0).Expand(4, 8).Float32s() // d/dw of tiny·Σ x·wᵀ
	if g := grad(NewGradScaler(ScalerOptions{Disabled: true}), ember.Float16); g.Abs().Max().Item() != 0 {
		t.Fatalf("float16 gradients without scaling did not flush to zero: %v", g.Float32s())
	}
	g := grad(NewGradScaler(ScalerOptions{}), ember.Float16)
	if g.DType() != ember.Float32 {
		t.Fatalf("gradient dtype %v, want float32", g.DType())
	}
	for i, v := range g.Float32s() {
		if math.Abs(float64(v-want[i])) > 2e-3*math.Abs(float64(want[i]))+1e-12 {
			t.Fatalf("scaled float16 gradient %v, want %v (element %d)", v, want[i], i)
		}
	}
}

// TestTwoOptimizers checks that each optimizer is skipped on its own
// gradients, and that one overflow backs the scale off for all.
func TestTwoOptimizers(t *testing.T) {
	s := NewGradScaler(ScalerOptions{InitScale: 2})
	p1, opt1 := oneParam(4)
	p2, opt2 := oneParam(float32(math.NaN()))
	if !s.Step(opt1) || s.Step(opt2) {
		t.Fatal("want the first optimizer stepped and the second skipped")
	}
	s.Update()
	if p1.Float32s()[0] != -2 || p2.Float32s()[0] != 0 || s.CurrentScale() != 1 {
		t.Fatalf("params %v %v scale %v, want -2, 0 and 1", p1.Float32s(), p2.Float32s(), s.CurrentScale())
	}
	// A new iteration: the per-optimizer state was reset.
	p1.SetGrad(ember.FromSlice([]float32{1}))
	if !s.Step(opt1) {
		t.Fatal("stepping again after Update was refused")
	}
}

// TestParamsWithoutGradients checks that parameters without a gradient
// are skipped and that Step works when none has one.
func TestParamsWithoutGradients(t *testing.T) {
	s := NewGradScaler(ScalerOptions{})
	a := ember.Ones([]int{2}).SetRequiresGrad(true)
	b := ember.Ones([]int{2}).SetRequiresGrad(true)
	opt := optim.NewSGD([]*ember.Tensor{a, b}, optim.SGDOptions{LR: 1})
	if !s.Step(opt) {
		t.Fatal("a step without gradients was skipped")
	}
	s.Update()
	b.SetGrad(ember.FromSlice([]float32{65536, 0}))
	if !s.Step(opt) {
		t.Fatal("step skipped")
	}
	if got := b.Float32s(); got[0] != 0 || got[1] != 1 || a.Float32s()[0] != 1 {
		t.Fatalf("a %v b %v, want a unchanged and b [0 1]", a.Float32s(), got)
	}
}

// TestBFloat16Gradients checks that bfloat16 gradients (allowed, unlike
// float16 ones) are unscaled in their dtype.
func TestBFloat16Gradients(t *testing.T) {
	s := NewGradScaler(ScalerOptions{InitScale: 256})
	p := ember.Zeros([]int{2}, ember.BFloat16).SetRequiresGrad(true)
	p.SetGrad(ember.FromSlice([]float32{512, -256}).To(ember.BFloat16))
	opt := optim.NewSGD([]*ember.Tensor{p}, optim.SGDOptions{LR: 1})
	if !s.Step(opt) {
		t.Fatal("step skipped")
	}
	if got := p.Float32s(); got[0] != -2 || got[1] != 1 || p.Grad().DType() != ember.BFloat16 {
		t.Fatalf("param %v (gradient %v), want [-2 1]", got, p.Grad().DType())
	}
}

// TestDisabled checks that a disabled scaler passes everything through.
func TestDisabled(t *testing.T) {
	s := NewGradScaler(ScalerOptions{Disabled: true})
	loss := ember.Scalar(float32(2)).To(ember.Float16)
	if s.Enabled() || s.Scale(loss) != loss || s.CurrentScale() != 1 {
		t.Fatal("a disabled scaler changed the loss or reports a scale")
	}
	p, opt := oneParam(float32(math.Inf(1)), 3)
	s.Unscale(opt)
	if !s.Step(opt) || !math.IsInf(float64(p.Float32s()[0]), -1) || p.Float32s()[1] != -3 {
		t.Fatalf("a disabled scaler did not step plainly: %v", p.Float32s())
	}
	s.Update()
	s.Update()
}

// TestMisuse checks the panics for calls out of order and bad options.
func TestMisuse(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"unscale twice", func() {
			s := NewGradScaler(ScalerOptions{})
			_, opt := oneParam(1)
			s.Unscale(opt)
			s.Unscale(opt)
		}, "amp.GradScaler.Unscale: Unscale has already been called on this optimizer since the last Update"},
		{"unscale after step", func() {
			s := NewGradScaler(ScalerOptions{})
			_, opt := oneParam(1)
			s.Step(opt)
			s.Unscale(opt)
		}, "amp.GradScaler.Unscale: Unscale is being called after Step"},
		{"step twice", func() {
			s := NewGradScaler(ScalerOptions{})
			_, opt := oneParam(1)
			s.Step(opt)
			s.Step(opt)
		}, "amp.GradScaler.Step: Step has already been called since the last Update"},
		{"update first", func() { NewGradScaler(ScalerOptions{}).Update() },
			"amp.GradScaler.Update: no inf checks were recorded prior to Update: call Step (or Unscale) first"},
		{"update twice", func() {
			s := NewGradScaler(ScalerOptions{})
			_, opt := oneParam(1)
			s.Step(opt)
			s.Update()
			s.Update()
		}, "amp.GradScaler.Update: no inf checks were recorded"},
		{"float16 gradients", func() {
			p := ember.Zeros([]int{2}, ember.Float16).SetRequiresGrad(true)
			p.SetGrad(ember.Ones([]int{2}, ember.Float16))
			NewGradScaler(ScalerOptions{}).Step(optim.NewSGD([]*ember.Tensor{p}, optim.SGDOptions{LR: 1}))
		}, "amp.GradScaler.Unscale: attempting to unscale float16 gradients"},
		{"growth factor 1", func() { NewGradScaler(ScalerOptions{GrowthFactor: 1}) },
			"amp.NewGradScaler: the growth factor must be a finite number > 1.0, got 1"},
		{"backoff factor 1", func() { NewGradScaler(ScalerOptions{BackoffFactor: 1}) },
			"amp.NewGradScaler: the backoff factor must be in (0, 1), got 1"},
		{"negative backoff", func() { NewGradScaler(ScalerOptions{BackoffFactor: -0.5}) },
			"amp.NewGradScaler: the backoff factor must be in (0, 1), got -0.5"},
		{"negative scale", func() { NewGradScaler(ScalerOptions{InitScale: -1}) },
			"amp.NewGradScaler: the scale must be a positive number within float32's range, got -1"},
		{"scale beyond float32", func() { NewGradScaler(ScalerOptions{InitScale: 1e39}) },
			"amp.NewGradScaler: the scale must be a positive number within float32's range, got 1e+39"},
		{"negative interval", func() { NewGradScaler(ScalerOptions{GrowthInterval: -3}) },
			"amp.NewGradScaler: the growth interval must be positive, got -3"},
	}
	for _, c := range cases {
		err := ember.Catch(c.f)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
			continue
		}
		if _, ok := err.(*ember.ValueError); !ok {
			t.Errorf("%s: error type %T, want *ember.ValueError", c.name, err)
		}
	}
}
