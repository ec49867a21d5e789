package cpu

import (
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/emberdl/ember/backend"
)

func TestClassOf(t *testing.T) {
	prevClass, prevSize := -1, 0
	for n := 1; n <= 1<<20; n++ {
		c, size := classOf(n)
		if size < n {
			t.Fatalf("classOf(%d) = size %d, too small", n, size)
		}
		if n > 8 && float64(size) > 1.25*float64(n)+1e-9 {
			t.Fatalf("classOf(%d) = size %d wastes more than 25%%", n, size)
		}
		if c < prevClass || (c == prevClass && size != prevSize) || (c > prevClass && size <= prevSize) {
			t.Fatalf("classOf(%d) = (%d, %d) after (%d, %d): not monotone", n, c, size, prevClass, prevSize)
		}
		if c2, s2 := classOf(size); c2 != c || s2 != size {
			t.Fatalf("classOf(%d) = (%d, %d), but classOf(%d) = (%d, %d)", n, c, size, size, c2, s2)
		}
		prevClass, prevSize = c, size
	}
	for _, tc := range []struct{ n, size int }{{2048, 2048}, {2049, 2560}, {3000, 3072}, {4096, 4096}, {5000, 5120}, {1 << 20, 1 << 20}} {
		if _, size := classOf(tc.n); size != tc.size {
			t.Errorf("classOf(%d) size = %d, want %d", tc.n, size, tc.size)
		}
	}
}

// withPool runs f with an empty pool of the given limit, restoring it after.
func withPool(t *testing.T, limit int64, f func()) {
	t.Helper()
	old := SetPoolLimit(0)
	SetPoolLimit(limit)
	defer SetPoolLimit(old)
	f()
	bufPool.drain()
}

func TestPoolReuseAndRelease(t *testing.T) {
	c := New()
	withPool(t, 1<<30, func() {
		a := c.Alloc(backend.Float32, 1000).(*Buffer)
		if !a.pooled || a.Len() != 1000 {
			t.Fatalf("Alloc(1000 float32): pooled %v, len %d", a.pooled, a.Len())
		}
		if p := uintptr(unsafe.Pointer(&a.F32[0])); p%64 != 0 {
			t.Errorf("pooled buffer at %#x is not 64-byte aligned", p)
		}
		first := &a.F32[0]
		c.Release(a)
		if a.F32 != nil || a.Len() != 0 {
			t.Fatalf("released buffer still has %d elements", a.Len())
		}
		c.Release(a) // a second release does nothing
		if got := Stats().FreeBytes; got != 4096 {
			t.Fatalf("free bytes after release = %d, want 4096", got)
		}
		// Same class, other dtype: the block is reused.
		b := c.Alloc(backend.Int64, 500).(*Buffer)
		if unsafe.Pointer(&b.I64[0]) != unsafe.Pointer(first) {
			t.Errorf("released block was not reused")
		}
		if got := Stats().FreeBytes; got != 0 {
			t.Errorf("free bytes after reuse = %d, want 0", got)
		}
		// Small buffers bypass the pool; Release ignores them and
		// caller-owned buffers.
		s := c.Alloc(backend.Float32, 10).(*Buffer)
		c.Release(s)
		own := NewBuffer(backend.Float32, make([]float32, 4096))
		c.Release(own)
		if s.Len() != 10 || own.Len() != 4096 || s.pooled {
			t.Errorf("Release changed buffers it does not own")
		}
	})
}

// TestPoolLargeBlocksServeSmallerRequests: a large request whose class is
// empty takes a free block of up to twice its size (an inference pass
// frees a big activation and asks for one half as large right after);
// small requests and blocks more than twice as large are not mixed.
func TestPoolLargeBlocksServeSmallerRequests(t *testing.T) {
	c := New()
	withPool(t, 1<<30, func() {
		const mib = 1 << 20
		big := c.Alloc(backend.Float32, 24*mib/4).(*Buffer) // 24 MiB
		first := &big.F32[0]
		c.Release(big)
		half := c.Alloc(backend.Float32, 12*mib/4+100).(*Buffer) // just over 12 MiB
		if &half.F32[0] != first || half.Len() != 12*mib/4+100 {
			t.Fatalf("a 12 MiB request did not take the free 24 MiB block")
		}
		c.Release(half)
		// It went back to its own class: a 24 MiB request gets it.
		again := c.Alloc(backend.Float32, 24*mib/4).(*Buffer)
		if &again.F32[0] != first {
			t.Fatalf("the block did not go back to its 24 MiB class")
		}
		c.Release(again)
		quarter := c.Alloc(backend.Float32, 6*mib/4).(*Buffer)
		if &quarter.F32[0] == first {
			t.Errorf("a 6 MiB request took a 24 MiB block")
		}
		small := c.Alloc(backend.Float32, 1000).(*Buffer)
		smallAt := &small.F32[0]
		c.Release(small)
		medium := c.Alloc(backend.Float32, 600).(*Buffer)
		if &medium.F32[0] == smallAt {
			t.Errorf("a small request took a larger block")
		}
	})
}

func TestPoolBoolsStartFalse(t *testing.T) {
	c := New()
	withPool(t, 1<<30, func() {
		f := c.Alloc(backend.Uint8, 4096).(*Buffer)
		for i := range f.U8 {
			f.U8[i] = 0xff
		}
		c.Release(f)
		b := c.Alloc(backend.Bool, 4096).(*Buffer)
		for i, v := range b.B {
			if v {
				if !poisoning {
					t.Fatalf("bool element %d of a recycled block is true", i)
				}
			} else if poisoning {
				t.Fatalf("poisoned bool element %d is false", i)
			}
		}
	})
}

func TestPoolLimit(t *testing.T) {
	c := New()
	withPool(t, 8192, func() {
		bufs := []backend.Buffer{c.Alloc(backend.Float32, 1024), c.Alloc(backend.Float32, 1024), c.Alloc(backend.Float32, 1024)}
		for _, b := range bufs {
			c.Release(b)
		}
		if got := Stats().FreeBytes; got != 8192 {
			t.Fatalf("free bytes = %d, want the limit 8192", got)
		}
	})
}

func TestPoolCollectsUnreachable(t *testing.T) {
	c := New()
	// The loop below may run more collections than the idle limit, which
	// would drop the collected blocks before they are counted.
	defer idleCycles.Store(idleCycles.Swap(1 << 40))
	withPool(t, 1<<30, func() {
		before := Stats().Collected
		for range 10 {
			c.Alloc(backend.Float64, 4096)
		}
		deadline := time.Now().Add(5 * time.Second)
		for Stats().Collected-before < 10 {
			if time.Now().After(deadline) {
				t.Fatalf("only %d of 10 unreachable buffers came back", Stats().Collected-before)
			}
			runtime.GC()
			time.Sleep(time.Millisecond)
		}
		if got := Stats().FreeBytes; got < 10*32768 {
			t.Errorf("free bytes = %d after collecting 10 blocks of 32 KiB", got)
		}
	})
}

// waitCycles runs collections until the pool has seen n more of them.
func waitCycles(t *testing.T, n int64) {
	t.Helper()
	target := gcCycles.Load() + n
	deadline := time.Now().Add(10 * time.Second)
	for gcCycles.Load() < target {
		if time.Now().After(deadline) {
			t.Fatalf("the pool saw %d collection cycles in 10 s, want %d", gcCycles.Load()-(target-n), n)
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}

func TestPoolDropsIdleBlocks(t *testing.T) {
	c := New()
	withPool(t, 1<<30, func() {
		idle := c.Alloc(backend.Float32, 3<<20).(*Buffer) // 12 MiB, asked for once
		busy := c.Alloc(backend.Float32, 1<<20).(*Buffer)
		c.Release(idle)
		c.Release(busy)
		const idleBytes, busyBytes = 12 << 20, 4 << 20
		if got := Stats().FreeBytes; got != idleBytes+busyBytes {
			t.Fatalf("free bytes = %d, want %d", got, idleBytes+busyBytes)
		}
		// A block reused every cycle stays; the other goes after idleCycles.
		for range defaultIdleCycles + 2 {
			b := c.Alloc(backend.Float32, 1<<20)
			c.Release(b)
			waitCycles(t, 1)
		}
		if got := Stats().FreeBytes; got != busyBytes {
			t.Fatalf("free bytes after %d cycles = %d, want only the busy block's %d", defaultIdleCycles+2, got, busyBytes)
		}
	})
}
