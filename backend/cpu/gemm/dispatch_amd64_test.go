//go:build amd64 && !purego

package gemm

import "testing"

// TestBestKernelsChoice checks the run-time choice of kernels, with the
// CPU's AVX-512 and AVX2 support both simulated: AVX-512 by default where
// the CPU has it, else AVX2, and $EMBER_CPU_GEMM_KERNEL's choice where the
// CPU runs it.
func TestBestKernelsChoice(t *testing.T) {
	defer func(a5, a2 bool) { hasAVX512, hasAVX2FMA = a5, a2 }(hasAVX512, hasAVX2FMA)
	cases := []struct {
		avx512, avx2 bool
		env, want    string
	}{
		{true, true, "", "avx512"},
		{true, true, "avx512", "avx512"},
		{true, true, "avx2", "avx2"},
		{true, true, "go", "go"},
		{true, true, "sse", "avx512"}, // unknown: the default
		{false, true, "", "avx2"},
		{false, true, "avx512", "avx2"}, // not on this CPU: the default
		{false, false, "", "go"},
		{false, false, "avx2", "go"},
	}
	for _, c := range cases {
		hasAVX512, hasAVX2FMA = c.avx512, c.avx2
		t.Setenv(KernelEnv, c.env)
		s, d := bestKernels()
		if s.name != c.want || d.name != c.want {
			t.Errorf("AVX-512 %v, AVX2 %v, %s=%q: kernels %s/%s, want %s", c.avx512, c.avx2, KernelEnv, c.env, s.name, d.name, c.want)
		}
	}
}
