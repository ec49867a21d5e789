package cpu

import (
	"fmt"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/gemm"
)

// Matmul computes dst = x·y + beta·dst over a batch of matrices.
func (c *Backend) Matmul(dst, x, y backend.View, beta float64) {
	if len(dst.Shape) != 3 || len(x.Shape) != 3 || len(y.Shape) != 3 {
		panic(fmt.Sprintf("cpu.Matmul: want 3-D views, got %v %v %v", dst.Shape, x.Shape, y.Shape))
	}
	bt, m, k, n := dst.Shape[0], x.Shape[1], x.Shape[2], y.Shape[2]
	if x.Shape[0] != bt || y.Shape[0] != bt || y.Shape[1] != k || dst.Shape[1] != m || dst.Shape[2] != n {
		panic(fmt.Sprintf("cpu.Matmul: shapes %v · %v -> %v", x.Shape, y.Shape, dst.Shape))
	}
	d, a, b := buf(dst), buf(x), buf(y)
	if bt == 0 || m == 0 || n == 0 {
		return
	}
	// The views' first elements are at their offsets; strides are in
	// elements. Zero batch strides broadcast a matrix across the batch.
	switch d.dt {
	case backend.Float32:
		gemm.SgemmBatched(bt, m, n, k, 1, a.F32[x.Offset:], x.Strides[0], x.Strides[1], x.Strides[2],
			b.F32[y.Offset:], y.Strides[0], y.Strides[1], y.Strides[2],
			float32(beta), d.F32[dst.Offset:], dst.Strides[0], dst.Strides[1], dst.Strides[2])
	case backend.Float64:
		gemm.DgemmBatched(bt, m, n, k, 1, a.F64[x.Offset:], x.Strides[0], x.Strides[1], x.Strides[2],
			b.F64[y.Offset:], y.Strides[0], y.Strides[1], y.Strides[2],
			beta, d.F64[dst.Offset:], dst.Strides[0], dst.Strides[1], dst.Strides[2])
	default:
		panic("cpu.Matmul of " + d.dt.String())
	}
}

// MatmulBias computes dst = x·y + bias for one float32 or float64 matrix
// product (views of batch 1) with bias[j] added to column j of every row, as
// a linear layer's output: the bias is added as each tile of the product is
// stored, with no pass of its own and without reading dst. bias is a 1-D
// view of dst's columns with unit stride. It reports false, doing nothing,
// for other operands.
func (c *Backend) MatmulBias(dst, x, y, bias backend.View) bool {
	if len(dst.Shape) != 3 || len(x.Shape) != 3 || len(y.Shape) != 3 || len(bias.Shape) != 1 ||
		dst.Shape[0] != 1 || x.Shape[0] != 1 || y.Shape[0] != 1 {
		return false
	}
	m, k, n := x.Shape[1], x.Shape[2], y.Shape[2]
	if y.Shape[1] != k || dst.Shape[1] != m || dst.Shape[2] != n || bias.Shape[0] != n || (n > 1 && bias.Strides[0] != 1) {
		return false
	}
	d, a, b, bb := buf(dst), buf(x), buf(y), buf(bias)
	if a.dt != d.dt || b.dt != d.dt || bb.dt != d.dt {
		return false
	}
	if m == 0 || n == 0 {
		return true
	}
	switch d.dt {
	case backend.Float32:
		gemm.SgemmBias(m, n, k, 1, a.F32[x.Offset:], x.Strides[1], x.Strides[2], b.F32[y.Offset:], y.Strides[1], y.Strides[2],
			bb.F32[bias.Offset:bias.Offset+n], d.F32[dst.Offset:], dst.Strides[1], dst.Strides[2])
	case backend.Float64:
		gemm.DgemmBias(m, n, k, 1, a.F64[x.Offset:], x.Strides[1], x.Strides[2], b.F64[y.Offset:], y.Strides[1], y.Strides[2],
			bb.F64[bias.Offset:bias.Offset+n], d.F64[dst.Offset:], dst.Strides[1], dst.Strides[2])
	default:
		return false
	}
	return true
}
