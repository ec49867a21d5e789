//go:build !amd64 || purego

package gemm

// peakKernel: this build has no assembly FMA loop.
func peakKernel() (fn func(int), isa string, flops int) { return nil, "", 0 }
