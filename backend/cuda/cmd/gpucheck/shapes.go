package main

import (
	"fmt"
	"io"
	"time"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda"
)

// gpt2Shapes times the GEMMs and the memory-bound ops of a GPT-2-small
// training step (batch 8, context 1024, width 768, 12 heads, bfloat16
// autocast: casts, copies, bias adds, GELU, layer norms, a bias gradient's
// sum, the cross-entropy) one at a time, so a slow kernel in the step's device profile
// can be checked alone: GEMMs in TFLOP/s, the rest in GB/s of the bytes
// each op must read and write.
// With quick it uses tiny sizes (for the emulator).
func gpt2Shapes(w io.Writer, b *cuda.Backend, iters int, quick bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	rows, c, heads, seq := 8192, 768, 12, 1024
	if quick {
		rows, c, heads, seq = 64, 32, 4, 16
	}
	var bufs []backend.Buffer
	alloc := func(d backend.DType, n int) backend.Buffer {
		buf := b.Alloc(d, n)
		tmp := b.Alloc(backend.Float32, n)
		b.Random(backend.Dense(tmp, n), backend.Uniform, 1, 0, -1, 1)
		b.Copy(backend.Dense(buf, n), backend.Dense(tmp, n))
		cuda.Free(tmp)
		bufs = append(bufs, buf)
		return buf
	}
	defer func() {
		for _, buf := range bufs {
			cuda.Free(buf)
		}
	}()
	bf, f32 := backend.BFloat16, backend.Float32
	report := func(name string, t time.Duration, amount float64, unit string) {
		fmt.Fprintf(w, "%-44s %12v %9.1f %s\n", name, t.Round(100*time.Nanosecond), amount/t.Seconds()/1e12, unit)
	}
	x := alloc(bf, rows*4*c)
	for _, n := range []int{3 * c, 4 * c, c} {
		wt, out := alloc(bf, n*c), alloc(bf, rows*n)
		xv := backend.Dense(x, 1, rows, c)
		// x·Wᵀ with W [n, c] as nn.Linear stores it.
		wv := backend.View{Buf: wt, Shape: []int{1, c, n}, Strides: []int{n * c, 1, c}}
		t := timeIt(b, 3, iters, func() { b.Matmul(backend.Dense(out, 1, rows, n), xv, wv, 0) })
		report(fmt.Sprintf("gemm bf16 x·Wᵀ M×N×K %d×%d×%d", rows, n, c), t, 2*float64(rows)*float64(n)*float64(c), "TFLOP/s")
	}
	n := rows * 4 * c
	xf, yb, yf := alloc(f32, n), alloc(bf, n), alloc(f32, n)
	gb := func(bytes int) float64 { return float64(bytes) }
	t := timeIt(b, 3, iters, func() { b.Copy(backend.Dense(yf, n), backend.Dense(x, n)) })
	report(fmt.Sprintf("cast bf16→f32 [%d,%d]", rows, 4*c), t, gb(6*n), "TB/s")
	t = timeIt(b, 3, iters, func() { b.Copy(backend.Dense(yb, n), backend.Dense(xf, n)) })
	report(fmt.Sprintf("cast f32→bf16 [%d,%d]", rows, 4*c), t, gb(6*n), "TB/s")
	t = timeIt(b, 3, iters, func() { b.Copy(backend.Dense(yb, n), backend.Dense(x, n)) })
	report(fmt.Sprintf("copy bf16 [%d,%d]", rows, 4*c), t, gb(4*n), "TB/s")
	// Heads: [8, 1024, 12, 64] read as [8, 12, 1024, 64].
	hd := c / heads
	nq := rows * c
	src := backend.View{Buf: x, Shape: []int{rows / seq, heads, seq, hd}, Strides: []int{seq * c, hd, c, 1}}
	t = timeIt(b, 3, iters, func() { b.Copy(backend.Dense(yb, rows/seq, heads, seq, hd), src) })
	report(fmt.Sprintf("copy bf16 heads [%d,%d,%d,%d]→[B,H,T,D]", rows/seq, seq, heads, hd), t, gb(4*nq), "TB/s")
	bias := alloc(bf, 4*c)
	bv := backend.View{Buf: bias, Shape: []int{rows, 4 * c}, Strides: []int{0, 1}}
	t = timeIt(b, 3, iters, func() { b.Binary(backend.Add, backend.Dense(yb, rows, 4*c), backend.Dense(x, rows, 4*c), bv) })
	report(fmt.Sprintf("add bf16 bias [%d,%d]+[%d]", rows, 4*c, 4*c), t, gb(4*n), "TB/s")
	t = timeIt(b, 3, iters, func() { b.Binary(backend.Add, backend.Dense(yf, n), backend.Dense(xf, n), backend.Dense(yf, n)) })
	report(fmt.Sprintf("add f32 [%d]", n), t, gb(12*n), "TB/s")
	t = timeIt(b, 3, iters, func() { b.Unary(backend.Gelu, backend.Dense(yb, n), backend.Dense(x, n), 0, 0) })
	report(fmt.Sprintf("gelu bf16 [%d]", n), t, gb(4*n), "TB/s")
	t = timeIt(b, 3, iters, func() { b.Unary(backend.Gelu, backend.Dense(yf, n), backend.Dense(xf, n), 0, 0) })
	report(fmt.Sprintf("gelu f32 [%d]", n), t, gb(8*n), "TB/s")
	t = timeIt(b, 3, iters, func() { b.Fill(backend.Dense(yf, n), 0.5) })
	report(fmt.Sprintf("fill f32 [%d]", n), t, gb(4*n), "TB/s")

	// Layer norm over [rows, c] float32 (the step's norms), forward and
	// backward with the parameter gradients.
	nc := rows * c
	lx, ly, ldy, ldx := alloc(f32, nc), alloc(f32, nc), alloc(f32, nc), alloc(f32, nc)
	lw, lb, ldw, ldb := alloc(f32, c), alloc(f32, c), alloc(f32, c), alloc(f32, c)
	mean, rstd := alloc(f32, rows), alloc(f32, rows)
	vr, vc := backend.Dense(mean, rows), backend.Dense(rstd, rows)
	t = timeIt(b, 3, iters, func() {
		b.LayerNorm(backend.Dense(ly, rows, c), vr, vc, backend.Dense(lx, rows, c), backend.Dense(lw, c), backend.Dense(lb, c), 1e-5)
	})
	report(fmt.Sprintf("layer norm f32 [%d,%d]", rows, c), t, gb(8*nc), "TB/s")
	t = timeIt(b, 3, iters, func() {
		b.LayerNormBackward(backend.Dense(ldx, rows, c), backend.Dense(ldw, c), backend.Dense(ldb, c), backend.Dense(ldy, rows, c),
			backend.Dense(lx, rows, c), vr, vc, backend.Dense(lw, c))
	})
	report(fmt.Sprintf("layer norm backward f32 [%d,%d]", rows, c), t, gb(12*nc), "TB/s")
	// A bias gradient: the bf16 [rows, 4c] output gradient summed over rows
	// into float32.
	bg := alloc(f32, 4*c)
	t = timeIt(b, 3, iters, func() { b.Reduce(backend.Sum, backend.Dense(bg, 1, 4*c), backend.Dense(x, rows, 4*c), []int{0}) })
	report(fmt.Sprintf("sum over rows bf16 [%d,%d]", rows, 4*c), t, gb(2*n), "TB/s")
	// Cross-entropy over the vocabulary (50257 classes; a quarter of the
	// step's rows keeps the logits near 200 MB).
	vocab, crow := 50257, rows/4
	if quick {
		vocab = 301
	}
	logits, dlogits := alloc(bf, crow*vocab), alloc(bf, crow*vocab)
	loss, lse, dloss := alloc(f32, crow), alloc(f32, crow), alloc(f32, crow)
	b.Fill(backend.Dense(dloss, crow), 1)
	tg := b.Alloc(backend.Int64, crow)
	bufs = append(bufs, tg)
	b.Fill(backend.Dense(tg, crow), 7)
	lv, tv := backend.Dense(logits, crow, vocab), backend.Dense(tg, crow)
	t = timeIt(b, 3, iters, func() {
		if !b.CrossEntropy(backend.Dense(loss, crow), backend.Dense(lse, crow), lv, tv, -100, 0) {
			panic("CrossEntropy declined")
		}
	})
	report(fmt.Sprintf("cross-entropy bf16 [%d,%d]", crow, vocab), t, gb(2*crow*vocab), "TB/s")
	t = timeIt(b, 3, iters, func() {
		if !b.CrossEntropyBackward(backend.Dense(dlogits, crow, vocab), lv, tv, backend.Dense(lse, crow), backend.Dense(dloss, crow), -100, 0) {
			panic("CrossEntropyBackward declined")
		}
	})
	report(fmt.Sprintf("cross-entropy backward bf16 [%d,%d]", crow, vocab), t, gb(4*crow*vocab), "TB/s")
	return nil
}
