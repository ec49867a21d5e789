//go:build !purego

package gemm

import "golang.org/x/sys/cpu"

// sgemmKernelAVX2 is the 6×16 float32 AVX2+FMA micro-kernel (see kernel.go
// for the contract).
//
//go:noescape
func sgemmKernelAVX2(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, rsc int, alpha, beta float32)

// dgemmKernelAVX2 is the 6×8 float64 AVX2+FMA micro-kernel.
//
//go:noescape
func dgemmKernelAVX2(k int, a *float64, rsa, csa int, b *float64, rsb int, c *float64, rsc int, alpha, beta float64)

// packLines16AVX2 interleaves sixteen float32 lines ls elements apart into
// rows of 16, 8·blocks k steps (see packLines16).
//
//go:noescape
func packLines16AVX2(dst, src *float32, ls, blocks int)

// packLines16Fast runs the AVX2 transpose on the whole 8-step blocks of a
// float32 panel and reports how many k steps it packed.
func packLines16Fast(dst, src []float32, ls, kc int) int {
	blocks := kc / 8
	if !hasAVX2FMA || blocks == 0 || !useAsmPack {
		return 0
	}
	// Bounds: the last element read is src[15*ls+8*blocks-1], the last
	// written dst[16*8*blocks-1].
	_ = src[15*ls+8*blocks-1]
	_ = dst[16*8*blocks-1]
	packLines16AVX2(&dst[0], &src[0], ls, blocks)
	return 8 * blocks
}

var avx2KernelS = kernel[float32]{
	name: "avx2", mr: mrS, nr: nrS, kc: 256, mc: 144, nc: 4080,
	fn: sgemmKernelAVX2,
}

var avx2KernelD = kernel[float64]{
	name: "avx2", mr: mrD, nr: nrD, kc: 256, mc: 72, nc: 2040,
	fn: dgemmKernelAVX2,
}

// hasAVX2FMA reports whether the CPU and OS support the AVX2 kernels.
var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// bestKernels returns the fastest kernels this CPU runs.
func bestKernels() (*kernel[float32], *kernel[float64]) {
	if hasAVX2FMA {
		return &avx2KernelS, &avx2KernelD
	}
	return &goKernelS, &goKernelD
}
