package blas

import (
	"fmt"
	"math"
)

// Gemm describes C = alpha·op(A)·op(B) + beta·C on row-major matrices, the
// way Ember stores them: op(A) is M×K, op(B) is K×N and C is M×N. A is
// stored M×K, or K×M when TransA; B is stored K×N, or N×K when TransB.
type Gemm struct {
	M, N, K        int
	TransA, TransB bool
	// LDA, LDB and LDC are the row strides (elements) of the stored
	// matrices; 0 means packed.
	LDA, LDB, LDC int
	// Batch > 1 runs that many products, each matrix StrideX elements after
	// the previous one.
	Batch                     int
	StrideA, StrideB, StrideC int64
	AType, BType, CType       DataType
	Compute                   ComputeType
}

// colMajor is a Gemm as cuBLAS sees it. A row-major r×c matrix is the
// column-major c×r matrix with the same leading dimension, so the row-major
// C = op(A)·op(B) is the column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: the operands swap
// places and M and N swap roles.
type colMajor struct {
	transa, transb   Operation
	m, n, k          int
	lda, ldb, ldc    int
	strideA, strideB int64 // of the first and second operand (B and A)
	aType, bType     DataType
	batch            int
}

// rows and cols of a stored row-major matrix.
func stored(rows, cols int, trans bool) (int, int) {
	if trans {
		return cols, rows
	}
	return rows, cols
}

// plan checks g and translates it to column-major terms.
func (g Gemm) plan() (colMajor, error) {
	if g.M <= 0 || g.N <= 0 || g.K < 0 {
		return colMajor{}, fmt.Errorf("blas: bad GEMM size M=%d N=%d K=%d", g.M, g.N, g.K)
	}
	_, aCols := stored(g.M, g.K, g.TransA)
	_, bCols := stored(g.K, g.N, g.TransB)
	lda, ldb, ldc := orPacked(g.LDA, aCols), orPacked(g.LDB, bCols), orPacked(g.LDC, g.N)
	if lda < max(aCols, 1) || ldb < max(bCols, 1) || ldc < g.N {
		return colMajor{}, fmt.Errorf("blas: leading dimensions %d,%d,%d smaller than rows of %d,%d,%d", lda, ldb, ldc, aCols, bCols, g.N)
	}
	for _, v := range []int{g.M, g.N, g.K, lda, ldb, ldc, g.Batch} {
		if v > math.MaxInt32 {
			return colMajor{}, fmt.Errorf("blas: GEMM dimension %d exceeds cuBLAS's 32-bit limit", v)
		}
	}
	batch := max(g.Batch, 1)
	return colMajor{
		transa: op(g.TransB), transb: op(g.TransA),
		m: g.N, n: g.M, k: g.K,
		lda: ldb, ldb: lda, ldc: ldc,
		strideA: g.StrideB, strideB: g.StrideA,
		aType: g.BType, bType: g.AType,
		batch: batch,
	}, nil
}

func orPacked(ld, cols int) int {
	if ld == 0 {
		return cols
	}
	return ld
}

func op(trans bool) Operation {
	if trans {
		return OpT
	}
	return OpN
}
