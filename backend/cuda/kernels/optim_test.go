package kernels

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
)

// adamwRef is torch.optim.AdamW's update (foreach=False), in float64.
func adamwRef(p, g, m, v []float64, h AdamW) {
	bc1 := 1 - math.Pow(h.Beta1, float64(h.Step))
	bc2 := 1 - math.Pow(h.Beta2, float64(h.Step))
	for i := range p {
		gi := g[i] * orOne(h.GradScale)
		p[i] *= 1 - h.LR*h.WeightDecay
		m[i] += (1 - h.Beta1) * (gi - m[i])
		v[i] = v[i]*h.Beta2 + (1-h.Beta2)*gi*gi
		denom := math.Sqrt(v[i])/math.Sqrt(bc2) + h.Eps
		p[i] -= h.LR / bc1 * m[i] / denom
	}
}

// sgdRef is torch.optim.SGD's update, in float64.
func sgdRef(p, g, buf []float64, h SGD) {
	for i := range p {
		d := g[i]*orOne(h.GradScale) + h.WeightDecay*p[i]
		if h.Momentum != 0 {
			if h.FirstStep {
				buf[i] = d
			} else {
				buf[i] = h.Momentum*buf[i] + (1-h.Dampening)*d
			}
			if h.Nesterov {
				d += h.Momentum * buf[i]
			} else {
				d = buf[i]
			}
		}
		p[i] -= h.LR * d
	}
}

func TestAdamW(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(10, 10))
	const n = 77
	a := driver.NewArgs()
	for _, dt := range FloatTypes {
		acc := F32
		if dt == F64 {
			acc = F64
		}
		p, pv := d.upload(dt, randRange(rng, n, -1, 1))
		m, mv := d.upload(acc, make([]float64, n))
		v, vv := d.upload(acc, make([]float64, n))
		for step := 1; step <= 3; step++ {
			g, gv := d.upload(dt, randRange(rng, n, -1, 1))
			h := AdamW{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Step: step, GradScale: 0.5}
			d.launch(AdamWKernel(dt), ElementwiseLaunch(n, 1), a, PackAdamW(a, p, g, m, v, n, h))
			adamwRef(pv, gv, mv, vv, h)
			name := fmt.Sprintf("adamw step %d", step)
			gotP := d.download(dt, p, n)
			checkClose(t, name+" p", dt, gotP, roundTo(dt, pv))
			checkClose(t, name+" m", acc, d.download(acc, m, n), mv)
			checkClose(t, name+" v", acc, d.download(acc, v, n), vv)
			copy(pv, gotP) // continue from the stored (rounded) parameters
		}
	}
	if err := PackAdamW(a, 0, 0, 0, 0, 1, AdamW{Step: 0}); err == nil {
		t.Error("step 0 accepted")
	}
}

func TestSGD(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(11, 11))
	const n = 50
	a := driver.NewArgs()
	for _, dt := range FloatTypes {
		acc := F32
		if dt == F64 {
			acc = F64
		}
		for _, h := range []SGD{
			{LR: 0.1},
			{LR: 0.1, Momentum: 0.9, Dampening: 0.1, WeightDecay: 1e-3},
			{LR: 0.05, Momentum: 0.9, Nesterov: true, GradScale: 2},
		} {
			p, pv := d.upload(dt, randRange(rng, n, -1, 1))
			var buf driver.DevicePtr
			bv := make([]float64, n)
			if h.Momentum != 0 {
				buf = d.alloc(n * acc.Size())
			}
			for step := 0; step < 3; step++ {
				h.FirstStep = step == 0
				g, gv := d.upload(dt, randRange(rng, n, -1, 1))
				d.launch(SGDKernel(dt), ElementwiseLaunch(n, 1), a, PackSGD(a, p, g, buf, n, h))
				sgdRef(pv, gv, bv, h)
				gotP := d.download(dt, p, n)
				checkClose(t, fmt.Sprintf("sgd %+v step %d", h, step), dt, gotP, roundTo(dt, pv))
				copy(pv, gotP)
				if buf != 0 {
					copy(bv, d.download(acc, buf, n))
				}
			}
		}
	}
	if err := PackSGD(a, 0, 0, 0, 1, SGD{Momentum: 0.9}); err == nil {
		t.Error("momentum without a buffer accepted")
	}
}

// optimCases cover every kind and the settings that change its formula.
var optimCases = []struct {
	kind backend.OptimKind
	h    backend.OptimHyper
}{
	{backend.OptSGD, backend.OptimHyper{LR: 0.1}},
	{backend.OptSGD, backend.OptimHyper{LR: 0.1, Momentum: 0.9, Dampening: 0.1, WeightDecay: 1e-2}},
	{backend.OptSGD, backend.OptimHyper{LR: 0.05, Momentum: 0.9, Nesterov: true, Maximize: true}},
	{backend.OptAdam, backend.OptimHyper{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}},
	{backend.OptAdam, backend.OptimHyper{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1}},
	{backend.OptAdam, backend.OptimHyper{LR: 1e-2, Beta1: 0.8, Beta2: 0.99, Eps: 1e-6, WeightDecay: 0.1, Decoupled: true}},
	{backend.OptAdam, backend.OptimHyper{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, AMSGrad: true, Maximize: true}},
	{backend.OptRMSprop, backend.OptimHyper{LR: 1e-2, Alpha: 0.99, Eps: 1e-8}},
	{backend.OptRMSprop, backend.OptimHyper{LR: 1e-2, Alpha: 0.9, Eps: 1e-8, Centered: true}},
	{backend.OptRMSprop, backend.OptimHyper{LR: 1e-2, Alpha: 0.9, Eps: 1e-8, Momentum: 0.5}},
	{backend.OptRMSprop, backend.OptimHyper{LR: 1e-2, Alpha: 0.9, Eps: 1e-8, Momentum: 0.5, Centered: true, WeightDecay: 0.1, Maximize: true}},
	{backend.OptAdagrad, backend.OptimHyper{LR: 0.1, Eps: 1e-10, LRDecay: 0.01, WeightDecay: 0.05}},
	{backend.OptAdagrad, backend.OptimHyper{LR: 0.1, Eps: 1e-10, Maximize: true}},
	{backend.OptLion, backend.OptimHyper{LR: 1e-3, Beta1: 0.9, Beta2: 0.99, WeightDecay: 0.1}},
	{backend.OptLion, backend.OptimHyper{LR: 1e-3, Beta1: 0.9, Beta2: 0.99, Maximize: true}},
}

// TestOptimStepMatchesCPU runs three steps of every optimizer case on the
// emulator and on the CPU backend (float32, float64), and one step of the
// 16-bit types against the CPU's float64 step of the same values.
func TestOptimStepMatchesCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(12, 12))
	const n = 61
	a := driver.NewArgs()
	for ci, c := range optimCases {
		for _, dt := range FloatTypes {
			h := c.h
			nState, err := OptimStates(c.kind, &h)
			if err != nil {
				t.Fatal(err)
			}
			l := dense(n)
			p := randomTensor(d, dt, l, func() float64 { return rng.Float64()*2 - 1 })
			states := make([]*tensor, nState)
			for i := range states {
				states[i] = newTensor(d, dt, l, make([]float64, n))
			}
			steps := 3
			if dt == BF16 || dt == F16 {
				steps = 1
			}
			// The float64 twin of the 16-bit runs.
			p64 := cpuBuffer(F64, encode(F64, decode(dt, p.devBytes(d))))
			s64 := make([]backend.View, nState)
			for i := range s64 {
				s64[i] = backend.Dense(zalloc(backend.Float64, n), n)
			}
			for step := 1; step <= steps; step++ {
				h.Step, h.First = step, step == 1
				g := randomTensor(d, dt, l, func() float64 { return rng.Float64()*2 - 1 })
				ptrs := make([]driver.DevicePtr, nState)
				views := make([]backend.View, nState)
				for i, s := range states {
					ptrs[i], views[i] = s.dev, s.view()
				}
				d.launch(OptimKernel(dt), ElementwiseLaunch(n, 2), a, PackOptimStep(a, c.kind, p.dev, g.dev, ptrs, n, &h))
				name := fmt.Sprintf("case %d %v step %d", ci, dt, step)
				if dt == F32 || dt == F64 {
					cpuBE.OptimStep(c.kind, p.view(), g.view(), views, h)
					p.compare(t, d, name+" p", false)
					for i, s := range states {
						s.compare(t, d, fmt.Sprintf("%s state %d", name, i), false)
					}
					continue
				}
				g64 := cpuBuffer(F64, encode(F64, decode(dt, g.devBytes(d))))
				cpuBE.OptimStep(c.kind, backend.Dense(p64, n), backend.Dense(g64, n), s64, h)
				checkClose(t, name+" p", dt, decode(dt, p.devBytes(d)), roundTo(dt, decode(F64, cpuBytes(p64))))
			}
		}
	}
	h := backend.OptimHyper{Momentum: 0.9}
	if err := PackOptimStep(a, backend.OptSGD, 0, 0, nil, 1, &h); err == nil {
		t.Error("SGD with momentum and no buffer accepted")
	}
	if err := PackOptimStep(a, backend.OptAdam, 0, 0, []driver.DevicePtr{1, 2}, 1, &backend.OptimHyper{}); err == nil {
		t.Error("Adam step 0 accepted")
	}
	if err := PackOptimStep(a, backend.OptimKind(9), 0, 0, nil, 1, &h); err == nil {
		t.Error("kind 9 accepted")
	}
}

// TestOptimStepMultiMatchesSingle: one optim_step_multi launch over
// parameters of several sizes, each with its own step count and first
// flag, leaves the parameters and states bit for bit as one optim_step
// launch per parameter does, for every optimizer case; a parameter takes
// several grid-stride rounds where it has more elements than threads.
func TestOptimStepMultiMatchesSingle(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(13, 13))
	sizes := []int{61, 1, 700, 33, 2}
	a := driver.NewArgs()
	for ci, c := range optimCases {
		for _, dt := range []DType{F32, BF16} {
			nState, err := OptimStates(c.kind, &c.h)
			if err != nil {
				t.Fatal(err)
			}
			var ts []OptimTensor
			type pair struct{ multi, single *tensor }
			var params, grads []pair
			var states [][]pair
			hs := make([]backend.OptimHyper, len(sizes))
			for i, n := range sizes {
				l := dense(n)
				vals := func() []float64 { return randRange(rng, n, -1, 1) }
				pv, gv := vals(), vals()
				p := pair{newTensor(d, dt, l, pv), newTensor(d, dt, l, pv)}
				g := pair{newTensor(d, dt, l, gv), newTensor(d, dt, l, gv)}
				var st []pair
				var ptrs []driver.DevicePtr
				for range nState {
					sv := randRange(rng, n, 0, 1) // nonnegative: squared averages
					s := pair{newTensor(d, dt, l, sv), newTensor(d, dt, l, sv)}
					st = append(st, s)
					ptrs = append(ptrs, s.multi.dev)
				}
				params, grads, states = append(params, p), append(grads, g), append(states, st)
				hs[i] = c.h
				hs[i].Step, hs[i].First = 1+i%3, i%3 == 0
				ts = append(ts, OptimTensor{P: p.multi.dev, G: g.multi.dev, State: ptrs, N: int64(n), Hyper: &hs[i]})
			}
			l, err := PackOptimStepMulti(a, c.kind, ts, 64, 3)
			d.launch(OptimMultiKernel(dt), l, a, err)
			for i, n := range sizes {
				var ptrs []driver.DevicePtr
				for _, s := range states[i] {
					ptrs = append(ptrs, s.single.dev)
				}
				d.launch(OptimKernel(dt), ElementwiseLaunch(int64(n), 2), a, PackOptimStep(a, c.kind, params[i].single.dev, grads[i].single.dev, ptrs, int64(n), &hs[i]))
				name := fmt.Sprintf("case %d %v parameter %d", ci, dt, i)
				if !bytes.Equal(params[i].multi.devBytes(d), params[i].single.devBytes(d)) {
					t.Errorf("%s: parameters differ", name)
				}
				for j, s := range states[i] {
					if !bytes.Equal(s.multi.devBytes(d), s.single.devBytes(d)) {
						t.Errorf("%s: state %d differs", name, j)
					}
				}
			}
		}
	}
	h := backend.OptimHyper{LR: 0.1}
	other := backend.OptimHyper{LR: 0.2}
	one := OptimTensor{P: 1, G: 2, N: 5, Hyper: &h}
	for _, bad := range []struct {
		name string
		ts   []OptimTensor
	}{
		{"none", nil},
		{"too many", make([]OptimTensor, OptimTensors+1)},
		{"other learning rates", []OptimTensor{one, {P: 3, G: 4, N: 5, Hyper: &other}}},
		{"an empty parameter", []OptimTensor{{P: 1, G: 2, N: 0, Hyper: &h}}},
		{"a missing state buffer", []OptimTensor{{P: 1, G: 2, N: 5, Hyper: &backend.OptimHyper{LR: 0.1, Momentum: 0.9}}}},
	} {
		if _, err := PackOptimStepMulti(a, backend.OptSGD, bad.ts, 64, 3); err == nil {
			t.Errorf("%s accepted", bad.name)
		}
	}
}
