package cpu

import (
	"fmt"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/gemm"
)

// PackRight packs the matrix y ([1, k, n], float32 or float64) once into
// the GEMM's panel order, for many MatmulPacked products that share it as
// their right operand (the recurrent weight of an RNN, at every time
// step). It returns nil for other dtypes; the caller then uses Matmul. The
// packed copy does not refer to y's buffer.
func (c *Backend) PackRight(y backend.View) any {
	if len(y.Shape) != 3 || y.Shape[0] != 1 {
		panic(fmt.Sprintf("cpu.PackRight: want a [1, k, n] view, got %v", y.Shape))
	}
	k, n := y.Shape[1], y.Shape[2]
	b := buf(y)
	switch b.dt {
	case backend.Float32:
		return gemm.PackS(k, n, b.F32[y.Offset:], y.Strides[1], y.Strides[2])
	case backend.Float64:
		return gemm.PackD(k, n, b.F64[y.Offset:], y.Strides[1], y.Strides[2])
	}
	return nil
}

// MatmulPacked computes dst = x·Y + beta·dst for [1, m, k] x and [1, m, n]
// dst, where Y was packed by PackRight.
func (c *Backend) MatmulPacked(dst, x backend.View, packed any, beta float64) {
	if len(dst.Shape) != 3 || len(x.Shape) != 3 || dst.Shape[0] != 1 || x.Shape[0] != 1 || dst.Shape[1] != x.Shape[1] {
		panic(fmt.Sprintf("cpu.MatmulPacked: shapes %v · packed -> %v", x.Shape, dst.Shape))
	}
	m := x.Shape[1]
	d, a := buf(dst), buf(x)
	switch p := packed.(type) {
	case *gemm.Packed[float32]:
		if d.dt != backend.Float32 || p.K() != x.Shape[2] || p.N() != dst.Shape[2] {
			panic(fmt.Sprintf("cpu.MatmulPacked: %v %v · packed float32 [%d %d] -> %v %v", a.dt, x.Shape, p.K(), p.N(), d.dt, dst.Shape))
		}
		gemm.SgemmPacked(m, 1, a.F32[x.Offset:], x.Strides[1], x.Strides[2], p, float32(beta), d.F32[dst.Offset:], dst.Strides[1], dst.Strides[2])
	case *gemm.Packed[float64]:
		if d.dt != backend.Float64 || p.K() != x.Shape[2] || p.N() != dst.Shape[2] {
			panic(fmt.Sprintf("cpu.MatmulPacked: %v %v · packed float64 [%d %d] -> %v %v", a.dt, x.Shape, p.K(), p.N(), d.dt, dst.Shape))
		}
		gemm.DgemmPacked(m, 1, a.F64[x.Offset:], x.Strides[1], x.Strides[2], p, beta, d.F64[dst.Offset:], dst.Strides[1], dst.Strides[2])
	default:
		panic(fmt.Sprintf("cpu.MatmulPacked: %T is not a packed matrix", packed))
	}
}
