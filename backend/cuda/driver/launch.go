package driver

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"unsafe"

	"github.com/ebitengine/purego"
)

// Dim3 is a grid or block size.
type Dim3 struct{ X, Y, Z uint32 }

// D1 returns the one-dimensional size n.
func D1(n uint32) Dim3 { return Dim3{n, 1, 1} }

// MaxParamBytes is the size limit of a kernel's parameter block that every
// supported driver accepts.
const MaxParamBytes = 4096

// Args packs a kernel's parameters into one buffer laid out as the C
// compiler lays out the kernel's parameter list: each value at the next
// offset aligned to its own alignment. The buffer goes to cuLaunchKernel
// through `extra` (CU_LAUNCH_PARAM_BUFFER_POINTER), so a launch needs no
// array of pointers and allocates nothing.
//
// An Args is reused across launches (Reset, then append the parameters); it
// is not safe for concurrent use. Appending past MaxParamBytes makes the
// next Launch fail.
type Args struct {
	call  [11]uintptr // cuLaunchKernel's argument list
	extra [5]uintptr  // the `extra` array it points at
	size  uintptr     // CU_LAUNCH_PARAM_BUFFER_SIZE's target
	n     int
	over  bool
	buf   [MaxParamBytes]byte
}

// NewArgs returns an empty parameter buffer.
func NewArgs() *Args { return new(Args) }

// Reset empties the buffer for the next launch.
func (a *Args) Reset() *Args {
	a.n, a.over = 0, false
	return a
}

// Len returns the packed size in bytes.
func (a *Args) Len() int { return a.n }

// Bytes returns the packed parameter block (valid until the next change).
func (a *Args) Bytes() []byte { return a.buf[:a.n] }

// Err reports whether the parameters overflowed MaxParamBytes.
func (a *Args) Err() error {
	if a.over {
		return fmt.Errorf("driver: kernel parameters exceed %d bytes", MaxParamBytes)
	}
	return nil
}

// slot reserves size bytes at the next offset aligned to align and returns
// them, or nil on overflow.
func (a *Args) slot(size, align int) []byte {
	off := (a.n + align - 1) &^ (align - 1)
	if a.over || off+size > len(a.buf) {
		a.over = true
		return nil
	}
	clear(a.buf[a.n:off])
	a.n = off + size
	return a.buf[off:a.n]
}

// Ptr appends a device pointer (8 bytes).
func (a *Args) Ptr(p DevicePtr) *Args { return a.U64(uint64(p)) }

// I32 appends an int.
func (a *Args) I32(v int32) *Args { return a.U32(uint32(v)) }

// U32 appends an unsigned int.
func (a *Args) U32(v uint32) *Args {
	if b := a.slot(4, 4); b != nil {
		binary.LittleEndian.PutUint32(b, v)
	}
	return a
}

// I64 appends a long long.
func (a *Args) I64(v int64) *Args { return a.U64(uint64(v)) }

// U64 appends an unsigned long long.
func (a *Args) U64(v uint64) *Args {
	if b := a.slot(8, 8); b != nil {
		binary.LittleEndian.PutUint64(b, v)
	}
	return a
}

// F32 appends a float.
func (a *Args) F32(v float32) *Args { return a.U32(math.Float32bits(v)) }

// F64 appends a double.
func (a *Args) F64(v float64) *Args { return a.U64(math.Float64bits(v)) }

// Raw appends a value passed by value (a C struct) from its bytes, aligned
// to align (a power of two).
func (a *Args) Raw(b []byte, align int) *Args {
	if align <= 0 || align&(align-1) != 0 {
		a.over = true
		return a
	}
	if dst := a.slot(len(b), align); dst != nil {
		copy(dst, b)
	}
	return a
}

// ArgStruct appends *v by value. T must be a struct of fixed-size numbers
// laid out as its C twin (Go and C agree on layout for such structs on the
// 64-bit targets CUDA supports).
func ArgStruct[T any](a *Args, v *T) *Args {
	size := int(unsafe.Sizeof(*v))
	return a.Raw(unsafe.Slice((*byte)(unsafe.Pointer(v)), size), int(unsafe.Alignof(*v)))
}

// CUDA's markers for cuLaunchKernel's `extra` array.
const (
	launchParamEnd           = 0
	launchParamBufferPointer = 1
	launchParamBufferSize    = 2
)

// Launch runs f on grid × block threads with sharedMem bytes of dynamic
// shared memory, queued on s, with the parameters packed in a. It does not
// allocate.
func (f Function) Launch(grid, block Dim3, sharedMem uint32, s Stream, a *Args) error {
	if a.over {
		return a.Err()
	}
	fn := fns[symLaunchKernel]
	if fn == 0 {
		return notLoaded(symLaunchKernel)
	}
	a.size = uintptr(a.n)
	a.extra = [5]uintptr{
		launchParamBufferPointer, uintptr(unsafe.Pointer(&a.buf[0])),
		launchParamBufferSize, uintptr(unsafe.Pointer(&a.size)),
		launchParamEnd,
	}
	a.call = [11]uintptr{
		uintptr(f),
		uintptr(grid.X), uintptr(grid.Y), uintptr(grid.Z),
		uintptr(block.X), uintptr(block.Y), uintptr(block.Z),
		uintptr(sharedMem), uintptr(s),
		0, // kernelParams: unused, the buffer goes through extra
		uintptr(unsafe.Pointer(&a.extra[0])),
	}
	// a is heap memory (Launch's parameter escapes), which Go never moves,
	// and KeepAlive holds it until the driver has copied the parameters.
	r, _, _ := purego.SyscallN(fn, a.call[:]...)
	runtime.KeepAlive(a)
	return check(symLaunchKernel, r)
}
