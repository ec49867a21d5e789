package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamStep checks the update against an independent float64
// evaluation of Adam's formulas (within float32 rounding), and the two
// implementations against each other bit for bit.
func TestAdamStep(t *testing.T) {
	type cfg struct {
		wd              float64
		decoupled, maxi bool
	}
	cfgs := []cfg{{0, false, false}, {0.1, false, false}, {0.01, true, false}, {0, false, true}}
	results := map[bool][][]float32{}
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(23, 24))
		var out [][]float32
		for _, c := range cfgs {
			for _, n := range testSizes {
				p := randVec(r, n, -1, 1, false)
				g := randVec(r, n, -1, 1, false)
				m := randVec(r, n, -0.1, 0.1, false)
				v := randVec(r, n, 0, 0.01, false)
				const lr, b1, b2, eps, step = 1e-3, 0.9, 0.999, 1e-8, 7
				a := NewAdam(lr, b1, b2, eps, c.wd, c.decoupled, c.maxi, step)
				p0, m0, v0 := append([]float32(nil), p...), append([]float32(nil), m...), append([]float32(nil), v...)
				AdamStep(p, g, m, v, &a)
				for i := range n {
					d := float64(g[i])
					if c.maxi {
						d = -d
					}
					pv := float64(p0[i])
					if c.decoupled {
						pv *= 1 - lr*c.wd
					} else {
						d += c.wd * pv
					}
					mi := b1*float64(m0[i]) + (1-b1)*d
					vi := b2*float64(v0[i]) + (1-b2)*d*d
					mTol := 3e-7 * (math.Abs(b1*float64(m0[i])) + math.Abs((1-b1)*d))
					vTol := 3e-7 * (b2*float64(v0[i]) + (1-b2)*d*d)
					// p from the float32 moments, so that its check does
					// not inherit their rounding.
					den := math.Sqrt(float64(v[i]))/math.Sqrt(1-math.Pow(b2, step)) + eps
					upd := lr / (1 - math.Pow(b1, step)) * float64(m[i]) / den
					pi := pv - upd
					pTol := 1e-6 * (math.Abs(pv) + math.Abs(upd))
					for _, q := range []struct {
						name           string
						got, want, tol float64
					}{{"m", float64(m[i]), mi, mTol}, {"v", float64(v[i]), vi, vTol}, {"p", float64(p[i]), pi, pTol}} {
						if math.Abs(q.got-q.want) > q.tol {
							t.Fatalf("%+v n=%d element %d: %s = %v, want %v", c, n, i, q.name, q.got, q.want)
						}
					}
				}
				out = append(out, p, m, v)
			}
		}
		results[useAsm] = out
	})
	if a, g := results[true], results[false]; a != nil {
		for k := range a {
			for i := range a[k] {
				if math.Float32bits(a[k][i]) != math.Float32bits(g[k][i]) {
					t.Fatalf("assembly and Go differ: vector %d element %d: %v and %v", k, i, a[k][i], g[k][i])
				}
			}
		}
	}
}

// TestSGDStep checks every switch combination of the SGD update against a
// float64 evaluation, and the two implementations bit for bit.
func TestSGDStep(t *testing.T) {
	results := map[bool][][]float32{}
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(63, 64))
		var out [][]float32
		for cfg := range 32 {
			s := SGD{Sign: 1, WD: 0.01, Momentum: 0.9, Damp: 0.75, NegLR: -0.1,
				Decay: int32(cfg & 1), Moment: int32(cfg >> 1 & 1), First: int32(cfg >> 2 & 1), Nesterov: int32(cfg >> 3 & 1)}
			if cfg&16 != 0 {
				s.Sign = -1
			}
			for _, n := range []int{1, 7, 33, 257} {
				p, g, buf := randVec(r, n, -1, 1, false), randVec(r, n, -1, 1, false), randVec(r, n, -1, 1, false)
				p0, b0 := append([]float32(nil), p...), append([]float32(nil), buf...)
				SGDStep(p, g, buf, &s)
				for i := range n {
					d := float64(s.Sign) * float64(g[i])
					if s.Decay != 0 {
						d += float64(s.WD) * float64(p0[i])
					}
					if s.Moment != 0 {
						b := d
						if s.First == 0 {
							b = float64(s.Momentum)*float64(b0[i]) + float64(s.Damp)*d
						}
						if math.Abs(float64(buf[i])-b) > 1e-6*(1+math.Abs(b)) {
							t.Fatalf("cfg %d n=%d: buf[%d] = %v, want %v", cfg, n, i, buf[i], b)
						}
						if s.Nesterov != 0 {
							d += float64(s.Momentum) * b
						} else {
							d = b
						}
					}
					want := float64(p0[i]) + float64(s.NegLR)*d
					if math.Abs(float64(p[i])-want) > 1e-6*(1+math.Abs(want)) {
						t.Fatalf("cfg %d n=%d: p[%d] = %v, want %v", cfg, n, i, p[i], want)
					}
				}
				out = append(out, p, buf)
			}
		}
		results[useAsm] = out
	})
	if a, g := results[true], results[false]; a != nil {
		for k := range a {
			for i := range a[k] {
				if math.Float32bits(a[k][i]) != math.Float32bits(g[k][i]) {
					t.Fatalf("assembly and Go differ: vector %d element %d: %v and %v", k, i, a[k][i], g[k][i])
				}
			}
		}
	}
}
