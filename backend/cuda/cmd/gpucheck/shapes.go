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
// autocast) one at a time, so a slow kernel in the step's device profile
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
	return nil
}
