package cpu

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/vec"
	"github.com/emberdl/ember/internal/parallel"
)

// LSTMCell runs the pointwise part of one LSTM step in a single pass over
// the batch rows (instead of seven element-wise kernels, each a pass over
// memory and a fork-join of its own). For float32 [B, 4H] gates holding
// the pre-activations of the input, forget, cell and output gates, it
// replaces them by their activations (sigmoid, sigmoid, tanh, sigmoid) and
// writes, for [B, H] cPrev, c, tc and h:
//
//	c = f·cPrev + i·g,  tc = tanh(c),  h = o·tc
//
// with the same operations in the same order as the unfused sequence, so
// the results are identical. Every view's rows must be contiguous. It
// reports false, doing nothing, for other dtypes or layouts.
func (cb *Backend) LSTMCell(gates, cPrev, c, tc, h backend.View) bool {
	views := [...]backend.View{gates, cPrev, c, tc, h}
	for _, v := range views {
		if len(v.Shape) != 2 || v.Strides[1] != 1 || buf(v).dt != backend.Float32 {
			return false
		}
	}
	rows, hid := gates.Shape[0], gates.Shape[1]/4
	if gates.Shape[1] != 4*hid {
		return false
	}
	for _, v := range views[1:] {
		if v.Shape[0] != rows || v.Shape[1] != hid {
			return false
		}
	}
	row := func(v backend.View, r, n int) []float32 {
		off := v.Offset + r*v.Strides[0]
		return buf(v).F32[off : off+n]
	}
	grain := max(1, (1<<14)/max(1, 5*hid))
	parallel.For(rows, grain, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			g := row(gates, r, 4*hid)
			vec.Sigmoid(g[:2*hid], g[:2*hid])
			vec.Tanh(g[2*hid:3*hid], g[2*hid:3*hid])
			vec.Sigmoid(g[3*hid:], g[3*hid:])
			i, f, gg, o := g[:hid], g[hid:2*hid], g[2*hid:3*hid], g[3*hid:]
			cr, tcr, hr := row(c, r, hid), row(tc, r, hid), row(h, r, hid)
			vec.Mul(cr, f, row(cPrev, r, hid))
			vec.Mul(tcr, i, gg) // tc holds i·g until it becomes tanh(c)
			vec.Add(cr, cr, tcr)
			vec.Tanh(tcr, cr)
			vec.Mul(hr, o, tcr)
		}
	})
	return true
}
