package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refColMajor is BLAS's xGEMM by its definition: column-major, op applied
// per operand, C = alpha·op(A)·op(B) + beta·C.
func refColMajor(ta, tb Operation, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	at := func(i, l int) float64 {
		if ta == OpN {
			return a[i+l*lda]
		}
		return a[l+i*lda]
	}
	bt := func(l, j int) float64 {
		if tb == OpN {
			return b[l+j*ldb]
		}
		return b[j+l*ldb]
	}
	for j := 0; j < n; j++ {
		for i := 0; i < m; i++ {
			s := 0.0
			for l := 0; l < k; l++ {
				s += at(i, l) * bt(l, j)
			}
			c[i+j*ldc] = alpha*s + beta*c[i+j*ldc]
		}
	}
}

func TestRowMajorPlanMatchesDirectProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		m, n, k, pad, batch int
		ta, tb              bool
	}{
		{3, 5, 4, 0, 1, false, false},
		{3, 5, 4, 2, 1, true, false},
		{3, 5, 4, 1, 1, false, true},
		{6, 2, 7, 3, 1, true, true},
		{1, 1, 1, 0, 1, false, false},
		{4, 3, 2, 0, 3, false, true},
		{2, 4, 3, 1, 2, true, true},
	} {
		t.Run(fmt.Sprintf("%+v", tc), func(t *testing.T) {
			ar, ac := stored(tc.m, tc.k, tc.ta)
			br, bc := stored(tc.k, tc.n, tc.tb)
			g := Gemm{M: tc.m, N: tc.n, K: tc.k, TransA: tc.ta, TransB: tc.tb,
				LDA: ac + tc.pad, LDB: bc + tc.pad, LDC: tc.n + tc.pad, Batch: tc.batch}
			g.StrideA, g.StrideB, g.StrideC = int64(ar*g.LDA+5), int64(br*g.LDB+1), int64(tc.m*g.LDC+2)
			batch := max(tc.batch, 1)
			A := randSlice(rng, int(g.StrideA)*batch)
			B := randSlice(rng, int(g.StrideB)*batch)
			C0 := randSlice(rng, int(g.StrideC)*batch)
			const alpha, beta = 1.5, -0.5

			// Direct row-major product.
			want := append([]float64(nil), C0...)
			for p := 0; p < batch; p++ {
				oa, ob, oc := p*int(g.StrideA), p*int(g.StrideB), p*int(g.StrideC)
				for i := 0; i < tc.m; i++ {
					for j := 0; j < tc.n; j++ {
						s := 0.0
						for l := 0; l < tc.k; l++ {
							var x, y float64
							if tc.ta {
								x = A[oa+l*g.LDA+i]
							} else {
								x = A[oa+i*g.LDA+l]
							}
							if tc.tb {
								y = B[ob+j*g.LDB+l]
							} else {
								y = B[ob+l*g.LDB+j]
							}
							s += x * y
						}
						want[oc+i*g.LDC+j] = alpha*s + beta*want[oc+i*g.LDC+j]
					}
				}
			}

			// The column-major call cuBLAS would receive: first operand is B.
			cm, err := g.plan()
			if err != nil {
				t.Fatal(err)
			}
			if cm.batch != batch {
				t.Fatalf("batch = %d", cm.batch)
			}
			got := append([]float64(nil), C0...)
			for p := 0; p < batch; p++ {
				refColMajor(cm.transa, cm.transb, cm.m, cm.n, cm.k, alpha,
					B[p*int(cm.strideA):], cm.lda, A[p*int(cm.strideB):], cm.ldb,
					beta, got[p*int(g.StrideC):], cm.ldc)
			}
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-12 {
					t.Fatalf("element %d: got %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.Float64()*2 - 1
	}
	return s
}

func TestPlanRejectsBadShapes(t *testing.T) {
	for _, g := range []Gemm{
		{M: 0, N: 1, K: 1},
		{M: 1, N: 1, K: -1},
		{M: 2, N: 3, K: 4, LDA: 3},               // A is 2×4: ld 3 < 4
		{M: 2, N: 3, K: 4, TransB: true, LDB: 3}, // B stored 3×4
		{M: 2, N: 3, K: 4, LDC: 2},               // C is 2×3
		{M: 1 << 31, N: 1, K: 1},                 // beyond int32
	} {
		if _, err := g.plan(); err == nil {
			t.Errorf("plan(%+v) accepted", g)
		}
	}
}
