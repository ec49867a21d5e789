package ember

import "fmt"

// Function is a differentiable op whose forward and backward the user
// writes, like torch.autograd.Function:
//
//	square := &ember.Function{
//		Name: "Square",
//		Forward: func(ctx *ember.FunctionContext, in ...*ember.Tensor) *ember.Tensor {
//			ctx.SaveForBackward(in[0])
//			return in[0].Mul(in[0])
//		},
//		Backward: func(ctx *ember.FunctionContext, g *ember.Tensor) []*ember.Tensor {
//			x := ctx.Saved()[0]
//			return []*ember.Tensor{g.Mul(x).MulScalar(2)}
//		},
//	}
//	y := square.Apply(x)
//
// Forward runs without recording a graph. Backward returns one gradient per
// input (nil for none); it is recorded when a higher-order gradient is
// asked for (CreateGraph), so it should use ember ops.
type Function struct {
	Name     string
	Forward  func(ctx *FunctionContext, inputs ...*Tensor) *Tensor
	Backward func(ctx *FunctionContext, grad *Tensor) []*Tensor
}

// FunctionContext carries state from a Function's forward to its backward.
type FunctionContext struct {
	saved []*Tensor
	needs []bool
	// Values holds anything else the backward needs (sizes, flags).
	Values map[string]any
}

// SaveForBackward keeps tensors for Backward; modifying them in place
// before Backward runs is an error.
func (c *FunctionContext) SaveForBackward(ts ...*Tensor) { c.saved = append(c.saved, ts...) }

// Saved returns the tensors passed to SaveForBackward.
func (c *FunctionContext) Saved() []*Tensor { return c.saved }

// NeedsInputGrad reports whether input i requires a gradient.
func (c *FunctionContext) NeedsInputGrad(i int) bool { return i < len(c.needs) && c.needs[i] }

// Apply runs the function on inputs, recording it for autograd when some
// input requires a gradient.
func (f *Function) Apply(inputs ...*Tensor) *Tensor {
	if f.Forward == nil || f.Backward == nil {
		panic(&ValueError{Op: "Function.Apply", Msg: "Function " + f.Name + " needs both Forward and Backward"})
	}
	ctx := &FunctionContext{Values: map[string]any{}, needs: make([]bool, len(inputs))}
	r := track(inputs...)
	for i := range inputs {
		ctx.needs[i] = r != nil && r.needs(i)
	}
	var out *Tensor
	NoGrad(func() { out = f.Forward(ctx, inputs...) })
	if out == nil {
		panic(&ValueError{Op: "Function.Apply", Msg: "Forward of " + f.Name + " returned nil"})
	}
	if r == nil {
		return out
	}
	if out.node != nil || out.requiresGrad {
		out = out.Detach()
		out.isView = false
	}
	for _, in := range inputs {
		if out.st == in.st {
			// Forward returned an input (or a view of one): give the output
			// its own identity so the graph stays acyclic.
			out = out.Detach()
			break
		}
	}
	r.record(out, f.Name+"Backward", func(g *Tensor) []*Tensor {
		gs := f.Backward(ctx, g)
		if len(gs) != len(inputs) {
			panic(&AutogradError{Msg: fmt.Sprintf("function %sBackward returned an incorrect number of gradients (expected %d, got %d)", f.Name, len(inputs), len(gs))})
		}
		return gs
	}, ctx.saved...)
	out.node.opaque = true // user code sees and returns the gradients
	return out
}

// Checkpoint runs fn without keeping its intermediate results, and runs it
// again during backward to compute gradients (trading compute for memory,
// like torch.utils.checkpoint). Random ops inside fn see the same random
// numbers both times.
func Checkpoint(fn func(inputs ...*Tensor) *Tensor, inputs ...*Tensor) *Tensor {
	r := track(inputs...)
	if r == nil {
		return fn(inputs...)
	}
	before := defaultGen.State()
	var out *Tensor
	NoGrad(func() { out = fn(inputs...) })
	if out.st != nil {
		for _, in := range inputs {
			if out.st == in.st {
				out = out.Clone()
				break
			}
		}
	}
	out = out.Detach()
	out.isView = false
	out = r.record(out, "CheckpointFunctionBackward", func(g *Tensor) []*Tensor {
		// Recompute with the forward's random state, then restore.
		now := defaultGen.State()
		defaultGen.SetState(before)
		defer defaultGen.SetState(now)
		detached := make([]*Tensor, len(inputs))
		var wrt []*Tensor
		var idx []int
		for i, in := range inputs {
			d := in.Detach()
			d.isView = false
			if r.needs(i) {
				d.requiresGrad = true
				wrt = append(wrt, d)
				idx = append(idx, i)
			}
			detached[i] = d
		}
		grads := make([]*Tensor, len(inputs))
		create := GradEnabled() // true only when the outer backward creates a graph
		EnableGrad(func() {
			y := fn(detached...)
			if !y.requiresGrad {
				return
			}
			opts := []BackwardOption{WithGradient(g), AllowUnused()}
			if create {
				opts = append(opts, CreateGraph())
			}
			res := Grad([]*Tensor{y}, wrt, opts...)
			for k, i := range idx {
				grads[i] = res[k]
			}
		})
		return grads
	})
	out.node.opaque = true
	return out
}
