package alloc

import (
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/emberdl/ember/backend/cuda/driver"
)

const (
	KiB = 1 << 10
	MiB = 1 << 20
	GiB = 1 << 30
)

func mustMalloc(t *testing.T, a *Allocator, size uint64, s driver.Stream) *Block {
	t.Helper()
	b, err := a.Malloc(size, s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSizeClasses(t *testing.T) {
	for _, tc := range []struct{ req, rounded, segment uint64 }{
		{0, 512, 2 * MiB},
		{1, 512, 2 * MiB},
		{512, 512, 2 * MiB},
		{513, 1024, 2 * MiB},
		{MiB, MiB, 2 * MiB},
		{MiB + 1, MiB + 512, 20 * MiB},
		{10*MiB - 512, 10*MiB - 512, 20 * MiB},
		{10 * MiB, 10 * MiB, 10 * MiB},
		{11 * MiB, 12 * MiB, 12 * MiB}, // a 1 MiB spare is too small to split off in the large pool
		{GiB + 1, GiB + 512, GiB + 2*MiB},
	} {
		d := newFakeDevice(8 * GiB)
		a := New(d, Options{})
		b := mustMalloc(t, a, tc.req, 0)
		if b.Size() != tc.rounded || d.mallocs[0] != tc.segment {
			t.Errorf("Malloc(%d): size %d (want %d), segment %d (want %d)", tc.req, b.Size(), tc.rounded, d.mallocs[0], tc.segment)
		}
	}
}

func TestSmallRequestsShareASegment(t *testing.T) {
	d := newFakeDevice(GiB)
	a := New(d, Options{})
	b1 := mustMalloc(t, a, 1000, 0)
	b2 := mustMalloc(t, a, 1000, 0)
	b3 := mustMalloc(t, a, 3*MiB, 0) // large pool: its own 20 MiB segment
	b4 := mustMalloc(t, a, 5*MiB, 0) // shares it
	if len(d.mallocs) != 2 {
		t.Fatalf("driver allocations %v, want two segments", d.mallocs)
	}
	if b2.Ptr() != b1.Ptr()+1024 || b4.Ptr() != b3.Ptr()+3*MiB {
		t.Errorf("blocks not carved consecutively: %#x %#x, %#x %#x", b1.Ptr(), b2.Ptr(), b3.Ptr(), b4.Ptr())
	}
	s := a.Stats()
	if s.Allocated != 2048+8*MiB || s.Requested != 2000+8*MiB || s.Reserved != 22*MiB || s.Segments != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestBestFitSplitAndCoalesce(t *testing.T) {
	d := newFakeDevice(GiB)
	a := New(d, Options{})
	A := mustMalloc(t, a, 4*KiB, 0)
	B := mustMalloc(t, a, KiB, 0)
	C := mustMalloc(t, a, 16*KiB, 0)
	D := mustMalloc(t, a, KiB, 0)
	a.Free(A)
	a.Free(C)
	// 3 KiB fits A (4 KiB) better than C (16 KiB) or the segment's tail.
	E := mustMalloc(t, a, 3*KiB, 0)
	if E.Ptr() != A.Ptr() {
		t.Errorf("3 KiB went to %#x, want A's %#x", E.Ptr(), A.Ptr())
	}
	F := mustMalloc(t, a, 10*KiB, 0)
	if F.Ptr() != C.Ptr() {
		t.Errorf("10 KiB went to %#x, want C's %#x", F.Ptr(), C.Ptr())
	}
	if a.Stats().CacheHits != 5 || len(d.mallocs) != 1 { // all but A came from the segment
		t.Errorf("stats %+v, driver %v", a.Stats(), d.mallocs)
	}
	// Free everything: the segment must coalesce into one block and go back
	// to the driver on EmptyCache.
	for _, b := range []*Block{B, D, E, F} {
		if err := a.Free(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.EmptyCache(); err != nil {
		t.Fatal(err)
	}
	if len(d.live) != 0 || a.Stats().Reserved != 0 || a.Stats().Segments != 0 {
		t.Errorf("after EmptyCache: %d live segments, stats %+v", len(d.live), a.Stats())
	}
}

func TestEmptyCacheKeepsSegmentsInUse(t *testing.T) {
	d := newFakeDevice(GiB)
	a := New(d, Options{})
	keep := mustMalloc(t, a, KiB, 0)
	drop := mustMalloc(t, a, 2*MiB, 0)
	a.Free(drop)
	if err := a.EmptyCache(); err != nil {
		t.Fatal(err)
	}
	if len(d.live) != 1 || d.live[keep.seg.ptr] == 0 {
		t.Errorf("live segments %v; only the one holding the used block should stay", d.live)
	}
}

func TestBlocksStayWithTheirStream(t *testing.T) {
	d := newFakeDevice(GiB)
	a := New(d, Options{})
	b := mustMalloc(t, a, 4*KiB, 1)
	a.Free(b)
	other := mustMalloc(t, a, 4*KiB, 2)
	if other.Ptr() == b.Ptr() || len(d.mallocs) != 2 {
		t.Errorf("stream 2 reused stream 1's block")
	}
	same := mustMalloc(t, a, 4*KiB, 1)
	if same.Ptr() != b.Ptr() || same.Stream() != 1 {
		t.Errorf("stream 1 did not reuse its own block")
	}
}

func TestRecordStreamDelaysReuse(t *testing.T) {
	d := newFakeDevice(GiB)
	a := New(d, Options{})
	b := mustMalloc(t, a, 8*KiB, 1)
	a.RecordStream(b, 2)
	a.RecordStream(b, 2) // recorded once
	a.RecordStream(b, 1) // its own stream: nothing to do
	a.Free(b)
	if len(d.events) != 1 {
		t.Fatalf("%d events recorded, want 1 (stream 2)", len(d.events))
	}
	c := mustMalloc(t, a, 8*KiB, 1)
	if c.Ptr() == b.Ptr() {
		t.Fatal("block reused while stream 2 may still read it")
	}
	d.completeEvents()
	e := mustMalloc(t, a, 8*KiB, 1)
	if e.Ptr() != b.Ptr() {
		t.Errorf("block not reused after its event completed: got %#x, want %#x", e.Ptr(), b.Ptr())
	}
	if len(d.events) != 0 {
		t.Errorf("%d events not destroyed", len(d.events))
	}
}

// Two neighbouring blocks whose cross-stream events complete together must
// merge once, not twice.
func TestNeighboursReleasedTogether(t *testing.T) {
	d := newFakeDevice(GiB)
	a := New(d, Options{})
	x := mustMalloc(t, a, 4*KiB, 0)
	y := mustMalloc(t, a, 4*KiB, 0)
	keep := mustMalloc(t, a, 4*KiB, 0)
	for _, b := range []*Block{x, y} {
		a.RecordStream(b, 3)
		a.Free(b)
	}
	d.completeEvents()
	z := mustMalloc(t, a, 8*KiB, 0) // processes the pending frees
	if err := checkPools(a); err != nil {
		t.Fatal(err)
	}
	if z.Ptr() != x.Ptr() {
		t.Errorf("8 KiB went to %#x, want the merged %#x", z.Ptr(), x.Ptr())
	}
	a.Free(keep)
}

func TestOOMFreesCacheThenRetries(t *testing.T) {
	d := newFakeDevice(40 * MiB)
	a := New(d, Options{})
	b := mustMalloc(t, a, 15*MiB, 0) // 16 MiB segment
	a.Free(b)                        // cached
	c, err := a.Malloc(30*MiB, 0)    // 16 + 30 > 40: the cache must go
	if err != nil {
		t.Fatal(err)
	}
	if d.frees != 1 || c.Size() != 30*MiB || a.Stats().Reserved != 30*MiB {
		t.Errorf("driver frees %d, stats %+v", d.frees, a.Stats())
	}
}

func TestOOMHookAndFinalError(t *testing.T) {
	d := newFakeDevice(32 * MiB)
	var leaked *Block
	hooks := 0
	var a *Allocator
	a = New(d, Options{OnOOM: func() {
		hooks++
		// What Ember's GC hook achieves: a dropped tensor frees its block.
		if leaked != nil {
			if err := a.Free(leaked); err != nil {
				t.Error(err)
			}
			leaked = nil
		}
	}})
	leaked = mustMalloc(t, a, 20*MiB, 0)
	b, err := a.Malloc(20*MiB, 0)
	if err != nil || hooks != 1 {
		t.Fatalf("Malloc after the hook: %v (hooks %d)", err, hooks)
	}
	// Nothing left to give back: the error must name the sizes.
	_, err = a.Malloc(20*MiB, 0)
	var oom *OOMError
	if !errors.As(err, &oom) || !errors.Is(err, ErrOutOfMemory) || hooks != 2 {
		t.Fatalf("err = %v (hooks %d), want *OOMError", err, hooks)
	}
	if oom.Requested != 20*MiB || oom.Reserved != 20*MiB || oom.Allocated != 20*MiB || oom.DeviceFree != 12*MiB || oom.DeviceTotal != 32*MiB {
		t.Errorf("OOMError fields %+v", oom)
	}
	for _, want := range []string{"allocating 20.00 MiB", "20.00 MiB reserved", "12.00 MiB free of 32.00 MiB"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	a.Free(b)
	if s := a.Stats(); s.OOMs != 1 || s.OOMHooks != 2 || s.Allocated != 0 || s.PeakAllocated != 20*MiB {
		t.Errorf("stats %+v", s)
	}
}

func TestFreeMisuse(t *testing.T) {
	d := newFakeDevice(GiB)
	a, other := New(d, Options{}), New(d, Options{})
	b := mustMalloc(t, a, 100, 0)
	if err := a.Free(b); err != nil {
		t.Fatal(err)
	}
	if err := a.Free(b); err == nil {
		t.Error("double free accepted")
	}
	c := mustMalloc(t, other, 100, 0)
	if err := a.Free(c); err == nil {
		t.Error("free of another allocator's block accepted")
	}
	if err := a.Free(nil); err != nil {
		t.Errorf("Free(nil) = %v", err)
	}
}

func TestRandomWorkloadKeepsInvariants(t *testing.T) {
	d := newFakeDevice(4 * GiB)
	a := New(d, Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	var live []*Block
	sizes := []uint64{1, 700, 4 * KiB, 100 * KiB, MiB, 3 * MiB, 12 * MiB}
	for i := 0; i < 3000; i++ {
		if len(live) > 0 && rng.IntN(3) == 0 {
			j := rng.IntN(len(live))
			if err := a.Free(live[j]); err != nil {
				t.Fatal(err)
			}
			live = append(live[:j], live[j+1:]...)
			continue
		}
		b := mustMalloc(t, a, sizes[rng.IntN(len(sizes))]+uint64(rng.IntN(3000)), driver.Stream(rng.IntN(2)))
		live = append(live, b)
		if rng.IntN(4) == 0 {
			a.RecordStream(b, 5)
		}
		if i%50 == 0 {
			d.completeEvents()
		}
		if i%10 == 0 {
			if err := checkNoOverlap(d, append([]*Block(nil), live...)); err != nil {
				t.Fatal(err)
			}
			if err := checkPools(a); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
	}
	var sum uint64
	for _, b := range live {
		sum += b.Size()
	}
	if s := a.Stats(); s.Allocated != sum || s.Reserved < sum || s.PeakReserved < s.Reserved {
		t.Errorf("stats %+v, live total %d", s, sum)
	}
	for _, b := range live {
		a.Free(b)
	}
	if err := a.EmptyCache(); err != nil {
		t.Fatal(err)
	}
	if err := checkPools(a); err != nil {
		t.Fatal(err)
	}
	if len(d.live) != 0 {
		t.Errorf("%d segments left: freed blocks did not coalesce", len(d.live))
	}
}

func TestConcurrentUse(t *testing.T) {
	d := newFakeDevice(8 * GiB)
	a := New(d, Options{})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 9))
			var mine []*Block
			for i := 0; i < 500; i++ {
				if len(mine) > 0 && rng.IntN(2) == 0 {
					a.Free(mine[len(mine)-1])
					mine = mine[:len(mine)-1]
					continue
				}
				b, err := a.Malloc(uint64(rng.IntN(2*MiB)), driver.Stream(g%3))
				if err != nil {
					t.Error(err)
					return
				}
				if g%2 == 0 {
					a.RecordStream(b, driver.Stream(7))
				}
				mine = append(mine, b)
			}
			for _, b := range mine {
				a.Free(b)
			}
		}()
	}
	wg.Wait()
	d.completeEvents()
	if err := a.EmptyCache(); err != nil {
		t.Fatal(err)
	}
	if s := a.Stats(); s.Allocated != 0 || s.Requested != 0 || len(d.live) != 0 || s.Allocs != s.Frees {
		t.Errorf("after everything was freed: stats %+v, %d live segments", s, len(d.live))
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 1023: "1023 B", 1536: "1.50 KiB", 20 * MiB: "20.00 MiB", 80 * GiB: "80.00 GiB"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestCollectBeforeGrowing: once the segments held would pass
// CollectAbove and CollectAfter bytes were handed out since the last
// collection, a request the cache cannot serve runs OnCollect (which frees
// what the program dropped) and is served from the cache instead of a new
// segment.
func TestCollectBeforeGrowing(t *testing.T) {
	d := newFakeDevice(1 << 30)
	dr := &dropper{t: t}
	var a *Allocator
	// Below CollectAbove the allocator grows, however much was handed out.
	a = New(d, Options{CollectAbove: 512 * MiB, CollectAfter: 1 * MiB, OnCollect: dr.collect})
	dr.a = a
	for range 4 {
		dr.drop(mustMalloc(t, a, 30*MiB, 0))
	}
	if s := a.Stats(); s.Collections != 0 || len(d.mallocs) != 4 {
		t.Fatalf("below CollectAbove: %d collections, %d driver allocations", s.Collections, len(d.mallocs))
	}
	dr.collect()
	a.EmptyCache()

	d = newFakeDevice(1 << 30)
	a = New(d, Options{CollectAbove: 64 * MiB, CollectAfter: 40 * MiB, OnCollect: dr.collect})
	dr.a = a
	dr.drop(mustMalloc(t, a, 30*MiB, 0))
	dr.drop(mustMalloc(t, a, 30*MiB, 0)) // 64 MiB held: not above
	if s := a.Stats(); s.Collections != 0 || len(d.mallocs) != 2 {
		t.Fatalf("at CollectAbove: %d collections, %d driver allocations", s.Collections, len(d.mallocs))
	}
	c := mustMalloc(t, a, 30*MiB, 0) // would pass 64 MiB, 64 MiB handed out, a cache miss: collect
	if s := a.Stats(); s.Collections != 1 || len(d.mallocs) != 2 || s.CacheHits != 1 {
		t.Fatalf("above: %d collections, %d driver allocations, %d cache hits", s.Collections, len(d.mallocs), s.CacheHits)
	}
	// Less than CollectAfter handed out since: grow instead.
	e := mustMalloc(t, a, 30*MiB, 0) // the other freed block
	g := mustMalloc(t, a, 30*MiB, 0) // 64 MiB handed out since: collects (nothing dropped), then grows
	h := mustMalloc(t, a, 30*MiB, 0) // 32 MiB since: grows without collecting
	if s := a.Stats(); s.Collections != 2 || len(d.mallocs) != 4 {
		t.Errorf("%d collections, %d driver allocations", s.Collections, len(d.mallocs))
	}
	// A request the cache serves never collects.
	a.Free(h)
	f := mustMalloc(t, a, 30*MiB, 0)
	if s := a.Stats(); s.Collections != 2 || len(d.mallocs) != 4 {
		t.Errorf("a cache hit collected: %d collections, %d driver allocations", s.Collections, len(d.mallocs))
	}
	for _, b := range []*Block{c, e, g, f} {
		a.Free(b)
	}
}

// TestCollectPaced: with CollectPaced, a miss below CollectAbove collects
// once the bytes handed out since the last collection reach both
// CollectAfter and what was in use right after it, so dropped blocks come
// back before the allocator grows.
func TestCollectPaced(t *testing.T) {
	d := newFakeDevice(1 << 30)
	dr := &dropper{t: t}
	var a *Allocator
	a = New(d, Options{CollectAbove: 1 << 30, CollectAfter: 40 * MiB, OnCollect: dr.collect, CollectPaced: true})
	dr.a = a
	live := mustMalloc(t, a, 58*MiB, 0) // kept: in use after every collection
	// Dropped 30 MiB blocks: 58 MiB handed out, a miss: collects (nothing
	// dropped yet), then grows; 58 MiB in use after it.
	dr.drop(mustMalloc(t, a, 30*MiB, 0))
	if s := a.Stats(); s.Collections != 1 {
		t.Fatalf("first miss past CollectAfter: %d collections", s.Collections)
	}
	dr.drop(mustMalloc(t, a, 30*MiB, 0)) // 30 MiB since: grows
	if s := a.Stats(); s.Collections != 1 || len(d.mallocs) != 3 {
		t.Fatalf("below the pace: %d collections, %d driver allocations", s.Collections, len(d.mallocs))
	}
	// 60 MiB handed out since, at least the 58 MiB in use after the last
	// collection: the next miss collects and is served by a dropped block.
	b := mustMalloc(t, a, 30*MiB, 0)
	if s := a.Stats(); s.Collections != 2 || len(d.mallocs) != 3 || s.CacheHits != 1 {
		t.Fatalf("at the pace: %d collections, %d driver allocations, %d cache hits", s.Collections, len(d.mallocs), s.CacheHits)
	}
	// Without CollectPaced the same requests grow the cache instead.
	d2 := newFakeDevice(1 << 30)
	a2 := New(d2, Options{CollectAbove: 1 << 30, CollectAfter: 40 * MiB, OnCollect: func() { t.Error("collected below CollectAbove") }})
	for range 4 {
		mustMalloc(t, a2, 30*MiB, 0)
	}
	a.Free(b)
	a.Free(live)
}

// dropper stands in for the program's collector: collect frees the blocks
// dropped since it last ran.
type dropper struct {
	t       *testing.T
	a       *Allocator
	dropped []*Block
}

func (d *dropper) drop(b *Block) { d.dropped = append(d.dropped, b) }

func (d *dropper) collect() {
	for _, b := range d.dropped {
		if err := d.a.Free(b); err != nil {
			d.t.Error(err)
		}
	}
	d.dropped = nil
}
