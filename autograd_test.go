package ember

import (
	"strings"
	"testing"
)

func vals(t *Tensor) []float64 { return t.Float64s() }

func eqVals(t *testing.T, what string, got *Tensor, want ...float64) {
	t.Helper()
	if ok, msg := approxEqual(got, want, 1e-6, 1e-9); !ok {
		t.Fatalf("%s: %s (got %v)", what, msg, vals(got))
	}
}

func errContains(t *testing.T, f func(), want string) {
	t.Helper()
	err := Catch(f)
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q, want one containing %q", err, want)
	}
}

func TestBackwardAccumulates(t *testing.T) {
	x := FromSlice([]float64{1, 2, 3}).SetRequiresGrad(true)
	y := x.Mul(x).Sum()
	y.Backward(RetainGraph())
	eqVals(t, "first", x.Grad(), 2, 4, 6)
	y.Backward()
	eqVals(t, "accumulated", x.Grad(), 4, 8, 12)
	errContains(t, func() { y.Backward() }, "backward through the graph a second time")
	x.SetGrad(nil)
	x.Mul(Scalar(3.0)).Backward(WithGradient(FromSlice([]float64{1, 0, 2})))
	eqVals(t, "explicit output gradient", x.Grad(), 3, 0, 6)
}

func TestBackwardNeedsScalarOrGradient(t *testing.T) {
	x := Ones([]int{2}, Float64, RequiresGrad)
	errContains(t, func() { x.MulScalar(2).Backward() }, "grad can be implicitly created only for scalar outputs")
	errContains(t, func() { Ones([]int{1}).Backward() }, "does not require grad")
}

func TestSharedSubgraphAndDiamond(t *testing.T) {
	// z = (x*y) + (x*y)^2 reuses one node twice.
	x := FromSlice([]float64{2}).SetRequiresGrad(true)
	y := FromSlice([]float64{3}).SetRequiresGrad(true)
	p := x.Mul(y)
	z := p.Add(p.Square()).Sum()
	z.Backward()
	// dz/dx = y + 2*p*y = 3 + 36 ; dz/dy = x + 2*p*x = 2 + 24
	eqVals(t, "dx", x.Grad(), 39)
	eqVals(t, "dy", y.Grad(), 26)
}

func TestNoGradDetachEnableGrad(t *testing.T) {
	x := Ones([]int{2}, Float64, RequiresGrad)
	var y *Tensor
	NoGrad(func() { y = x.MulScalar(2) })
	if y.RequiresGrad() || y.GradFn() != "" {
		t.Fatal("op inside NoGrad recorded a graph")
	}
	NoGrad(func() {
		EnableGrad(func() { y = x.MulScalar(2) })
	})
	if !y.RequiresGrad() || y.GradFn() != "MulBackward1" {
		t.Fatalf("EnableGrad inside NoGrad: requires %v fn %q", y.RequiresGrad(), y.GradFn())
	}
	d := y.Detach()
	if d.RequiresGrad() || !d.SharesStorage(y) {
		t.Fatal("Detach must share memory and drop history")
	}
	if !GradEnabled() {
		t.Fatal("grad mode not restored")
	}
}

func TestHooksAndRetainGrad(t *testing.T) {
	x := FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	var seen []float64
	x.RegisterHook(func(g *Tensor) *Tensor { seen = vals(g); return g.MulScalar(10) })
	h := x.MulScalar(3)
	h.RetainGrad()
	remove := h.RegisterHook(func(g *Tensor) *Tensor { return g.AddScalar(1) })
	h.Sum().Backward(RetainGraph())
	eqVals(t, "non-leaf retained grad (after its hook)", h.Grad(), 2, 2)
	if len(seen) != 2 || seen[0] != 6 {
		t.Fatalf("leaf hook saw %v, want [6 6]", seen)
	}
	eqVals(t, "leaf grad replaced by hook", x.Grad(), 60, 60)
	remove()
	x.SetGrad(nil)
	h.Sum().Backward()
	eqVals(t, "after removing the non-leaf hook", x.Grad(), 30, 30)
}

func TestGradFunction(t *testing.T) {
	x := FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	w := FromSlice([]float64{3, 4}).SetRequiresGrad(true)
	u := FromSlice([]float64{5}).SetRequiresGrad(true)
	y := x.Mul(w).Sum()
	g := Grad([]*Tensor{y}, []*Tensor{x, w})
	eqVals(t, "dy/dx", g[0], 3, 4)
	eqVals(t, "dy/dw", g[1], 1, 2)
	if x.Grad() != nil {
		t.Fatal("Grad must not touch .Grad()")
	}
	y2 := x.Mul(w).Sum()
	errContains(t, func() { Grad([]*Tensor{y2}, []*Tensor{u}) }, "was not used")
	if r := Grad([]*Tensor{x.Mul(w).Sum()}, []*Tensor{u}, AllowUnused()); r[0] != nil {
		t.Fatal("unused input should give nil")
	}
	// Gradient with respect to an intermediate result.
	m := x.MulScalar(2)
	z := m.Square().Sum()
	gm := Grad([]*Tensor{z}, []*Tensor{m})
	eqVals(t, "dz/dm", gm[0], 4, 8)
}

func TestSecondDerivative(t *testing.T) {
	x := FromSlice([]float64{2, -1}).SetRequiresGrad(true)
	y := x.PowScalar(3).Sum()
	g := Grad([]*Tensor{y}, []*Tensor{x}, CreateGraph())[0]
	eqVals(t, "first", g, 12, 3)
	if !g.RequiresGrad() {
		t.Fatal("CreateGraph result should require grad")
	}
	g.Sum().Backward()
	eqVals(t, "second", x.Grad(), 12, -6)
}

var cube = &Function{
	Name: "Cube",
	Forward: func(ctx *FunctionContext, in ...*Tensor) *Tensor {
		ctx.SaveForBackward(in[0])
		ctx.Values["power"] = 3.0
		return in[0].PowScalar(3)
	},
	Backward: func(ctx *FunctionContext, g *Tensor) []*Tensor {
		x := ctx.Saved()[0]
		p := ctx.Values["power"].(float64)
		return []*Tensor{g.Mul(x.Square()).MulScalar(p)}
	},
}

func TestCustomFunction(t *testing.T) {
	x := FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	y := cube.Apply(x)
	if y.GradFn() != "CubeBackward" {
		t.Fatalf("grad fn %q", y.GradFn())
	}
	y.Sum().Backward()
	eqVals(t, "custom backward", x.Grad(), 3, 12)
	bad := &Function{Name: "Bad",
		Forward:  func(ctx *FunctionContext, in ...*Tensor) *Tensor { return in[0].MulScalar(1) },
		Backward: func(ctx *FunctionContext, g *Tensor) []*Tensor { return nil }}
	errContains(t, func() { bad.Apply(x).Sum().Backward() }, "incorrect number of gradients")
}

func TestCheckpointMatchesDirect(t *testing.T) {
	fn := func(in ...*Tensor) *Tensor {
		// A random op inside: the recomputation must see the same numbers.
		noise := RandLike(in[0])
		return in[0].Tanh().Mul(in[1]).Mul(noise).Sum()
	}
	mk := func() (*Tensor, *Tensor) {
		return randT(1, -1, 1, 3, 4), randT(2, -1, 1, 4)
	}
	ManualSeed(42)
	a, b := mk()
	direct := fn(a, b)
	direct.Backward()
	ManualSeed(42)
	a2, b2 := mk()
	cp := Checkpoint(fn, a2, b2)
	if cp.GradFn() != "CheckpointFunctionBackward" {
		t.Fatalf("grad fn %q", cp.GradFn())
	}
	eqVals(t, "value", cp, vals(direct)...)
	RandLike(a2) // move the generator on: backward must still replay the forward's numbers
	cp.Backward()
	eqVals(t, "grad a", a2.Grad(), vals(a.Grad())...)
	eqVals(t, "grad b", b2.Grad(), vals(b.Grad())...)
}

func TestInPlaceRules(t *testing.T) {
	leaf := Ones([]int{2}, Float64, RequiresGrad)
	errContains(t, func() { leaf.AddInPlace(Ones([]int{2}, Float64)) }, "a leaf Variable that requires grad is being used in an in-place operation")
	NoGrad(func() { leaf.MulScalarInPlace(3) }) // parameter updates are fine without recording
	eqVals(t, "updated leaf", leaf, 3, 3)
	if leaf.Version() != 1 {
		t.Fatalf("version %d, want 1", leaf.Version())
	}

	// Modifying a tensor saved for backward is detected.
	a := FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	h := a.MulScalar(1)
	y := h.Mul(h)
	h.AddScalarInPlace(1)
	errContains(t, func() { y.Sum().Backward() }, "modified by an inplace operation")

	// In-place ops on non-leaves are recorded and differentiate correctly.
	b := FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	c := b.MulScalar(2)
	c.AddInPlace(b)       // c = 3b
	c.MulScalarInPlace(2) // c = 6b
	if c.GradFn() != "MulBackward1" {
		t.Fatalf("grad fn after in-place %q", c.GradFn())
	}
	c.Sum().Backward()
	eqVals(t, "grad through in-place ops", b.Grad(), 6, 6)

	// Dtype and shape rules.
	i := FromSlice([]int64{1, 2})
	errContains(t, func() { i.AddInPlace(FromSlice([]float32{0.5, 0.5})) }, "can't be cast to the desired output type")
	errContains(t, func() { Ones([]int{2}).AddInPlace(Ones([]int{3, 2})) }, "doesn't match the broadcast shape")
	z := Ones([]int{2, 2})
	z.CopyFrom(FromSlice([]float64{1, 2}))
	eqVals(t, "copy_ with broadcast and cast", z, 1, 2, 1, 2)
	z.ZeroInPlace()
	eqVals(t, "zero_", z, 0, 0, 0, 0)
}

func init() {
	addGradCheck(gradCase{name: "custom_function", inputs: func() []*Tensor { return []*Tensor{randT(50, -1, 1, 3)} },
		f: func(in []*Tensor) *Tensor { return cube.Apply(in[0]) }})
	addGradCheck(gradCase{name: "checkpoint", inputs: func() []*Tensor { return []*Tensor{randT(51, -1, 1, 3), randT(52, -1, 1, 3)} },
		f: func(in []*Tensor) *Tensor {
			return Checkpoint(func(xs ...*Tensor) *Tensor { return xs[0].Sin().Mul(xs[1]) }, in[0], in[1])
		}})
	addGradCheck(gradCase{name: "inplace_chain", inputs: func() []*Tensor { return []*Tensor{randT(53, -1, 1, 3), randT(54, 0.5, 1, 3)} },
		f: func(in []*Tensor) *Tensor {
			c := in[0].Exp().AddScalar(1) // not Exp's own output, which its backward reads
			c.MulInPlace(in[1])
			c.DivInPlace(in[1].AddScalar(1))
			c.SubInPlace(in[0])
			return c.AddScaledInPlace(in[1], 0.5)
		}})
	// relu_ saves its output, so it comes last (relu_ then clamp_ fails
	// backward, in PyTorch as here: TestReluInPlaceThenInPlaceFails).
	addGradCheck(gradCase{name: "clamp_relu_inplace", inputs: func() []*Tensor { return []*Tensor{randT(55, -1, 1, 4)} },
		f: func(in []*Tensor) *Tensor {
			c := in[0].MulScalar(2)
			c.ClampInPlace(-0.5, 1.5)
			return c.ReluInPlace()
		}})
	addGradCheck(gradCase{name: "relu_inplace_twice", inputs: func() []*Tensor { return []*Tensor{randT(57, -1, 1, 5)} },
		f: func(in []*Tensor) *Tensor {
			c := in[0].MulScalar(3).AddScalar(-0.2)
			c.ReluInPlace()
			return c.MulScalar(2).ReluInPlace().Add(c)
		}})
	addGradCheck(gradCase{name: "copy_", inputs: func() []*Tensor { return []*Tensor{randT(56, -1, 1, 3)} },
		f: func(in []*Tensor) *Tensor {
			z := in[0].MulScalar(0.5)
			return z.CopyFrom(in[0].Square())
		}})
}

// TestReluInPlaceThenInPlaceFails: relu_ in a graph writes in place and
// saves its output; a later in-place change of that output makes backward
// fail with PyTorch's message (PyTorch 1.13 does the same).
func TestReluInPlaceThenInPlaceFails(t *testing.T) {
	a := FromSlice([]float64{-1, 0.5, 2, -3}).SetRequiresGrad(true)
	c := a.MulScalar(1)
	c.ReluInPlace()
	c.ClampInPlace(0.1, 1.5)
	errContains(t, func() { c.Sum().Backward() }, "has been modified by an inplace operation")
	// Alone, it is ReLU: gradient 1 where the input was positive.
	b := a.MulScalar(1)
	b.ReluInPlace().Sum().Backward()
	if got := a.Grad().Float64s(); got[0] != 0 || got[1] != 1 || got[2] != 1 || got[3] != 0 {
		t.Fatalf("grad = %v, want [0 1 1 0]", got)
	}
}

// TestNestedBackwardKeepsOuterPass: a fused op whose recorded backward
// differentiates its composed form runs a backward pass inside another;
// when its input is not a leaf, that nested pass walks nodes of the outer
// pass's graph, and must leave their bookkeeping as it found it.
func TestNestedBackwardKeepsOuterPass(t *testing.T) {
	run := func(fused bool) (first, second []float64) {
		a := randT(1, -1, 1, 3, 2, 4).Detach().SetRequiresGrad(true)
		w := RecurrentWeights{WeightIH: randT(2, -1, 1, 20, 4).Detach().SetRequiresGrad(true),
			WeightHH: randT(3, -1, 1, 20, 5).Detach().SetRequiresGrad(true)}
		x := a.MulScalar(2).AddScalar(0.5) // not a leaf, two nodes from it
		var out *Tensor
		if fused {
			out, _, _ = RecurrentLayer(RecurrentLSTM, x, nil, nil, w, false)
		} else {
			zero := Zeros([]int{2, 5}, Float64)
			out = recurrentComposed(RecurrentLSTM, x, zero, zero, w, false).Narrow(0, 0, 3)
		}
		g := Grad([]*Tensor{out.Mul(out).Sum()}, []*Tensor{a}, CreateGraph())
		g[0].Sum().Backward()
		return g[0].Float64s(), w.WeightIH.Grad().Float64s()
	}
	g1, h1 := run(true)
	g2, h2 := run(false)
	if ok, msg := approxEqual(FromSlice(g1), g2, 1e-9, 1e-12); !ok {
		t.Errorf("first order: %s", msg)
	}
	if ok, msg := approxEqual(FromSlice(h1), h2, 1e-9, 1e-12); !ok {
		t.Errorf("second order: %s", msg)
	}
}

// TestGradRunsOnlyWhatItNeeds: Grad with respect to an intermediate
// tensor does not run the backward of the ops before it, nor of branches
// that lead to no requested input (PyTorch's exec_info).
func TestGradRunsOnlyWhatItNeeds(t *testing.T) {
	x := randT(1, -1, 1, 3, 4).Detach().SetRequiresGrad(true)
	w := randT(2, -1, 1, 3, 4).Detach().SetRequiresGrad(true)
	a := x.Exp()  // before the requested tensor
	b := w.Tanh() // a branch leading to no requested tensor
	ran := map[string]int{}
	a.RegisterHook(func(g *Tensor) *Tensor { ran["a"]++; return nil })
	b.RegisterHook(func(g *Tensor) *Tensor { ran["b"]++; return nil })
	h := a.MulScalar(2)
	h.RegisterHook(func(g *Tensor) *Tensor { ran["h"]++; return nil })
	y := h.Mul(b).Sum()
	g := Grad([]*Tensor{y}, []*Tensor{h}, RetainGraph())
	if ok, msg := approxEqual(g[0], b.Float64s(), 1e-12, 0); !ok {
		t.Errorf("dy/dh: %s", msg)
	}
	if ran["h"] != 1 || ran["a"] != 0 || ran["b"] != 0 {
		t.Errorf("hooks ran %v: want only h's", ran)
	}
	// The graph is intact for a later full pass.
	y.Backward()
	if x.Grad() == nil || w.Grad() == nil || ran["a"] != 1 || ran["b"] != 1 {
		t.Errorf("after Backward: hooks %v, grads %v %v", ran, x.Grad() != nil, w.Grad() != nil)
	}
}
