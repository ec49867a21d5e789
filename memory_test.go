package ember

import (
	"strings"
	"testing"

	"github.com/emberdl/ember/backend/cpu"
)

func TestEmptyCacheDropsPooledBlocks(t *testing.T) {
	keep := Full([]int{1 << 16}, 2)
	for range 4 {
		x := Ones([]int{1 << 18})
		x.Free() // back to the pool
	}
	if cpu.Stats().FreeBytes == 0 {
		t.Fatal("no free blocks in the pool before EmptyCache: the test is blind")
	}
	if err := EmptyCache(); err != nil {
		t.Fatal(err)
	}
	if got := cpu.Stats().FreeBytes; got != 0 {
		t.Fatalf("%d bytes still free in the pool after EmptyCache", got)
	}
	if got := keep.Sum().Item(); got != 2<<16 {
		t.Fatalf("a live tensor changed: sum %v", got)
	}
}

func TestMemoryStats(t *testing.T) {
	if _, ok := MemoryStats(CPU); ok {
		t.Error("the CPU reports allocator statistics")
	}
	for _, d := range testDevices() {
		if d == CPU {
			continue
		}
		x := Ones([]int{1 << 16}, d)
		s, ok := MemoryStats(d)
		if !ok || s.Allocated < 1<<18 || s.Reserved < s.Allocated || s.PeakAllocated < s.Allocated || s.Allocs == 0 {
			t.Errorf("%s: %+v (ok %v) with a 256 KiB tensor live", d, s, ok)
		}
		x.Free()
		if after, _ := MemoryStats(d); after.Allocated != s.Allocated-1<<18 {
			t.Errorf("%s: allocated %d after freeing 256 KiB of %d", d, after.Allocated, s.Allocated)
		}
	}
}

func TestDeviceProfile(t *testing.T) {
	if err := SetDeviceProfiling(CPU, true); err == nil || !strings.Contains(err.Error(), "pprof") {
		t.Errorf("the CPU's device profile: %v", err)
	}
	for _, d := range testDevices() {
		if d == CPU {
			continue
		}
		if err := SetDeviceProfiling(d, true); err != nil {
			t.Fatal(err)
		}
		if !DeviceProfiling(d) {
			t.Errorf("%s: DeviceProfiling is false after SetDeviceProfiling(true)", d)
		}
		x := randT(1, -1, 1, 16, 32).To(Float32, d)
		x.Neg() // cleared below
		if err := ResetDeviceProfile(d); err != nil {
			t.Fatal(err)
		}
		y := x.Matmul(x.MT()).Add(x.Sum()).Softmax(-1)
		y.Contiguous()
		if err := SetDeviceProfiling(d, false); err != nil {
			t.Fatal(err)
		}
		x.Add(x) // not profiled
		var out strings.Builder
		if err := WriteDeviceProfile(&out, d); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"gemm f32 M×N×K 16×16×32 NT", "softmax", "total", "calls", "longest"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s: profile lacks %q:\n%s", d, want, out.String())
			}
		}
		if strings.Contains(out.String(), "unary") {
			t.Errorf("%s: the profile kept the Neg queued before ResetDeviceProfile:\n%s", d, out.String())
		}
		if DeviceProfiling(d) {
			t.Errorf("%s: DeviceProfiling is true after SetDeviceProfiling(false)", d)
		}
	}
}
