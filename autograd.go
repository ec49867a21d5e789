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

// runBackward is the engine. With capture == nil it accumulates into leaf
// gradients; otherwise it returns the gradients of the captured tensors.
func runBackward(outputs, seeds, capture []*Tensor, c backwardConfig) []*Tensor {
	autocastPaused.Add(1) // backward ops keep the dtypes of the forward ops
	defer autocastPaused.Add(-1)
	if !c.createGraph {
		noGradDepth.Add(1)
		defer noGradDepth.Add(-1)
	}
	// Seeds.
	type edge struct {
		t *Tensor
		g *Tensor
	}
	var roots []edge
	for i, out := range outputs {
		if !out.requiresGrad {
			panic(&AutogradError{Msg: "element 0 of tensors does not require grad and does not have a grad_fn"})
		}
		g := seeds[i]
		if g == nil {
			if out.Numel() != 1 {
				panic(&AutogradError{Msg: fmt.Sprintf("grad can be implicitly created only for scalar outputs (got shape %v); pass WithGradient", out.shape)})
			}
			g = OnesLike(out)
		} else {
			checkSameShape("Backward", out, g)
		}
		roots = append(roots, edge{out, g})
	}
	captured := map[*Tensor]int{}
	capturedNode := map[*node]int{}
	for i, t := range capture {
		if t.node != nil {
			capturedNode[t.node] = i
		} else {
			captured[t] = i
		}
	}
	results := make([]*Tensor, len(capture))

	// Count, for each node, how many edges lead into it from reachable nodes.
	deps := map[*node]int{}
	var stack []*node
	seen := map[*node]bool{}
	for _, r := range roots {
		if n := r.t.node; n != nil && !seen[n] {
			seen[n] = true
			stack = append(stack, n)
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.backward == nil {
			panic(&AutogradError{Msg: "trying to backward through the graph a second time (or directly access saved tensors after they have already been freed); pass RetainGraph to the first Backward if you need to"})
		}
		for _, in := range n.inputs {
			if in == nil || in.node == nil {
				continue
			}
			deps[in.node]++
			if !seen[in.node] {
				seen[in.node] = true
				stack = append(stack, in.node)
			}
		}
	}

	pending := map[*node]*Tensor{}
	var ready []*node
	accumulateLeaf := func(leaf, g *Tensor) {
		if i, ok := captured[leaf]; ok {
			results[i] = addGrad(results[i], g)
			return
		}
		if capture != nil {
			return
		}
		for _, h := range leaf.leafHooks {
			if h != nil {
				if ng := h(g); ng != nil {
					g = ng
				}
			}
		}
		if !c.createGraph {
			g = g.Detach()
		}
		leaf.grad = addGrad(leaf.grad, g)
	}
	for _, r := range roots {
		if r.t.node == nil {
			accumulateLeaf(r.t, r.g)
			continue
		}
		n := r.t.node
		_, had := pending[n]
		pending[n] = addGrad(pending[n], r.g)
		if !had && deps[n] == 0 {
			ready = append(ready, n)
		}
	}

	for len(ready) > 0 {
		n := ready[len(ready)-1]
		ready = ready[:len(ready)-1]
		g := pending[n]
		delete(pending, n)
		for _, h := range n.hooks {
			if h != nil {
				if ng := h(g); ng != nil {
					g = ng
				}
			}
		}
		if n.retain != nil && capture == nil {
			rg := g
			if !c.createGraph {
				rg = g.Detach()
			}
			n.retain.grad = addGrad(n.retain.grad, rg)
		}
		if i, ok := capturedNode[n]; ok {
			results[i] = addGrad(results[i], g)
		}
		for _, s := range n.saved {
			if s.t.st.version != s.version {
				panic(&AutogradError{Msg: fmt.Sprintf("one of the variables needed for gradient computation has been modified by an inplace operation: [%v %v], used by %s, is at version %d; expected version %d instead", s.t.dtype, shapeStr(s.t.shape), n.name, s.t.st.version, s.version)})
			}
		}
		grads := n.backward(g)
		if len(grads) != len(n.inputs) {
			panic(fmt.Sprintf("ember: %s returned %d gradients for %d inputs", n.name, len(grads), len(n.inputs)))
		}
		if !c.retainGraph {
			n.backward = nil
			n.saved = nil
		}
		for i, in := range n.inputs {
			if in == nil {
				continue
			}
			gi := grads[i]
			if gi != nil {
				gi = conformGrad(n.name, in, gi)
			}
			if in.node == nil {
				if gi != nil {
					accumulateLeaf(in, gi)
				}
				continue
			}
			m := in.node
			if gi != nil {
				pending[m] = addGrad(pending[m], gi)
			}
			deps[m]--
			if deps[m] == 0 {
				if _, ok := pending[m]; ok {
					ready = append(ready, m)
				} else if !c.retainGraph {
					freeGraph(m)
				}
			}
		}
		if !c.retainGraph {
			n.inputs = nil
		}
	}
	return results
}

// freeGraph releases a subgraph that received no gradient.
func freeGraph(n *node) {
	stack := []*node{n}
	for len(stack) > 0 {
		m := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if m.backward == nil {
			continue
		}
		m.backward, m.saved = nil, nil
		for _, in := range m.inputs {
			if in != nil && in.node != nil {
				stack = append(stack, in.node)
			}
		}
		m.inputs = nil
	}
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
