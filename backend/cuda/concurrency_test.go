package cuda

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/emberdl/ember/backend"
)

// TestConcurrentOps runs transfers, kernels, GEMMs and fallbacks from
// several goroutines at once (run it with -race): each goroutine's results
// must be its own.
func TestConcurrentOps(t *testing.T) {
	b, _ := recBackend(t, 1<<30)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range 5 {
				base := float32(g*100 + it)
				x := backend.Dense(b.FromHost(backend.Float32, []float32{base, base + 1, base + 2, base + 3}), 2, 2)
				y := backend.Dense(b.Alloc(backend.Float32, 4), 2, 2)
				b.Unary(backend.AddScalar, y, x, 1, 0)
				m := backend.Dense(b.Alloc(backend.Float32, 4), 1, 2, 2)
				eye := backend.Dense(b.FromHost(backend.Float32, []float32{1, 0, 0, 1}), 1, 2, 2)
				b.Matmul(m, backend.View{Buf: y.Buf, Shape: []int{1, 2, 2}, Strides: []int{4, 2, 1}}, eye, 0)
				s := backend.Dense(b.Alloc(backend.Float32, 4), 2, 2)
				idx := backend.Dense(b.Alloc(backend.Int64, 4), 2, 2)
				b.Sort(s, idx, backend.Dense(m.Buf, 2, 2), 1, true) // host fallback
				got := make([]float32, 4)
				b.ToHost(s, got)
				want := []float32{base + 2, base + 1, base + 4, base + 3}
				if !slices.Equal(got, want) {
					errs <- fmt.Errorf("goroutine %d iteration %d: %v, want %v", g, it, got, want)
					return
				}
				Free(x.Buf)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
