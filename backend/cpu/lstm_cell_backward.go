package cpu

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/vec"
	"github.com/emberdl/ember/internal/parallel"
)

// LSTMCellBackward runs the pointwise part of one LSTM step's backward pass
// in a single pass over the batch rows (instead of some twenty element-wise
// kernels). For float32 [B, H] views and [B, 4H] acts (the gate
// activations i, f, g, o of the forward pass) and dgates, with dh the
// gradient reaching h_t, tc = tanh(c_t), cPrev = c_{t-1} and dcf the
// gradient reaching c_t from step t+1 (dc_{t+1}·f_{t+1}):
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
	row := f32Row
	grain := max(1, (1<<14)/max(1, 10*hid))
	parallel.For(rows, grain, func(lo, hi int) {
		sc := getScratch[float32](3 * hid)
		defer putScratch(sc)
		tmp, tmp2, dc := sc.s[:hid], sc.s[hid:2*hid], sc.s[2*hid:3*hid]
		for r := lo; r < hi; r++ {
			a, d := row(acts, r, 4*hid), row(dgates, r, 4*hid)
			i, f, g, o := a[:hid], a[hid:2*hid], a[2*hid:3*hid], a[3*hid:]
			dI, dF, dG, dO := d[:hid], d[hid:2*hid], d[2*hid:3*hid], d[3*hid:]
			dhr, tcr, cpr, dcfr := row(dh, r, hid), row(tc, r, hid), row(cPrev, r, hid), row(dcf, r, hid)
			vec.Mul(tmp, dhr, o)    // dh·o
			vec.Mul(tmp2, tmp, tcr) // dh·o·tc
			vec.Mul(dO, tmp2, o)
			vec.Sub(dO, tmp2, dO)    // dh·tc·o(1-o)
			vec.Mul(tmp2, tmp2, tcr) // dh·o·tc²
			vec.Sub(dc, tmp, tmp2)   // dh·o·(1-tc²)
			vec.Add(dc, dc, dcfr)    // + dc_{t+1}·f_{t+1}
			sigmoidGradRow(dI, dc, g, i, tmp, tmp2)
			sigmoidGradRow(dF, dc, cpr, f, tmp, tmp2)
			vec.Mul(tmp, dc, i)
			vec.Mul(tmp2, tmp, g)
			vec.Mul(tmp2, tmp2, g)
			vec.Sub(dG, tmp, tmp2) // dc·i·(1-g²)
			vec.Mul(dcfr, dc, f)
		}
	})
	return true
}

// sigmoidGradRow sets dst = d·m·a(1-a) for a sigmoid output a, as the op
// layer's sigmoidGrad does (tmp and tmp2 are scratch).
func sigmoidGradRow(dst, d, m, a, tmp, tmp2 []float32) {
	vec.Mul(tmp, d, m)
	vec.Mul(tmp, tmp, a)
	vec.Mul(tmp2, tmp, a)
	vec.Sub(dst, tmp, tmp2)
}
