//go:build !amd64 || purego

package cpu

// bestConvKernels returns the pure-Go kernels: this build has no assembly.
func bestConvKernels() convKernels { return goConvKernels }
