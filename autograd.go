package ember

import (
	"fmt"
	"slices"
	"sync/atomic"
)

// node is one recorded op: the inputs it received and how to turn the
// gradient of its output into gradients of those inputs.
type node struct {
	name     string
	inputs   []*Tensor // nil where an input needs no gradient
	backward func(g *Tensor) []*Tensor
	saved    []savedVar
	hooks    []func(*Tensor) *Tensor // hooks registered on the output
	retain   *Tensor                 // the output, when RetainGrad was called
	outShape []int
	outDType DType
	opaque   bool // backward is user code (Function, Checkpoint): what it sees escapes

	// addInto, if set, is a shortcut for a node whose one input's gradient
	// is its own gradient placed into zeros (a slice's backward): it adds g
	// into that input's gradient accumulated so far, in place, and reports
	// whether it could (see engine.runNode). Split pieces, like GPT's q, k
	// and v, then cost no zero-filled full-size gradient and no full-size
	// sum each.
	addInto func(acc, g *Tensor) bool

	// Per-Backward bookkeeping, valid while run is the running pass's id.
	run     uint64
	deps    int32   // edges into the node from nodes still to run
	pending *Tensor // gradient accumulated so far
	capIdx  int32   // 1 + index among Grad's inputs, or 0
	need    bool    // with Grad: a captured tensor lies at or beyond it
}

type savedVar struct {
	t       *Tensor
	version uint64
}

// noGradDepth counts open NoGrad scopes; recording is off while it is > 0.
var noGradDepth atomic.Int64

// GradEnabled reports whether ops currently record the graph for autograd.
func GradEnabled() bool { return noGradDepth.Load() == 0 }

// NoGrad runs f with gradient recording off (like torch.no_grad()): ops
// inside build no graph, which saves memory and time in evaluation.
//
// Grad mode is process-wide: while f runs, ops on every goroutine skip
// recording. Do not train on one goroutine while another is inside NoGrad.
func NoGrad(f func()) {
	noGradDepth.Add(1)
	defer noGradDepth.Add(-1)
	f()
}

// EnableGrad runs f with gradient recording on, even inside NoGrad.
func EnableGrad(f func()) {
	old := noGradDepth.Swap(0)
	defer noGradDepth.Add(old)
	f()
}

// rec collects an op's inputs before its output exists. It is nil when the
// op needs no recording, so ops write `if r := track(x, w); r != nil {...}`.
type rec struct {
	inputs []*Tensor
}

// track returns a recorder when grad mode is on and some input requires a
// gradient, else nil.
func track(inputs ...*Tensor) *rec {
	if !GradEnabled() {
		return nil
	}
	anyReq := false
	for _, t := range inputs {
		if t != nil && t.requiresGrad {
			anyReq = true
			break
		}
	}
	if !anyReq {
		return nil
	}
	r := &rec{inputs: make([]*Tensor, len(inputs))}
	for i, t := range inputs {
		if t != nil && t.requiresGrad {
			r.inputs[i] = t
		}
	}
	return r
}

// needs reports whether input i requires a gradient.
func (r *rec) needs(i int) bool { return r.inputs[i] != nil }

// record attaches the op to out. backward receives the gradient of out and
// returns one gradient per input (nil where none is needed or it is zero).
// saved lists the tensors backward reads, so in-place changes to them are
// detected.
func (r *rec) record(out *Tensor, name string, backward func(g *Tensor) []*Tensor, saved ...*Tensor) *Tensor {
	n := &node{name: name, inputs: r.inputs, backward: backward, outShape: out.shape, outDType: out.dtype}
	for _, s := range saved {
		if s != nil {
			n.saved = append(n.saved, savedVar{t: s, version: s.st.version})
		}
	}
	out.node = n
	out.requiresGrad = true
	return out
}

// RegisterHook adds a function called with t's gradient whenever Backward
// computes it; a non-nil result replaces the gradient. It returns a
// function that removes the hook.
func (t *Tensor) RegisterHook(hook func(grad *Tensor) *Tensor) (remove func()) {
	if !t.requiresGrad {
		panic(&AutogradError{Msg: "cannot register a hook on a tensor that doesn't require grad"})
	}
	list := &t.leafHooks
	if t.node != nil {
		list = &t.node.hooks
	}
	*list = append(*list, hook)
	idx := len(*list) - 1
	return func() {
		if idx < len(*list) {
			(*list)[idx] = nil
		}
	}
}

// RetainGrad makes Backward store the gradient of a non-leaf tensor in its
// Grad, as leaves do.
func (t *Tensor) RetainGrad() {
	if !t.requiresGrad {
		panic(&AutogradError{Msg: "can't retain_grad on a tensor that doesn't require grad"})
	}
	if t.node != nil {
		t.node.retain = t
	}
}

// BackwardOption configures Backward and Grad.
type BackwardOption func(*backwardConfig)

type backwardConfig struct {
	grads       []*Tensor
	retainGraph bool
	createGraph bool
	allowUnused bool
}

// WithGradient seeds Backward with the gradient of the output (needed when
// the output is not a scalar). For Grad it gives one gradient per output.
func WithGradient(g ...*Tensor) BackwardOption {
	return func(c *backwardConfig) { c.grads = g }
}

// RetainGraph keeps the graph after Backward so it can run again.
func RetainGraph() BackwardOption { return func(c *backwardConfig) { c.retainGraph = true } }

// CreateGraph records the backward pass itself, so gradients can be
// differentiated again (higher-order derivatives). It implies RetainGraph.
func CreateGraph() BackwardOption {
	return func(c *backwardConfig) { c.createGraph, c.retainGraph = true, true }
}

// AllowUnused lets Grad return nil for inputs the outputs do not depend on
// instead of failing.
func AllowUnused() BackwardOption { return func(c *backwardConfig) { c.allowUnused = true } }

// Backward computes the gradient of t with respect to every leaf tensor that
// requires one and adds it to the leaf's Grad. t must be a scalar unless
// WithGradient gives its gradient.
func (t *Tensor) Backward(opts ...BackwardOption) {
	var c backwardConfig
	for _, o := range opts {
		o(&c)
	}
	var seed *Tensor
	if len(c.grads) > 0 {
		seed = c.grads[0]
	}
	runBackward([]*Tensor{t}, []*Tensor{seed}, nil, c)
}

// Grad returns the gradients of the sum of outputs with respect to inputs
// (like torch.autograd.grad), without touching any tensor's Grad. Inputs
// may be leaves or intermediate results.
func Grad(outputs, inputs []*Tensor, opts ...BackwardOption) []*Tensor {
	var c backwardConfig
	for _, o := range opts {
		o(&c)
	}
	if len(c.grads) != 0 && len(c.grads) != len(outputs) {
		panic(&AutogradError{Msg: fmt.Sprintf("Grad: %d output gradients for %d outputs", len(c.grads), len(outputs))})
	}
	seeds := make([]*Tensor, len(outputs))
	copy(seeds, c.grads)
	for _, in := range inputs {
		if !in.requiresGrad {
			panic(&AutogradError{Msg: "Grad: one of the inputs does not require grad"})
		}
	}
	res := runBackward(outputs, seeds, inputs, c)
	if !c.allowUnused {
		for i, g := range res {
			if g == nil {
				panic(&AutogradError{Msg: fmt.Sprintf("Grad: input %d was not used in computing the outputs (pass AllowUnused to get nil)", i)})
			}
		}
	}
	return res
}

// conformGrad checks a gradient against its input and fixes the dtype (a
// float32 input of an op computed in float64 gets a float32 gradient).
func conformGrad(name string, in, g *Tensor) *Tensor {
	if !slices.Equal(in.shape, g.shape) {
		if g.Numel() == in.Numel() {
			g = g.Reshape(in.shape...)
		} else {
			panic(fmt.Sprintf("ember: %s produced a gradient of shape %v for an input of shape %v", name, g.shape, in.shape))
		}
	}
	if g.dtype != in.dtype {
		g = g.To(in.dtype)
	}
	return g
}

// addGrad returns a + b, treating nil as zero.
func addGrad(a, b *Tensor) *Tensor {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	return a.Add(b)
}
