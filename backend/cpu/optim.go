package cpu

import (
	"fmt"
	"math"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/internal/parallel"
)

// OptimStep applies one fused optimizer update in place.
func (c *Backend) OptimStep(kind backend.OptimKind, p, g backend.View, state []backend.View, h backend.OptimHyper) {
	views := append([]backend.View{p, g}, state...)
	for _, v := range views {
		if !v.IsContiguous() || v.Numel() != p.Numel() || v.DType() != p.DType() {
			panic(fmt.Sprintf("cpu.OptimStep: views must be contiguous, of %d elements and dtype %v", p.Numel(), p.DType()))
		}
	}
	switch p.DType() {
	case backend.Float32:
		optimStep(kind, sl32(views), h)
	case backend.Float64:
		optimStep(kind, sl64(views), h)
	default:
		panic("cpu.OptimStep of " + p.DType().String())
	}
}

func sl32(vs []backend.View) [][]float32 {
	out := make([][]float32, len(vs))
	for i, v := range vs {
		out[i] = buf(v).F32[v.Offset : v.Offset+v.Numel()]
	}
	return out
}

func sl64(vs []backend.View) [][]float64 {
	out := make([][]float64, len(vs))
	for i, v := range vs {
		out[i] = buf(v).F64[v.Offset : v.Offset+v.Numel()]
	}
	return out
}

func optimStep[T float](kind backend.OptimKind, s [][]T, h backend.OptimHyper) {
	p, g := s[0], s[1]
	st := s[2:]
	n := len(p)
	sign := 1.0
	if h.Maximize {
		sign = -1
	}
	parallel.For(n, 16384, func(lo, hi int) {
		switch kind {
		case backend.OptSGD:
			for i := lo; i < hi; i++ {
				d := sign * float64(g[i])
				if h.WeightDecay != 0 {
					d += h.WeightDecay * float64(p[i])
				}
				if h.Momentum != 0 {
					b := d
					if !h.First {
						b = h.Momentum*float64(st[0][i]) + (1-h.Dampening)*d
					}
					st[0][i] = T(b)
					if h.Nesterov {
						d += h.Momentum * b
					} else {
						d = b
					}
				}
				p[i] = T(float64(p[i]) - h.LR*d)
			}
		case backend.OptAdam:
			bc1 := 1 - math.Pow(h.Beta1, float64(h.Step))
			bc2 := 1 - math.Pow(h.Beta2, float64(h.Step))
			stepSize := h.LR / bc1
			sbc2 := math.Sqrt(bc2)
			for i := lo; i < hi; i++ {
				d := sign * float64(g[i])
				pv := float64(p[i])
				if h.WeightDecay != 0 {
					if h.Decoupled {
						pv *= 1 - h.LR*h.WeightDecay
					} else {
						d += h.WeightDecay * pv
					}
				}
				m := h.Beta1*float64(st[0][i]) + (1-h.Beta1)*d
				v := h.Beta2*float64(st[1][i]) + (1-h.Beta2)*d*d
				st[0][i], st[1][i] = T(m), T(v)
				if h.AMSGrad {
					v = math.Max(float64(st[2][i]), v)
					st[2][i] = T(v)
				}
				den := math.Sqrt(v)/sbc2 + h.Eps
				p[i] = T(pv - stepSize*m/den)
			}
		case backend.OptRMSprop:
			k := 1
			for i := lo; i < hi; i++ {
				d := sign * float64(g[i])
				pv := float64(p[i])
				if h.WeightDecay != 0 {
					d += h.WeightDecay * pv
				}
				sq := h.Alpha*float64(st[0][i]) + (1-h.Alpha)*d*d
				st[0][i] = T(sq)
				avg := sq
				k = 1
				if h.Centered {
					ga := h.Alpha*float64(st[1][i]) + (1-h.Alpha)*d
					st[1][i] = T(ga)
					avg = sq - ga*ga
					k = 2
				}
				den := math.Sqrt(avg) + h.Eps
				if h.Momentum > 0 {
					b := h.Momentum*float64(st[k][i]) + d/den
					st[k][i] = T(b)
					p[i] = T(pv - h.LR*b)
				} else {
					p[i] = T(pv - h.LR*d/den)
				}
			}
		case backend.OptAdagrad:
			clr := h.LR / (1 + float64(h.Step-1)*h.LRDecay)
			for i := lo; i < hi; i++ {
				d := sign * float64(g[i])
				pv := float64(p[i])
				if h.WeightDecay != 0 {
					d += h.WeightDecay * pv
				}
				sum := float64(st[0][i]) + d*d
				st[0][i] = T(sum)
				p[i] = T(pv - clr*d/(math.Sqrt(sum)+h.Eps))
			}
		case backend.OptLion:
			for i := lo; i < hi; i++ {
				d := sign * float64(g[i])
				pv := float64(p[i]) * (1 - h.LR*h.WeightDecay)
				m := float64(st[0][i])
				c := h.Beta1*m + (1-h.Beta1)*d
				switch {
				case c > 0:
					pv -= h.LR
				case c < 0:
					pv += h.LR
				}
				p[i] = T(pv)
				st[0][i] = T(h.Beta2*m + (1-h.Beta2)*d)
			}
		default:
			panic(fmt.Sprintf("cpu.OptimStep: unknown kind %d", kind))
		}
	})
}
