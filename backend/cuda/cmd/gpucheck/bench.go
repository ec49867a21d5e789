package main

import (
	"fmt"
	"io"
	"time"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda"
)

// timeIt runs f warm times, waits for the device, then runs it iters
// times and returns the mean wall time per run (including waiting for the
// device at the end).
func timeIt(b *cuda.Backend, warm, iters int, f func()) time.Duration {
	for range warm {
		f()
	}
	b.Synchronize()
	t0 := time.Now()
	for range iters {
		f()
	}
	b.Synchronize()
	return time.Since(t0) / time.Duration(iters)
}

// runBenchmarks times square GEMMs in each precision, an elementwise add
// and host transfers. Errors (a panic with *cuda.OpError) are returned.
func runBenchmarks(w io.Writer, b *cuda.Backend, o options) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	defer cuda.SetAllowTF32(cuda.AllowTF32())
	fmt.Fprintf(w, "%-30s %8s %12s %12s\n", "benchmark", "size", "time", "rate")
	for _, n := range o.gemm {
		for _, c := range []struct {
			name string
			dt   backend.DType
			tf32 bool
		}{
			{"gemm float32", backend.Float32, false},
			{"gemm float32 (TF32)", backend.Float32, true},
			{"gemm bfloat16", backend.BFloat16, false},
			{"gemm float16", backend.Float16, false},
		} {
			cuda.SetAllowTF32(c.tf32)
			x, y, d := b.Alloc(c.dt, n*n), b.Alloc(c.dt, n*n), b.Alloc(c.dt, n*n)
			for _, buf := range []backend.Buffer{x, y} {
				tmp := b.Alloc(backend.Float32, n*n)
				b.Random(backend.Dense(tmp, n*n), backend.Uniform, 1, 0, 0, 1)
				b.Copy(backend.Dense(buf, n*n), backend.Dense(tmp, n*n))
				cuda.Free(tmp)
			}
			xv, yv, dv := backend.Dense(x, 1, n, n), backend.Dense(y, 1, n, n), backend.Dense(d, 1, n, n)
			t := timeIt(b, 3, o.iters, func() { b.Matmul(dv, xv, yv, 0) })
			flops := 2 * float64(n) * float64(n) * float64(n)
			fmt.Fprintf(w, "%-30s %8d %12v %9.1f TFLOP/s\n", c.name, n, t.Round(time.Microsecond), flops/t.Seconds()/1e12)
			for _, buf := range []backend.Buffer{x, y, d} {
				cuda.Free(buf)
			}
		}
	}
	n := 64 << 20
	if o.quick {
		n = 1 << 12
	}
	x, y, d := b.Alloc(backend.Float32, n), b.Alloc(backend.Float32, n), b.Alloc(backend.Float32, n)
	b.Fill(backend.Dense(x, n), 1)
	b.Fill(backend.Dense(y, n), 2)
	t := timeIt(b, 3, o.iters, func() { b.Binary(backend.Add, backend.Dense(d, n), backend.Dense(x, n), backend.Dense(y, n)) })
	fmt.Fprintf(w, "%-30s %8d %12v %9.1f GB/s\n", "add float32", n, t.Round(time.Microsecond), 12*float64(n)/t.Seconds()/1e9)
	host := make([]float32, n)
	t = timeIt(b, 1, max(o.iters/4, 1), func() { cuda.Free(b.FromHost(backend.Float32, host)) })
	fmt.Fprintf(w, "%-30s %8d %12v %9.1f GB/s\n", "host to device (pageable)", 4*n, t.Round(time.Microsecond), 4*float64(n)/t.Seconds()/1e9)
	t = timeIt(b, 1, max(o.iters/4, 1), func() { b.ToHost(backend.Dense(d, n), host) })
	fmt.Fprintf(w, "%-30s %8d %12v %9.1f GB/s\n", "device to host (pageable)", 4*n, t.Round(time.Microsecond), 4*float64(n)/t.Seconds()/1e9)
	if host[0] != 3 || host[n-1] != 3 {
		return fmt.Errorf("add gave %v, want 3", host[0])
	}
	for _, buf := range []backend.Buffer{x, y, d} {
		cuda.Free(buf)
	}
	return nil
}
