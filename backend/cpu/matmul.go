package cpu

import (
	"fmt"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/internal/parallel"
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
	switch d.dt {
	case backend.Float32:
		gemmBatched(bt, m, n, k, a.F32[x.Offset:], x.Strides, b.F32[y.Offset:], y.Strides, float32(beta), d.F32[dst.Offset:], dst.Strides)
	case backend.Float64:
		gemmBatched(bt, m, n, k, a.F64[x.Offset:], x.Strides, b.F64[y.Offset:], y.Strides, beta, d.F64[dst.Offset:], dst.Strides)
	default:
		panic("cpu.Matmul of " + d.dt.String())
	}
}

// gemmBatched is the reference blocked product used until the packed GEMM
// engine lands; strides are [batch, row, col].
func gemmBatched[T float](bt, m, n, k int, a []T, as []int, b []T, bs []int, beta T, c []T, cs []int) {
	rows := bt * m
	parallel.For(rows, max(1, 4096/max(1, n*k/64)), func(lo, hi int) {
		accRow := make([]T, n)
		for r := lo; r < hi; r++ {
			bi, i := r/m, r%m
			for j := range accRow {
				accRow[j] = 0
			}
			ao := bi*as[0] + i*as[1]
			bo := bi * bs[0]
			for p := 0; p < k; p++ {
				av := a[ao+p*as[2]]
				bp := bo + p*bs[1]
				if bs[2] == 1 {
					row := b[bp : bp+n]
					for j, bv := range row {
						accRow[j] += av * bv
					}
				} else {
					for j := range accRow {
						accRow[j] += av * b[bp+j*bs[2]]
					}
				}
			}
			co := bi*cs[0] + i*cs[1]
			for j, v := range accRow {
				p := co + j*cs[2]
				if beta == 0 {
					c[p] = v
				} else {
					c[p] = v + beta*c[p]
				}
			}
		}
	})
}
