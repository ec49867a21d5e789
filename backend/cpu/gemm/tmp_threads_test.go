package gemm

import (
	"fmt"
	"testing"

	"github.com/emberdl/ember/internal/parallel"
)

func BenchmarkTmpThreads(b *testing.B) {
	for _, n := range []int{1024, 2048} {
		for _, w := range []int{1, 2} {
			b.Run(fmt.Sprintf("n%d-w%d", n, w), func(b *testing.B) {
				old := parallel.SetWorkers(w)
				defer parallel.SetWorkers(old)
				a, bm, c := randSlice[float32](n*n, 1), randSlice[float32](n*n, 2), make([]float32, n*n)
				for b.Loop() {
					Sgemm(n, n, n, 1, a, n, 1, bm, n, 1, 0, c, n, 1)
				}
				reportGFLOPs(b, n*n*n)
			})
		}
	}
}
