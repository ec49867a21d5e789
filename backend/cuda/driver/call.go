package driver

import (
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// fns holds the address of every bound entry point; 0 until Load succeeds.
var fns [numSyms]uintptr

// call invokes an entry point whose arguments may include Go pointers
// converted to uintptr (out-parameters, host buffers): uintptrescapes keeps
// the pointed-to memory on the heap and alive for the call. It costs one
// small allocation, so the hot paths use callPlain instead.
//
//go:uintptrescapes
func call(s sym, args ...uintptr) error {
	f := fns[s]
	if f == 0 {
		return notLoaded(s)
	}
	r, _, _ := purego.SyscallN(f, args...)
	return check(s, r)
}

// argBlock is scratch space for callPlain's argument list: SyscallN's
// variadic slice would otherwise be allocated on every call.
type argBlock struct {
	a   [6]uintptr
	out uint64 // an out-parameter slot for the hot calls that need one
}

var argBlocks = sync.Pool{New: func() any { return new(argBlock) }}

// callPlain invokes an entry point with up to six arguments that are plain
// values (handles, device pointers, sizes: never Go pointers), without
// allocating.
func callPlain(s sym, n int, a0, a1, a2, a3, a4, a5 uintptr) error {
	f := fns[s]
	if f == 0 {
		return notLoaded(s)
	}
	b := argBlocks.Get().(*argBlock)
	b.a = [6]uintptr{a0, a1, a2, a3, a4, a5}
	r, _, _ := purego.SyscallN(f, b.a[:n]...)
	argBlocks.Put(b)
	return check(s, r)
}

// callOut is callPlain for entry points whose first argument is a pointer to
// an 8-byte out-parameter, which it returns. The slot lives in pooled heap
// memory, so no allocation is needed.
func callOut(s sym, n int, a1, a2, a3 uintptr) (uint64, error) {
	f := fns[s]
	if f == 0 {
		return 0, notLoaded(s)
	}
	b := argBlocks.Get().(*argBlock)
	b.out = 0
	b.a = [6]uintptr{uintptr(unsafe.Pointer(&b.out)), a1, a2, a3}
	r, _, _ := purego.SyscallN(f, b.a[:n]...)
	v := b.out
	argBlocks.Put(b)
	return v, check(s, r)
}

// check turns a CUresult into an error. CUresult is a 32-bit enum: the upper
// half of the return register is undefined and must be dropped.
func check(s sym, r uintptr) error {
	if code := Result(int32(uint32(r))); code != Success {
		return &Error{Op: symNames[s], Code: code}
	}
	return nil
}

// cString reads a NUL-terminated string from C memory.
func cString(p *byte) string {
	if p == nil {
		return ""
	}
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(p), n)) != 0 {
		n++
	}
	return string(unsafe.Slice(p, n))
}
