package driver

import (
	"errors"
	"math"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"github.com/ebitengine/purego"
)

// fakeDriver is a Go imitation of part of libcuda. Its functions are turned
// into C function pointers with purego.NewCallback and installed in the
// binding's table, so the tests exercise the real calling path (argument
// passing, out-parameters, status codes) without a GPU.
type fakeDriver struct {
	mu      sync.Mutex
	current map[int]uintptr // OS thread id -> current context
	sets    int             // cuCtxSetCurrent calls
	mem     map[uintptr][]byte
	next    uintptr
	limit   int // allocations larger than this fail with OUT_OF_MEMORY
	launch  fakeLaunch
}

type fakeLaunch struct {
	f                      uintptr
	grid, block            Dim3
	shared                 uint32
	stream                 uintptr
	params                 []byte
	kernelParamsWasNonNull bool
}

// launchExtra is cuLaunchKernel's extra array as the fake reads it.
type launchExtra struct {
	k1   uintptr
	buf  *[MaxParamBytes]byte
	k2   uintptr
	size *uintptr
	end  uintptr
}

// jitVals is cuModuleLoadDataEx's option value array as the fake reads it.
type jitVals struct {
	log  *[8192]byte
	size uintptr
}

const fakeCtx = 0xc0ffee

var (
	fake      = &fakeDriver{}
	fakeOnce  sync.Once
	fakeTable [numSyms]uintptr
)

// find returns the buffer holding device address p and the offset in it.
func (d *fakeDriver) find(p uintptr) ([]byte, int, bool) {
	for base, b := range d.mem {
		if p >= base && p < base+uintptr(len(b)) {
			return b, int(p - base), true
		}
	}
	return nil, 0, false
}

func buildFakeTable() {
	d := fake
	cb := purego.NewCallback
	fakeTable[symInit] = cb(func(flags uint32) uintptr { return 0 })
	fakeTable[symDriverGetVersion] = cb(func(v *int32) uintptr { *v = 12040; return 0 })
	fakeTable[symDeviceGetCount] = cb(func(n *int32) uintptr { *n = 2; return 0 })
	fakeTable[symDeviceGet] = cb(func(dev *int32, ordinal int32) uintptr {
		if ordinal < 0 || ordinal > 1 {
			return uintptr(ErrInvalidDevice)
		}
		*dev = ordinal
		return 0
	})
	fakeTable[symDeviceGetName] = cb(func(buf *byte, n int32, dev int32) uintptr {
		name := "Fake GPU " + string(rune('0'+dev)) + "\x00"
		copy(unsafe.Slice(buf, n), name)
		return 0
	})
	fakeTable[symDeviceGetAttribute] = cb(func(v *int32, attr int32, dev int32) uintptr {
		vals := map[DeviceAttribute]int32{
			AttrComputeCapabilityMajor: 9, AttrComputeCapabilityMinor: 0, AttrMultiprocessorCount: 132,
			AttrMaxThreadsPerBlock: 1024, AttrMaxThreadsPerMultiprocessor: 2048, AttrWarpSize: 32,
			AttrMaxSharedMemoryPerBlock: 49152, AttrMaxSharedMemoryPerBlockOptin: 232448,
			AttrL2CacheSize: 52428800, AttrClockRate: 1980000, AttrMemoryClockRate: 2619000,
			AttrGlobalMemoryBusWidth: 5120, AttrMemoryPoolsSupported: 1,
			AttrPCIDomainID: 0, AttrPCIBusID: 0x3b, AttrPCIDeviceID: 0,
		}
		x, ok := vals[DeviceAttribute(attr)]
		if !ok {
			return uintptr(ErrInvalidValue)
		}
		*v = x + dev*1000*int32(boolInt(DeviceAttribute(attr) == AttrMultiprocessorCount))
		return 0
	})
	fakeTable[symDeviceTotalMem] = cb(func(v *uint64, dev int32) uintptr { *v = 80 << 30; return 0 })
	fakeTable[symDevicePrimaryCtxRetain] = cb(func(ctx *uintptr, dev int32) uintptr { *ctx = fakeCtx + uintptr(dev); return 0 })
	fakeTable[symDevicePrimaryCtxRelease] = cb(func(dev int32) uintptr { return 0 })
	fakeTable[symDevicePrimaryCtxGetState] = cb(func(dev int32, flags *uint32, active *int32) uintptr {
		*flags, *active = SchedBlockingSync, dev
		return 0
	})
	fakeTable[symCtxGetCurrent] = cb(func(ctx *uintptr) uintptr {
		d.mu.Lock()
		*ctx = d.current[syscall.Gettid()]
		d.mu.Unlock()
		return 0
	})
	fakeTable[symCtxSetCurrent] = cb(func(ctx uintptr) uintptr {
		d.mu.Lock()
		d.current[syscall.Gettid()] = ctx
		d.sets++
		d.mu.Unlock()
		return 0
	})
	fakeTable[symMemAlloc] = cb(func(p *uintptr, n uintptr) uintptr {
		d.mu.Lock()
		defer d.mu.Unlock()
		if int(n) > d.limit {
			return uintptr(ErrOutOfMemory)
		}
		d.next += 1 << 20
		d.mem[d.next] = make([]byte, n)
		*p = d.next
		return 0
	})
	fakeTable[symMemFree] = cb(func(p uintptr) uintptr {
		d.mu.Lock()
		defer d.mu.Unlock()
		if _, ok := d.mem[p]; !ok {
			return uintptr(ErrInvalidValue)
		}
		delete(d.mem, p)
		return 0
	})
	fakeTable[symMemcpyHtoD] = cb(func(dst uintptr, src *byte, n uintptr) uintptr {
		d.mu.Lock()
		defer d.mu.Unlock()
		b, off, ok := d.find(dst)
		if !ok || off+int(n) > len(b) {
			return uintptr(ErrInvalidValue)
		}
		copy(b[off:], unsafe.Slice(src, n))
		return 0
	})
	fakeTable[symMemcpyDtoH] = cb(func(dst *byte, src uintptr, n uintptr) uintptr {
		d.mu.Lock()
		defer d.mu.Unlock()
		b, off, ok := d.find(src)
		if !ok || off+int(n) > len(b) {
			return uintptr(ErrInvalidValue)
		}
		copy(unsafe.Slice(dst, n), b[off:])
		return 0
	})
	fakeTable[symMemsetD32Async] = cb(func(dst uintptr, v uint32, n uintptr, s uintptr) uintptr {
		d.mu.Lock()
		defer d.mu.Unlock()
		b, off, ok := d.find(dst)
		if !ok || off+4*int(n) > len(b) {
			return uintptr(ErrInvalidValue)
		}
		for i := 0; i < int(n); i++ {
			*(*uint32)(unsafe.Pointer(&b[off+4*i])) = v
		}
		return 0
	})
	fakeTable[symEventRecord] = cb(func(e, s uintptr) uintptr { return 0 })
	fakeTable[symEventQuery] = cb(func(e uintptr) uintptr { return uintptr(ErrNotReady) })
	fakeTable[symEventElapsedTime] = cb(func(ms *float32, a, b uintptr) uintptr { *ms = 1.5; return 0 })
	fakeTable[symModuleLoadDataEx] = cb(func(m *uintptr, image *byte, n uint32, opts *[2]int32, vals *jitVals) uintptr {
		if n != 2 || opts[0] != jitErrorLogBuffer || opts[1] != jitErrorLogBufferBytes || vals.size != 8192 {
			return uintptr(ErrInvalidValue)
		}
		copy(vals.log[:], "ptxas fatal   : Unresolved extern function 'nope'\x00")
		return uintptr(ErrInvalidPTX)
	})
	fakeTable[symModuleGetFunction] = cb(func(f *uintptr, m uintptr, name *byte) uintptr {
		if cString(name) != "ember_fill_f32" {
			return uintptr(ErrNotFound)
		}
		*f = 0xf00
		return 0
	})
	fakeTable[symLaunchKernel] = cb(func(f, gx, gy, gz, bx, by, bz, shared, stream, params uintptr, extra *launchExtra) uintptr {
		if extra.k1 != launchParamBufferPointer || extra.k2 != launchParamBufferSize || extra.end != launchParamEnd {
			return uintptr(ErrInvalidValue)
		}
		n := *extra.size
		d.launch = fakeLaunch{
			f: f, grid: Dim3{uint32(gx), uint32(gy), uint32(gz)}, block: Dim3{uint32(bx), uint32(by), uint32(bz)},
			shared: uint32(shared), stream: stream, kernelParamsWasNonNull: params != 0,
			params: append([]byte(nil), extra.buf[:n]...),
		}
		return 0
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// useFake installs the fake driver for the duration of a test.
func useFake(t *testing.T) *fakeDriver {
	t.Helper()
	fakeOnce.Do(buildFakeTable)
	saved := fns
	fns = fakeTable
	fake.mu.Lock()
	fake.current = map[int]uintptr{}
	fake.sets = 0
	fake.mem = map[uintptr][]byte{}
	fake.limit = 1 << 20
	fake.mu.Unlock()
	t.Cleanup(func() { fns = saved })
	return fake
}

func TestFakeDeviceQueries(t *testing.T) {
	useFake(t)
	if n, err := DeviceCount(); err != nil || n != 2 {
		t.Fatalf("DeviceCount = %d, %v", n, err)
	}
	dev, err := GetDevice(1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := dev.Properties()
	if err != nil {
		t.Fatal(err)
	}
	want := Properties{
		Name: "Fake GPU 1", Major: 9, Minor: 0, TotalMem: 80 << 30, Multiprocessors: 1132,
		MaxThreadsPerBlock: 1024, MaxThreadsPerSM: 2048, WarpSize: 32, SharedMemPerBlock: 49152,
		SharedMemPerBlockOptin: 232448, L2CacheSize: 52428800, ClockKHz: 1980000, MemoryClockKHz: 2619000,
		MemoryBusWidth: 5120, MemoryPools: true, PCIBusID: "0000:3b:00",
	}
	if p != want {
		t.Errorf("Properties =\n%+v\nwant\n%+v", p, want)
	}
	if _, err := GetDevice(5); !errors.Is(err, ErrInvalidDevice) {
		t.Errorf("GetDevice(5) err = %v, want ErrInvalidDevice", err)
	}
}

func TestFakeBindSetsContextOncePerThread(t *testing.T) {
	d := useFake(t)
	ctx, err := RetainPrimaryContext(0)
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Handle() != fakeCtx {
		t.Fatalf("handle = %#x", ctx.Handle())
	}
	if f, active, err := PrimaryContextState(1); f != SchedBlockingSync || !active || err != nil {
		t.Errorf("PrimaryContextState = %d, %v, %v", f, active, err)
	}
	done := make(chan [3]int)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var sets [3]int
		for i := range sets {
			if err := ctx.Bind(); err != nil {
				t.Error(err)
			}
			ctx.Unbind()
			d.mu.Lock()
			sets[i] = d.sets
			d.mu.Unlock()
		}
		done <- sets
	}()
	if got := <-done; got != [3]int{1, 1, 1} {
		t.Errorf("cuCtxSetCurrent calls after each Bind on one thread = %v, want [1 1 1]", got)
	}
	// A second context on the same thread must be made current.
	other, _ := RetainPrimaryContext(1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var sets [3]int
		for i, c := range []*Context{ctx, other, ctx} {
			if err := c.Bind(); err != nil {
				t.Error(err)
			}
			c.Unbind()
			d.mu.Lock()
			sets[i] = d.sets
			d.mu.Unlock()
		}
		done <- sets
	}()
	got := <-done
	if got[1] != got[0]+1 || got[2] != got[1]+1 {
		t.Errorf("switching contexts on a thread: set calls %v, want one per switch", got)
	}
}

func TestFakeMemoryRoundTrip(t *testing.T) {
	d := useFake(t)
	src := []float32{1, -2, 3.5, 4e10, float32(math.Inf(-1))}
	p, err := MemAlloc(uint64(4 * len(src)))
	if err != nil {
		t.Fatal(err)
	}
	if err := CopyToDevice(p, src); err != nil {
		t.Fatal(err)
	}
	got := make([]float32, len(src))
	if err := CopyFromDevice(got, p); err != nil {
		t.Fatal(err)
	}
	for i := range src {
		if got[i] != src[i] {
			t.Errorf("got[%d] = %v, want %v", i, got[i], src[i])
		}
	}
	// Fill the middle three elements with 7.0 through the async memset.
	if err := MemsetD32Async(p+4, math.Float32bits(7), 3, 0); err != nil {
		t.Fatal(err)
	}
	if err := CopyFromDevice(got, p); err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 7, 7, 7, float32(math.Inf(-1))}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("after memset got[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if err := MemFree(p); err != nil {
		t.Fatal(err)
	}
	if len(d.mem) != 0 {
		t.Errorf("%d buffers left", len(d.mem))
	}
	_, err = MemAlloc(2 << 20)
	want0 := "cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY (2): out of device memory"
	if !errors.Is(err, ErrOutOfMemory) || err.Error() != want0 {
		t.Errorf("oversized MemAlloc: %v, want %q", err, want0)
	}
}

func TestFakeLaunchPassesPackedParams(t *testing.T) {
	d := useFake(t)
	a := NewArgs().Ptr(0xdead0000).I64(1 << 40).F32(0.5).I32(-3)
	err := Function(0xf00).Launch(Dim3{7, 2, 1}, Dim3{256, 1, 1}, 1024, Stream(0x5), a)
	if err != nil {
		t.Fatal(err)
	}
	l := d.launch
	if l.f != 0xf00 || l.grid != (Dim3{7, 2, 1}) || l.block != (Dim3{256, 1, 1}) || l.shared != 1024 || l.stream != 5 {
		t.Errorf("launch config = %+v", l)
	}
	if l.kernelParamsWasNonNull {
		t.Error("kernelParams should be NULL when extra is used")
	}
	if string(l.params) != string(a.Bytes()) || len(l.params) != 24 {
		t.Errorf("driver saw params %x, want %x", l.params, a.Bytes())
	}
}

func TestHotCallsDoNotAllocate(t *testing.T) {
	// Go callbacks allocate on their own, so the targets here are C: labs
	// returns its first argument's magnitude, which is 0 (CUDA_SUCCESS) for
	// the zero handles passed below.
	h, err := purego.Dlopen("libc.so.6", purego.RTLD_NOW)
	if err != nil {
		t.Fatal(err)
	}
	labs, err := purego.Dlsym(h, "labs")
	if err != nil {
		t.Fatal(err)
	}
	saved := fns
	t.Cleanup(func() { fns = saved })
	fns[symLaunchKernel], fns[symEventRecord], fns[symStreamWaitEvent] = labs, labs, labs
	fns[symMemcpyDtoDAsync] = labs
	// MemAllocAsync passes a pointer first; sched_yield ignores it and
	// returns 0.
	if fns[symMemAllocAsync], err = purego.Dlsym(h, "sched_yield"); err != nil {
		t.Fatal(err)
	}

	a := NewArgs()
	launch := testing.AllocsPerRun(200, func() {
		a.Reset().Ptr(1).Ptr(2).I64(3).F32(4)
		if err := Function(0).Launch(D1(8), D1(128), 0, 0, a); err != nil {
			t.Fatal(err)
		}
	})
	if launch != 0 {
		t.Errorf("Launch allocates %.1f times per call, want 0", launch)
	}
	pooled := testing.AllocsPerRun(200, func() {
		if err := Event(0).Record(0); err != nil {
			t.Fatal(err)
		}
		if err := Stream(0).WaitEvent(0); err != nil {
			t.Fatal(err)
		}
		if err := MemcpyDtoDAsync(0, 1, 2, 3); err != nil {
			t.Fatal(err)
		}
		if _, err := MemAllocAsync(1, 0); err != nil {
			t.Fatal(err)
		}
	})
	// Under the race detector sync.Pool drops items on purpose.
	if pooled != 0 && !raceEnabled {
		t.Errorf("pooled hot calls allocate %.1f times per round, want 0", pooled)
	}
}

func TestFakeEventsAndModules(t *testing.T) {
	useFake(t)
	if done, err := Event(1).Query(); done || err != nil {
		t.Errorf("Query = %v, %v; want false, nil for NOT_READY", done, err)
	}
	if ms, err := ElapsedTime(1, 2); ms != 1.5 || err != nil {
		t.Errorf("ElapsedTime = %v, %v", ms, err)
	}
	_, err := LoadModule([]byte(".version 7.8\n.target sm_80\n"))
	if !errors.Is(err, ErrInvalidPTX) || !strings.Contains(err.Error(), "Unresolved extern function 'nope'") {
		t.Errorf("LoadModule error = %v, want INVALID_PTX with the JIT log", err)
	}
	if f, err := Module(1).Function("ember_fill_f32"); err != nil || f != 0xf00 {
		t.Errorf("Function = %#x, %v", f, err)
	}
	if _, err := Module(1).Function("missing"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"missing"`) {
		t.Errorf("missing function error = %v", err)
	}
}
