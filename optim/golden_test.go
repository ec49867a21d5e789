package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/emberdl/ember"
)

// golden is testdata/golden/optim.json, written by testdata/gen/optim.py.
type golden struct {
	Torch      string              `json:"torch"`
	Problem    map[string][]Number `json:"problem"`
	ClipGrads  [][]Number          `json:"clip_grads"`
	Optimizers []struct {
		Name    string           `json:"name"`
		Optim   string           `json:"optim"`
		Options map[string]any   `json:"options"`
		Groups  []map[string]any `json:"groups"`
		DType   string           `json:"dtype"`
		Traj    [][]Number       `json:"traj"`
	} `json:"optimizers"`
	Schedules []struct {
		Name     string         `json:"name"`
		Optim    string         `json:"optim"`
		Schedule string         `json:"schedule"`
		Args     map[string]any `json:"args"`
		LRs      [][]Number     `json:"lrs"`
		Momenta  [][]Number     `json:"momenta"`
	} `json:"schedules"`
	Plateau []struct {
		Name    string         `json:"name"`
		Options map[string]any `json:"options"`
		Metrics []float64      `json:"metrics"`
		LRs     [][]Number     `json:"lrs"`
	} `json:"plateau"`
	Scheduled []struct {
		Name  string     `json:"name"`
		DType string     `json:"dtype"`
		Traj  [][]Number `json:"traj"`
	} `json:"scheduled"`
	Clip []struct {
		Kind     string     `json:"kind"`
		DType    string     `json:"dtype"`
		MaxNorm  float64    `json:"max_norm"`
		NormType Number     `json:"norm_type"`
		Total    Number     `json:"total"`
		Clip     float64    `json:"clip"`
		Grads    [][]Number `json:"grads"`
	} `json:"clip"`
}

var (
	goldenOnce sync.Once
	goldenData golden
	goldenErr  error
)

func loadGolden(t *testing.T) *golden {
	t.Helper()
	goldenOnce.Do(func() {
		b, err := os.ReadFile("testdata/golden/optim.json")
		if err != nil {
			goldenErr = err
			return
		}
		goldenErr = json.Unmarshal(b, &goldenData)
	})
	if goldenErr != nil {
		t.Fatalf("reading golden file (regenerate with /usr/bin/python3 optim/testdata/gen/optim.py): %v", goldenErr)
	}
	return &goldenData
}

func floats(ns []Number) []float64 {
	out := make([]float64, len(ns))
	for i, n := range ns {
		out[i] = float64(n)
	}
	return out
}

func dtypeOf(t *testing.T, name string) ember.DType {
	t.Helper()
	dt, err := ember.ParseDType(name)
	if err != nil {
		t.Fatal(err)
	}
	return dt
}

// tolerance is the absolute+relative tolerance for values of dtype dt
// compared with PyTorch's.
func tolerance(dt ember.DType) float64 {
	if dt == ember.Float32 {
		return 1e-5
	}
	return 1e-10
}

// closeTo reports whether got matches want within tol (absolute and
// relative), NaNs and infinities matching themselves.
func closeTo(got, want, tol float64) bool {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return math.IsNaN(got) && math.IsNaN(want) || got == want
	}
	return math.Abs(got-want) <= tol*(1+math.Abs(want))
}

// assertClose fails the test at the first element out of tolerance.
func assertClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !closeTo(got[i], want[i], tol) {
			t.Fatalf("%s: element %d = %.12g, want %.12g (tolerance %g)\n got %v\nwant %v", what, i, got[i], want[i], tol, got, want)
		}
	}
}

// problem is the golden problem in one dtype: data x, y and parameters
// w, b (trained) and u (never given a gradient).
type problem struct {
	x, y, w, b, u *ember.Tensor
}

func newProblem(g *golden, dt ember.DType) *problem {
	mk := func(key string, shape ...int) *ember.Tensor {
		v := floats(g.Problem[key])
		for i := range v {
			v[i] = float64(float32(v[i])) // the float32 values PyTorch started from
		}
		return ember.FromSlice(v, shape...).To(dt)
	}
	return &problem{
		x: mk("x", 5, 3), y: mk("y", 5, 2),
		w: mk("w0", 2, 3).SetRequiresGrad(true), b: mk("b0", 2).SetRequiresGrad(true), u: mk("u0", 2).SetRequiresGrad(true),
	}
}

func (p *problem) params() []*ember.Tensor { return []*ember.Tensor{p.w, p.b, p.u} }

func (p *problem) loss() *ember.Tensor {
	return p.x.Matmul(p.w.T()).Add(p.b).Tanh().Sub(p.y).Square().Mean()
}

// flat returns [w..., b...].
func (p *problem) flat() []float64 { return append(p.w.Float64s(), p.b.Float64s()...) }

// train runs steps of zero-grad, backward, step (and sched.Step when not
// nil), comparing the parameters with traj after each, and checks that u
// never moved.
func (p *problem) train(t *testing.T, what string, opt Optimizer, sched Scheduler, traj [][]Number, dt ember.DType) {
	t.Helper()
	u0 := p.u.Float64s()
	for step, want := range traj {
		opt.ZeroGrad()
		p.loss().Backward()
		opt.Step()
		if sched != nil {
			sched.Step()
		}
		assertClose(t, fmt.Sprintf("%s step %d", what, step+1), p.flat(), floats(want), tolerance(dt))
	}
	assertClose(t, what+": u (no gradient)", p.u.Float64s(), u0, 0)
	if p.u.Grad() != nil {
		t.Fatalf("%s: u has a gradient", what)
	}
}

// kwargs reads PyTorch keyword arguments: a key that is present and zero
// becomes Zero (a literal zero, not the default).
type kwargs map[string]any

func (k kwargs) float(key string) float64 {
	v, ok := k[key]
	if !ok {
		return 0
	}
	f := v.(float64)
	if f == 0 {
		return Zero
	}
	return f
}

func (k kwargs) bool(key string) bool {
	v, _ := k[key].(bool)
	return v
}

func (k kwargs) int(key string) int {
	v, _ := k[key].(float64)
	return int(v)
}

func (k kwargs) betas() (float64, float64) {
	v, ok := k["betas"].([]any)
	if !ok {
		return 0, 0
	}
	b1, b2 := v[0].(float64), v[1].(float64)
	if b1 == 0 {
		b1 = Zero
	}
	return b1, b2
}

func (k kwargs) floats(key string) []float64 {
	v, ok := k[key].([]any)
	if !ok {
		return nil
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x.(float64)
	}
	return out
}

// merged returns base overridden by over (a parameter group's own keys).
func merged(base, over map[string]any) kwargs {
	out := kwargs{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// newOptimizer builds the optimizer kind over groups, each with its
// PyTorch keyword arguments.
func newOptimizer(t *testing.T, kind string, params [][]*ember.Tensor, kws []kwargs) Optimizer {
	t.Helper()
	switch kind {
	case "SGD":
		var gs []Group[SGDOptions]
		for i, k := range kws {
			gs = append(gs, NewGroup(params[i], SGDOptions{LR: k.float("lr"), Momentum: k.float("momentum"),
				Dampening: k.float("dampening"), WeightDecay: k.float("weight_decay"), Nesterov: k.bool("nesterov"), Maximize: k.bool("maximize")}))
		}
		return NewSGDGroups(gs...)
	case "Adam", "AdamW":
		var gs []Group[AdamOptions]
		for i, k := range kws {
			b1, b2 := k.betas()
			gs = append(gs, NewGroup(params[i], AdamOptions{LR: k.float("lr"), Beta1: b1, Beta2: b2, Eps: k.float("eps"),
				WeightDecay: k.float("weight_decay"), AMSGrad: k.bool("amsgrad"), Maximize: k.bool("maximize")}))
		}
		if kind == "Adam" {
			return NewAdamGroups(gs...)
		}
		return NewAdamWGroups(gs...)
	case "RMSprop":
		var gs []Group[RMSpropOptions]
		for i, k := range kws {
			gs = append(gs, NewGroup(params[i], RMSpropOptions{LR: k.float("lr"), Alpha: k.float("alpha"), Eps: k.float("eps"),
				WeightDecay: k.float("weight_decay"), Momentum: k.float("momentum"), Centered: k.bool("centered"), Maximize: k.bool("maximize")}))
		}
		return NewRMSpropGroups(gs...)
	case "Adagrad":
		var gs []Group[AdagradOptions]
		for i, k := range kws {
			gs = append(gs, NewGroup(params[i], AdagradOptions{LR: k.float("lr"), LRDecay: k.float("lr_decay"),
				WeightDecay: k.float("weight_decay"), InitialAccumulatorValue: k.float("initial_accumulator_value"),
				Eps: k.float("eps"), Maximize: k.bool("maximize")}))
		}
		return NewAdagradGroups(gs...)
	case "Lion":
		var gs []Group[LionOptions]
		for i, k := range kws {
			b1, b2 := k.betas()
			gs = append(gs, NewGroup(params[i], LionOptions{LR: k.float("lr"), Beta1: b1, Beta2: b2,
				WeightDecay: k.float("weight_decay"), Maximize: k.bool("maximize")}))
		}
		return NewLionGroups(gs...)
	}
	t.Fatalf("unknown optimizer %q", kind)
	return nil
}
