package cuda

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu"
	"github.com/emberdl/ember/backend/cuda/alloc"
)

func TestFreeReturnsMemoryOnce(t *testing.T) {
	b, _ := recBackend(t, 1<<30)
	before := b.MemoryStats().Allocated
	buf := b.Alloc(backend.Float32, 1000)
	if got := b.MemoryStats().Allocated - before; got != 4096 {
		t.Fatalf("1000 float32 allocated %d bytes, want 4096 (rounded to 512)", got)
	}
	if err := Free(buf); err != nil {
		t.Fatal(err)
	}
	if err := Free(buf); err != nil {
		t.Errorf("second Free: %v", err)
	}
	if got := b.MemoryStats().Allocated; got != before {
		t.Errorf("after Free %d bytes allocated, want %d", got, before)
	}
	if !buf.(*Buffer).Freed() {
		t.Error("Freed() is false after Free")
	}
	defer func() {
		r := recover()
		if s, ok := r.(string); !ok || !strings.Contains(s, "freed buffer") {
			t.Errorf("using a freed buffer panicked with %v", r)
		}
	}()
	b.Fill(backend.Dense(buf, 1000), 1)
}

func TestFreeRejectsOtherBuffers(t *testing.T) {
	if err := Free(cpu.New().Alloc(backend.Float32, 3)); err == nil || !strings.Contains(err.Error(), "not a CUDA buffer") {
		t.Errorf("Free of a CPU buffer: %v", err)
	}
}

func TestUnreachableBuffersAreFreedByTheCollector(t *testing.T) {
	b, _ := recBackend(t, 1<<30)
	before := b.MemoryStats()
	for range 20 {
		b.Alloc(backend.Float64, 10_000) // dropped at once
	}
	deadline := time.Now().Add(5 * time.Second)
	for b.MemoryStats().Allocated != before.Allocated && time.Now().Before(deadline) {
		collectGarbage()
	}
	st := b.MemoryStats()
	if st.Allocated != before.Allocated {
		t.Errorf("after collection %d bytes still allocated, want %d", st.Allocated, before.Allocated)
	}
	if st.Frees-before.Frees != 20 {
		t.Errorf("%d frees, want 20", st.Frees-before.Frees)
	}
}

func TestOutOfMemoryCollectsGarbageThenReports(t *testing.T) {
	const seg = 12 << 20 // at least 10 MiB: a segment of its own
	b, _ := recBackend(t, 5*seg)
	for range 5 {
		b.Alloc(backend.Uint8, seg) // unreachable at once, but not yet collected
	}
	// The device is full of garbage: the allocator empties its cache,
	// runs the collector, and succeeds.
	held := make([]backend.Buffer, 0, 5)
	for range 5 {
		held = append(held, b.Alloc(backend.Uint8, seg))
	}
	if st := b.MemoryStats(); st.OOMHooks == 0 {
		t.Errorf("no out-of-memory hook ran: %+v", st)
	}
	// Now the memory is really in use: the failure is an *OpError wrapping
	// alloc.ErrOutOfMemory, with the sizes.
	err := catchOp(t, func() { b.Alloc(backend.Uint8, seg) })
	var oom *alloc.OOMError
	if err == nil || !errors.Is(err, alloc.ErrOutOfMemory) || !errors.As(err, &oom) || err.Op != "Alloc" {
		t.Fatalf("allocation beyond the device: %v", err)
	}
	if oom.Requested != seg || oom.Allocated != 5*seg || !strings.Contains(err.Error(), "12.00 MiB") {
		t.Errorf("OOM error %+v: %v", oom, err)
	}
	runtime.KeepAlive(held)
}

func TestDeviceChecksOfViews(t *testing.T) {
	b1, _ := recBackend(t, 1<<30)
	b2, _ := recBackend(t, 1<<30)
	x := b1.Alloc(backend.Float32, 4)
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"another device", func() { b2.Fill(backend.Dense(x, 4), 0) }, "used on"},
		{"a CPU buffer", func() { b1.Fill(backend.Dense(cpu.New().Alloc(backend.Float32, 4), 4), 0) }, "not a CUDA buffer"},
		{"shapes", func() { b1.Copy(backend.Dense(x, 4), backend.Dense(x, 2, 2)) }, "shapes"},
	} {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.Contains(s, c.want) {
					t.Errorf("%s: panic %v, want one mentioning %q", c.name, r, c.want)
				}
			}()
			c.f()
		}()
	}
}
