//go:build !purego

package gemm

import "golang.org/x/sys/cpu"

// sgemmKernelAVX2 is the 6×16 float32 AVX2+FMA micro-kernel (see kernel.go
// for the contract): the column kernel for one tile.
func sgemmKernelAVX2(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, rsc int, alpha, beta float32) {
	sgemmColumnAVX2(k, a, rsa, csa, b, rsb, c, rsc, alpha, beta, 1, 0, nil)
}

// sgemmKernel4AVX2 is the float32 AVX2+FMA kernel for one 4×16 tile (the
// edge of a product whose last rows are at most four: see kernel.fn4).
//
//go:noescape
func sgemmKernel4AVX2(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, rsc int, alpha, beta float32)

// sgemmKernelPackAAVX2 is sgemmKernelAVX2 for an A whose rows are adjacent
// (rsa must be 1) that also copies the A panel it reads, packed, to dst
// (see kernel.fnPackA).
//
//go:noescape
func sgemmKernelPackAAVX2(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, rsc int, alpha, beta float32, dst *float32)

// sgemmColumnAVX2 is the float32 6×16 kernel for `tiles` tiles down a
// column of C, with an optional bias (see kernel.fnCol).
//
//go:noescape
func sgemmColumnAVX2(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, rsc int, alpha, beta float32, tiles, astep int, bias *float32)

// dgemmKernelAVX2 is the 6×8 float64 AVX2+FMA micro-kernel.
//
//go:noescape
func dgemmKernelAVX2(k int, a *float64, rsa, csa int, b *float64, rsb int, c *float64, rsc int, alpha, beta float64)

// packLines16AVX2 interleaves sixteen float32 lines ls elements apart into
// rows of 16, 8·blocks k steps (see packLines16).
//
//go:noescape
func packLines16AVX2(dst, src *float32, ls, blocks int)

// packLines6AVX2 interleaves six float32 lines ls elements apart into rows
// of 6, 8·blocks k steps (see packLines6).
//
//go:noescape
func packLines6AVX2(dst, src *float32, ls, blocks int)

// packLines6AVX2D interleaves six float64 lines ls elements apart into
// rows of 6, 4·blocks k steps (see packLines6).
//
//go:noescape
func packLines6AVX2D(dst, src *float64, ls, blocks int)

// packLines6FastD is packLines6Fast for a float64 A panel: four k steps a
// block.
func packLines6FastD(dst, src []float64, ls, kc int) int {
	return packLinesFast(packLines6AVX2D, 6, 4, dst, src, ls, kc)
}

// packLines14AVX2 interleaves fourteen float32 lines ls elements apart into
// rows of 14, 8·blocks k steps (see packLines14).
//
//go:noescape
func packLines14AVX2(dst, src *float32, ls, blocks int)

// packLines16Fast runs the AVX2 transpose on the whole 8-step blocks of a
// float32 panel of 16 lines and reports how many k steps it packed.
func packLines16Fast(dst, src []float32, ls, kc int) int {
	return packLinesFast(packLines16AVX2, 16, 8, dst, src, ls, kc)
}

// packLines6Fast is packLines16Fast for a float32 A panel of 6 lines.
func packLines6Fast(dst, src []float32, ls, kc int) int {
	return packLinesFast(packLines6AVX2, 6, 8, dst, src, ls, kc)
}

// packLines14Fast is packLines16Fast for a float32 A panel of 14 lines (the
// AVX-512 kernel's).
func packLines14Fast(dst, src []float32, ls, kc int) int {
	return packLinesFast(packLines14AVX2, 14, 8, dst, src, ls, kc)
}

// packLinesFast runs asm, an AVX2 interleave of `lines` lines ls elements
// apart, on the whole blocks of `step` k steps of kc and reports how many
// steps it packed (none without AVX2 or with the assembly switched off).
func packLinesFast[T float](asm func(dst, src *T, ls, blocks int), lines, step int, dst, src []T, ls, kc int) int {
	blocks := kc / step
	if !hasAVX2FMA || blocks == 0 || !useAsmPack {
		return 0
	}
	// Bounds: the last element read is src[(lines-1)*ls+step*blocks-1],
	// the last written dst[lines*step*blocks-1].
	_ = src[(lines-1)*ls+step*blocks-1]
	_ = dst[lines*step*blocks-1]
	asm(&dst[0], &src[0], ls, blocks)
	return step * blocks
}

// packRows16AVX2 packs full 16-wide float32 B panels row by row (see
// packBRows).
//
//go:noescape
func packRows16AVX2(dst, src *float32, rsb, kc, panels, pstride int)

// packRows16Fast packs the full panels [lo, full) of a float32 B block with
// the AVX2 routine and reports whether it did.
func packRows16Fast(dst, b []float32, rsb, kc, lo, full int) bool {
	if !hasAVX2FMA || !useAsmPack || full <= lo || kc <= 0 {
		return false
	}
	// Bounds: the last element read is b[(kc-1)*rsb + 16*full - 1], the
	// last written dst[(full-1)*16*kc + 16*kc - 1].
	_ = b[(kc-1)*rsb+16*full-1]
	_ = dst[full*16*kc-1]
	packRows16AVX2(&dst[lo*16*kc], &b[lo*16], rsb, kc, full-lo, 16*kc)
	return true
}

var avx2KernelS = kernel[float32]{
	name: "avx2", mr: mrS, nr: nrS, kc: 256, mc: 144, nc: 4080,
	fn: sgemmKernelAVX2, fnPackA: sgemmKernelPackAAVX2,
	fnCol: sgemmColumnAVX2, fn4: sgemmKernel4AVX2,
}

var avx2KernelD = kernel[float64]{
	name: "avx2", mr: mrD, nr: nrD, kc: 256, mc: 72, nc: 2040,
	fn: dgemmKernelAVX2, fnPackA: packThenRun(mrD, dgemmKernelAVX2),
	fnCol: columnOf(mrD, nrD, dgemmKernelAVX2),
}

// sgemmKernelAVX512 is the 14×16 float32 AVX-512 micro-kernel: the column
// kernel for one tile.
func sgemmKernelAVX512(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, rsc int, alpha, beta float32) {
	sgemmColumnAVX512(k, a, rsa, csa, b, rsb, c, rsc, alpha, beta, 1, 0, nil)
}

// dgemmKernelAVX512 is the 14×8 float64 AVX-512 micro-kernel: the column
// kernel for one tile.
func dgemmKernelAVX512(k int, a *float64, rsa, csa int, b *float64, rsb int, c *float64, rsc int, alpha, beta float64) {
	dgemmColumnAVX512(k, a, rsa, csa, b, rsb, c, rsc, alpha, beta, 1, 0, nil)
}

// avx512KernelS and avx512KernelD have the blocking of goKernelS14 and
// goKernelD14, whose tiles they share.
var (
	avx512KernelS = kernel[float32]{
		name: "avx512", mr: mr14, nr: nrS, kc: 256, mc: 140, nc: 4080,
		fn: sgemmKernelAVX512, fnPackA: packThenRun(mr14, sgemmKernelAVX512),
		fnCol: sgemmColumnAVX512,
	}
	avx512KernelD = kernel[float64]{
		name: "avx512", mr: mr14, nr: nrD, kc: 256, mc: 70, nc: 2040,
		fn: dgemmKernelAVX512, fnPackA: packThenRun(mr14, dgemmKernelAVX512),
		fnCol: dgemmColumnAVX512,
	}
)

// hasAVX2FMA reports whether the CPU and OS support the AVX2 kernels.
var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// hasAVX512 reports whether the CPU and OS support the AVX-512 kernel
// (AVX512F, with the OS saving the ZMM and mask registers).
var hasAVX512 = cpu.X86.HasAVX512F

// bestKernels returns the kernels this CPU runs that KernelEnv selects
// (see kernelChoice): by default the AVX-512 ones where the CPU has
// AVX512F, else the AVX2 ones where it has AVX2 and FMA.
func bestKernels() (*kernel[float32], *kernel[float64]) {
	choice := kernelChoice()
	switch {
	case choice == "go":
		return &goKernelS, &goKernelD
	case choice != "avx2" && hasAVX512:
		return &avx512KernelS, &avx512KernelD
	}
	if hasAVX2FMA {
		return &avx2KernelS, &avx2KernelD
	}
	return &goKernelS, &goKernelD
}

// nativeAVX512Kernels returns the AVX-512 kernels where this CPU runs them,
// else nils (for the tests).
func nativeAVX512Kernels() (*kernel[float32], *kernel[float64]) {
	if hasAVX512 {
		return &avx512KernelS, &avx512KernelD
	}
	return nil, nil
}

// nativeAVX2Kernels returns the AVX2 kernels where this CPU runs them, else
// nils (for the tests, which run them also where AVX-512 is the default).
func nativeAVX2Kernels() (*kernel[float32], *kernel[float64]) {
	if hasAVX2FMA {
		return &avx2KernelS, &avx2KernelD
	}
	return nil, nil
}

// tileKernelS returns the fastest float32 kernel with ColumnS's 6×16 tile.
func tileKernelS() *kernel[float32] {
	if hasAVX2FMA {
		return &avx2KernelS
	}
	return &goKernelS
}

// sgemmColumnAVX512 is the float32 14×16 AVX-512 kernel for `tiles` tiles
// down a column of C, with an optional bias (see kernel.fnCol).
//
//go:noescape
func sgemmColumnAVX512(k int, a *float32, rsa, csa int, b *float32, rsb int, c *float32, rsc int, alpha, beta float32, tiles, astep int, bias *float32)

// dgemmColumnAVX512 is the float64 14×8 AVX-512 kernel for `tiles` tiles
// down a column of C, with an optional bias (see kernel.fnCol).
//
//go:noescape
func dgemmColumnAVX512(k int, a *float64, rsa, csa int, b *float64, rsb int, c *float64, rsc int, alpha, beta float64, tiles, astep int, bias *float64)
