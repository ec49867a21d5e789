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
