package cpu

import (
	"fmt"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/internal/philox"
)

// Random fills dst from the Philox stream (seed, offset) with the
// transforms of package internal/philox: element i of dst (row-major) is
// stream element i.
func (c *Backend) Random(dst backend.View, dist backend.Dist, seed, offset uint64, a, b float64) {
	n := dst.Numel()
	d := buf(dst)
	contiguous := dst.IsContiguous()
	switch {
	case contiguous && d.dt == backend.Float32 && dist != backend.RandInt:
		out := d.F32[dst.Offset : dst.Offset+n]
		switch dist {
		case backend.Uniform:
			philox.FillUniform32(out, seed, offset, float32(a), float32(b))
		case backend.Normal:
			philox.FillNormal32(out, seed, offset, float32(a), float32(b))
		case backend.Bernoulli:
			philox.FillBernoulli(out, seed, offset, a)
		}
		return
	case contiguous && d.dt == backend.Float64 && dist != backend.RandInt:
		out := d.F64[dst.Offset : dst.Offset+n]
		switch dist {
		case backend.Uniform:
			philox.FillUniform64(out, seed, offset, a, b)
		case backend.Normal:
			philox.FillNormal64(out, seed, offset, a, b)
		case backend.Bernoulli:
			philox.FillBernoulli(out, seed, offset, a)
		}
		return
	case contiguous && d.dt == backend.Bool && dist == backend.Bernoulli:
		philox.FillBernoulliBool(d.B[dst.Offset:dst.Offset+n], seed, offset, a)
		return
	}
	// Other dtypes and layouts: draw in a wide type, then convert.
	var tmp *Buffer
	switch dist {
	case backend.RandInt:
		v := make([]int64, n)
		philox.FillInt64(v, seed, offset, int64(a), int64(b))
		tmp = NewBuffer(backend.Int64, v)
	case backend.Uniform:
		v := make([]float64, n)
		philox.FillUniform64(v, seed, offset, a, b)
		tmp = NewBuffer(backend.Float64, v)
	case backend.Normal:
		v := make([]float64, n)
		philox.FillNormal64(v, seed, offset, a, b)
		tmp = NewBuffer(backend.Float64, v)
	case backend.Bernoulli:
		v := make([]float64, n)
		philox.FillBernoulli(v, seed, offset, a)
		tmp = NewBuffer(backend.Float64, v)
	default:
		panic(fmt.Sprintf("cpu.Random: unknown distribution %d", dist))
	}
	c.Copy(dst, backend.Dense(tmp, dst.Shape...))
}
