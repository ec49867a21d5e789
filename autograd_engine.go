package ember

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/emberdl/ember/backend"
)

// The backward engine. Its bookkeeping lives in the nodes (valid for the
// pass whose id they carry), so a pass allocates little beyond the
// gradients themselves.
//
// Gradient memory is recycled as the pass goes: a gradient made during the
// pass (by the backward functions of built-in ops) that no node will read
// again and that never became visible outside the engine (as a leaf's
// Grad, a retained gradient, a hook's argument, a Grad result, or through
// a user-written backward) is handed back to its backend (backend's
// optional Release) as soon as it is consumed. The engine counts its own
// references to each such storage; nothing else can hold one.

// runIDs numbers backward passes.
var runIDs atomic.Uint64

// runningPasses counts backward passes under way. A pass that starts while
// another runs (Grad called inside a backward function, as fused kernels do
// to differentiate their composed form when the backward is recorded) may
// visit nodes of the outer pass's graph; it saves their bookkeeping and
// puts it back when it ends, so the outer pass continues as if it had not
// run.
var runningPasses atomic.Int64

// nodeState is one node's per-pass bookkeeping, saved by a nested pass.
type nodeState struct {
	n       *node
	run     uint64
	deps    int32
	pending *Tensor
	capIdx  int32
	need    bool
}

// releaser is implemented by backends that can take memory back at once.
type releaser interface{ Release(backend.Buffer) }

// engine is one backward pass.
type engine struct {
	id       uint64
	born     uint64 // storages allocated from this sequence number on are the pass's
	c        backwardConfig
	capture  []*Tensor
	results  []*Tensor
	captured map[*Tensor]int // leaves among capture
	recycle  bool            // gradients may be released
	stack    []*node
	ready    []*node
	nested   bool        // another pass was running when this one started
	saved    []nodeState // with nested: the bookkeeping this pass overwrote
	visited  []*node     // with capture: the nodes of this pass, in visiting order
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
	e := &engine{id: runIDs.Add(1), born: allocSeq.Load(), c: c, capture: capture}
	e.nested = runningPasses.Add(1) > 1
	if e.nested {
		// A nested pass may run nodes of the outer pass's graph (past a
		// non-leaf it captures): it must not free them.
		e.c.retainGraph = true
	}
	defer runningPasses.Add(-1)
	defer e.restore()
	e.recycle = !e.c.createGraph && !e.c.retainGraph
	e.results = make([]*Tensor, len(capture))
	for i, t := range capture {
		if t.node == nil {
			if e.captured == nil {
				e.captured = map[*Tensor]int{}
			}
			e.captured[t] = i
		}
	}

	// Seeds.
	type edge struct{ t, g *Tensor }
	roots := make([]edge, 0, len(outputs))
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

	// Count, for each node, how many edges lead into it from reachable nodes.
	for _, r := range roots {
		if n := r.t.node; n != nil && e.visit(n) {
			e.stack = append(e.stack, n)
		}
	}
	for len(e.stack) > 0 {
		n := e.stack[len(e.stack)-1]
		e.stack = e.stack[:len(e.stack)-1]
		if n.backward == nil {
			panic(&AutogradError{Msg: "trying to backward through the graph a second time (or directly access saved tensors after they have already been freed); pass RetainGraph to the first Backward if you need to"})
		}
		for _, in := range n.inputs {
			if in == nil || in.node == nil {
				continue
			}
			m := in.node
			first := e.visit(m)
			m.deps++
			if first {
				e.stack = append(e.stack, m)
			}
		}
	}

	// Captured non-leaves take their gradient where the pass reaches them;
	// the pass goes on past them (other captured tensors may lie beyond),
	// so they are marked only now that every reachable node is counted.
	for i, t := range capture {
		if t.node != nil && t.node.run == e.id {
			t.node.capIdx = int32(i + 1)
		}
	}
	if capture != nil {
		e.markNeeded()
	}

	for _, r := range roots {
		e.hold(r.g)
		if r.t.node == nil {
			e.accumulateLeaf(r.t, r.g)
			continue
		}
		n := r.t.node
		had := n.pending != nil
		n.pending = e.sum(n.pending, r.g)
		if !had && n.deps == 0 {
			e.ready = append(e.ready, n)
		}
	}

	for len(e.ready) > 0 {
		n := e.ready[len(e.ready)-1]
		e.ready = e.ready[:len(e.ready)-1]
		e.runNode(n)
	}
	return e.results
}

// markNeeded sets need on the nodes of a Grad pass from which a captured
// tensor can be reached; runNode skips the others (their gradients lead to
// nothing asked for: PyTorch's exec_info). Every input of a node that needs
// running is itself reached only through nodes that need running, so the
// dependency counts of needed nodes stay exact.
func (e *engine) markNeeded() {
	// Kahn's order from the roots: a node comes after every node with an
	// edge into it.
	indeg := make(map[*node]int32, len(e.visited))
	for _, n := range e.visited {
		indeg[n] = n.deps
	}
	order := make([]*node, 0, len(e.visited))
	for _, n := range e.visited {
		if indeg[n] == 0 {
			order = append(order, n)
		}
	}
	for i := 0; i < len(order); i++ {
		for _, in := range order[i].inputs {
			if in == nil || in.node == nil {
				continue
			}
			m := in.node
			if indeg[m]--; indeg[m] == 0 {
				order = append(order, m)
			}
		}
	}
	// Inputs before the nodes that use them.
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		n.need = n.capIdx > 0 || e.feedsCapture(n)
	}
}

// feedsCapture reports whether an input of n is a captured leaf or a node
// that needs running.
func (e *engine) feedsCapture(n *node) bool {
	for _, in := range n.inputs {
		if in == nil {
			continue
		}
		if in.node == nil {
			if _, ok := e.captured[in]; ok {
				return true
			}
		} else if in.node.need {
			return true
		}
	}
	return false
}

// restore puts back the bookkeeping of other passes that a nested pass
// overwrote, newest first.
func (e *engine) restore() {
	for i := len(e.saved) - 1; i >= 0; i-- {
		st := e.saved[i]
		st.n.run, st.n.deps, st.n.pending, st.n.capIdx, st.n.need = st.run, st.deps, st.pending, st.capIdx, st.need
	}
	e.saved = nil
}

// visit marks n as part of this pass, resetting its bookkeeping the first
// time, and reports whether this was the first time.
func (e *engine) visit(n *node) bool {
	if n.run == e.id {
		return false
	}
	if e.nested && n.run != 0 {
		e.saved = append(e.saved, nodeState{n, n.run, n.deps, n.pending, n.capIdx, n.need})
	}
	n.run, n.deps, n.pending, n.capIdx, n.need = e.id, 0, nil, 0, false
	if e.capture != nil {
		e.visited = append(e.visited, n)
	}
	return true
}

// runNode calls n's backward with its accumulated gradient and passes the
// results on to its inputs.
func (e *engine) runNode(n *node) {
	g := n.pending
	n.pending = nil
	if e.capture != nil && !n.need {
		e.drop(g) // nothing asked for lies beyond n
		return
	}
	for _, h := range n.hooks {
		if h != nil {
			e.escape(g)
			if ng := h(g); ng != nil {
				e.escape(ng)
				e.hold(ng)
				e.drop(g)
				g = ng
			}
		}
	}
	if n.retain != nil && e.capture == nil {
		e.escape(g)
		rg := g
		if !e.c.createGraph {
			rg = g.Detach()
		}
		n.retain.grad = addGrad(n.retain.grad, rg)
	}
	if n.capIdx > 0 {
		e.escape(g)
		i := n.capIdx - 1
		e.results[i] = addGrad(e.results[i], g)
		if !e.feedsCapture(n) {
			e.drop(g) // its gradient is taken; nothing asked for lies beyond
			return
		}
	}
	for _, s := range n.saved {
		if s.t.st.version != s.version {
			panic(&AutogradError{Msg: fmt.Sprintf("one of the variables needed for gradient computation has been modified by an inplace operation: [%v %v], used by %s, is at version %d; expected version %d instead", s.t.dtype, shapeStr(s.t.shape), n.name, s.t.st.version, s.version)})
		}
	}
	if n.opaque {
		e.escape(g)
	}
	var grads []*Tensor
	if e.addedInto(n, g) {
		// The input's gradient already holds this one: nothing to pass on.
		var none [1]*Tensor
		grads = none[:]
	} else {
		grads = n.backward(g)
	}
	if len(grads) != len(n.inputs) {
		panic(fmt.Sprintf("ember: %s returned %d gradients for %d inputs", n.name, len(grads), len(n.inputs)))
	}
	if !e.c.retainGraph {
		n.backward = nil
		n.saved = nil
	}
	// Hold every result before letting go of g: results may share its
	// memory (an Add passes its gradient on as it is).
	for i, in := range n.inputs {
		gi := grads[i]
		if in == nil || gi == nil {
			continue
		}
		if n.opaque {
			e.escape(gi)
		}
		ci := conformGrad(n.name, in, gi)
		e.hold(ci)
		grads[i] = ci
		if ci.st != gi.st {
			defer e.discard(gi) // a converted copy replaced it
		}
	}
	e.drop(g)
	for i, in := range n.inputs {
		if in == nil {
			continue
		}
		gi := grads[i]
		if in.node == nil {
			if gi != nil {
				e.accumulateLeaf(in, gi)
			}
			continue
		}
		m := in.node
		if gi != nil {
			m.pending = e.sum(m.pending, gi)
		}
		m.deps--
		if m.deps == 0 {
			if m.pending != nil {
				e.ready = append(e.ready, m)
			} else if !e.c.retainGraph {
				freeGraph(m)
			}
		}
	}
	if !e.c.retainGraph {
		n.inputs = nil
	}
}

// addedInto runs n's addInto shortcut, if it has one, and reports whether
// it did. That adds g straight into the gradient its input has gathered so
// far: only when that gradient is the engine's alone (made in this pass,
// held once, so no other node, result or hook sees it change) and no graph
// of the backward is being recorded.
func (e *engine) addedInto(n *node, g *Tensor) bool {
	if n.addInto == nil || e.c.createGraph || len(n.inputs) != 1 || n.inputs[0] == nil || n.inputs[0].node == nil {
		return false
	}
	acc := n.inputs[0].node.pending
	return acc != nil && e.mine(acc) && acc.st.refs == 1 && n.addInto(acc, g)
}

// accumulateLeaf adds a gradient that reached a leaf to its Grad (or to
// Grad's result), taking over the engine's reference to g.
func (e *engine) accumulateLeaf(leaf, g *Tensor) {
	if i, ok := e.captured[leaf]; ok {
		e.escape(g)
		e.results[i] = addGrad(e.results[i], g)
		return
	}
	if e.capture != nil {
		e.drop(g)
		return
	}
	for _, h := range leaf.leafHooks {
		if h != nil {
			e.escape(g)
			if ng := h(g); ng != nil {
				e.escape(ng)
				g = ng
			}
		}
	}
	if leaf.grad == nil {
		e.escape(g)
		if !e.c.createGraph {
			g = g.Detach()
		}
		leaf.grad = g
		return
	}
	d := g
	if !e.c.createGraph {
		d = g.Detach()
	}
	leaf.grad = leaf.grad.Add(d)
	e.drop(g)
}

// sum returns a + b (either may be nil) for two held gradients, holding
// the result and dropping the operands.
func (e *engine) sum(a, b *Tensor) *Tensor {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	if e.addInPlace(a, b) {
		e.drop(b)
		return a
	}
	if e.addInPlace(b, a) {
		e.drop(a)
		return b
	}
	s := a.Add(b)
	e.hold(s)
	e.drop(a)
	e.drop(b)
	return s
}

// addInPlace adds u into t, a gradient of the same shape and dtype that the
// engine owns alone (made in this pass, held once, contiguous), when no
// graph of the backward is recorded, and reports whether it did: a sum of
// two gradients then needs no new buffer.
func (e *engine) addInPlace(t, u *Tensor) bool {
	if e.c.createGraph || !e.mine(t) || t.st.refs != 1 || t.st == u.st || t.dtype != u.dtype ||
		t.st.dev != u.st.dev || !slices.Equal(t.shape, u.shape) || !t.IsContiguous() ||
		!t.dtype.IsFloat() || !t.be().SupportsMath(t.dtype) {
		return false
	}
	t.be().Binary(backend.Add, t.view(), t.view(), u.view())
	t.st.version++
	return true
}

// mine reports whether t's memory was made during this pass, so that the
// engine may account for it and release it.
func (e *engine) mine(t *Tensor) bool {
	return e.recycle && t != nil && t.st.seq > e.born && !t.st.escaped
}

// hold counts one engine reference to t's memory.
func (e *engine) hold(t *Tensor) {
	if e.mine(t) {
		t.st.refs++
	}
}

// drop removes one engine reference to t's memory and releases the memory
// when it was the last one.
func (e *engine) drop(t *Tensor) {
	if !e.mine(t) {
		return
	}
	st := t.st
	st.refs--
	if st.refs <= 0 {
		st.release()
	}
}

// discard releases the memory of a gradient the engine never held once
// nothing holds it.
func (e *engine) discard(t *Tensor) {
	if e.mine(t) && t.st.refs <= 0 {
		t.st.release()
	}
}

// escape marks t's memory as visible outside the engine: it is never
// released by it.
func (e *engine) escape(t *Tensor) {
	if t != nil && t.st != nil {
		t.st.escaped = true
	}
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
