package ember

import (
	"github.com/emberdl/ember/backend"
)

// recGrads are the gradients the reverse recurrence produces, before the
// products that turn them into input and weight gradients.
type recGrads struct {
	dgx *Tensor // w.r.t. the input projection W_ih·x + b_ih, [T, B, G*H]
	dgh *Tensor // w.r.t. the hidden projection W_hh·h + b_hh, [T, B, G*H]
	dh0 mat     // w.r.t. h0
	dc0 mat     // w.r.t. c0 (LSTM)
}

// backward runs the reverse recurrence with backend kernels (first-order
// gradients; the graph is not recorded) and returns one gradient per
// input of RecurrentLayer's fused op.
func (f *recFwd) backward(r *rec, gr *Tensor) []*Tensor {
	g := denseNoGrad(gr, f.g.comp)
	var d recGrads
	switch f.g.mode {
	case RecurrentLSTM:
		d = f.backwardLSTM(g)
	case RecurrentGRU:
		d = f.backwardGRU(g)
	default:
		d = f.backwardRNN(g)
	}
	T, B, I, H, GH := f.steps, f.batch, f.g.in, f.g.hidden, f.g.gates*f.g.hidden
	dgx, dgh := matOf(d.dgx), matOf(d.dgh)
	out := make([]*Tensor, 7)
	newMat := func(shape ...int) (*Tensor, mat) {
		t := f.x.alloc(f.g.comp, shape)
		return t, matOf(t)
	}
	if r.needs(0) {
		dx, m := newMat(T, B, I)
		f.k.mm(m, dgx.b3(), matOf(f.wih).b3(), 0)
		out[0] = dx
	}
	if r.needs(1) {
		dh0, m := newMat(B, H)
		f.k.copy(m, d.dh0)
		out[1] = dh0
	}
	if r.needs(2) {
		dc0, m := newMat(B, H)
		f.k.copy(m, d.dc0)
		out[2] = dc0
	}
	if r.needs(3) {
		dw, m := newMat(GH, I)
		f.k.mm(m, dgx.t3(), matOf(f.x).b3(), 0)
		out[3] = dw
	}
	if r.needs(4) {
		// dW_hh = Σ_s dgh[t_s]ᵀ·h_{s-1}: the steps after the first read
		// the previous step's output (one product over T-1 steps), the
		// first reads h0.
		dw, m := newMat(GH, H)
		first, from, prevFrom := f.order[0], 1, 0
		if f.reverse {
			from, prevFrom = 0, 1
		}
		f.k.mm(m, dgh.rowBlock(first*B, B).t3(), matOf(f.h0).b3(), 0)
		if T > 1 {
			f.k.mm(m, dgh.rowBlock(from*B, (T-1)*B).t3(), matOf(f.packed).rowBlock(prevFrom*B, (T-1)*B).b3(), 1)
		}
		out[4] = dw
	}
	var ones *Tensor
	for k, dg := range []mat{dgx, dgh} {
		i := 5 + k
		if !r.needs(i) {
			continue
		}
		// The bias gradient sums the gate gradients over steps and batch:
		// a product with a row of ones, streamed by the GEMM.
		if ones == nil {
			ones = full(f.k.be, f.x.Device(), f.g.comp, []int{1, T * B}, 1)
		}
		db, m := newMat(1, GH)
		f.k.mm(m, matOf(ones).b3(), dg.b3(), 0)
		out[i] = db.Reshape(GH)
	}
	for i, t := range out {
		if t != nil {
			out[i] = t.castNoGrad(f.g.dtype)
		}
	}
	return out
}

// backwardRNN: d(pre)_t = dh_t · act'(h_t), dh_{t-1} += d(pre)_t·W_hh.
func (f *recFwd) backwardRNN(g *Tensor) recGrads {
	T, B, H := f.steps, f.batch, f.g.hidden
	dg := f.x.alloc(f.g.comp, []int{T, B, H})
	dh := matOf(f.x.alloc(f.g.comp, []int{B, H}))
	tmp := matOf(f.x.alloc(f.g.comp, []int{B, H}))
	whh := f.k.right(f.whh, false)
	for s := T - 1; s >= 0; s-- {
		t := f.order[s]
		f.k.copy(dh, f.rows(g, t))
		if s < T-1 {
			f.k.mmR(dh, f.rows(dg, f.order[s+1]).b3(), whh, 1)
		}
		a, d := f.rows(f.packed, t), f.rows(dg, t)
		if f.g.mode == RecurrentRelu {
			f.k.un(backend.Sign, tmp, a) // 1 where the output is positive, else 0
			f.k.bin(backend.Mul, d, dh, tmp)
		} else {
			f.k.bin(backend.Mul, tmp, dh, a)
			f.k.bin(backend.Mul, tmp, tmp, a)
			f.k.bin(backend.Sub, d, dh, tmp) // dh·(1 - a²)
		}
	}
	dh0 := matOf(f.x.alloc(f.g.comp, []int{B, H}))
	f.k.mmR(dh0, f.rows(dg, f.order[0]).b3(), whh, 0)
	return recGrads{dgx: dg, dgh: dg, dh0: dh0}
}

// backwardLSTM: with a the gate activations, dh the gradient reaching h_t
// and dc the one reaching c_t,
//
//	do = dh·tanh(c)·o(1-o),  dc += dh·o·(1 - tanh²(c)),
//	di = dc·g·i(1-i),  df = dc·c_{t-1}·f(1-f),  dg = dc·i·(1 - g²),
//	dc_{t-1} = dc·f,  dh_{t-1} = gates'·W_hh (+ the output's gradient).
func (f *recFwd) backwardLSTM(g *Tensor) recGrads {
	T, B, H := f.steps, f.batch, f.g.hidden
	dg := f.x.alloc(f.g.comp, []int{T, B, 4 * H})
	buf := func() mat { return matOf(f.x.alloc(f.g.comp, []int{B, H})) }
	dh, dc, dcf, tmp, tmp2 := buf(), buf(), buf(), buf(), buf()
	whh := f.k.right(f.whh, false)
	f.k.copy(dcf, f.rows(g, T)) // the final cell state's gradient
	for s := T - 1; s >= 0; s-- {
		t := f.order[s]
		f.k.copy(dh, f.rows(g, t))
		if s < T-1 {
			f.k.mmR(dh, f.rows(dg, f.order[s+1]).b3(), whh, 1)
		}
		a, d := f.rows(f.acts, t), f.rows(dg, t)
		tc := f.rows(f.tcs, t)
		cPrev := matOf(f.c0)
		if s > 0 {
			cPrev = f.rows(f.cs, f.order[s-1])
		}
		if cell, ok := f.k.be.(lstmCellBackwarder); ok && cell.LSTMCellBackward(dh.v(), a.v(), tc.v(), cPrev.v(), dcf.v(), d.v()) {
			continue
		}
		i, fg, gg, o := a.colBlock(0, H), a.colBlock(H, H), a.colBlock(2*H, H), a.colBlock(3*H, H)
		dI, dF, dG, dO := d.colBlock(0, H), d.colBlock(H, H), d.colBlock(2*H, H), d.colBlock(3*H, H)
		f.k.bin(backend.Mul, tmp, dh, o)    // dh·o
		f.k.bin(backend.Mul, tmp2, tmp, tc) // dh·o·tc
		f.k.bin(backend.Mul, dO, tmp2, o)
		f.k.bin(backend.Sub, dO, tmp2, dO)          // dh·tc·o(1-o)
		f.k.bin(backend.Mul, tmp2, tmp2, tc)        // dh·o·tc²
		f.k.bin(backend.Sub, dc, tmp, tmp2)         // dh·o·(1-tc²)
		f.k.bin(backend.Add, dc, dc, dcf)           // + dc_{t+1}·f_{t+1}
		f.sigmoidGrad(dI, dc, gg, i, tmp, tmp2)     // dc·g·i(1-i)
		f.sigmoidGrad(dF, dc, cPrev, fg, tmp, tmp2) // dc·c_{t-1}·f(1-f)
		f.k.bin(backend.Mul, tmp, dc, i)
		f.k.bin(backend.Mul, tmp2, tmp, gg)
		f.k.bin(backend.Mul, tmp2, tmp2, gg)
		f.k.bin(backend.Sub, dG, tmp, tmp2) // dc·i·(1-g²)
		f.k.bin(backend.Mul, dcf, dc, fg)
	}
	dh0 := buf()
	f.k.mmR(dh0, f.rows(dg, f.order[0]).b3(), whh, 0)
	return recGrads{dgx: dg, dgh: dg, dh0: dh0, dc0: dcf}
}

// lstmCellBackwarder is implemented by backends with a fused LSTM step
// backward (the CPU's LSTMCellBackward); it reports false when it cannot
// take the given views.
type lstmCellBackwarder interface {
	LSTMCellBackward(dh, acts, tc, cPrev, dcf, dgates backend.View) bool
}

// sigmoidGrad sets dst = d·m·a(1-a) for a sigmoid output a (tmp and tmp2
// are scratch).
func (f *recFwd) sigmoidGrad(dst, d, m, a, tmp, tmp2 mat) {
	f.k.bin(backend.Mul, tmp, d, m)
	f.k.bin(backend.Mul, tmp, tmp, a)
	f.k.bin(backend.Mul, tmp2, tmp, a)
	f.k.bin(backend.Sub, dst, tmp, tmp2)
}

// backwardGRU: with h' = n + z·(h - n), n = tanh(x_n + r·h_n),
//
//	dn = dh·(1-z)·(1-n²) (the gradient of x_n),  d(h_n) = dn·r,
//	dr = dn·h_n·r(1-r),  dz = dh·(h - n)·z(1-z),
//	dh_{t-1} = dh·z + [dr, dz, dn·r]·W_hh (+ the output's gradient).
func (f *recFwd) backwardGRU(g *Tensor) recGrads {
	T, B, H := f.steps, f.batch, f.g.hidden
	dgx := f.x.alloc(f.g.comp, []int{T, B, 3 * H})
	dgh := f.x.alloc(f.g.comp, []int{T, B, 3 * H})
	buf := func() mat { return matOf(f.x.alloc(f.g.comp, []int{B, H})) }
	dh, dhz, tmp, tmp2 := buf(), buf(), buf(), buf()
	whh := f.k.right(f.whh, false)
	for s := T - 1; s >= 0; s-- {
		t := f.order[s]
		f.k.copy(dh, f.rows(g, t))
		if s < T-1 {
			f.k.bin(backend.Add, dh, dh, dhz)
			f.k.mmR(dh, f.rows(dgh, f.order[s+1]).b3(), whh, 1)
		}
		a, dx, dhp := f.rows(f.acts, t), f.rows(dgx, t), f.rows(dgh, t)
		r, z, n := a.colBlock(0, H), a.colBlock(H, H), a.colBlock(2*H, H)
		dR, dZ, dN := dx.colBlock(0, H), dx.colBlock(H, H), dx.colBlock(2*H, H)
		hn := f.rows(f.hp, t).colBlock(2*H, H)
		hPrev := f.prevHidden(s)
		f.k.bin(backend.Mul, dhz, dh, z)
		f.k.bin(backend.Sub, tmp, dh, dhz) // dh·(1-z)
		f.k.bin(backend.Mul, tmp2, tmp, n)
		f.k.bin(backend.Mul, tmp2, tmp2, n)
		f.k.bin(backend.Sub, dN, tmp, tmp2) // ·(1-n²)
		f.k.bin(backend.Mul, dhp.colBlock(2*H, H), dN, r)
		f.sigmoidGrad(dR, dN, hn, r, tmp, tmp2)
		f.k.bin(backend.Sub, tmp, hPrev, n)
		f.sigmoidGrad(dZ, dh, tmp, z, tmp, tmp2)
		f.k.copy(dhp.colBlock(0, 2*H), dx.colBlock(0, 2*H))
	}
	dh0 := buf()
	f.k.copy(dh0, dhz)
	f.k.mmR(dh0, f.rows(dgh, f.order[0]).b3(), whh, 1)
	return recGrads{dgx: dgx, dgh: dgh, dh0: dh0}
}
