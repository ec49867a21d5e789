package optim

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

// TestOptimizersMatchPyTorch replays every optimizer configuration of the
// golden file (parameter groups included) for 20 steps in float32 and
// float64 and compares each step's parameters with PyTorch's.
func TestOptimizersMatchPyTorch(t *testing.T) {
	g := loadGolden(t)
	if len(g.Optimizers) == 0 {
		t.Fatal("no optimizer runs in the golden file")
	}
	for _, run := range g.Optimizers {
		t.Run(run.Name+"_"+run.DType, func(t *testing.T) {
			dt := dtypeOf(t, run.DType)
			p := newProblem(g, dt)
			var opt Optimizer
			if run.Groups == nil {
				opt = newOptimizer(t, run.Optim, [][]*ember.Tensor{p.params()}, []kwargs{merged(run.Options, nil)})
			} else {
				opt = newOptimizer(t, run.Optim, [][]*ember.Tensor{{p.w}, {p.b, p.u}},
					[]kwargs{merged(run.Options, run.Groups[0]), merged(run.Options, run.Groups[1])})
			}
			p.train(t, run.Name, opt, nil, run.Traj, dt)
		})
	}
}

// TestDefaults checks that zero options fields take PyTorch's defaults and
// that Zero asks for a literal zero.
func TestDefaults(t *testing.T) {
	p := []*ember.Tensor{ember.Zeros([]int{2}).SetRequiresGrad(true)}
	tests := []struct {
		name string
		opt  Optimizer
		want Hyper
	}{
		{"SGD", NewSGD(p, SGDOptions{LR: 0.5}), Hyper{LR: 0.5}},
		{"Adam", NewAdam(p, AdamOptions{}), Hyper{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}},
		{"AdamW", NewAdamW(p, AdamOptions{}), Hyper{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-2}},
		{"AdamW no decay", NewAdamW(p, AdamOptions{WeightDecay: Zero, Beta1: Zero}), Hyper{LR: 1e-3, Beta2: 0.999, Eps: 1e-8}},
		{"RMSprop", NewRMSprop(p, RMSpropOptions{}), Hyper{LR: 1e-2, Alpha: 0.99, Eps: 1e-8}},
		{"Adagrad", NewAdagrad(p, AdagradOptions{}), Hyper{LR: 1e-2, Eps: 1e-10}},
		{"Lion", NewLion(p, LionOptions{}), Hyper{LR: 1e-4, Beta1: 0.9, Beta2: 0.99}},
	}
	for _, tc := range tests {
		got := tc.opt.Hyper(0)
		if got != tc.want {
			t.Errorf("%s: hyper %+v, want %+v", tc.name, got, tc.want)
		}
		if math.Signbit(got.WeightDecay) || math.Signbit(got.Beta1) {
			t.Errorf("%s: Zero leaked into the hyper-parameters as negative zero", tc.name)
		}
	}
}

// TestConstructorErrors checks the argument checks PyTorch makes, caught
// as errors.
func TestConstructorErrors(t *testing.T) {
	p := []*ember.Tensor{ember.Zeros([]int{2}).SetRequiresGrad(true)}
	nonLeaf := ember.Zeros([]int{2}).SetRequiresGrad(true).MulScalar(2)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"no params", func() { NewAdam(nil, AdamOptions{}) }, "empty parameter list"},
		{"sgd without lr", func() { NewSGD(p, SGDOptions{}) }, "SGD needs a learning rate"},
		{"negative lr", func() { NewAdam(p, AdamOptions{LR: -1}) }, "Invalid learning rate: -1"},
		{"beta1 = 1", func() { NewAdam(p, AdamOptions{Beta1: 1}) }, "Invalid beta parameter at index 0: 1"},
		{"beta2 < 0", func() { NewLion(p, LionOptions{Beta2: -0.5}) }, "Invalid beta parameter at index 1: -0.5"},
		{"negative eps", func() { NewRMSprop(p, RMSpropOptions{Eps: -1}) }, "Invalid epsilon value"},
		{"negative weight decay", func() { NewSGD(p, SGDOptions{LR: 1, WeightDecay: -1}) }, "Invalid weight_decay value"},
		{"nesterov without momentum", func() { NewSGD(p, SGDOptions{LR: 1, Nesterov: true}) }, "Nesterov momentum requires a momentum and zero dampening"},
		{"negative lr_decay", func() { NewAdagrad(p, AdagradOptions{LRDecay: -1}) }, "Invalid lr_decay value"},
		{"duplicate", func() {
			NewAdamGroups(NewGroup(p, AdamOptions{}), NewGroup(p, AdamOptions{}))
		}, "appear in more than one parameter group"},
		{"integer param", func() { NewAdam([]*ember.Tensor{ember.Zeros([]int{2}, ember.Int64)}, AdamOptions{}) }, "floating-point"},
		{"non-leaf", func() { NewAdam([]*ember.Tensor{nonLeaf}, AdamOptions{}) }, "non-leaf"},
		{"bad group", func() { NewAdam(p, AdamOptions{}).LR(1) }, "parameter group 1 out of range"},
		{"bad SetHyper", func() { NewAdam(p, AdamOptions{}).SetHyper(0, Hyper{Beta1: 1.5}) }, "Invalid beta parameter at index 0"},
	}
	for _, tc := range tests {
		err := ember.Catch(tc.f)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestSkipsNilGradAndZeroGrad checks that parameters without a gradient
// are untouched, keep no state, and that ZeroGrad clears gradients.
func TestSkipsNilGradAndZeroGrad(t *testing.T) {
	a := ember.From([]float32{1, 2}).SetRequiresGrad(true)
	b := ember.From([]float32{3, 4}).SetRequiresGrad(true)
	opt := NewAdam([]*ember.Tensor{a, b}, AdamOptions{LR: 0.1})
	a.SetGrad(ember.From([]float32{1, -1}))
	opt.Step()
	if got := b.Float64s(); got[0] != 3 || got[1] != 4 {
		t.Fatalf("b moved without a gradient: %v", got)
	}
	// Adam's first step moves by lr*sign(g) (up to eps).
	assertClose(t, "a", a.Float64s(), []float64{0.9, 2.1}, 1e-6)
	sd := opt.StateDict()
	if _, ok := sd.State[1]; ok || len(sd.Tensors) != 2 {
		t.Fatalf("state for a parameter never updated: state %v, tensors %d", sd.State, len(sd.Tensors))
	}
	opt.ZeroGrad()
	if a.Grad() != nil || b.Grad() != nil {
		t.Fatal("ZeroGrad left a gradient")
	}
}

// TestSlowPaths checks the conversions a step makes for a gradient of
// another dtype, a non-contiguous gradient and a non-contiguous parameter,
// against the same update on plain tensors.
func TestSlowPaths(t *testing.T) {
	base := ember.From([][]float32{{1, 2, 3}, {4, 5, 6}})
	grad := ember.From([][]float64{{0.5, -1, 2}, {0.25, 3, -0.75}}).To(ember.Float64)
	if grad.DType() != ember.Float64 || base.DType() != ember.Float32 {
		t.Fatalf("want a float64 gradient for a float32 parameter, got %v and %v", grad.DType(), base.DType())
	}
	ref := base.Clone().SetRequiresGrad(true)
	ref.SetGrad(grad.To(ember.Float32))
	NewSGD([]*ember.Tensor{ref}, SGDOptions{LR: 0.1, Momentum: 0.9}).Step()

	mixed := base.Clone().SetRequiresGrad(true)
	mixed.SetGrad(grad) // float64 gradient for a float32 parameter
	NewSGD([]*ember.Tensor{mixed}, SGDOptions{LR: 0.1, Momentum: 0.9}).Step()
	assertClose(t, "float64 gradient", mixed.Float64s(), ref.Float64s(), 0)

	strided := base.Clone().SetRequiresGrad(true)
	strided.SetGrad(grad.To(ember.Float32).T().Contiguous().T()) // non-contiguous
	NewSGD([]*ember.Tensor{strided}, SGDOptions{LR: 0.1, Momentum: 0.9}).Step()
	assertClose(t, "strided gradient", strided.Float64s(), ref.Float64s(), 0)

	leaf := base.T().Contiguous().T().SetRequiresGrad(true) // base's values, column-major
	leaf.SetGrad(grad.To(ember.Float32))
	NewSGD([]*ember.Tensor{leaf}, SGDOptions{LR: 0.1, Momentum: 0.9}).Step()
	assertClose(t, "strided parameter", leaf.Float64s(), ref.Float64s(), 0)
	if leaf.IsContiguous() {
		t.Fatal("the strided parameter should still be a strided view")
	}
}

// TestHalfParameters steps bfloat16 and float16 parameters (computed in
// float32 on the CPU) and compares with the float32 update rounded.
func TestHalfParameters(t *testing.T) {
	for _, dt := range []ember.DType{ember.BFloat16, ember.Float16} {
		p32 := ember.From([]float32{1, -2, 0.5}).SetRequiresGrad(true)
		p32.SetGrad(ember.From([]float32{0.25, 0.5, -1}))
		NewAdam([]*ember.Tensor{p32}, AdamOptions{LR: 0.125}).Step()
		ph := ember.From([]float32{1, -2, 0.5}).To(dt).SetRequiresGrad(true)
		ph.SetGrad(ember.From([]float32{0.25, 0.5, -1}).To(dt))
		opt := NewAdam([]*ember.Tensor{ph}, AdamOptions{LR: 0.125})
		opt.Step()
		assertClose(t, dt.String(), ph.Float64s(), p32.To(dt).Float64s(), 0)
		if st := opt.StateDict().Tensors["state.0.exp_avg"]; st.DType() != dt {
			t.Fatalf("%v state kept as %v", dt, st.DType())
		}
	}
}

// TestStateDictRoundTrip trains a few steps, saves the state through JSON
// (and the tensors through their values), loads it into a new optimizer on
// copies of the parameters, and checks that both continue bit-identically.
func TestStateDictRoundTrip(t *testing.T) {
	g := loadGolden(t)
	makers := map[string]func([]*ember.Tensor) Optimizer{
		"SGD": func(ps []*ember.Tensor) Optimizer {
			return NewSGD(ps, SGDOptions{LR: 0.1, Momentum: 0.9, Nesterov: true})
		},
		"Adam": func(ps []*ember.Tensor) Optimizer {
			return NewAdam(ps, AdamOptions{LR: 1e-2, AMSGrad: true, WeightDecay: 0.1})
		},
		"AdamW": func(ps []*ember.Tensor) Optimizer { return NewAdamW(ps, AdamOptions{LR: 1e-2}) },
		"RMSprop": func(ps []*ember.Tensor) Optimizer {
			return NewRMSprop(ps, RMSpropOptions{Centered: true, Momentum: 0.5})
		},
		"Adagrad": func(ps []*ember.Tensor) Optimizer { return NewAdagrad(ps, AdagradOptions{LRDecay: 0.1}) },
		"Lion":    func(ps []*ember.Tensor) Optimizer { return NewLion(ps, LionOptions{LR: 1e-3}) },
	}
	for name, mk := range makers {
		for _, dt := range []ember.DType{ember.Float32, ember.Float64} {
			a := newProblem(g, dt)
			optA := mk(a.params())
			step := func(p *problem, o Optimizer) {
				o.ZeroGrad()
				p.loss().Backward()
				o.Step()
			}
			for range 5 {
				step(a, optA)
			}
			optA.SetLR(0, optA.LR(0)/2) // a changed hyper-parameter must travel too
			sd := optA.StateDict()
			meta, err := json.Marshal(sd)
			if err != nil {
				t.Fatal(err)
			}
			var back StateDict
			if err := json.Unmarshal(meta, &back); err != nil {
				t.Fatal(err)
			}
			back.Tensors = map[string]*ember.Tensor{}
			for k, v := range sd.Tensors { // as a checkpoint file would: values and shapes
				back.Tensors[k] = ember.FromSlice(v.Float64s(), v.Shape()...)
			}

			b := newProblem(g, dt)
			ember.NoGrad(func() {
				b.w.CopyFrom(a.w)
				b.b.CopyFrom(a.b)
			})
			optB := mk(b.params())
			if err := optB.LoadStateDict(&back); err != nil {
				t.Fatalf("%s %v: LoadStateDict: %v", name, dt, err)
			}
			if optB.Hyper(0) != optA.Hyper(0) {
				t.Fatalf("%s %v: hyper %+v after loading, want %+v", name, dt, optB.Hyper(0), optA.Hyper(0))
			}
			for range 5 {
				step(a, optA)
				step(b, optB)
			}
			assertClose(t, name+" "+dt.String()+" resumed", b.flat(), a.flat(), 0)
		}
	}
}

// TestLoadStateDictErrors feeds broken state dicts and checks that each is
// refused with a message naming the problem, leaving the optimizer as it
// was.
func TestLoadStateDictErrors(t *testing.T) {
	w := ember.Zeros([]int{2, 3}).SetRequiresGrad(true)
	b := ember.Zeros([]int{3}).SetRequiresGrad(true)
	good := func() *StateDict {
		o := NewAdam([]*ember.Tensor{w, b}, AdamOptions{})
		w.SetGrad(ember.OnesLike(w))
		b.SetGrad(ember.OnesLike(b))
		o.Step()
		return o.StateDict()
	}
	tests := []struct {
		name   string
		mutate func(sd *StateDict)
		want   string
	}{
		{"kind", func(sd *StateDict) { sd.Optimizer = "SGD" }, `loading a "SGD" state dict into Adam`},
		{"groups", func(sd *StateDict) { sd.Groups = append(sd.Groups, sd.Groups[0]) }, "2 parameter groups"},
		{"group size", func(sd *StateDict) { sd.Groups[0].Params = sd.Groups[0].Params[:1] }, "group 0 has 1 parameters"},
		{"duplicate index", func(sd *StateDict) { sd.Groups[0].Params[1] = sd.Groups[0].Params[0] }, "twice"},
		{"bad hyper", func(sd *StateDict) { sd.Groups[0].Beta2 = 1 }, "Invalid beta parameter at index 1"},
		{"unknown param", func(sd *StateDict) { sd.State[7] = ParamState{Step: 1} }, "parameter 7, which no group lists"},
		{"negative step", func(sd *StateDict) { sd.State[0] = ParamState{Step: -2} }, "step -2"},
		{"shape", func(sd *StateDict) { sd.Tensors["state.0.exp_avg"] = ember.Zeros([]int{3, 2}) }, "has shape [3 2], the parameter [2 3]"},
		{"nil tensor", func(sd *StateDict) { sd.Tensors["state.0.exp_avg"] = nil }, "has shape nil"},
		{"int tensor", func(sd *StateDict) { sd.Tensors["state.0.exp_avg"] = ember.Zeros([]int{2, 3}, ember.Int64) }, "floating-point"},
		{"name", func(sd *StateDict) { sd.Tensors["state.0.momentum_buffer"] = ember.Zeros([]int{2, 3}) }, `keeps no "momentum_buffer" state`},
		{"key", func(sd *StateDict) { sd.Tensors["exp_avg"] = ember.Zeros([]int{2, 3}) }, "is not state.<param>.<name>"},
		{"index", func(sd *StateDict) { sd.Tensors["state.x.exp_avg"] = ember.Zeros([]int{2, 3}) }, "bad parameter index"},
		{"tensor without step", func(sd *StateDict) { delete(sd.State, 1) }, "parameter 1 has no step count"},
		{"missing tensor", func(sd *StateDict) { delete(sd.Tensors, "state.1.exp_avg_sq") }, `no tensor "state.1.exp_avg_sq"`},
	}
	for _, tc := range tests {
		sd := good()
		tc.mutate(sd)
		target := NewAdam([]*ember.Tensor{w, b}, AdamOptions{LR: 0.5})
		err := target.LoadStateDict(sd)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		if target.LR(0) != 0.5 || len(target.StateDict().Tensors) != 0 {
			t.Errorf("%s: a refused state dict changed the optimizer", tc.name)
		}
	}
	if err := NewAdam([]*ember.Tensor{w, b}, AdamOptions{}).LoadStateDict(nil); err == nil {
		t.Error("nil state dict accepted")
	}
}

// TestStepAllocations proves the steady state allocates nothing per
// parameter: the allocations of a Step over 40 parameters are those of a
// Step over 1 (both zero for these sizes).
func TestStepAllocations(t *testing.T) {
	makers := map[string]func([]*ember.Tensor) Optimizer{
		"SGD":   func(ps []*ember.Tensor) Optimizer { return NewSGD(ps, SGDOptions{LR: 0.1, Momentum: 0.9}) },
		"Adam":  func(ps []*ember.Tensor) Optimizer { return NewAdam(ps, AdamOptions{AMSGrad: true}) },
		"AdamW": func(ps []*ember.Tensor) Optimizer { return NewAdamW(ps, AdamOptions{}) },
		"RMSprop": func(ps []*ember.Tensor) Optimizer {
			return NewRMSprop(ps, RMSpropOptions{Centered: true, Momentum: 0.9})
		},
		"Adagrad": func(ps []*ember.Tensor) Optimizer { return NewAdagrad(ps, AdagradOptions{}) },
		"Lion":    func(ps []*ember.Tensor) Optimizer { return NewLion(ps, LionOptions{}) },
	}
	allocs := func(mk func([]*ember.Tensor) Optimizer, n int) float64 {
		var ps []*ember.Tensor
		for i := range n {
			p := ember.Full([]int{16, 8 + i}, 0.5).SetRequiresGrad(true)
			p.SetGrad(ember.Full([]int{16, 8 + i}, 0.25))
			ps = append(ps, p)
		}
		opt := mk(ps)
		opt.Step() // creates the state
		return testing.AllocsPerRun(20, opt.Step)
	}
	for name, mk := range makers {
		one, many := allocs(mk, 1), allocs(mk, 40)
		if many > one || one > 2 {
			t.Errorf("%s: %v allocations per Step with 1 parameter, %v with 40", name, one, many)
		}
	}
}
