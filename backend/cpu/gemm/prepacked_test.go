package gemm

import (
	"strings"
	"testing"

	"github.com/emberdl/ember/internal/parallel"
)

// viaPacked is a gemmFunc that packs B first and multiplies with the
// packed form, twice, so that a packed B reused is checked too.
func viaPackedS(m, n, k int, alpha float32, a []float32, rsa, csa int, b []float32, rsb, csb int, beta float32, c []float32, rsc, csc int) {
	pb := PackS(k, n, b, rsb, csb)
	if pb.K() != k || pb.N() != n {
		panic("packed sizes")
	}
	SgemmPacked(m, alpha, a, rsa, csa, pb, beta, c, rsc, csc)
}

func viaPackedD(m, n, k int, alpha float64, a []float64, rsa, csa int, b []float64, rsb, csb int, beta float64, c []float64, rsc, csc int) {
	DgemmPacked(m, alpha, a, rsa, csa, PackD(k, n, b, rsb, csb), beta, c, rsc, csc)
}

func TestPackedB(t *testing.T) {
	defer func(w int) { parallelMinWork = w }(parallelMinWork)
	shapes := []product{
		{64, 1024, 256, 1, 1, "row", "row", "row"}, // an LSTM step: flat path
		{7, 33, 17, 1, 0, "row", "col", "row"},
		{1, 1, 1, 2, 0, "row", "row", "row"},
		{300, 70, 513, -1, 0.5, "col", "row", "rowgap"}, // blocked path, several depth blocks
		{400, 4100, 20, 1, 0, "row", "rowgap", "row"},   // several column blocks
		{17, 300, 1, 1, 0, "row", "col", "col"},
		{0, 5, 5, 1, 0, "row", "row", "row"}, {5, 0, 5, 1, 0, "row", "row", "row"}, {5, 5, 0, 1, 0.5, "row", "row", "row"},
	}
	for _, threads := range []int{1, 2} {
		old := parallel.SetWorkers(threads)
		parallelMinWork = 1 << 10 // send small products down the parallel paths
		for _, kc := range sweepKernelCases() {
			withKernels(t, kc, func(t *testing.T) {
				for _, p := range shapes {
					if err := runProduct(viaPackedS, p, 11); err != nil {
						t.Fatalf("%d threads: SgemmPacked %v: %v", threads, p, err)
					}
					if err := runProduct(viaPackedD, p, 12); err != nil {
						t.Fatalf("%d threads: DgemmPacked %v: %v", threads, p, err)
					}
				}
			})
		}
		parallel.SetWorkers(old)
	}
}

func TestPackedBReusedAndChecked(t *testing.T) {
	const m, n, k = 9, 30, 40
	b := randSlice[float32](k*n, 3)
	pb := PackS(k, n, b, n, 1)
	for i := range 3 { // one packed B, several products: each as Sgemm computes it
		a := randSlice[float32](m*k, uint64(10+i))
		got, want := make([]float32, m*n), make([]float32, m*n)
		SgemmPacked(m, 1, a, k, 1, pb, 0, got, n, 1)
		Sgemm(m, n, k, 1, a, k, 1, b, n, 1, 0, want, n, 1)
		for j := range got {
			if d := got[j] - want[j]; d > 1e-4 || d < -1e-4 {
				t.Fatalf("product %d, element %d: packed %v, Sgemm %v", i, j, got[j], want[j])
			}
		}
	}
	for name, f := range map[string]func(){
		"negative": func() { PackS(-1, 3, nil, 3, 1) },
		"short B":  func() { PackS(4, 4, make([]float32, 15), 4, 1) },
		"short A":  func() { SgemmPacked(5, 1, make([]float32, 10), 40, 1, pb, 0, make([]float32, 150), 30, 1) },
		"nil":      func() { SgemmPacked(5, 1, nil, 40, 1, nil, 0, nil, 30, 1) },
	} {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.HasPrefix(s, "gemm.") {
					t.Errorf("%s: got panic %v, want a gemm.* message", name, r)
				}
			}()
			f()
		}()
	}
}
