package parallel

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestForCoversRangeOnce(t *testing.T) {
	for _, workers := range []int{1, 2, 3, 8} {
		old := SetWorkers(workers)
		for _, n := range []int{0, 1, 2, 7, 100, 1001} {
			for _, grain := range []int{0, 1, 3, 64, 5000} {
				hits := make([]int32, n)
				For(n, grain, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						atomic.AddInt32(&hits[i], 1)
					}
				})
				for i, h := range hits {
					if h != 1 {
						t.Fatalf("workers=%d n=%d grain=%d: index %d visited %d times", workers, n, grain, i, h)
					}
				}
			}
		}
		SetWorkers(old)
	}
}

func TestForChunksRespectGrain(t *testing.T) {
	old := SetWorkers(4)
	defer SetWorkers(old)
	var mu sync.Mutex
	var sizes []int
	For(100, 30, func(lo, hi int) {
		mu.Lock()
		sizes = append(sizes, hi-lo)
		mu.Unlock()
	})
	if len(sizes) != 3 {
		t.Fatalf("want 3 chunks of >= 30 items, got %v", sizes)
	}
}

func TestNestedAndConcurrentCallsFinish(t *testing.T) {
	old := SetWorkers(3)
	defer SetWorkers(old)
	var total atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			For(50, 1, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					For(20, 1, func(lo2, hi2 int) { total.Add(int64(hi2 - lo2)) })
				}
			})
		}()
	}
	wg.Wait()
	if got := total.Load(); got != 8*50*20 {
		t.Fatalf("total = %d, want %d", got, 8*50*20)
	}
}

func TestDoRunsEveryTask(t *testing.T) {
	old := SetWorkers(4)
	defer SetWorkers(old)
	seen := make([]int32, 37)
	Do(37, func(i int) { atomic.AddInt32(&seen[i], 1) })
	for i, s := range seen {
		if s != 1 {
			t.Fatalf("task %d ran %d times", i, s)
		}
	}
}

type typedPanic struct{ msg string }

func TestPanicReachesCallerWithItsType(t *testing.T) {
	old := SetWorkers(4)
	defer SetWorkers(old)
	defer func() {
		r := recover()
		if p, ok := r.(*typedPanic); !ok || p.msg != "boom" {
			t.Fatalf("recovered %#v, want *typedPanic{boom}", r)
		}
	}()
	For(100, 1, func(lo, hi int) {
		if lo > 0 {
			panic(&typedPanic{"boom"})
		}
	})
	t.Fatal("For returned without panicking")
}

func BenchmarkForOverhead(b *testing.B) {
	var sink atomic.Int64
	for b.Loop() {
		For(1024, 1, func(lo, hi int) { sink.Add(int64(hi - lo)) })
	}
}
