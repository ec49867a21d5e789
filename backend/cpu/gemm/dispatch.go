package gemm

import (
	"log/slog"
	"os"
)

// KernelEnv names the environment variable that picks the GEMM
// micro-kernels: "avx512" (the 14-row AVX-512 kernels, the default where
// the CPU has AVX512F), "avx2" (the 6-row AVX2+FMA kernels, the default
// where it has those but not AVX-512) or "go" (the portable kernels, for
// comparison). A kernel the CPU lacks falls back to the default.
const KernelEnv = "EMBER_CPU_GEMM_KERNEL"

// The kernels every call uses, chosen once at start-up. Tests swap them to
// run the pure-Go twins on machines that have the assembly ones.
var (
	kernelS, kernelD = bestKernels()
)

// KernelName names the micro-kernels in use, such as "avx2" or "go".
func KernelName() string { return kernelS.name }

// HasAVX512 reports whether this build and CPU can run the AVX-512 kernel
// (the default where it can; see KernelEnv).
func HasAVX512() bool {
	s, _ := nativeAVX512Kernels()
	return s != nil
}

// kernelChoice returns $EMBER_CPU_GEMM_KERNEL ("" when unset), logging a
// warning for an unknown value, which then counts as unset.
func kernelChoice() string {
	v := os.Getenv(KernelEnv)
	switch v {
	case "", "avx2", "avx512", "go":
		return v
	}
	slog.Warn("gemm: unknown kernel, using the default", "env", KernelEnv, "value", v, "known", "avx2, avx512, go")
	return ""
}
