//go:build !amd64 || purego

package gemm

// bestKernels returns the pure-Go kernels: this build has no assembly.
func bestKernels() (*kernel[float32], *kernel[float64]) {
	return &goKernelS, &goKernelD
}
