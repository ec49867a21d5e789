package cpu

import (
	"os"
	"sync"
	"sync/atomic"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/gemm"
	"github.com/emberdl/ember/backend/cpu/vec"
	"github.com/emberdl/ember/internal/parallel"
)

// Fused attention on the CPU: out = softmax(scale·q·kᵀ, causal)·v computed a
// block of query rows at a time. For each block of attnRows queries the
// scores against the keys it can see (all of them, or under the causal mask
// only those up to its last row) are computed into a small buffer of the
// worker's own, turned into weights in place and multiplied by v, so the
// [L, S] scores are never stored whole: they stay in cache, and the causal
// case skips the key blocks above the diagonal (a third of the products at
// 128 positions, half for long sequences). Each query row's log-sum-exp is
// kept for the backward pass, which recomputes a block's weights from it
// and accumulates the key and value gradients of one (batch, head) matrix
// on one worker. q, k, v and the output gradient are read where they lie,
// strided as they come (the heads of a GPT are a transposed view).

// flashAttention is the setting of SetFlashAttention.
var flashAttention atomic.Bool

// FlashAttentionEnv, set to 0, starts a process with the fused attention of
// the CPU off (SetFlashAttention(false)).
const FlashAttentionEnv = "EMBER_CPU_FLASH_ATTENTION"

func init() { flashAttention.Store(os.Getenv(FlashAttentionEnv) != "0") }

// SetFlashAttention turns the fused attention kernels of
// ember.ScaledDotProductAttention on the CPU on or off; off, the attention
// is composed of batched matmuls and a softmax over stored [L, S] scores.
// It is on by default, unless $EMBER_CPU_FLASH_ATTENTION is 0.
func SetFlashAttention(on bool) { flashAttention.Store(on) }

// FlashAttention reports the setting of SetFlashAttention.
func FlashAttention() bool { return flashAttention.Load() }

// attnRows is the number of query rows computed together: a multiple of the
// GEMM's 6-row register tile and of nothing else in particular. Smaller
// blocks skip more of the causal triangle but make shorter products; 48
// measured best on char-GPT's 128 positions (see docs/cpu.md).
var attnRows = 48

// attnMaxScratch bounds the per-worker buffer (elements) of one block's
// scores: longer key sequences get fewer rows per block.
var attnMaxScratch = 1 << 22

// attnMat is one operand of the attention: matrix m of the batch starts at
// data[off[m]], its rows rs and its columns cs elements apart.
type attnMat struct {
	data   []float32
	off    []int
	rs, cs int
}

// at returns the slice that starts at row i of matrix m.
func (a *attnMat) at(m, i int) []float32 { return a.data[a.off[m]+i*a.rs:] }

// zero clears the first rows×cols elements of matrix m.
func (a *attnMat) zero(m, rows, cols int) {
	for i := range rows {
		row := a.at(m, i)
		if a.cs == 1 {
			clear(row[:cols])
			continue
		}
		for c := range cols {
			row[c*a.cs] = 0
		}
	}
}

// attnShape is the geometry of one attention call: mats matrices (the
// batch axes flattened), l queries and s keys of e features, values of ev.
type attnShape struct {
	mats, l, s, e, ev int
	rows              int // query rows per block
}

// blocks is the number of query blocks of a matrix.
func (g *attnShape) blocks() int { return (g.l + g.rows - 1) / g.rows }

// keys returns the query rows [i0, i1) of block b and the number of keys
// that any of them sees.
func (g *attnShape) keys(b int, causal bool) (i0, i1, kend int) {
	i0 = b * g.rows
	i1 = min(g.l, i0+g.rows)
	kend = g.s
	if causal {
		kend = min(g.s, i1)
	}
	return i0, i1, kend
}

// seen is the number of keys query row i sees.
func (g *attnShape) seen(i int, causal bool) int {
	if causal {
		return min(i+1, g.s)
	}
	return g.s
}

// attnOperands checks the views of an attention call and returns their
// geometry and matrices, in the order given, with ok false for what the
// kernels do not take: other dtypes than float32, shapes that disagree,
// an empty key sequence, negative strides, a strided log-sum-exp. The
// first three views are q, k and v; dims gives each view's last two sizes
// as letters: 'l' queries, 's' keys, 'e' features of q and k, 'v' features
// of v, and a second letter 0 for a vector [..., rows] (the log-sum-exp).
// Other strides are taken as they come (the GEMM reads and writes strided
// matrices).
func attnOperands(views []backend.View, dims [][2]byte) (attnShape, []attnMat, bool) {
	var g attnShape
	q, k, v := views[0], views[1], views[2]
	nd := len(q.Shape)
	if nd < 2 || len(k.Shape) != nd || len(v.Shape) != nd {
		return g, nil, false
	}
	g.l, g.e, g.s, g.ev = q.Shape[nd-2], q.Shape[nd-1], k.Shape[nd-2], v.Shape[nd-1]
	if k.Shape[nd-1] != g.e || v.Shape[nd-2] != g.s || g.s == 0 {
		return g, nil, false
	}
	lead := q.Shape[:nd-2]
	g.mats = 1
	for _, n := range lead {
		g.mats *= n
	}
	size := map[byte]int{'l': g.l, 's': g.s, 'e': g.e, 'v': g.ev}
	mats := make([]attnMat, len(views))
	for i, w := range views {
		want := dims[i]
		vnd := nd
		if want[1] == 0 { // a vector [..., rows] (the log-sum-exp)
			vnd = nd - 1
		}
		if len(w.Shape) != vnd || buf(w).dt != backend.Float32 {
			return g, nil, false
		}
		for d, n := range lead {
			if w.Shape[d] != n {
				return g, nil, false
			}
		}
		m := attnMat{data: buf(w).F32}
		if want[1] == 0 {
			if w.Shape[vnd-1] != size[want[0]] || (g.l > 1 && w.Strides[vnd-1] != 1) {
				return g, nil, false
			}
			m.rs, m.cs = 1, 1
		} else {
			if w.Shape[nd-2] != size[want[0]] || w.Shape[nd-1] != size[want[1]] {
				return g, nil, false
			}
			m.rs, m.cs = w.Strides[nd-2], w.Strides[nd-1]
			if m.rs < 0 || m.cs < 0 {
				return g, nil, false
			}
		}
		if g.mats > 0 {
			if m.off = matrixOffsetsN(w, g.mats, len(lead)); m.off == nil {
				return g, nil, false
			}
		}
		mats[i] = m
	}
	g.rows = attnRows
	if g.rows*g.s > attnMaxScratch {
		g.rows = max(6, attnMaxScratch/g.s/6*6)
		if g.rows*g.s > attnMaxScratch {
			return g, nil, false
		}
	}
	return g, mats, true
}

// matrixOffsetsN is matrixOffsets for a view whose first lead axes are the
// batch axes (its remaining one or two axes make the matrix or vector).
func matrixOffsetsN(v backend.View, mats, lead int) []int {
	w := v
	w.Shape, w.Strides = append(v.Shape[:lead:lead], 1, 1), append(v.Strides[:lead:lead], 0, 0)
	return matrixOffsets(w, mats)
}

// attnScratch holds one worker's block buffers.
type attnScratch struct{ p, dp, d []float32 }

var attnScratchPool = sync.Pool{New: func() any { return new(attnScratch) }}

// grow returns s with at least n elements.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// ScaledDotProductAttention computes out = softmax(scale·q·kᵀ, causal)·v for
// float32 q [..., L, E], k [..., S, E], v [..., S, Ev] and out [..., L, Ev]
// with equal batch axes, and each query row's log-sum-exp into lse
// [..., L], which ScaledDotProductAttentionBackward needs. The causal mask
// keeps keys j <= i (anchored at the top left, as PyTorch's is_causal). It
// reports false, doing nothing, for other dtypes, an empty key sequence,
// strided lse, or when SetFlashAttention is off.
func (cb *Backend) ScaledDotProductAttention(out, lse, q, k, v backend.View, causal bool, scale float64) bool {
	if !FlashAttention() {
		return false
	}
	g, ms, ok := attnOperands([]backend.View{q, k, v, out, lse}, [][2]byte{{'l', 'e'}, {'s', 'e'}, {'s', 'v'}, {'l', 'v'}, {'l', 0}})
	if !ok {
		return false
	}
	if g.mats == 0 || g.l == 0 {
		return true
	}
	qm, km, vm, om, lm := &ms[0], &ms[1], &ms[2], &ms[3], &ms[4]
	sc := float32(scale)
	nb := g.blocks()
	parallel.Do(g.mats*nb, func(t int) {
		m, b := t/nb, t%nb
		i0, i1, kend := g.keys(b, causal)
		r := i1 - i0
		ws := attnScratchPool.Get().(*attnScratch)
		defer attnScratchPool.Put(ws)
		ws.p = grow(ws.p, r*kend)
		p := ws.p
		gemm.SgemmSerial(r, kend, g.e, 1, qm.at(m, i0), qm.rs, qm.cs, km.at(m, 0), km.cs, km.rs, 0, p, kend, 1)
		lrow := lm.at(m, i0)
		for i := range r {
			lrow[i] = vec.ScaledSoftmax(p[i*kend:(i+1)*kend], g.seen(i0+i, causal), sc)
		}
		gemm.SgemmSerial(r, g.ev, kend, 1, p, kend, 1, vm.at(m, 0), vm.rs, vm.cs, 0, om.at(m, i0), om.rs, om.cs)
	})
	return true
}

// ScaledDotProductAttentionBackward computes the gradients dq, dk and dv of
// ScaledDotProductAttention for the output gradient dout, from its inputs,
// its output and the log-sum-exp it saved. With P the attention weights
// (recomputed a block at a time) and D = rowsum(dout ⊙ out):
// dv = Pᵀ·dout, dS = P ⊙ (dout·vᵀ − D), dq = scale·dS·k, dk = scale·dSᵀ·q.
// (D = rowsum(P ⊙ dout·vᵀ) is equal and could come from the block in cache,
// but with nearly one-hot weights dS is a small difference of near-equal
// terms, and P recomputed from the float32 log-sum-exp is off by its
// rounding (~4e-6 relative at scores of 40): that D missed PyTorch's
// gradients in the large-score golden case by 3e-3 relative; this one
// matches.)
// It reports false, doing nothing, for operands the forward kernel would
// not take.
func (cb *Backend) ScaledDotProductAttentionBackward(dq, dk, dv, q, k, v, out, lse, dout backend.View, causal bool, scale float64) bool {
	if !FlashAttention() {
		return false
	}
	views := []backend.View{q, k, v, out, lse, dout, dq, dk, dv}
	dims := [][2]byte{{'l', 'e'}, {'s', 'e'}, {'s', 'v'}, {'l', 'v'}, {'l', 0}, {'l', 'v'}, {'l', 'e'}, {'s', 'e'}, {'s', 'v'}}
	g, ms, ok := attnOperands(views, dims)
	if !ok {
		return false
	}
	if g.mats == 0 {
		return true
	}
	qm, km, vm, om, lm, gm := &ms[0], &ms[1], &ms[2], &ms[3], &ms[4], &ms[5]
	dqm, dkm, dvm := &ms[6], &ms[7], &ms[8]
	sc := float32(scale)
	parallel.Do(g.mats, func(m int) {
		ws := attnScratchPool.Get().(*attnScratch)
		defer attnScratchPool.Put(ws)
		// The key and value gradients accumulate over the query blocks.
		dkm.zero(m, g.s, g.e)
		dvm.zero(m, g.s, g.ev)
		if g.l == 0 {
			return
		}
		ws.d = grow(ws.d, g.l)
		for i := range g.l {
			ws.d[i] = float32(dotStrided(gm.at(m, i), gm.cs, om.at(m, i), om.cs, g.ev))
		}
		lrow := lm.at(m, 0)
		for b := range g.blocks() {
			i0, i1, kend := g.keys(b, causal)
			r := i1 - i0
			ws.p, ws.dp = grow(ws.p, r*kend), grow(ws.dp, r*kend)
			p, dp := ws.p, ws.dp
			gemm.SgemmSerial(r, kend, g.e, 1, qm.at(m, i0), qm.rs, qm.cs, km.at(m, 0), km.cs, km.rs, 0, p, kend, 1)
			for i := range r {
				vec.ScaledExp(p[i*kend:(i+1)*kend], g.seen(i0+i, causal), sc, lrow[i0+i])
			}
			// dv[:kend] += Pᵀ·dout
			gemm.SgemmSerial(kend, g.ev, r, 1, p, 1, kend, gm.at(m, i0), gm.rs, gm.cs, 1, dvm.at(m, 0), dvm.rs, dvm.cs)
			// dS = P ⊙ (dout·vᵀ − D)
			gemm.SgemmSerial(r, kend, g.ev, 1, gm.at(m, i0), gm.rs, gm.cs, vm.at(m, 0), vm.cs, vm.rs, 0, dp, kend, 1)
			for i := range r {
				// Past a row's last key P is 0, so dS is too.
				w := padded(g.seen(i0+i, causal), kend)
				row := dp[i*kend : (i+1)*kend]
				vec.SubMul(row[:w], row[:w], ws.d[i0+i], p[i*kend:i*kend+w])
				clear(row[w:])
			}
			gemm.SgemmSerial(r, g.e, kend, sc, dp, kend, 1, km.at(m, 0), km.rs, km.cs, 0, dqm.at(m, i0), dqm.rs, dqm.cs)
			gemm.SgemmSerial(kend, g.e, r, sc, dp, 1, kend, qm.at(m, i0), qm.rs, qm.cs, 1, dkm.at(m, 0), dkm.rs, dkm.cs)
		}
	})
	return true
}

// The rows of a causal block see different numbers of keys. The row
// kernels (vec.ScaledSoftmax, vec.ScaledExp) compute a row of n keys up to
// n rounded up to 8, masking the lanes past n in registers, and clear the
// rest, so every row is whole 8-lane vectors.

// padded is n rounded up to a multiple of 8, at most w.
func padded(n, w int) int { return min((n+7)&^7, w) }

// dotStrided is the dot product of n elements of x and y, cx and cy apart.
func dotStrided(x []float32, cx int, y []float32, cy int, n int) float64 {
	if cx == 1 && cy == 1 {
		return vec.Dot(x[:n], y[:n])
	}
	s := 0.0
	for i := range n {
		s += float64(x[i*cx]) * float64(y[i*cy])
	}
	return s
}
