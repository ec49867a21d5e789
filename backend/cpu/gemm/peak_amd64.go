//go:build !purego

package gemm

// fmaChainsAVX2 runs iters rounds of 12 independent 8-lane FMA chains.
//
//go:noescape
func fmaChainsAVX2(iters int)

// peakKernel returns the FMA loop of the widest instructions the kernels
// use, its name and its flops per round.
func peakKernel() (fn func(int), isa string, flops int) {
	if hasAVX2FMA {
		return fmaChainsAVX2, "avx2", 12 * 8 * 2
	}
	return nil, "", 0
}
