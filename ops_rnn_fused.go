package ember

import (
	"github.com/emberdl/ember/backend"
)

// mat is a row-major matrix window of a buffer: element (i, j) lives at
// off + i*ld + j. The fused recurrent kernels address blocks of rows
// (time steps) and columns (gates) of their buffers through it.
type mat struct {
	buf                 backend.Buffer
	off, rows, cols, ld int
}

// matOf views a contiguous tensor as a matrix of its last axis' columns.
func matOf(t *Tensor) mat {
	cols := 1
	if t.Dim() > 0 {
		cols = t.shape[t.Dim()-1]
	}
	rows := 0
	if cols > 0 {
		rows = t.Numel() / cols
	}
	return mat{buf: t.buf(), off: t.offset, rows: rows, cols: cols, ld: cols}
}

func (m mat) rowBlock(r0, n int) mat {
	m.off += r0 * m.ld
	m.rows = n
	return m
}

func (m mat) colBlock(c0, n int) mat {
	m.off += c0
	m.cols = n
	return m
}

func (m mat) v() backend.View {
	return backend.View{Buf: m.buf, Shape: []int{m.rows, m.cols}, Strides: []int{m.ld, 1}, Offset: m.off}
}

// b3 is the matrix as a batch of one, for Matmul.
func (m mat) b3() backend.View {
	return backend.View{Buf: m.buf, Shape: []int{1, m.rows, m.cols}, Strides: []int{0, m.ld, 1}, Offset: m.off}
}

// t3 is the transposed matrix as a batch of one, for Matmul.
func (m mat) t3() backend.View {
	return backend.View{Buf: m.buf, Shape: []int{1, m.cols, m.rows}, Strides: []int{0, 1, m.ld}, Offset: m.off}
}

// bcast is a one-row matrix repeated over rows rows.
func (m mat) bcast(rows int) backend.View {
	return backend.View{Buf: m.buf, Shape: []int{rows, m.cols}, Strides: []int{0, 1}, Offset: m.off}
}

// recKernels issues the element-wise and matrix kernels of the fused
// recurrent op on one backend.
type recKernels struct{ be backend.Backend }

func (k recKernels) bin(op backend.BinaryOp, dst, x, y mat) { k.be.Binary(op, dst.v(), x.v(), y.v()) }
func (k recKernels) un(op backend.UnaryOp, dst, x mat)      { k.be.Unary(op, dst.v(), x.v(), 0, 0) }
func (k recKernels) copy(dst, src mat)                      { k.be.Copy(dst.v(), src.v()) }

// mm sets dst = a·b + beta·dst.
func (k recKernels) mm(dst mat, a, b backend.View, beta float64) {
	if dst.rows == 0 || dst.cols == 0 {
		return
	}
	if a.Shape[2] == 0 {
		if beta == 0 {
			k.be.Fill(dst.v(), 0)
		}
		return
	}
	k.be.Matmul(dst.b3(), a, b, beta)
}

// denseNoGrad returns t in dtype dt, contiguous, without recording.
func denseNoGrad(t *Tensor, dt DType) *Tensor {
	if t == nil {
		return nil
	}
	t = t.castNoGrad(dt)
	if t.IsContiguous() {
		return t
	}
	out := t.alloc(dt, t.shape)
	t.be().Copy(out.view(), t.view())
	return out
}

// transposed returns the transpose of a matrix as a new dense matrix, so
// that the products of every step read their right operand row by row.
func transposed(w *Tensor) *Tensor {
	out := w.alloc(w.dtype, []int{w.shape[1], w.shape[0]})
	m := matOf(w)
	w.be().Copy(out.view(), backend.View{Buf: m.buf, Shape: []int{m.cols, m.rows}, Strides: []int{1, m.ld}, Offset: m.off})
	return out
}

// recFwd is one run of the fused recurrent layer: its inputs in the
// compute dtype and what the backward pass reads.
type recFwd struct {
	g             recGeom
	steps, batch  int
	reverse, keep bool
	k             recKernels
	x, h0, c0     *Tensor // [T, B, I], [B, H], [B, H]
	wih, whh      *Tensor // [G*H, I], [G*H, H]
	bih, bhh      *Tensor // [G*H] or nil
	acts          *Tensor // gate activations [T, B, G*H] (LSTM, GRU)
	cs, tcs       *Tensor // LSTM: c_t and tanh(c_t), [T, B, H]
	hp            *Tensor // GRU: W_hh·h + b_hh, [T, B, 3H]
	packed        *Tensor // outputs [T, B, H], then cN for LSTM
	order         []int   // order[s] is the time index read at step s
}

// recurrentFused runs RecurrentLayer's fused op and records its backward.
func recurrentFused(g recGeom, x, h0, c0 *Tensor, w RecurrentWeights, reverse bool) *Tensor {
	r := track(x, h0, c0, w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH)
	f := &recFwd{g: g, steps: x.shape[0], batch: x.shape[1], reverse: reverse, keep: r != nil, k: recKernels{x.be()}}
	f.x = denseNoGrad(x, g.comp)
	f.wih, f.whh = denseNoGrad(w.WeightIH, g.comp), denseNoGrad(w.WeightHH, g.comp)
	f.bih, f.bhh = denseNoGrad(w.BiasIH, g.comp), denseNoGrad(w.BiasHH, g.comp)
	state := []int{f.batch, g.hidden}
	f.h0 = denseNoGrad(h0, g.comp)
	if f.h0 == nil {
		f.h0 = full(x.be(), x.Device(), g.comp, state, 0)
	}
	if g.mode == RecurrentLSTM {
		f.c0 = denseNoGrad(c0, g.comp)
		if f.c0 == nil {
			f.c0 = full(x.be(), x.Device(), g.comp, state, 0)
		}
	}
	f.order = make([]int, f.steps)
	for s := range f.order {
		f.order[s] = s
		if reverse {
			f.order[s] = f.steps - 1 - s
		}
	}
	switch g.mode {
	case RecurrentLSTM:
		f.forwardLSTM()
	case RecurrentGRU:
		f.forwardGRU()
	default:
		f.forwardRNN()
	}
	out := f.packed.castNoGrad(g.dtype)
	if r != nil {
		r.record(out, g.mode.gradName(), func(gr *Tensor) []*Tensor {
			if GradEnabled() {
				// The backward pass is being recorded: differentiate the
				// composed layer so that its gradient has a graph too.
				return recurrentGradComposed(r, g.mode, x, h0, c0, w, reverse, gr)
			}
			return f.backward(r, gr)
		}, x, h0, c0, w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH, out)
	}
	return out
}

// rows returns the [B, cols] block of time step t of a [T, B, cols] tensor.
func (f *recFwd) rows(t *Tensor, step int) mat { return matOf(t).rowBlock(step*f.batch, f.batch) }

// prevHidden is the hidden state read at step s: h0 first, then the output
// of the previous step.
func (f *recFwd) prevHidden(s int) mat {
	if s == 0 {
		return matOf(f.h0)
	}
	return f.rows(f.packed, f.order[s-1])
}

// rightPacker is implemented by backends that can pack a matrix once for
// many products that use it as their right operand (the CPU's GEMM).
type rightPacker interface {
	PackRight(y backend.View) any
	MatmulPacked(dst, x backend.View, packed any, beta float64)
}

// lstmCeller is implemented by backends with a fused LSTM step (the CPU's
// LSTMCell, which adds the gates' bias itself, sparing the input projection
// a pass over all steps' gates): it reports false when it cannot take the
// given views.
type lstmCeller interface {
	LSTMCell(gates, bias, cPrev, c, tc, h backend.View) bool
}

// rightOperand is the right operand of many products: packed once when the
// backend can, else the plain view.
type rightOperand struct {
	v      backend.View
	packed any
}

// right prepares the matrix w (or its transpose) for use as the right
// operand of many mmR: packed straight from w when the backend can, else
// as a dense row-major copy (of the transpose) that every product reads
// row by row.
func (k recKernels) right(w *Tensor, transpose bool) rightOperand {
	v := matOf(w).b3()
	if transpose {
		v = matOf(w).t3()
	}
	if p, ok := k.be.(rightPacker); ok && v.Shape[1] > 0 && v.Shape[2] > 0 {
		if packed := p.PackRight(v); packed != nil {
			return rightOperand{v: v, packed: packed}
		}
	}
	if transpose {
		v = matOf(transposed(w)).b3()
	}
	return rightOperand{v: v}
}

// mmR is mm with a right operand prepared by right.
func (k recKernels) mmR(dst mat, a backend.View, r rightOperand, beta float64) {
	if r.packed == nil || dst.rows == 0 || dst.cols == 0 || a.Shape[2] == 0 {
		k.mm(dst, a, r.v, beta)
		return
	}
	k.be.(rightPacker).MatmulPacked(dst.b3(), a, r.packed, beta)
}

// inputProjection returns x·W_ihᵀ for all steps, [T, B, G*H], plus the
// given biases (each may be nil).
func (f *recFwd) inputProjection(biases ...*Tensor) *Tensor {
	xp := f.x.alloc(f.g.comp, []int{f.steps, f.batch, f.g.gates * f.g.hidden})
	m := matOf(xp)
	f.k.mm(m, matOf(f.x).b3(), matOf(transposed(f.wih)).b3(), 0)
	f.addBias(m, f.biasSum(biases...))
	return xp
}

// biasSum returns the sum of the given [G*H] biases (each may be nil), or
// nil when there are none.
func (f *recFwd) biasSum(biases ...*Tensor) *Tensor {
	var b *Tensor
	for _, bi := range biases {
		switch {
		case bi == nil:
		case b == nil:
			b = bi
		default:
			sum := bi.alloc(f.g.comp, []int{f.g.gates * f.g.hidden})
			f.k.bin(backend.Add, matOf(sum), matOf(b), matOf(bi))
			b = sum
		}
	}
	return b
}

// addBias adds the [G*H] bias b (nil: none) to every row of m.
func (f *recFwd) addBias(m mat, b *Tensor) {
	if b != nil && m.rows > 0 {
		f.k.be.Binary(backend.Add, m.v(), m.v(), matOf(b).bcast(m.rows))
	}
}

// forwardRNN: the projection buffer becomes the output, step by step.
func (f *recFwd) forwardRNN() {
	f.packed = f.inputProjection(f.bih, f.bhh)
	act := backend.Tanh
	if f.g.mode == RecurrentRelu {
		act = backend.Relu
	}
	whhT := f.k.right(f.whh, true)
	for s, t := range f.order {
		o := f.rows(f.packed, t)
		f.k.mmR(o, f.prevHidden(s).b3(), whhT, 1)
		f.k.un(act, o, o)
	}
}

// forwardLSTM keeps the gate activations, c_t and tanh(c_t) when the
// backward pass will need them, else two cell-state buffers in turn.
func (f *recFwd) forwardLSTM() {
	H, T, B := f.g.hidden, f.steps, f.batch
	// With a fused cell the bias is added by the cell, a step at a time,
	// while the gates are in cache.
	cell, fused := f.k.be.(lstmCeller)
	var xp, bias *Tensor
	var bv backend.View
	if fused {
		xp, bias = f.inputProjection(), f.biasSum(f.bih, f.bhh)
		if bias != nil {
			m := matOf(bias)
			bv = backend.View{Buf: m.buf, Shape: []int{m.cols}, Strides: []int{1}, Offset: m.off}
		}
	} else {
		xp = f.inputProjection(f.bih, f.bhh)
	}
	f.packed = f.x.alloc(f.g.comp, []int{T + 1, B, H})
	cells := T
	if !f.keep {
		cells = 2
	}
	cs := f.x.alloc(f.g.comp, []int{cells, B, H})
	tcs := f.x.alloc(f.g.comp, []int{cells, B, H})
	tmp := matOf(f.x.alloc(f.g.comp, []int{B, H}))
	whhT := f.k.right(f.whh, true)
	cPrev := matOf(f.c0)
	for s, t := range f.order {
		slot := t
		if !f.keep {
			slot = s % 2
		}
		gates := f.rows(xp, t)
		f.k.mmR(gates, f.prevHidden(s).b3(), whhT, 1)
		c, tc := f.rows(cs, slot), f.rows(tcs, slot)
		if fused && cell.LSTMCell(gates.v(), bv, cPrev.v(), c.v(), tc.v(), f.rows(f.packed, t).v()) {
			cPrev = c
			continue
		}
		if fused {
			f.addBias(gates, bias) // the cell refused the views: not added yet
		}
		i, fg, g, o := gates.colBlock(0, H), gates.colBlock(H, H), gates.colBlock(2*H, H), gates.colBlock(3*H, H)
		f.k.un(backend.Sigmoid, gates.colBlock(0, 2*H), gates.colBlock(0, 2*H))
		f.k.un(backend.Tanh, g, g)
		f.k.un(backend.Sigmoid, o, o)
		f.k.bin(backend.Mul, c, fg, cPrev)
		f.k.bin(backend.Mul, tmp, i, g)
		f.k.bin(backend.Add, c, c, tmp)
		f.k.un(backend.Tanh, tc, c)
		f.k.bin(backend.Mul, f.rows(f.packed, t), o, tc)
		cPrev = c
	}
	f.k.copy(f.rows(f.packed, T), cPrev)
	if f.keep {
		f.acts, f.cs, f.tcs = xp, cs, tcs
	}
}

// forwardGRU keeps r, z, n and W_hh·h + b_hh for the backward pass.
func (f *recFwd) forwardGRU() {
	H, T, B := f.g.hidden, f.steps, f.batch
	xp := f.inputProjection(f.bih)
	f.packed = f.x.alloc(f.g.comp, []int{T, B, H})
	hpSteps := T
	if !f.keep {
		hpSteps = 1
	}
	hp := f.x.alloc(f.g.comp, []int{hpSteps, B, 3 * H})
	tmp := matOf(f.x.alloc(f.g.comp, []int{B, H}))
	whhT := f.k.right(f.whh, true)
	for s, t := range f.order {
		slot := t
		if !f.keep {
			slot = 0
		}
		hPrev := f.prevHidden(s)
		hpt := f.rows(hp, slot)
		beta := 0.0
		if f.bhh != nil {
			f.k.be.Copy(hpt.v(), matOf(f.bhh).bcast(B))
			beta = 1
		}
		f.k.mmR(hpt, hPrev.b3(), whhT, beta)
		gates := f.rows(xp, t)
		rz := gates.colBlock(0, 2*H)
		f.k.bin(backend.Add, rz, rz, hpt.colBlock(0, 2*H))
		f.k.un(backend.Sigmoid, rz, rz)
		r, z, n := gates.colBlock(0, H), gates.colBlock(H, H), gates.colBlock(2*H, H)
		f.k.bin(backend.Mul, tmp, r, hpt.colBlock(2*H, H))
		f.k.bin(backend.Add, n, n, tmp)
		f.k.un(backend.Tanh, n, n)
		// h' = n + z·(h - n)
		f.k.bin(backend.Sub, tmp, hPrev, n)
		f.k.bin(backend.Mul, tmp, tmp, z)
		f.k.bin(backend.Add, f.rows(f.packed, t), n, tmp)
	}
	if f.keep {
		f.acts, f.hp = xp, hp
	}
}

// recurrentGradComposed differentiates the composed layer (used when the
// backward pass itself is recorded).
func recurrentGradComposed(r *rec, mode Recurrence, x, h0, c0 *Tensor, w RecurrentWeights, reverse bool, g *Tensor) []*Tensor {
	ins := []*Tensor{x, h0, c0, w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH}
	var wrt []*Tensor
	var idx []int
	for i, t := range ins {
		if r.needs(i) {
			wrt = append(wrt, t)
			idx = append(idx, i)
		}
	}
	state := []int{x.shape[1], w.WeightHH.shape[1]}
	if h0 == nil {
		h0 = Zeros(state, x.dtype, x.Device())
	}
	if mode == RecurrentLSTM && c0 == nil {
		c0 = Zeros(state, x.dtype, x.Device())
	}
	y := recurrentComposed(mode, x, h0, c0, w, reverse)
	gs := Grad([]*Tensor{y}, wrt, WithGradient(g), CreateGraph(), AllowUnused())
	out := make([]*Tensor, len(ins))
	for k, i := range idx {
		out[i] = gs[k]
	}
	return out
}
