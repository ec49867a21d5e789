package gemm

// The kernels every call uses, chosen once at start-up. Tests swap them to
// run the pure-Go twins on machines that have the assembly ones.
var (
	kernelS, kernelD = bestKernels()
)

// KernelName names the micro-kernels in use, such as "avx2" or "go".
func KernelName() string { return kernelS.name }
