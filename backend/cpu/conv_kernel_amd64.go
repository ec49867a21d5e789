//go:build !purego

package cpu

import "golang.org/x/sys/cpu"

// convTilesAVX2 is the 6×16 forward tile kernel on `tiles` adjacent tiles
// (see convKernels.tiles).
//
//go:noescape
func convTilesAVX2(k int, a, b *float32, off *int32, c *float32, ldc int, bias *float32, tiles int)

// convTilePackAVX2 is the tile kernel on one tile that also packs the
// image values it reads (see convKernels.tilePack).
//
//go:noescape
func convTilePackAVX2(k int, a, b *float32, off *int32, c *float32, ldc int, bias, dst *float32)

// convGatherTAVX2 transposes sixteen tap rows into a packed panel (see
// convKernels.gatherT).
//
//go:noescape
func convGatherTAVX2(dst, src *float32, off *[convGatherRows]int32, blocks int)

// convDotAVX2 is the 4×3 weight-gradient dot kernel (see conv_kernel.go).
//
//go:noescape
func convDotAVX2(nimg, n int, a *float32, lda, sa int, b *float32, off *[convDotCols]int32, sb int, c *float32, ldc int, mask *uint32)

// convDotMask holds 8 set lanes then 8 clear ones: &convDotMask[8-r] is the
// mask of a vector whose first r lanes are valid.
var convDotMask = [2 * convDotLanes]uint32{
	^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0),
}

func convDotAVX2Masked(nimg, n int, a *float32, lda, sa int, b *float32, off *[convDotCols]int32, sb int, c *float32, ldc int) {
	convDotAVX2(nimg, n, a, lda, sa, b, off, sb, c, ldc, &convDotMask[convDotLanes-n%convDotLanes])
}

var avx2ConvKernels = convKernels{name: "avx2", tiles: convTilesAVX2, tilePack: convTilePackAVX2, dot: convDotAVX2Masked, gatherT: convGatherTAVX2, maxPool2x2: maxPool2x2Vec}

// bestConvKernels returns the AVX2+FMA kernels when the CPU has them.
func bestConvKernels() convKernels {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return avx2ConvKernels
	}
	return goConvKernels
}
