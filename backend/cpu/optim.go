package cpu

import (
	"fmt"
	"math"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/vec"
	"github.com/emberdl/ember/internal/parallel"
)

// maxOptimState is the most state views an optimizer kind uses (Adam with
// AMSGrad, centered RMSprop with momentum).
const maxOptimState = 3

// optimGrain is the smallest slice of a parameter worth giving to another
// core. Parameters below twice this size are updated on the calling
// goroutine with no allocation at all.
const optimGrain = grainElems

// OptimStep applies one fused optimizer update in place, computing in the
// parameter's dtype with PyTorch's formulas and order of operations.
func (c *Backend) OptimStep(kind backend.OptimKind, p, g backend.View, state []backend.View, h backend.OptimHyper) {
	if len(state) > maxOptimState {
		panic(fmt.Sprintf("cpu.OptimStep: %d state views, at most %d", len(state), maxOptimState))
	}
	checkOptimView(p, p)
	checkOptimView(p, g)
	for _, s := range state {
		checkOptimView(p, s)
	}
	switch p.DType() {
	case backend.Float32:
		a := optimArgs[float32]{kind: kind, h: h, p: span32(p), g: span32(g)}
		for i, s := range state {
			a.st[i] = span32(s)
		}
		if kind == backend.OptSGD {
			sg := sgd32{p: a.p, g: a.g, s: vec.SGD{Sign: sign[float32](h.Maximize), WD: float32(h.WeightDecay),
				Momentum: float32(h.Momentum), Damp: float32(1 - h.Dampening), NegLR: float32(-h.LR),
				Decay: b2i(h.WeightDecay != 0), Moment: b2i(h.Momentum != 0), First: b2i(h.First), Nesterov: b2i(h.Nesterov)}}
			if h.Momentum != 0 {
				sg.buf = a.st[0]
			}
			sg.runAll()
			return
		}
		if kind == backend.OptAdam && !h.AMSGrad {
			ad := adam32{p: a.p, g: a.g, m: a.st[0], v: a.st[1],
				a: vec.NewAdam(h.LR, h.Beta1, h.Beta2, h.Eps, h.WeightDecay, h.Decoupled, h.Maximize, h.Step)}
			ad.runAll()
			return
		}
		runOptim(&a)
	case backend.Float64:
		a := optimArgs[float64]{kind: kind, h: h, p: span64(p), g: span64(g)}
		for i, s := range state {
			a.st[i] = span64(s)
		}
		runOptim(&a)
	default:
		panic("cpu.OptimStep of " + p.DType().String())
	}
}

func checkOptimView(p, v backend.View) {
	if !v.IsContiguous() || v.Numel() != p.Numel() || v.DType() != p.DType() {
		panic(fmt.Sprintf("cpu.OptimStep: views must be contiguous, of %d elements and dtype %v", p.Numel(), p.DType()))
	}
}

func span32(v backend.View) []float32 { return buf(v).F32[v.Offset : v.Offset+v.Numel()] }
func span64(v backend.View) []float64 { return buf(v).F64[v.Offset : v.Offset+v.Numel()] }

// optimArgs is one update: the parameter, its gradient, the state and the
// hyper-parameters.
type optimArgs[T float] struct {
	kind backend.OptimKind
	h    backend.OptimHyper
	p, g []T
	st   [maxOptimState][]T
}

// runOptim updates a small parameter on the calling goroutine and splits a
// large one across the worker pool (the only case that allocates: the
// closure and the pool's job, once per parameter).
func runOptim[T float](a *optimArgs[T]) {
	n := len(a.p)
	if n < 2*optimGrain || parallel.Workers() == 1 {
		a.run(0, n)
		return
	}
	shared := *a
	parallel.For(n, optimGrain, func(lo, hi int) { shared.run(lo, hi) })
}

func (a *optimArgs[T]) run(lo, hi int) {
	switch a.kind {
	case backend.OptSGD:
		sgdRange(a, lo, hi)
	case backend.OptAdam:
		adamRange(a, lo, hi)
	case backend.OptRMSprop:
		rmspropRange(a, lo, hi)
	case backend.OptAdagrad:
		adagradRange(a, lo, hi)
	case backend.OptLion:
		lionRange(a, lo, hi)
	default:
		panic(fmt.Sprintf("cpu.OptimStep: unknown kind %d", a.kind))
	}
}

// The kernels below compute in the parameter's dtype T, with the scalar
// hyper-parameters (and PyTorch's scalar expressions of them, computed in
// float64 as Python does) converted to T: exactly what PyTorch's
// single-tensor optimizers do, op by op, on a CPU tensor. sign is -1 under
// Maximize (PyTorch negates the gradient).

func sign[T float](maximize bool) T {
	if maximize {
		return -1
	}
	return 1
}

func sqrt[T float](x T) T { return T(math.Sqrt(float64(x))) }

func sgdRange[T float](a *optimArgs[T], lo, hi int) {
	h := &a.h
	p, g, buf := a.p, a.g, a.st[0]
	sg, lr, wd := sign[T](h.Maximize), T(-h.LR), T(h.WeightDecay)
	mom, damp := T(h.Momentum), T(1-h.Dampening)
	decay, momentum, first, nesterov := h.WeightDecay != 0, h.Momentum != 0, h.First, h.Nesterov
	for i := lo; i < hi; i++ {
		pv := p[i]
		d := sg * g[i]
		if decay {
			d += wd * pv
		}
		if momentum {
			b := d
			if !first {
				b = buf[i]*mom + damp*d
			}
			buf[i] = b
			if nesterov {
				d += mom * b
			} else {
				d = b
			}
		}
		p[i] = pv + lr*d
	}
}

func adamRange[T float](a *optimArgs[T], lo, hi int) {
	h := &a.h
	p, g, m1, m2, mx := a.p, a.g, a.st[0], a.st[1], a.st[2]
	step := float64(h.Step)
	stepSize := h.LR / (1 - math.Pow(h.Beta1, step))
	sbc2 := T(math.Sqrt(1 - math.Pow(h.Beta2, step)))
	sg, negStep, eps := sign[T](h.Maximize), T(-stepSize), T(h.Eps)
	b1, c1, b2, c2 := T(h.Beta1), T(1-h.Beta1), T(h.Beta2), T(1-h.Beta2)
	wd, decay := T(h.WeightDecay), T(1-h.LR*h.WeightDecay)
	l2 := h.WeightDecay != 0 && !h.Decoupled
	decoupled := h.WeightDecay != 0 && h.Decoupled
	ams := h.AMSGrad
	for i := lo; i < hi; i++ {
		d := sg * g[i]
		pv := p[i]
		if decoupled {
			pv *= decay
		}
		if l2 {
			d += wd * pv
		}
		m := m1[i]*b1 + c1*d
		v := m2[i]*b2 + c2*d*d
		m1[i], m2[i] = m, v
		if ams {
			v = max(mx[i], v)
			mx[i] = v
		}
		den := sqrt(v)/sbc2 + eps
		p[i] = pv + negStep*m/den
	}
}

func rmspropRange[T float](a *optimArgs[T], lo, hi int) {
	h := &a.h
	p, g, sq := a.p, a.g, a.st[0]
	var gavg, buf []T
	k := 1
	if h.Centered {
		gavg = a.st[1]
		k = 2
	}
	if h.Momentum > 0 {
		buf = a.st[k]
	}
	sg, lr, negLR, wd, eps := sign[T](h.Maximize), T(h.LR), T(-h.LR), T(h.WeightDecay), T(h.Eps)
	alpha, c, mom := T(h.Alpha), T(1-h.Alpha), T(h.Momentum)
	decay, centered, momentum := h.WeightDecay != 0, h.Centered, h.Momentum > 0
	for i := lo; i < hi; i++ {
		d := sg * g[i]
		pv := p[i]
		if decay {
			d += wd * pv
		}
		s := sq[i]*alpha + c*d*d
		sq[i] = s
		avg := s
		if centered {
			ga := gavg[i]*alpha + c*d
			gavg[i] = ga
			avg = s - ga*ga
		}
		den := sqrt(avg) + eps
		if momentum {
			b := buf[i]*mom + d/den
			buf[i] = b
			p[i] = pv - lr*b
		} else {
			p[i] = pv + negLR*d/den
		}
	}
}

func adagradRange[T float](a *optimArgs[T], lo, hi int) {
	h := &a.h
	p, g, sum := a.p, a.g, a.st[0]
	sg, wd, eps := sign[T](h.Maximize), T(h.WeightDecay), T(h.Eps)
	negCLR := T(-(h.LR / (1 + float64(h.Step-1)*h.LRDecay)))
	decay := h.WeightDecay != 0
	for i := lo; i < hi; i++ {
		d := sg * g[i]
		pv := p[i]
		if decay {
			d += wd * pv
		}
		s := sum[i] + d*d
		sum[i] = s
		p[i] = pv + negCLR*d/(sqrt(s)+eps)
	}
}

// lionRange is Lion (Chen et al., 2023, "Symbolic Discovery of Optimization
// Algorithms"): decoupled weight decay, then a signed step on an
// interpolation of the momentum and the gradient, then the momentum update.
// A NaN interpolation makes the parameter NaN, as torch.sign would.
func lionRange[T float](a *optimArgs[T], lo, hi int) {
	h := &a.h
	p, g, m := a.p, a.g, a.st[0]
	sg, lr, decay := sign[T](h.Maximize), T(h.LR), T(1-h.LR*h.WeightDecay)
	b1, c1, b2, c2 := T(h.Beta1), T(1-h.Beta1), T(h.Beta2), T(1-h.Beta2)
	decoupled := h.WeightDecay != 0
	for i := lo; i < hi; i++ {
		d := sg * g[i]
		pv := p[i]
		if decoupled {
			pv *= decay
		}
		mv := m[i]
		c := mv*b1 + c1*d
		switch {
		case c > 0:
			pv -= lr
		case c < 0:
			pv += lr
		case c != c:
			pv = c
		}
		p[i] = pv
		m[i] = mv*b2 + c2*d
	}
}

// adam32 is a float32 Adam update (without AMSGrad) by the vector kernel.
type adam32 struct {
	p, g, m, v []float32
	a          vec.Adam
}

// runAll updates a small parameter on the calling goroutine without
// allocating, and splits a large one across the worker pool.
func (x *adam32) runAll() {
	n := len(x.p)
	if n < 2*optimGrain || parallel.Workers() == 1 {
		x.run(0, n)
		return
	}
	shared := *x
	parallel.For(n, optimGrain, func(lo, hi int) { shared.run(lo, hi) })
}

func (x *adam32) run(lo, hi int) {
	vec.AdamStep(x.p[lo:hi], x.g[lo:hi], x.m[lo:hi], x.v[lo:hi], &x.a)
}

// sgd32 is a float32 SGD update by the vector kernel.
type sgd32 struct {
	p, g, buf []float32
	s         vec.SGD
}

func (x *sgd32) runAll() {
	n := len(x.p)
	if n < 2*optimGrain || parallel.Workers() == 1 {
		x.run(0, n)
		return
	}
	shared := *x
	parallel.For(n, optimGrain, func(lo, hi int) { shared.run(lo, hi) })
}

func (x *sgd32) run(lo, hi int) {
	var buf []float32
	if x.buf != nil {
		buf = x.buf[lo:hi]
	}
	vec.SGDStep(x.p[lo:hi], x.g[lo:hi], buf, &x.s)
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
