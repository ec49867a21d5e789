package gemm

import (
	"runtime"
	"testing"
)

func TestPeakFMA(t *testing.T) {
	isa, g, ok := PeakFMA(1, 1<<20)
	if !ok {
		if KernelName() != "go" {
			t.Fatalf("no FMA loop, but the %s kernels are in use", KernelName())
		}
		t.Logf("no assembly FMA loop in this build: %s kernels", KernelName())
		return
	}
	if isa != KernelName() {
		t.Errorf("peak isa %q, kernels %q", isa, KernelName())
	}
	// Any core that runs AVX2 does more than 4 GFLOP/s and less than 1000.
	if g < 4 || g > 1000 {
		t.Errorf("PeakFMA(1) = %.1f GFLOP/s, outside any plausible range", g)
	}
	if _, _, ok := PeakFMA(0, 10); ok {
		t.Error("PeakFMA(0 threads) reported a rate")
	}
}

// BenchmarkFMAPeak reports the FMA ceiling beside BenchmarkSgemm: the
// micro-kernel and the GEMM are judged as a fraction of it.
func BenchmarkFMAPeak(b *testing.B) {
	for _, th := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(map[bool]string{true: "1thread", false: "all"}[th == 1], func(b *testing.B) {
			best := 0.0
			for b.Loop() {
				if _, g, ok := PeakFMA(th, 1<<22); ok {
					best = max(best, g)
				} else {
					b.Skip("no assembly FMA loop in this build")
				}
			}
			b.ReportMetric(best, "GFLOP/s")
		})
	}
}
