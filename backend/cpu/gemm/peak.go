package gemm

import (
	"runtime"
	"sync"
	"time"
)

// PeakFMA measures the float32 fused-multiply-add throughput of this CPU,
// the ceiling no GEMM can pass: `threads` goroutines, each on its own OS
// thread, run 12 independent FMA chains of the widest vectors the
// micro-kernels use for `iters` rounds at once (like the reference
// bench/peak.c). It returns the instruction set ("avx2") and GFLOP/s, or
// ok == false when this build has no assembly kernels (purego, or not
// amd64) or the CPU lacks FMA.
func PeakFMA(threads, iters int) (isa string, gflops float64, ok bool) {
	fn, isa, flops := peakKernel()
	if fn == nil || threads < 1 || iters < 1 {
		return "", 0, false
	}
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(threads)
	done.Add(threads)
	for range threads {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			defer done.Done()
			ready.Done()
			<-start
			fn(iters)
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	secs := time.Since(t0).Seconds()
	return isa, float64(threads) * float64(iters) * float64(flops) / secs / 1e9, true
}
