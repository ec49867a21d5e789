package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestLSTMCellRow checks the fused row against the separate kernels it
// replaces (Add, Sigmoid, Tanh, Mul, in the order of the unfused step): the
// same bits, for hidden sizes around the blocks, with and without a bias,
// with the assembly and with the Go twins.
func TestLSTMCellRow(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		for _, hid := range []int{1, 7, 8, 9, 16, 24, 33, 41, 256, 257} {
			for _, withBias := range []bool{false, true} {
				t.Run(fmt.Sprintf("hid%d-bias%v", hid, withBias), func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(hid), 3))
					g := uniform(r, 4*hid, -6, 6)
					cPrev := uniform(r, hid, -3, 3)
					var bias []float32
					if withBias {
						bias = uniform(r, 4*hid, -1, 1)
					}
					// The separate kernels.
					wg := append([]float32(nil), g...)
					if bias != nil {
						Add(wg, wg, bias)
					}
					Sigmoid(wg[:2*hid], wg[:2*hid])
					Tanh(wg[2*hid:3*hid], wg[2*hid:3*hid])
					Sigmoid(wg[3*hid:], wg[3*hid:])
					wc, wtc, wh := make([]float32, hid), make([]float32, hid), make([]float32, hid)
					Mul(wc, wg[hid:2*hid], cPrev)
					Mul(wtc, wg[:hid], wg[2*hid:3*hid])
					Add(wc, wc, wtc)
					Tanh(wtc, wc)
					Mul(wh, wg[3*hid:], wtc)

					c, tc, h := make([]float32, hid), make([]float32, hid), make([]float32, hid)
					LSTMCellRow(g, bias, cPrev, c, tc, h)
					for _, p := range []struct {
						name      string
						got, want []float32
					}{{"gates", g, wg}, {"c", c, wc}, {"tc", tc, wtc}, {"h", h, wh}} {
						for i := range p.want {
							if math.Float32bits(p.got[i]) != math.Float32bits(p.want[i]) {
								t.Fatalf("%s[%d] = %v, want %v (separate kernels)", p.name, i, p.got[i], p.want[i])
							}
						}
					}
				})
			}
		}
	})
}

// TestLSTMCellBackwardRow checks the fused backward row against the
// element-wise kernels it replaces, in the unfused step's order: the same
// bits, for hidden sizes around the blocks, with the assembly and with the
// Go twin.
func TestLSTMCellBackwardRow(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		for _, hid := range []int{1, 7, 8, 9, 16, 24, 33, 256, 257} {
			r := rand.New(rand.NewPCG(uint64(hid), 5))
			dh, tc, cPrev, dcf := uniform(r, hid, -2, 2), uniform(r, hid, -1, 1), uniform(r, hid, -3, 3), uniform(r, hid, -2, 2)
			acts := uniform(r, 4*hid, 0, 1)
			// The separate kernels.
			wd, wdcf := make([]float32, 4*hid), append([]float32(nil), dcf...)
			tmp, tmp2, dc := make([]float32, hid), make([]float32, hid), make([]float32, hid)
			i, f, g, o := acts[:hid], acts[hid:2*hid], acts[2*hid:3*hid], acts[3*hid:]
			dI, dF, dG, dO := wd[:hid], wd[hid:2*hid], wd[2*hid:3*hid], wd[3*hid:]
			sigGrad := func(dst, d, m, a []float32) {
				Mul(tmp, d, m)
				Mul(tmp, tmp, a)
				Mul(tmp2, tmp, a)
				Sub(dst, tmp, tmp2)
			}
			Mul(tmp, dh, o)
			Mul(tmp2, tmp, tc)
			Mul(dO, tmp2, o)
			Sub(dO, tmp2, dO)
			Mul(tmp2, tmp2, tc)
			Sub(dc, tmp, tmp2)
			Add(dc, dc, wdcf)
			sigGrad(dI, dc, g, i)
			sigGrad(dF, dc, cPrev, f)
			Mul(tmp, dc, i)
			Mul(tmp2, tmp, g)
			Mul(tmp2, tmp2, g)
			Sub(dG, tmp, tmp2)
			Mul(wdcf, dc, f)

			got := make([]float32, 4*hid)
			LSTMCellBackwardRow(dh, acts, tc, cPrev, dcf, got)
			for _, p := range []struct {
				name      string
				got, want []float32
			}{{"dgates", got, wd}, {"dcf", dcf, wdcf}} {
				for k := range p.want {
					if math.Float32bits(p.got[k]) != math.Float32bits(p.want[k]) {
						t.Fatalf("hid %d: %s[%d] = %v, want %v (separate kernels)", hid, p.name, k, p.got[k], p.want[k])
					}
				}
			}
		}
	})
}
