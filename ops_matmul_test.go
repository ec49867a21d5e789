package ember

import (
	"fmt"
	"strings"
	"testing"
)

func init() {
	reg := func(name string, f func(a goldenArgs, in []*Tensor) *Tensor) { registerGolden(name, one(f)) }
	reg("matmul", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].Matmul(in[1]) })
	reg("matmul_tt", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].MT().Matmul(in[1].MT()) })
	reg("bmm", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].Bmm(in[1]) })
	reg("mm", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].Mm(in[1]) })
	reg("dot", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].Dot(in[1]) })
	reg("outer", func(a goldenArgs, in []*Tensor) *Tensor { return in[0].Outer(in[1]) })

	pairs := []struct {
		name string
		a, b []int
		f    func(a, b *Tensor) *Tensor
	}{
		{"matmul_1d_1d", []int{3}, []int{3}, (*Tensor).Matmul},
		{"matmul_1d_2d", []int{3}, []int{3, 2}, (*Tensor).Matmul},
		{"matmul_2d_1d", []int{2, 3}, []int{3}, (*Tensor).Matmul},
		{"mm", []int{2, 3}, []int{3, 4}, (*Tensor).Mm},
		{"mm_transposed", []int{3, 2}, []int{4, 3}, func(a, b *Tensor) *Tensor { return a.T().Mm(b.T()) }},
		{"bmm", []int{2, 2, 3}, []int{2, 3, 2}, (*Tensor).Bmm},
		{"matmul_batch_matrix", []int{2, 2, 3}, []int{3, 2}, (*Tensor).Matmul},
		{"matmul_matrix_batch", []int{2, 3}, []int{2, 3, 2}, (*Tensor).Matmul},
		{"matmul_broadcast", []int{2, 1, 2, 3}, []int{3, 3, 2}, (*Tensor).Matmul},
		{"dot", []int{4}, []int{4}, (*Tensor).Dot},
		{"outer", []int{3}, []int{2}, (*Tensor).Outer},
	}
	for i, p := range pairs {
		s := uint64(1100 + 10*i)
		addGradCheck(gradCase{name: p.name, secondOrder: true,
			inputs: func() []*Tensor { return []*Tensor{randT(s, -1, 1, p.a...), randT(s+1, -1, 1, p.b...)} },
			f:      func(in []*Tensor) *Tensor { return p.f(in[0], in[1]) }})
	}
}

// naiveMatmul multiplies [B, M, K] by [B, K, N] row-major float64 data.
func naiveMatmul(a, b []float64, nb, m, k, n int) []float64 {
	out := make([]float64, nb*m*n)
	for p := range nb {
		for i := range m {
			for j := range n {
				var s float64
				for l := range k {
					s += a[p*m*k+i*k+l] * b[p*k*n+l*n+j]
				}
				out[p*m*n+i*n+j] = s
			}
		}
	}
	return out
}

// TestMatmulAgainstNaive checks products of sizes around the CPU kernel's
// blocking edges against a float64 triple loop, for both float dtypes and
// for transposed operands.
func TestMatmulAgainstNaive(t *testing.T) {
	sizes := [][4]int{{1, 1, 1, 1}, {1, 7, 5, 3}, {2, 16, 16, 16}, {3, 17, 9, 33}, {1, 64, 70, 65}, {2, 5, 129, 4}}
	for _, sz := range sizes {
		nb, m, k, n := sz[0], sz[1], sz[2], sz[3]
		a := randT(uint64(m*k), -1, 1, nb, m, k).Detach()
		b := randT(uint64(k*n+1), -1, 1, nb, k, n).Detach()
		want := naiveMatmul(a.Float64s(), b.Float64s(), nb, m, k, n)
		for _, dt := range []DType{Float64, Float32} {
			for _, tr := range []bool{false, true} {
				t.Run(fmt.Sprintf("%v/%v/transposed=%v", sz, dt, tr), func(t *testing.T) {
					x, y := a.To(dt), b.To(dt)
					if tr {
						x = x.MT().Contiguous().MT()
						y = y.MT().Contiguous().MT()
					}
					tol := 1e-12
					if dt == Float32 {
						tol = 1e-5 * float64(k)
					}
					assertClose(t, "matmul", x.Matmul(y), []int{nb, m, n}, want, tol, tol)
				})
			}
		}
	}
}

func TestMatmulGradFns(t *testing.T) {
	a := Ones([]int{2, 3}).SetRequiresGrad(true)
	if got := a.Mm(Ones([]int{3, 2})).GradFn(); got != "MmBackward0" {
		t.Errorf("mm grad_fn %q, want MmBackward0", got)
	}
	b := Ones([]int{2, 2, 3}).SetRequiresGrad(true)
	if got := b.Bmm(Ones([]int{2, 3, 1})).GradFn(); got != "BmmBackward0" {
		t.Errorf("bmm grad_fn %q, want BmmBackward0", got)
	}
}

func TestMatmulErrors(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"scalar", func() { Scalar(1.0).Matmul(Ones([]int{2})) }, "both arguments to matmul need to be at least 1D, but they are 0D and 1D"},
		{"dot_sizes", func() { Ones([]int{3}).Matmul(Ones([]int{4})) }, "inconsistent tensor size, expected tensors [3] and [4] to have the same number of elements, but got 3 and 4 elements respectively"},
		{"mm_sizes", func() { Ones([]int{2, 3}).Matmul(Ones([]int{4, 5})) }, "matmul: shapes [2 3] and [4 5] are not aligned: 3 != 4"},
		{"batched_sizes", func() { Ones([]int{2, 2, 3}).Matmul(Ones([]int{2, 4, 5})) }, "shapes [2 2 3] and [2 4 5] are not aligned: 3 != 4"},
		{"batch_broadcast", func() { Ones([]int{2, 2, 3}).Matmul(Ones([]int{3, 3, 5})) }, "the size of tensor a (2) must match the size of tensor b (3)"},
		{"int", func() { Ones([]int{2, 2}, Int64).Matmul(Ones([]int{2, 2}, Int64)) }, "integer and bool matrix products are not supported"},
		{"bmm_rank", func() { Ones([]int{2, 3}).Bmm(Ones([]int{3, 2})) }, "batch1 and batch2 must be 3D tensors, got 2D and 2D"},
		{"bmm_batch", func() { Ones([]int{2, 2, 3}).Bmm(Ones([]int{3, 3, 2})) }, "batch1 and batch2 must have the same batch size"},
		{"bmm_inner", func() { Ones([]int{2, 2, 3}).Bmm(Ones([]int{2, 4, 2})) }, "expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4]"},
		{"mm_rank", func() { Ones([]int{2, 3}).Mm(Ones([]int{3})) }, "both arguments must be 2D, got 2D and 1D"},
		{"dot_rank", func() { Ones([]int{2, 3}).Dot(Ones([]int{3})) }, "1D tensors expected, but got 2D and 1D tensors"},
		{"outer_rank", func() { Ones([]int{2, 3}).Outer(Ones([]int{3})) }, "outer expects 1D tensors"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Catch(c.f)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
		})
	}
}
