package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
)

// attnRef is the attention of one matrix in float64: out, the log-sum-exp
// of each row, and the gradients for the output gradient g.
func attnRef(q, k, v, g [][]float64, causal bool, scale float64) (out [][]float64, lse []float64, dq, dk, dv [][]float64) {
	l, s, e, ev := len(q), len(k), len(q[0]), len(v[0])
	mk := func(r, c int) [][]float64 {
		m := make([][]float64, r)
		for i := range m {
			m[i] = make([]float64, c)
		}
		return m
	}
	p := mk(l, s)
	out, lse, dq, dk, dv = mk(l, ev), make([]float64, l), mk(l, e), mk(s, e), mk(s, ev)
	for i := range l {
		n := s
		if causal {
			n = min(i+1, s)
		}
		mx := math.Inf(-1)
		for j := range n {
			for d := range e {
				p[i][j] += q[i][d] * k[j][d]
			}
			p[i][j] *= scale
			mx = math.Max(mx, p[i][j])
		}
		sum := 0.0
		for j := range n {
			p[i][j] = math.Exp(p[i][j] - mx)
			sum += p[i][j]
		}
		lse[i] = mx + math.Log(sum)
		for j := range n {
			p[i][j] /= sum
			for c := range ev {
				out[i][c] += p[i][j] * v[j][c]
			}
		}
		for j := n; j < s; j++ {
			p[i][j] = 0
		}
	}
	for i := range l {
		dot := 0.0
		for c := range ev {
			dot += g[i][c] * out[i][c]
		}
		for j := range s {
			dp := 0.0
			for c := range ev {
				dp += g[i][c] * v[j][c]
				dv[j][c] += p[i][j] * g[i][c]
			}
			ds := p[i][j] * (dp - dot) * scale
			for d := range e {
				dq[i][d] += ds * k[j][d]
				dk[j][d] += ds * q[i][d]
			}
		}
	}
	return
}

// attnOperand is a float32 operand of shape [b, rows, cols] laid out as
// [rows, b, cols] (transposed batch: GPT's heads) when transposed is set.
type attnOperand struct {
	data          []float32
	b, rows, cols int
	transposed    bool
}

func newAttnOperand(r *rand.Rand, b, rows, cols int, transposed bool) *attnOperand {
	o := &attnOperand{data: make([]float32, b*rows*cols), b: b, rows: rows, cols: cols, transposed: transposed}
	for i := range o.data {
		o.data[i] = float32(2*r.Float64() - 1)
	}
	return o
}

func (o *attnOperand) view() backend.View {
	st := []int{o.rows * o.cols, o.cols, 1}
	if o.transposed {
		st = []int{o.cols, o.b * o.cols, 1}
	}
	return backend.View{Buf: NewBuffer(backend.Float32, o.data), Shape: []int{o.b, o.rows, o.cols}, Strides: st}
}

func (o *attnOperand) matrix(m int) [][]float64 {
	st := o.view().Strides
	out := make([][]float64, o.rows)
	for i := range out {
		out[i] = make([]float64, o.cols)
		for c := range o.cols {
			out[i][c] = float64(o.data[m*st[0]+i*st[1]+c])
		}
	}
	return out
}

// nanView is a dense [b, rows, cols] view filled with NaN: every element
// the kernels own must be written.
func nanView(b, rows, cols int) backend.View {
	d := make([]float32, b*rows*cols)
	for i := range d {
		d[i] = float32(math.NaN())
	}
	return backend.View{Buf: NewBuffer(backend.Float32, d), Shape: []int{b, rows, cols}, Strides: []int{rows * cols, cols, 1}}
}

func compareMat(t *testing.T, what string, got backend.View, m int, want [][]float64, tol float64) {
	t.Helper()
	for i, row := range want {
		for c, w := range row {
			g := float64(buf(got).F32[got.Offset+m*got.Strides[0]+i*got.Strides[1]+c*got.Strides[2]])
			if math.IsNaN(g) || math.Abs(g-w) > tol*(1+math.Abs(w)) {
				t.Fatalf("%s: matrix %d [%d, %d] = %v, want %v", what, m, i, c, g, w)
			}
		}
	}
}

// TestFusedAttention checks the CPU's fused attention, forward and
// backward, against a float64 reference at odd sizes, query blocks of
// several sizes (one row tile; the default; fewer rows for long keys),
// with and without the causal mask, and with transposed-head operands.
func TestFusedAttention(t *testing.T) {
	c := New()
	type tc struct {
		b, l, s, e, ev int
		causal, heads  bool
		rows, scratch  int
	}
	var cases []tc
	for _, sz := range [][4]int{{1, 1, 1, 1}, {7, 7, 5, 3}, {33, 33, 16, 16}, {49, 97, 8, 5}, {130, 130, 32, 32}, {97, 33, 4, 9}, {257, 257, 7, 6}} {
		for _, causal := range []bool{false, true} {
			for _, rows := range []int{6, 48} {
				cases = append(cases, tc{b: 3, l: sz[0], s: sz[1], e: sz[2], ev: sz[3], causal: causal, heads: sz[0] == sz[1], rows: rows})
			}
		}
	}
	cases = append(cases, tc{b: 2, l: 40, s: 300, e: 8, ev: 8, causal: true, rows: 48, scratch: 6 * 300}, tc{b: 2, l: 40, s: 90, e: 8, ev: 8, rows: 48, scratch: 1000})
	for i, cs := range cases {
		name := fmt.Sprintf("b%d_l%d_s%d_e%d_ev%d_causal%v_heads%v_rows%d_scratch%d", cs.b, cs.l, cs.s, cs.e, cs.ev, cs.causal, cs.heads, cs.rows, cs.scratch)
		t.Run(name, func(t *testing.T) {
			prevRows, prevScratch := attnRows, attnMaxScratch
			t.Cleanup(func() { attnRows, attnMaxScratch = prevRows, prevScratch })
			attnRows = cs.rows
			if cs.scratch > 0 {
				attnMaxScratch = cs.scratch
			}
			r := rand.New(rand.NewPCG(uint64(i), 7))
			q := newAttnOperand(r, cs.b, cs.l, cs.e, cs.heads)
			k := newAttnOperand(r, cs.b, cs.s, cs.e, cs.heads)
			v := newAttnOperand(r, cs.b, cs.s, cs.ev, cs.heads)
			g := newAttnOperand(r, cs.b, cs.l, cs.ev, cs.heads)
			scale := 1 / math.Sqrt(float64(cs.e))
			out, dq, dk, dv := nanView(cs.b, cs.l, cs.ev), nanView(cs.b, cs.l, cs.e), nanView(cs.b, cs.s, cs.e), nanView(cs.b, cs.s, cs.ev)
			lse := nanView(1, cs.b, cs.l)
			lse.Shape, lse.Strides = []int{cs.b, cs.l}, []int{cs.l, 1}
			if !c.ScaledDotProductAttention(out, lse, q.view(), k.view(), v.view(), cs.causal, scale) {
				t.Fatal("the forward kernel declined")
			}
			if !c.ScaledDotProductAttentionBackward(dq, dk, dv, q.view(), k.view(), v.view(), out, lse, g.view(), cs.causal, scale) {
				t.Fatal("the backward kernel declined")
			}
			for m := range cs.b {
				wo, wl, wdq, wdk, wdv := attnRef(q.matrix(m), k.matrix(m), v.matrix(m), g.matrix(m), cs.causal, scale)
				compareMat(t, "out", out, m, wo, 1e-5)
				for i, w := range wl {
					if got := float64(buf(lse).F32[m*cs.l+i]); math.Abs(got-w) > 1e-5*(1+math.Abs(w)) {
						t.Fatalf("lse: matrix %d row %d = %v, want %v", m, i, got, w)
					}
				}
				compareMat(t, "dq", dq, m, wdq, 1e-4)
				compareMat(t, "dk", dk, m, wdk, 1e-4)
				compareMat(t, "dv", dv, m, wdv, 1e-4)
			}
		})
	}
}

// TestFusedAttentionDeclines: what the kernels do not take is left to the
// composed ops, untouched.
func TestFusedAttentionDeclines(t *testing.T) {
	c := New()
	r := rand.New(rand.NewPCG(1, 2))
	q := newAttnOperand(r, 2, 4, 8, false)
	out, lse := nanView(2, 4, 8), nanView(1, 2, 4)
	lse.Shape, lse.Strides = []int{2, 4}, []int{4, 1}
	f64 := backend.View{Buf: NewBuffer(backend.Float64, make([]float64, 64)), Shape: []int{2, 4, 8}, Strides: []int{32, 8, 1}}
	empty := backend.View{Buf: NewBuffer(backend.Float32, []float32{}), Shape: []int{2, 0, 8}, Strides: []int{0, 8, 1}}
	strideLSE := lse
	strideLSE.Shape, strideLSE.Strides = []int{2, 4}, []int{1, 2}
	for name, args := range map[string][5]backend.View{
		"float64 q":   {out, lse, f64, q.view(), q.view()},
		"no keys":     {out, lse, q.view(), empty, empty},
		"strided lse": {out, strideLSE, q.view(), q.view(), q.view()},
	} {
		if c.ScaledDotProductAttention(args[0], args[1], args[2], args[3], args[4], true, 1) {
			t.Errorf("%s: taken", name)
		}
	}
	if !math.IsNaN(float64(buf(out).F32[0])) {
		t.Error("a declined call wrote its output")
	}
	SetFlashAttention(false)
	defer SetFlashAttention(true)
	if c.ScaledDotProductAttention(out, lse, q.view(), q.view(), q.view(), true, 1) {
		t.Error("ran with SetFlashAttention(false)")
	}
}

// BenchmarkFusedAttention runs char-GPT's attention (16×4 heads, 128
// positions of 32 features, causal), forward and backward.
func BenchmarkFusedAttention(b *testing.B) {
	c := New()
	const bh, tt, e = 64, 128, 32
	r := rand.New(rand.NewPCG(1, 2))
	q, k, v, g := newAttnOperand(r, bh, tt, e, true), newAttnOperand(r, bh, tt, e, true), newAttnOperand(r, bh, tt, e, true), newAttnOperand(r, bh, tt, e, true)
	out, dq, dk, dv := nanView(bh, tt, e), nanView(bh, tt, e), nanView(bh, tt, e), nanView(bh, tt, e)
	lse := nanView(1, bh, tt)
	lse.Shape, lse.Strides = []int{bh, tt}, []int{tt, 1}
	scale := 1 / math.Sqrt(e)
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			c.ScaledDotProductAttention(out, lse, q.view(), k.view(), v.view(), true, scale)
		}
	})
	b.Run("backward", func(b *testing.B) {
		for b.Loop() {
			c.ScaledDotProductAttentionBackward(dq, dk, dv, q.view(), k.view(), v.view(), out, lse, g.view(), true, scale)
		}
	})
}
