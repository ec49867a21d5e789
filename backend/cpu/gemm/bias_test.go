package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/emberdl/ember/internal/parallel"
)

type biasFunc[T float] func(m, n, k int, alpha T, a []T, rsa, csa int, b []T, rsb, csb int, bias, c []T, rsc, csc int)

// runBiasProduct checks C = alpha·A·B + bias (bias[j] on column j) against
// the reference, with C's old contents NaN (never read) and the bias
// slice longer than n with NaN past it (never read either).
func runBiasProduct[T float](f biasFunc[T], p product, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, uint64(p.m*1000003+p.n*1009+p.k)))
	la, lb, lc := makeLayout(p.la, p.m, p.k), makeLayout(p.lb, p.k, p.n), makeLayout(p.lc, p.m, p.n)
	a := fill[T](r, la, T(math.NaN()))
	b := fill[T](r, lb, T(math.NaN()))
	bias := make([]T, p.n+16)
	for j := range bias {
		bias[j] = T(math.NaN())
		if j < p.n {
			bias[j] = T(4*r.Float64() - 2)
		}
	}
	pad := T(-7.25)
	c := fill[T](r, lc, pad)
	start := append([]T(nil), c...) // the reference's C: every row the bias
	for i := 0; i < p.m; i++ {
		for j := 0; j < p.n; j++ {
			start[lc.at(i, j)] = bias[j]
			c[lc.at(i, j)] = T(math.NaN())
		}
	}
	want, mag := refProduct(p.m, p.n, p.k, p.alpha, a, la, b, lb, 1, start, lc)
	f(p.m, p.n, p.k, T(p.alpha), a[la.off:], la.rs, la.cs, b[lb.off:], lb.rs, lb.cs, bias, c[lc.off:], lc.rs, lc.cs)
	return compareC(c, lc, want, mag, p.k, pad)
}

// TestGemmBias checks SgemmBias and DgemmBias on every kernel, layout and
// path: flat and blocked, A packed by its first panel, orientation kept
// (the kernels add the bias) and swapped (C starts as the bias), one and
// two workers, and the degenerate k = 0 and alpha = 0.
func TestGemmBias(t *testing.T) {
	shapes := []product{
		{13, 37, 300, 1, 0, "row", "row", "row"},        // flat, depth blocks after the first
		{20, 50, 9, -1, 0, "col", "row", "col"},         // flat, A transposed, C column-major
		{200, 45, 70, 0.5, 0, "row", "rowgap", "row"},   // blocked
		{160, 90, 260, 1, 0, "colgap", "row", "rowgap"}, // blocked, two depth blocks
		{150, 70, 40, 2, 0, "col", "row", "row"},        // blocked, A transposed
		{64, 1024, 256, 1, 0, "row", "col", "row"},      // a linear layer's x·Wᵀ
		{7, 16, 0, 1, 0, "row", "row", "row"},           // k = 0: C is the bias
		{7, 16, 5, 0, 0, "row", "row", "row"},           // alpha = 0
		{1, 1, 1, 1, 0, "row", "row", "row"},
	}
	defer func(o, w, pm int) { orientation, parallelMinWork, packAFirstMinBytes = o, w, pm }(orientation, parallelMinWork, packAFirstMinBytes)
	parallelMinWork = 1 << 10
	packAFirstMinBytes = 0
	for _, kc := range sweepKernelCases() {
		withKernels(t, kc, func(t *testing.T) {
			for _, o := range []int{orientAuto, orientKeep, orientSwap} {
				orientation = o
				for _, workers := range []int{1, 2} {
					old := parallel.SetWorkers(workers)
					for i, p := range shapes {
						name := fmt.Sprintf("orientation %d, %d workers, %v", o, workers, p)
						if err := runBiasProduct(SgemmBias, p, uint64(i)); err != nil {
							t.Errorf("SgemmBias %s: %v", name, err)
						}
						if err := runBiasProduct(DgemmBias, p, uint64(i)); err != nil {
							t.Errorf("DgemmBias %s: %v", name, err)
						}
					}
					parallel.SetWorkers(old)
				}
			}
		})
	}
}

// TestGemmBiasShort checks that a bias shorter than C's rows is refused
// with a message naming it.
func TestGemmBiasShort(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "bias has 3 elements") {
			t.Fatalf("panic %v, want one naming the bias", r)
		}
	}()
	SgemmBias(2, 4, 1, 1, make([]float32, 2), 1, 1, make([]float32, 4), 4, 1, make([]float32, 3), make([]float32, 8), 4, 1)
}
