package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

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
