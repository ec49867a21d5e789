package gemm

import "fmt"

// TileRowsS and TileColsS are the rows and columns of the float32 register
// tile: the panels ColumnS multiplies are cut to them.
const (
	TileRowsS = mrS
	TileColsS = nrS
)

// ColumnS runs the micro-kernel of Sgemm on `tiles` float32 tiles stacked
// down one column of C, for callers that lay out the operands themselves,
// with no blocking or threading around it:
//
//	C[r][j] = Σ_{p<k} A[r][p] · b[p·TileColsS + j] + beta·C[r][j]
//
// for rows r < tiles·TileRowsS and columns j < TileColsS, where row r of C
// starts at c[r·ldc] and A[r][p] is a[t·astep + i·rsa + p·csa] for r =
// t·TileRowsS + i: the tiles' A panels are astep elements apart, and may be
// packed (rsa, csa = 1, TileRowsS) or another matrix read in place. b is
// one packed panel of B, k steps of TileColsS values. With beta 0, C is
// only written (its old contents are not read).
//
// The panel of B stays in the L1 cache while the panels of A stream past
// it, so one call should read at most a few hundred KiB of A. It is for
// callers whose B is cheaper to gather than to describe by strides, such
// as the implicit im2col matrix of a convolution (package cpu). It panics,
// naming the operand, when a size or stride is negative or a slice too
// short.
func ColumnS(k int, a []float32, rsa, csa, astep int, b []float32, beta float32, c []float32, ldc, tiles int) {
	if k < 0 || tiles < 0 || rsa < 0 || csa < 0 || astep < 0 || ldc < TileColsS {
		panic(fmt.Sprintf("gemm.ColumnS: bad sizes or strides k=%d tiles=%d rsa=%d csa=%d astep=%d ldc=%d",
			k, tiles, rsa, csa, astep, ldc))
	}
	if tiles == 0 {
		return
	}
	if need := (tiles-1)*astep + (TileRowsS-1)*rsa + (k-1)*csa + 1; k > 0 && len(a) < need {
		panic(fmt.Sprintf("gemm.ColumnS: A has %d elements, needs %d", len(a), need))
	}
	if need := k * TileColsS; len(b) < need {
		panic(fmt.Sprintf("gemm.ColumnS: B has %d elements, needs %d", len(b), need))
	}
	if need := (tiles*TileRowsS-1)*ldc + TileColsS; len(c) < need {
		panic(fmt.Sprintf("gemm.ColumnS: C has %d elements, needs %d", len(c), need))
	}
	if k == 0 {
		for r := range tiles * TileRowsS {
			row := c[r*ldc : r*ldc+TileColsS]
			for j := range row {
				if beta == 0 {
					row[j] = 0
				} else {
					row[j] *= beta
				}
			}
		}
		return
	}
	ker := kernelS
	if ker.mr != TileRowsS || ker.nr != TileColsS {
		ker = tileKernelS() // the AVX-512 kernel's tile is 14 rows
	}
	ker.fnCol(k, &a[0], rsa, csa, &b[0], TileColsS, &c[0], ldc, 1, beta, tiles, astep, nil)
}
