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
