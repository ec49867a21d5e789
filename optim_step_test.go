package ember

import (
	"math"
	"testing"

	"github.com/emberdl/ember/backend"
)

// TestOptimStepSGD checks one momentum-SGD update against a naive float64
// computation, in both float dtypes, and the version bumps.
func TestOptimStepSGD(t *testing.T) {
	p0, g0, b0 := []float64{1, -2, 3}, []float64{0.5, 0.25, -1}, []float64{0.1, 0.2, 0.3}
	h := backend.OptimHyper{LR: 0.1, Momentum: 0.9, Dampening: 0.2, WeightDecay: 0.01}
	want := make([]float64, 3)
	wantBuf := make([]float64, 3)
	for i := range want {
		d := g0[i] + h.WeightDecay*p0[i]
		wantBuf[i] = h.Momentum*b0[i] + (1-h.Dampening)*d
		want[i] = p0[i] - h.LR*wantBuf[i]
	}
	for _, dt := range []DType{Float32, Float64} {
		p, g, buf := FromSlice(p0).To(dt), FromSlice(g0).To(dt), FromSlice(b0).To(dt)
		pv, bv := p.Version(), buf.Version()
		OptimStep(backend.OptSGD, p, g, []*Tensor{buf}, h)
		tol := 1e-15
		if dt == Float32 {
			tol = 1e-6
		}
		for i := range want {
			if math.Abs(p.Float64s()[i]-want[i]) > tol || math.Abs(buf.Float64s()[i]-wantBuf[i]) > tol {
				t.Fatalf("%v: p %v buf %v, want %v %v", dt, p.Float64s(), buf.Float64s(), want, wantBuf)
			}
		}
		if p.Version() != pv+1 || buf.Version() != bv+1 {
			t.Fatalf("%v: versions %d %d, want %d %d", dt, p.Version(), buf.Version(), pv+1, bv+1)
		}
	}
}

// TestOptimStepHalf checks that bfloat16 parameters step through float32
// and come back rounded, state included.
func TestOptimStepHalf(t *testing.T) {
	h := backend.OptimHyper{LR: 0.5, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 1}
	p32, g32 := FromSlice([]float32{1, -2}), FromSlice([]float32{0.25, -0.5})
	st32 := []*Tensor{ZerosLike(p32), ZerosLike(p32)}
	OptimStep(backend.OptAdam, p32, g32, st32, h)
	p, g := FromSlice([]float32{1, -2}).To(BFloat16), FromSlice([]float32{0.25, -0.5}).To(BFloat16)
	st := []*Tensor{ZerosLike(p), ZerosLike(p)}
	OptimStep(backend.OptAdam, p, g, st, h)
	if got, want := p.Float64s(), p32.To(BFloat16).Float64s(); got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("bfloat16 step %v, want %v", got, want)
	}
	if got, want := st[1].Float64s(), st32[1].To(BFloat16).Float64s(); got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("bfloat16 state %v, want %v", got, want)
	}
}

// TestOptimStepErrors checks the argument checks.
func TestOptimStepErrors(t *testing.T) {
	p := Zeros([]int{2, 3})
	h := backend.OptimHyper{LR: 0.1}
	errContains(t, func() { OptimStep(backend.OptSGD, p, Zeros([]int{3, 2}), nil, h) }, "tensor 1 has shape [3 2]")
	errContains(t, func() { OptimStep(backend.OptSGD, p, Zeros([]int{2, 3}, Float64), nil, h) }, "dtype float64")
	errContains(t, func() { OptimStep(backend.OptSGD, p, Zeros([]int{3, 2}).T(), nil, h) }, "contiguous false")
	errContains(t, func() { OptimStep(backend.OptSGD, Zeros([]int{2}, Int64), Zeros([]int{2}, Int64), nil, h) }, "floating point")
	errContains(t, func() {
		OptimStep(backend.OptAdam, p, p, []*Tensor{p, p, p, p}, h)
	}, "4 state tensors, at most 3")
	e := Zeros([]int{0})
	OptimStep(backend.OptSGD, e, Zeros([]int{0}), nil, h) // nothing to do, no error
}

// TestOptimSteps: OptimSteps over parameters of several sizes, one empty,
// each with its own step count, leaves them (and their state) as OptimStep
// one by one does, on every device (CUDA: in multi-parameter launches), and
// bumps every version once; mismatched lists are refused.
func TestOptimSteps(t *testing.T) {
	h := backend.OptimHyper{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1, Decoupled: true}
	for _, dev := range testDevices() {
		g := NewGenerator(3)
		var ps, gs, ref []*Tensor
		var states, refStates [][]*Tensor
		var hs []backend.OptimHyper
		for i, n := range []int{5, 0, 300, 1, 41} {
			p := Rand([]int{n}, Float32, g).To(dev)
			ps, gs, ref = append(ps, p), append(gs, Randn([]int{n}, Float32, g).To(dev)), append(ref, p.Clone())
			st := []*Tensor{ZerosLike(p), ZerosLike(p)}
			states, refStates = append(states, st), append(refStates, []*Tensor{ZerosLike(p), ZerosLike(p)})
			hi := h
			hi.Step = 1 + i
			hs = append(hs, hi)
		}
		for i := range ps {
			OptimStep(backend.OptAdam, ref[i], gs[i], refStates[i], hs[i])
		}
		v0 := ps[2].Version()
		OptimSteps(backend.OptAdam, ps, gs, states, hs)
		if ps[2].Version() != v0+1 {
			t.Errorf("%v: version %d after one step from %d", dev, ps[2].Version(), v0)
		}
		for i := range ps {
			for j, pair := range [][2]*Tensor{{ps[i], ref[i]}, {states[i][0], refStates[i][0]}, {states[i][1], refStates[i][1]}} {
				if ok, msg := approxEqual(pair[0].To(CPU), pair[1].To(CPU).Float64s(), 1e-6, 1e-7); !ok {
					t.Errorf("%v: parameter %d, tensor %d: %s", dev, i, j, msg)
				}
			}
		}
	}
	p := Zeros([]int{2})
	errContains(t, func() {
		OptimSteps(backend.OptSGD, []*Tensor{p}, nil, nil, nil)
	}, "1 parameters, 0 gradients")
}
