package cpu

import "github.com/emberdl/ember/backend/cpu/gemm"

// The micro-kernels of the implicit-GEMM convolution (conv_implicit.go,
// conv_filter.go), float32 only. They read their image operand from the
// shifted planes of conv_shift.go through a table of tap offsets, so no
// im2col matrix is ever built whole: the tile and dot kernels multiply it
// where it lies, and the gather kernel copies small panels of it (sixteen
// taps at a time) for the GEMM's own micro-kernel.
//
// The tile kernels compute convTileRows×convTileCols tiles of a forward
// convolution, the convolution's rows being output channels and its
// columns consecutive output positions:
//
//	c[i*ldc + j] = bias[i] + Σ_{t<k} a[t*convTileRows + i] · b[off[t] + j]
//
// where a is a packed weight panel (convTileRows weights per tap) and
// b[off[t]:] is tap t's row of the shifted planes. C is overwritten.
//
// tiles computes `tiles` adjacent tiles in one call: tile t reads
// b + t·convTileCols and writes c + t·convTileCols.
//
// tilePack computes one tile and also copies the convTileCols image values
// of each tap it reads to row t of dst (dst + t·convTileCols): the tile's
// columns of the implicit im2col matrix, packed as a panel of B for
// gemm.ColumnS, which computes the tile's other weight panels from it.
//
// dot computes one convDotRows×convDotCols tile of a weight gradient, its
// rows being output channels and its columns taps, over nimg images:
//
//	c[j*ldc + i] += Σ_{m<nimg} Σ_{q<n} a[m*sa + i*lda + q] · b[m*sb + off[j] + q]
//
// where a holds the output gradient (row i of image m at m*sa + i*lda) and
// b the shifted planes. It vectorises along q, so n need not be a multiple
// of the vector width: the last partial vector of each row is masked, and
// the kernel reads (never uses) up to 7 elements past the end of every row
// of a and b, which the caller keeps inside their slices.
//
// gatherT transposes convGatherRows tap rows of the shifted planes into
// a packed panel of B for gemm.ColumnS, convGatherBlock positions per
// block: dst[p*convGatherRows + j] = b[off[j] + p] for p <
// convGatherBlock·blocks.
//
// maxPool2x2 pools `planes` planes of oh×ow outputs with 2×2 windows of
// stride 2 (see maxRow2x2): row r of input plane p at x[p*xp + r*xr:],
// output row oy at out[p*outp + oy*outr:] and its indices at
// idx[p*idxp + oy*idxr:], w being the input width the indices count.
type convKernels struct {
	name       string
	maxPool2x2 func(planes, oh, ow int, x *float32, xr, xp int, out *float32, outr, outp int, idx *int64, idxr, idxp, w int)
	tiles      func(k int, a, b *float32, off *int32, c *float32, ldc int, bias *float32, tiles int)
	tilePack   func(k int, a, b *float32, off *int32, c *float32, ldc int, bias, dst *float32)
	dot        func(nimg, n int, a *float32, lda, sa int, b *float32, off *[convDotCols]int32, sb int, c *float32, ldc int)
	gatherT    func(dst, b *float32, off *[convGatherRows]int32, blocks int)
}

// Register tiles of the two kernels.
const (
	convTileRows, convTileCols = 6, 16
	convDotRows, convDotCols   = 4, 3
	convDotLanes               = 8 // float32 lanes of one vector of the dot kernel

	// The panels gatherT writes: rows of convGatherRows taps (the GEMM
	// tile's columns), convGatherBlock positions per block.
	convGatherRows, convGatherBlock = 16, 8
)

// The gathered panels are gemm.ColumnS's panels of B.
const _ = uint(gemm.TileColsS-convGatherRows) + uint(convGatherRows-gemm.TileColsS)

// convKern is the kernel set every convolution uses, chosen at start-up;
// tests swap in the pure-Go twins.
var convKern = bestConvKernels()

// ConvKernelName names the convolution micro-kernels in use: "avx2" or "go".
func ConvKernelName() string { return convKern.name }
