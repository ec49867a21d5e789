package cpu

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/vec"
	"github.com/emberdl/ember/internal/parallel"
)

// LSTMCell runs the pointwise part of one LSTM step in a single pass over
// the batch rows (instead of seven element-wise kernels, each a pass over
// memory and a fork-join of its own), one vec.LSTMCellRow call a row. For float32 [B, 4H] gates holding
// the pre-activations of the input, forget, cell and output gates (less
// the [4H] bias, which is added first unless its Buf is nil), it replaces
// them by their activations (sigmoid, sigmoid, tanh, sigmoid) and writes,
// for [B, H] cPrev, c, tc and h:
//
//	c = f·cPrev + i·g,  tc = tanh(c),  h = o·tc
//
// with the same operations in the same order as the unfused sequence, so
// the results are identical. Every view's rows must be contiguous. It
// reports false, doing nothing, for other dtypes or layouts.
func (cb *Backend) LSTMCell(gates, bias, cPrev, c, tc, h backend.View) bool {
	if len(gates.Shape) != 2 {
		return false
	}
	rows, hid := gates.Shape[0], gates.Shape[1]/4
	if !f32Rows(gates, rows, 4*hid) || !f32Rows(cPrev, rows, hid) ||
		!f32Rows(c, rows, hid) || !f32Rows(tc, rows, hid) || !f32Rows(h, rows, hid) {
		return false
	}
	var b []float32
	if bias.Buf != nil {
		if len(bias.Shape) != 1 || bias.Shape[0] != 4*hid || (hid > 0 && bias.Strides[0] != 1) || buf(bias).dt != backend.Float32 {
			return false
		}
		b = buf(bias).F32[bias.Offset : bias.Offset+4*hid]
	}
	grain := max(1, (1<<14)/max(1, 5*hid))
	parallel.For(rows, grain, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			vec.LSTMCellRow(f32Row(gates, r, 4*hid), b, f32Row(cPrev, r, hid), f32Row(c, r, hid), f32Row(tc, r, hid), f32Row(h, r, hid))
		}
	})
	return true
}

// f32Rows reports whether v is a float32 rows×cols matrix with contiguous
// rows, the layout the fused LSTM kernels take.
func f32Rows(v backend.View, rows, cols int) bool {
	return len(v.Shape) == 2 && v.Shape[0] == rows && v.Shape[1] == cols &&
		(cols <= 1 || v.Strides[1] == 1) && buf(v).dt == backend.Float32
}

// f32Row returns the first n elements of row r of a float32 matrix view.
func f32Row(v backend.View, r, n int) []float32 {
	off := v.Offset + r*v.Strides[0]
	return buf(v).F32[off : off+n]
}
