package cuda

import (
	"errors"
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

// TestConcurrentProfileAndIndexChecks: with the profile on, goroutines
// queue kernels, GEMMs and index ops (one of them with a bad index) while
// another reads the profile; the counts add up and only the goroutine
// whose index was bad sees the error (run it with -race).
func TestConcurrentProfileAndIndexChecks(t *testing.T) {
	b, _ := recBackend(t, 1<<30)
	b.SetProfiling(true)
	defer b.SetProfiling(false)
	var wg sync.WaitGroup
	const workers, iters = 6, 4
	bad := make(chan error, workers*iters)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range iters {
				x := backend.Dense(b.FromHost(backend.Float32, []float32{1, 2, 3, 4}), 2, 2)
				y := backend.Dense(b.Alloc(backend.Float32, 4), 2, 2)
				b.Unary(backend.AddScalar, y, x, 1, 0)
				m := backend.Dense(b.Alloc(backend.Float32, 4), 1, 2, 2)
				b.Matmul(m, backend.View{Buf: y.Buf, Shape: []int{1, 2, 2}, Strides: []int{4, 2, 1}}, backend.View{Buf: x.Buf, Shape: []int{1, 2, 2}, Strides: []int{4, 2, 1}}, 0)
				i := int64(1)
				if g == 0 && it == iters-1 {
					i = 7 // out of range
				}
				idx := backend.Dense(b.FromHost(backend.Int64, []int64{i}), 1)
				sel := backend.Dense(b.Alloc(backend.Float32, 2), 1, 2)
				b.IndexSelect(sel, backend.Dense(m.Buf, 2, 2), 0, idx)
				func() {
					defer func() {
						if r := recover(); r != nil {
							if e, ok := r.(*OpError); ok && errors.Is(e, ErrIndexOutOfRange) {
								bad <- e
								return
							}
							panic(r)
						}
					}()
					got := make([]float32, 2)
					b.ToHost(sel, got)
				}()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 3 {
			if _, err := b.Profile(); err != nil {
				t.Error(err)
			}
		}
	}()
	wg.Wait()
	close(bad)
	n := 0
	for range bad {
		n++
	}
	// The flag is shared: the bad index is reported once, to whichever
	// goroutine waits first after it was queued.
	if n != 1 {
		t.Errorf("%d goroutines saw the bad index, want 1", n)
	}
	prof, err := b.Profile()
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	for _, e := range prof {
		calls += e.Calls
	}
	if calls < workers*iters*3 {
		t.Errorf("profile counted %d calls, want at least %d", calls, workers*iters*3)
	}
}
