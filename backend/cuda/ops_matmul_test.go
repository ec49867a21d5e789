package cuda

import (
	"fmt"
	"testing"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/blas"
)

// view3 is a 3-D view of a pair's buffers.
func view3(p pair, shape, strides []int, offset int) pair {
	return pair{
		backend.View{Buf: p.c.Buf, Shape: shape, Strides: strides, Offset: offset},
		backend.View{Buf: p.g.Buf, Shape: shape, Strides: strides, Offset: offset},
	}
}

func TestMatmulLayouts(t *testing.T) {
	w := newTwin(t)
	const bt, m, k, n = 2, 3, 4, 5
	type layout struct {
		name    string
		size    int // buffer elements
		strides []int
		offset  int
	}
	xLayouts := []layout{
		{"dense", bt * m * k, []int{m * k, k, 1}, 0},
		{"transposed", bt * m * k, []int{m * k, 1, m}, 0},
		{"broadcast batch", m*k + 1, []int{0, k, 1}, 1},
		{"padded rows", bt * m * (k + 2), []int{m * (k + 2), k + 2, 1}, 0},
		{"no unit stride", bt * m * k * 2, []int{m * k * 2, k * 2, 2}, 0},
	}
	yLayouts := []layout{
		{"dense", bt * k * n, []int{k * n, n, 1}, 0},
		{"transposed", bt * k * n, []int{k * n, 1, k}, 0},
		{"broadcast batch", k * n, []int{0, n, 1}, 0},
	}
	dLayouts := []layout{
		{"dense", bt * m * n, []int{m * n, n, 1}, 0},
		{"column-major", bt * m * n, []int{m * n, 1, m}, 0},
		{"every other column", bt * m * n * 2, []int{m * n * 2, n * 2, 2}, 1},
	}
	for _, d := range floatTypes {
		for _, xl := range xLayouts {
			for _, yl := range yLayouts {
				for _, dl := range dLayouts {
					for _, beta := range []float64{0, 0.5} {
						what := fmt.Sprintf("%v x %s, y %s, dst %s, beta %v", d, xl.name, yl.name, dl.name, beta)
						x := view3(w.random(d, -1, 1, xl.size), []int{bt, m, k}, xl.strides, xl.offset)
						y := view3(w.random(d, -1, 1, yl.size), []int{bt, k, n}, yl.strides, yl.offset)
						whole := w.random(d, -1, 1, dl.size)
						dst := view3(whole, []int{bt, m, n}, dl.strides, dl.offset)
						w.run(func(be backend.Backend, v []backend.View) {
							halfOrSelf(be, v, []bool{true, false, false}, func(v []backend.View) { be.Matmul(v[0], v[1], v[2], beta) })
						}, dst, x, y)
						tl := tolFor(d)
						if d == backend.Float32 {
							tl = tol{1e-5, 1e-6}
						}
						w.same(what, whole, tl)
					}
				}
			}
		}
	}
}

func TestMatmulDegenerate(t *testing.T) {
	w := newTwin(t)
	for _, c := range []struct{ bt, m, k, n int }{{1, 1, 4, 5}, {3, 4, 1, 2}, {2, 3, 4, 1}, {1, 1, 1, 1}, {2, 3, 0, 4}, {0, 3, 2, 4}} {
		x := w.random(backend.Float32, -1, 1, c.bt, c.m, c.k)
		y := w.random(backend.Float32, -1, 1, c.bt, c.k, c.n)
		dst := w.random(backend.Float32, -1, 1, c.bt, c.m, c.n)
		w.run(func(be backend.Backend, v []backend.View) { be.Matmul(v[0], v[1], v[2], 2) }, dst, x, y)
		w.same(fmt.Sprintf("%+v", c), dst, tol{1e-5, 1e-6})
	}
}

func TestMatLayout(t *testing.T) {
	for _, c := range []struct {
		rows, cols, rs, cs int
		trans              bool
		ld                 int
		ok                 bool
	}{
		{3, 4, 4, 1, false, 4, true},
		{3, 4, 6, 1, false, 6, true},
		{3, 4, 1, 3, true, 3, true},
		{3, 4, 1, 5, true, 5, true},
		{1, 4, 0, 1, false, 4, true}, // a single row's stride is irrelevant
		{3, 1, 2, 0, false, 2, true}, // a single column's stride is irrelevant
		{1, 1, 7, 9, false, 1, true},
		{3, 4, 8, 2, false, 0, false},
		{3, 4, 2, 1, false, 0, false}, // rows overlap
	} {
		trans, ld, ok := matLayout(c.rows, c.cols, c.rs, c.cs)
		if trans != c.trans || ld != c.ld || ok != c.ok {
			t.Errorf("matLayout(%d, %d, %d, %d) = %v, %d, %v; want %v, %d, %v", c.rows, c.cols, c.rs, c.cs, trans, ld, ok, c.trans, c.ld, c.ok)
		}
	}
}

func TestMatmulComputeTypes(t *testing.T) {
	defer SetAllowTF32(false)
	for _, c := range []struct {
		d    backend.DType
		tf32 bool
		want blas.ComputeType
	}{
		{backend.Float32, false, blas.Compute32F},
		{backend.Float32, true, blas.Compute32FFastTF32},
		{backend.Float64, true, blas.Compute64F},
		{backend.BFloat16, false, blas.Compute32F},
		{backend.Float16, true, blas.Compute32F},
	} {
		SetAllowTF32(c.tf32)
		if got := computeType(c.d); got != c.want || AllowTF32() != c.tf32 {
			t.Errorf("%v with TF32 %v: compute type %v, want %v", c.d, c.tf32, got, c.want)
		}
	}
}

// TestMatmulBias checks the fused bias (on the emulator: the GEMM with the
// bias added before the one rounding, as cuBLASLt's epilogue) against the
// CPU's product plus a broadcast add, for a linear layer's layouts (weights
// read transposed), and the cases it declines.
func TestMatmulBias(t *testing.T) {
	w := newTwin(t)
	prev := fusedBias.Load()
	fusedBias.Store(true)
	defer fusedBias.Store(prev)
	const m, k, n = 7, 5, 9
	for _, d := range floatTypes {
		for _, transposed := range []bool{false, true} {
			x := w.random(d, -1, 1, 1, m, k)
			y := w.random(d, -1, 1, 1, k, n)
			if transposed { // nn.Linear's weight [n, k] read as [k, n]
				y = view3(w.random(d, -1, 1, n*k), []int{1, k, n}, []int{n * k, 1, k}, 0)
			}
			bias := w.random(d, -1, 1, n)
			dst := w.random(d, -1, 1, 1, m, n)
			w.run(func(be backend.Backend, v []backend.View) {
				if g, ok := be.(*Backend); ok {
					if !g.MatmulBias(v[0], v[1], v[2], v[3]) {
						t.Fatalf("%v: MatmulBias declined", d)
					}
					return
				}
				halfOrSelf(be, v, []bool{true, false, false, false}, func(v []backend.View) {
					be.Matmul(v[0], v[1], v[2], 0)
					row := backend.View{Buf: v[3].Buf, Shape: []int{1, m, n}, Strides: []int{0, 0, 1}, Offset: v[3].Offset}
					be.Binary(backend.Add, v[0], v[0], row)
				})
			}, dst, x, y, bias)
			tl := tolFor(d)
			if d == backend.Float32 {
				tl = tol{1e-5, 1e-6}
			}
			w.same(fmt.Sprintf("%v transposed=%v", d, transposed), dst, tl)
		}
	}
	g := w.g
	buf := func(d backend.DType, n int) backend.Buffer { return g.Alloc(d, n) }
	f32 := backend.Float32
	x, y, dst, bias := backend.Dense(buf(f32, m*k), 1, m, k), backend.Dense(buf(f32, k*n), 1, k, n),
		backend.Dense(buf(f32, m*n), 1, m, n), backend.Dense(buf(f32, n), n)
	for name, c := range map[string][4]backend.View{
		"batch 2":            {backend.Dense(buf(f32, 2*m*n), 2, m, n), backend.Dense(buf(f32, 2*m*k), 2, m, k), backend.Dense(buf(f32, 2*k*n), 2, k, n), bias},
		"strided bias":       {dst, x, y, {Buf: buf(f32, 2*n), Shape: []int{n}, Strides: []int{2}}},
		"column-major dst":   {{Buf: dst.Buf, Shape: []int{1, m, n}, Strides: []int{m * n, 1, m}}, x, y, bias},
		"bias of other type": {dst, x, y, backend.Dense(buf(backend.BFloat16, n), n)},
	} {
		if g.MatmulBias(c[0], c[1], c[2], c[3]) {
			t.Errorf("%s: MatmulBias accepted", name)
		}
	}
	fusedBias.Store(false)
	if g.MatmulBias(dst, x, y, bias) {
		t.Error("MatmulBias ran with the switch off")
	}
}
