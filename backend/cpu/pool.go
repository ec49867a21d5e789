package cpu

import (
	"math/bits"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/internal/gcwait"
)

// The buffer pool. Buffers of at least minPooledBytes come from size
// classes (four per doubling, so at most 25% is wasted) whose free blocks
// are kept and reused: a training step that allocates the same tensors
// every step then takes its memory from the pool instead of the Go heap.
//
// A block goes back to its class in one of two ways:
//
//   - Release: the caller (the ember engine, or a kernel for its scratch
//     memory) knows the buffer is dead and hands it back at once.
//   - A cleanup (runtime.AddCleanup) attached to the *Buffer: when the
//     garbage collector finds the Buffer unreachable, its block returns.
//
// The pool holds at most poolLimit bytes of free blocks; blocks beyond that
// are left to the garbage collector. A released Buffer has its slices set to
// nil, so a use after release panics instead of reading reused memory.
//
// Memory handed out by the pool is not new heap memory, so it does not by
// itself make the garbage collector run, and without collections the
// cleanups never return dropped buffers. So the pool counts the bytes it
// hands out (less those released): past gcTrigger since the last
// collection it starts one in the background. Fresh memory is costly
// (every page faults on first touch), so reuse pays for the collections.

// minPooledBytes is the smallest buffer the pool serves: smaller ones cost
// less to allocate than to track.
const minPooledBytes = 2048

// subClasses is the number of size classes per doubling.
const subClasses = 4

// numClasses covers sizes up to 2^47 bytes.
const numClasses = 48 * subClasses

// freeBlock is a block in a free list with the collection cycle in which
// it was put there.
type freeBlock struct {
	blk   []byte
	cycle int64
}

// idleCycles is how many whole collection cycles a free block may sit
// unused before the pool drops it to the garbage collector. A training
// loop reuses its blocks every step, between collections; blocks of a size
// that stopped being asked for (an evaluation pass in large batches, the
// temporaries of loading a data set) would otherwise hold memory for the
// rest of the process, while the Go heap can reuse it for other sizes.
// Atomic so that tests counting free bytes across collections can raise it.
var idleCycles atomic.Int64

const defaultIdleCycles = 4

// pool is the process-wide set of free blocks by size class.
type pool struct {
	mu    sync.Mutex
	free  [numClasses][]freeBlock // oldest first
	bytes int64                   // bytes held in free lists
	limit int64                   // most bytes held; more goes to the garbage collector

	// Counters, for tests and benchmarks.
	hits, misses, releases, collected atomic.Int64
}

var bufPool = &pool{limit: 1 << 30}

// gcTrigger is how many bytes handed out (and not released) since the last
// collection make the pool start one.
const gcTrigger = 64 << 20

var (
	gcPending atomic.Int64 // bytes handed out since the last collection, less releases
	gcRunning atomic.Bool  // a collection started by the pool is under way
	gcCycles  atomic.Int64 // collections seen
)

func init() {
	idleCycles.Store(defaultIdleCycles)
	armGCSentinel()
}

// armGCSentinel makes an object whose cleanup runs once the next
// collection finds it unreachable: it notes the cycle and arms the next.
func armGCSentinel() {
	s := new([4]uint64)
	runtime.AddCleanup(s, func(int) {
		cycle := gcCycles.Add(1)
		gcPending.Store(0)
		bufPool.trim(cycle - idleCycles.Load())
		armGCSentinel()
	}, 0)
}

// handedOut counts n bytes given out, starting a background collection
// when enough has gone out since the last one.
func handedOut(n int) {
	if gcPending.Add(int64(n)) > gcTrigger && !gcRunning.Load() && gcRunning.CompareAndSwap(false, true) {
		go func() {
			runtime.GC()
			gcRunning.Store(false)
		}()
	}
}

// classOf returns the size class of a block of at least n bytes and the
// class's block size.
func classOf(n int) (int, int) {
	if n <= 8 {
		return max(n, 1) - 1, max(n, 1) // exact sizes (the pool never sees them)
	}
	// n in (2^e, 2^(e+1)]: classes 2^e·(1 + k/4) for k = 1..4.
	e := bits.Len(uint(n-1)) - 1
	step := 1 << e / subClasses
	k := (n - (1 << e) + step - 1) / step // 1..4
	return e*subClasses + k - 1, 1<<e + k*step
}

// largeReuseBytes: a request of at least this many bytes whose class has no
// free block takes one of a larger class, up to twice its size (the
// smallest there is), before new memory is allocated. Inference in large
// batches frees big activations of one size and asks for smaller ones
// right after (a convolution's output, then the next layer's, half as
// large): without this each size would hold its own blocks and the peak
// would be their sum. The block keeps its size and returns to its own
// class.
const largeReuseBytes = 1 << 20

// get returns a block of at least n bytes, reused when the class (or, for
// large blocks, one of the next subClasses classes) has one.
func (p *pool) get(n int) []byte {
	c, size := classOf(n)
	p.mu.Lock()
	last := c
	if size >= largeReuseBytes {
		last = min(c+subClasses, numClasses-1)
	}
	for cc := c; cc <= last; cc++ {
		fl := p.free[cc]
		k := len(fl)
		if k == 0 {
			continue
		}
		blk := fl[k-1].blk
		fl[k-1] = freeBlock{}
		p.free[cc] = fl[:k-1]
		p.bytes -= int64(cap(blk))
		p.mu.Unlock()
		p.hits.Add(1)
		handedOut(cap(blk))
		return blk[:n]
	}
	p.mu.Unlock()
	p.misses.Add(1)
	handedOut(size)
	return newBlock(size)[:n]
}

// newBlock allocates a block of size bytes aligned to 64 bytes (a cache
// line, so vector loops start aligned).
func newBlock(size int) []byte {
	raw := make([]byte, size+64)
	off := int(-uintptr(unsafe.Pointer(unsafe.SliceData(raw))) & 63)
	return raw[off : off+size : off+size]
}

// put returns a block to its class, or drops it when the pool is full.
func (p *pool) put(blk []byte) {
	c, size := classOf(cap(blk))
	if size != cap(blk) {
		return // not one of ours
	}
	p.mu.Lock()
	if p.bytes+int64(size) <= p.limit {
		p.free[c] = append(p.free[c], freeBlock{blk[:0], gcCycles.Load()})
		p.bytes += int64(size)
	}
	p.mu.Unlock()
}

// trim drops the free blocks put back before collection cycle `before`.
func (p *pool) trim(before int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c, fl := range p.free {
		k := 0
		for k < len(fl) && fl[k].cycle < before {
			p.bytes -= int64(cap(fl[k].blk))
			k++
		}
		if k > 0 {
			n := copy(fl, fl[k:])
			clear(fl[n:])
			p.free[c] = fl[:n]
		}
	}
}

// drain empties the free lists.
func (p *pool) drain() {
	p.mu.Lock()
	for c := range p.free {
		clear(p.free[c])
		p.free[c] = nil
	}
	p.bytes = 0
	p.mu.Unlock()
}

// returnBlock is the cleanup of a pooled Buffer that became unreachable.
func returnBlock(blk []byte) {
	bufPool.collected.Add(1)
	bufPool.put(blk)
}

// typed views one block as the slice type of dtype d with n elements.
func typed(b *Buffer, blk []byte, n int) {
	p := unsafe.Pointer(unsafe.SliceData(blk))
	switch b.dt {
	case backend.Float32:
		b.F32 = unsafe.Slice((*float32)(p), n)
	case backend.Float64:
		b.F64 = unsafe.Slice((*float64)(p), n)
	case backend.BFloat16, backend.Float16:
		b.U16 = unsafe.Slice((*uint16)(p), n)
	case backend.Int64:
		b.I64 = unsafe.Slice((*int64)(p), n)
	case backend.Int32:
		b.I32 = unsafe.Slice((*int32)(p), n)
	case backend.Uint8:
		b.U8 = unsafe.Slice((*uint8)(p), n)
	case backend.Bool:
		b.B = unsafe.Slice((*bool)(p), n)
	}
}

// allocPooled returns a Buffer of n elements backed by a pooled block.
func allocPooled(d backend.DType, n int) *Buffer {
	blk := bufPool.get(n * d.Size())
	b := &Buffer{dt: d, pooled: true, blk: blk[:0]}
	typed(b, blk, n)
	if d == backend.Bool {
		// Any byte other than 0 or 1 is not a valid Go bool.
		clear(b.B)
	}
	b.cleanup = runtime.AddCleanup(b, returnBlock, blk[:0:cap(blk)])
	return b
}

// Release hands a buffer that no tensor uses any more back to the pool
// at once, instead of when the garbage collector finds it unreachable.
// The buffer must not be used afterwards: its slices are cleared, so a
// stray use panics. Buffers not made by Alloc (NewBuffer, FromHost) are
// left alone.
func (c *Backend) Release(bb backend.Buffer) {
	b, ok := bb.(*Buffer)
	if !ok || !b.pooled {
		return
	}
	blk := b.blk
	if blk == nil {
		return // already released
	}
	b.blk = nil
	b.cleanup.Stop()
	b.F32, b.F64, b.U16, b.I64, b.I32, b.U8, b.B = nil, nil, nil, nil, nil, nil, nil
	bufPool.releases.Add(1)
	gcPending.Add(-int64(cap(blk)))
	bufPool.put(blk)
}

// PoolStats reports the buffer pool's activity since the process started:
// allocations served from free blocks (Hits) or new memory (Misses),
// buffers handed back by Release and by the garbage collector (Collected),
// and the bytes now held in free blocks.
type PoolStats struct {
	Hits, Misses, Releases, Collected int64
	FreeBytes                         int64
}

// Stats returns the pool's counters.
func Stats() PoolStats {
	bufPool.mu.Lock()
	free := bufPool.bytes
	bufPool.mu.Unlock()
	return PoolStats{
		Hits: bufPool.hits.Load(), Misses: bufPool.misses.Load(),
		Releases: bufPool.releases.Load(), Collected: bufPool.collected.Load(),
		FreeBytes: free,
	}
}

// SetPoolLimit sets the most bytes of free blocks the pool keeps (blocks
// beyond it are left to the garbage collector) and returns the previous
// limit. A limit of 0 turns reuse off and frees the blocks held.
func SetPoolLimit(bytes int64) int64 {
	bufPool.mu.Lock()
	old := bufPool.limit
	bufPool.limit = max(bytes, 0)
	bufPool.mu.Unlock()
	if bytes <= 0 {
		bufPool.drain()
	}
	return old
}

// EmptyCache returns the memory the pool keeps for reuse to the system: it
// collects the buffers of tensors that became unreachable, drops every free
// block and has the Go runtime hand the freed pages back to the operating
// system (torch.cuda.empty_cache for the CPU). Live tensors are untouched.
// Worth calling between phases that use different sizes (training, then
// evaluation in big batches); it costs a collection or two.
func (c *Backend) EmptyCache() error {
	gcwait.Collect(2 * time.Second)
	bufPool.drain()
	debug.FreeOSMemory()
	return nil
}
