package cpu

import (
	"fmt"
	"math"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/internal/parallel"
)

// maxOptimState is the most state views an optimizer kind uses (Adam with
// AMSGrad, centered RMSprop with momentum).
const maxOptimState = 3

// optimGrain is the smallest slice of a parameter worth giving to another
// core. Parameters below twice this size are updated on the calling
// goroutine with no allocation at all.
const optimGrain = grainElems

// OptimStep applies one fused optimizer update in place. Each element is
// computed in float64 and rounded to the parameter's dtype wherever PyTorch
// stores a value (the state tensors and the parameter), in PyTorch's order
// of operations.
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
	sign := 1.0
	if a.h.Maximize {
		sign = -1
	}
	switch a.kind {
	case backend.OptSGD:
		sgdRange(a, sign, lo, hi)
	case backend.OptAdam:
		adamRange(a, sign, lo, hi)
	case backend.OptRMSprop:
		rmspropRange(a, sign, lo, hi)
	case backend.OptAdagrad:
		adagradRange(a, sign, lo, hi)
	case backend.OptLion:
		lionRange(a, sign, lo, hi)
	default:
		panic(fmt.Sprintf("cpu.OptimStep: unknown kind %d", a.kind))
	}
}

// round returns x rounded to T, as float64: what PyTorch reads back after
// storing x in a tensor of dtype T.
func round[T float](x float64) float64 { return float64(T(x)) }

func sgdRange[T float](a *optimArgs[T], sign float64, lo, hi int) {
	h := &a.h
	p, g, buf := a.p, a.g, a.st[0]
	for i := lo; i < hi; i++ {
		pv := float64(p[i])
		d := sign * float64(g[i])
		if h.WeightDecay != 0 {
			d = round[T](d + h.WeightDecay*pv)
		}
		if h.Momentum != 0 {
			b := d
			if !h.First {
				b = round[T](round[T](h.Momentum*float64(buf[i])) + (1-h.Dampening)*d)
			}
			buf[i] = T(b)
			if h.Nesterov {
				d = round[T](d + h.Momentum*b)
			} else {
				d = b
			}
		}
		p[i] = T(pv - h.LR*d)
	}
}

func adamRange[T float](a *optimArgs[T], sign float64, lo, hi int) {
	h := &a.h
	p, g, m1, m2, mx := a.p, a.g, a.st[0], a.st[1], a.st[2]
	step := float64(h.Step)
	bc1 := 1 - math.Pow(h.Beta1, step)
	bc2 := 1 - math.Pow(h.Beta2, step)
	stepSize := h.LR / bc1
	sbc2 := math.Sqrt(bc2)
	decay := 1 - h.LR*h.WeightDecay
	for i := lo; i < hi; i++ {
		d := sign * float64(g[i])
		pv := float64(p[i])
		if h.WeightDecay != 0 {
			if h.Decoupled {
				pv = round[T](pv * decay)
			} else {
				d = round[T](d + h.WeightDecay*pv)
			}
		}
		m := round[T](round[T](float64(m1[i])*h.Beta1) + (1-h.Beta1)*d)
		v := round[T](round[T](float64(m2[i])*h.Beta2) + (1-h.Beta2)*d*d)
		m1[i], m2[i] = T(m), T(v)
		if h.AMSGrad {
			v = math.Max(float64(mx[i]), v)
			mx[i] = T(v)
		}
		den := round[T](round[T](math.Sqrt(v)/sbc2) + h.Eps)
		p[i] = T(pv - stepSize*m/den)
	}
}

func rmspropRange[T float](a *optimArgs[T], sign float64, lo, hi int) {
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
	for i := lo; i < hi; i++ {
		d := sign * float64(g[i])
		pv := float64(p[i])
		if h.WeightDecay != 0 {
			d = round[T](d + h.WeightDecay*pv)
		}
		s := round[T](round[T](float64(sq[i])*h.Alpha) + (1-h.Alpha)*d*d)
		sq[i] = T(s)
		avg := s
		if h.Centered {
			ga := round[T](round[T](float64(gavg[i])*h.Alpha) + (1-h.Alpha)*d)
			gavg[i] = T(ga)
			avg = round[T](s - ga*ga)
		}
		den := round[T](round[T](math.Sqrt(avg)) + h.Eps)
		if h.Momentum > 0 {
			b := round[T](round[T](float64(buf[i])*h.Momentum) + d/den)
			buf[i] = T(b)
			p[i] = T(pv - h.LR*b)
		} else {
			p[i] = T(pv - h.LR*d/den)
		}
	}
}

func adagradRange[T float](a *optimArgs[T], sign float64, lo, hi int) {
	h := &a.h
	p, g, sum := a.p, a.g, a.st[0]
	clr := h.LR / (1 + float64(h.Step-1)*h.LRDecay)
	for i := lo; i < hi; i++ {
		d := sign * float64(g[i])
		pv := float64(p[i])
		if h.WeightDecay != 0 {
			d = round[T](d + h.WeightDecay*pv)
		}
		s := round[T](float64(sum[i]) + d*d)
		sum[i] = T(s)
		den := round[T](round[T](math.Sqrt(s)) + h.Eps)
		p[i] = T(pv - clr*d/den)
	}
}

// lionRange is Lion (Chen et al., 2023, "Symbolic Discovery of Optimization
// Algorithms"): decoupled weight decay, then a signed step on an
// interpolation of the momentum and the gradient, then the momentum update.
// A NaN interpolation makes the parameter NaN, as torch.sign would.
func lionRange[T float](a *optimArgs[T], sign float64, lo, hi int) {
	h := &a.h
	p, g, m := a.p, a.g, a.st[0]
	decay := 1 - h.LR*h.WeightDecay
	for i := lo; i < hi; i++ {
		d := sign * float64(g[i])
		pv := float64(p[i])
		if h.WeightDecay != 0 {
			pv = round[T](pv * decay)
		}
		mv := float64(m[i])
		c := round[T](mv*h.Beta1) + (1-h.Beta1)*d
		switch {
		case c > 0:
			pv -= h.LR
		case c < 0:
			pv += h.LR
		case c != c:
			pv = math.NaN()
		}
		p[i] = T(pv)
		m[i] = T(round[T](mv*h.Beta2) + (1-h.Beta2)*d)
	}
}
