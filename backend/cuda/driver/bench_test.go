package driver

import (
	"testing"

	"github.com/ebitengine/purego"
)

// useLabs points the hot entry points at libc's labs, which returns 0
// (success) for the zero handles the benchmarks pass: what remains is the
// binding's own cost per call.
func useLabs(b *testing.B) {
	h, err := purego.Dlopen("libc.so.6", purego.RTLD_NOW)
	if err != nil {
		b.Fatal(err)
	}
	labs, err := purego.Dlsym(h, "labs")
	if err != nil {
		b.Fatal(err)
	}
	saved := fns
	b.Cleanup(func() { fns = saved })
	fns[symLaunchKernel], fns[symEventRecord] = labs, labs
}

// BenchmarkLaunch is one kernel launch with four packed parameters.
func BenchmarkLaunch(b *testing.B) {
	useLabs(b)
	a := NewArgs()
	b.ReportAllocs()
	for b.Loop() {
		a.Reset().Ptr(1).Ptr(2).I64(3).F32(4)
		if err := Function(0).Launch(D1(8), D1(128), 0, 0, a); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEventRecord is a two-argument call through the pooled path.
func BenchmarkEventRecord(b *testing.B) {
	useLabs(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := Event(0).Record(0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawSyscall is the floor: purego.SyscallN to labs with eleven
// arguments from a reused slice, without packing or checks.
func BenchmarkRawSyscall(b *testing.B) {
	useLabs(b)
	args := make([]uintptr, 11)
	fn := fns[symLaunchKernel]
	b.ReportAllocs()
	for b.Loop() {
		purego.SyscallN(fn, args...)
	}
}
