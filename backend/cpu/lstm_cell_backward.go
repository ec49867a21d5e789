package cpu

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/vec"
	"github.com/emberdl/ember/internal/parallel"
)

// LSTMCellBackward runs the pointwise part of one LSTM step's backward pass
// in a single pass over the batch rows (instead of some twenty element-wise
// kernels), one vec.LSTMCellBackwardRow call per row. For
// float32 [B, H] views and [B, 4H] acts (the gate activations i, f, g, o
// of the forward pass) and dgates, with dh the gradient reaching h_t, tc =
// tanh(c_t), cPrev = c_{t-1} and dcf the gradient reaching c_t from step
// t+1 (dc_{t+1}·f_{t+1}):
//
//	dc = dh·o·(1 - tc²) + dcf
//	dgates = [dc·g·i(1-i), dc·cPrev·f(1-f), dc·i·(1-g²), dh·tc·o(1-o)]
//	dcf   ← dc·f
//
// with the operations of the unfused sequence in the same order, so the
// results are identical. Every view's rows must be contiguous; it reports
// false, doing nothing, for other dtypes or layouts.
func (cb *Backend) LSTMCellBackward(dh, acts, tc, cPrev, dcf, dgates backend.View) bool {
	if len(dh.Shape) != 2 {
		return false
	}
	rows, hid := dh.Shape[0], dh.Shape[1]
	if !f32Rows(dh, rows, hid) || !f32Rows(tc, rows, hid) || !f32Rows(cPrev, rows, hid) || !f32Rows(dcf, rows, hid) ||
		!f32Rows(acts, rows, 4*hid) || !f32Rows(dgates, rows, 4*hid) {
		return false
	}
	grain := max(1, (1<<14)/max(1, 10*hid))
	parallel.For(rows, grain, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			vec.LSTMCellBackwardRow(f32Row(dh, r, hid), f32Row(acts, r, 4*hid), f32Row(tc, r, hid),
				f32Row(cPrev, r, hid), f32Row(dcf, r, hid), f32Row(dgates, r, 4*hid))
		}
	})
	return true
}
