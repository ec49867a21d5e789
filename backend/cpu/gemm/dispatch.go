package gemm

import (
	"log/slog"
	"os"
)

// KernelEnv names the environment variable that picks the GEMM
// micro-kernels: "avx2" (the default where the CPU has AVX2 and FMA),
// "avx512" (the 14-row AVX-512 kernels, where the CPU has AVX512F; opt-in
// until it has been measured on such a CPU) or "go" (the portable
// kernels, for comparison). A kernel the CPU lacks falls back to the
// default.
const KernelEnv = "EMBER_CPU_GEMM_KERNEL"

// The kernels every call uses, chosen once at start-up. Tests swap them to
// run the pure-Go twins on machines that have the assembly ones.
var (
	kernelS, kernelD = bestKernels()
)

// KernelName names the micro-kernels in use, such as "avx2" or "go".
func KernelName() string { return kernelS.name }

// HasAVX512 reports whether this build and CPU can run the AVX-512 kernel
// (chosen with KernelEnv).
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
