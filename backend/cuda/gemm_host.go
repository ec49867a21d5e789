package cuda

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/emberdl/ember/backend/cuda/blas"
	"github.com/emberdl/ember/internal/half"
)

// gemmOperand is one stored matrix of a blas.Gemm: rows × cols with row
// stride ld, repeated batch times every stride elements.
type gemmOperand struct {
	t          blas.DataType
	rows, cols int
	ld         int
	stride     int64
	batch      int
	transposed bool
}

// gemmOperands returns the stored layouts of A, B and C of g.
func gemmOperands(g blas.Gemm) [3]gemmOperand {
	batch := max(g.Batch, 1)
	ar, ac := g.M, g.K
	if g.TransA {
		ar, ac = ac, ar
	}
	br, bc := g.K, g.N
	if g.TransB {
		br, bc = bc, br
	}
	orLD := func(ld, cols int) int {
		if ld == 0 {
			return cols
		}
		return ld
	}
	return [3]gemmOperand{
		{t: g.AType, rows: ar, cols: ac, ld: orLD(g.LDA, ac), stride: g.StrideA, batch: batch, transposed: g.TransA},
		{t: g.BType, rows: br, cols: bc, ld: orLD(g.LDB, bc), stride: g.StrideB, batch: batch, transposed: g.TransB},
		{t: g.CType, rows: g.M, cols: g.N, ld: orLD(g.LDC, g.N), stride: g.StrideC, batch: batch},
	}
}

// span returns how many elements from the first one the operand touches;
// it fails, as cuBLAS would, for a leading dimension below the row length.
func (o gemmOperand) span() (int64, error) {
	if o.rows == 0 || o.cols == 0 {
		return 0, nil
	}
	if o.ld < max(o.cols, 1) || o.stride < 0 {
		return 0, fmt.Errorf("gemm operand %d×%d with ld %d and batch stride %d", o.rows, o.cols, o.ld, o.stride)
	}
	return int64(o.batch-1)*o.stride + int64(o.rows-1)*int64(o.ld) + int64(o.cols), nil
}

// at returns the index of element (i, j) of op(X) in batch b.
func (o gemmOperand) at(b, i, j int) int64 {
	if o.transposed {
		i, j = j, i
	}
	return int64(b)*o.stride + int64(i)*int64(o.ld) + int64(j)
}

// hostGemm computes C = alpha·op(A)·op(B) + beta·C as blas.Gemm defines it
// (row-major), accumulating in float64, on matrices held as little-endian
// bytes of their data types. It is the emulator's GEMM and the tests'
// reference; beta == 0 ignores C's old contents (NaN included), as cuBLAS.
// A non-nil bias (C's type, one value per column) is added to every row
// before the one rounding to C's type, as cuBLASLt's bias epilogue does.
func hostGemm(g blas.Gemm, alpha, beta float64, a, b, c, bias []byte) {
	ops := gemmOperands(g)
	av, bv, cv := ops[0], ops[1], ops[2]
	for bt := 0; bt < av.batch; bt++ {
		for i := 0; i < g.M; i++ {
			for j := 0; j < g.N; j++ {
				s := 0.0
				for p := 0; p < g.K; p++ {
					s += getElem(av.t, a, av.at(bt, i, p)) * getElem(bv.t, b, bv.at(bt, p, j))
				}
				ci := cv.at(bt, i, j)
				v := alpha * s
				if beta != 0 {
					v += beta * getElem(cv.t, c, ci)
				}
				if bias != nil {
					v += getElem(cv.t, bias, int64(j))
				}
				setElem(cv.t, c, ci, v)
			}
		}
	}
}

func getElem(t blas.DataType, buf []byte, i int64) float64 {
	le := binary.LittleEndian
	switch t {
	case blas.Float64:
		return math.Float64frombits(le.Uint64(buf[8*i:]))
	case blas.Float16:
		return float64(half.F16ToF32(le.Uint16(buf[2*i:])))
	case blas.BFloat16:
		return float64(half.BF16ToF32(le.Uint16(buf[2*i:])))
	default:
		return float64(math.Float32frombits(le.Uint32(buf[4*i:])))
	}
}

func setElem(t blas.DataType, buf []byte, i int64, v float64) {
	le := binary.LittleEndian
	switch t {
	case blas.Float64:
		le.PutUint64(buf[8*i:], math.Float64bits(v))
	case blas.Float16:
		le.PutUint16(buf[2*i:], half.F16FromF32(float32(v)))
	case blas.BFloat16:
		le.PutUint16(buf[2*i:], half.BF16FromF32(float32(v)))
	default:
		le.PutUint32(buf[4*i:], math.Float32bits(float32(v)))
	}
}
