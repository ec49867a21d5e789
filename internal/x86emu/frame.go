package x86emu

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// Frame builds an ABI0 argument frame, the layout Go's assembler expects
// for name+off(FP): each value at its natural alignment (int, uint64 and
// pointers 8 bytes, 8-aligned; float32 4 bytes, 4-aligned; float64 8),
// the results after the arguments from an 8-aligned offset. Each method
// appends a value and returns its offset in the frame. The zero Frame is
// empty and ready to use.
type Frame struct {
	b []byte
}

// put appends size bytes of v at the next size-aligned offset.
func (f *Frame) put(size int, v uint64) int {
	for len(f.b)%size != 0 {
		f.b = append(f.b, 0)
	}
	off := len(f.b)
	f.b = binary.LittleEndian.AppendUint64(f.b, v)[:off+size]
	return off
}

// Int appends an int (or any 8-byte integer).
func (f *Frame) Int(v int) int { return f.put(8, uint64(v)) }

// Uint64 appends a uint64.
func (f *Frame) Uint64(v uint64) int { return f.put(8, v) }

// Int32 appends an int32 (4 bytes, 4-aligned).
func (f *Frame) Int32(v int32) int { return f.put(4, uint64(uint32(v))) }

// Ptr appends a pointer, as its address. p is made to escape, so the
// variable it points into is heap-allocated and does not move.
func (f *Frame) Ptr(p unsafe.Pointer) int {
	escape(p)
	return f.put(8, uint64(uintptr(p)))
}

// Float32 appends a float32.
func (f *Frame) Float32(v float32) int { return f.put(4, uint64(math.Float32bits(v))) }

// Float64 appends a float64.
func (f *Frame) Float64(v float64) int { return f.put(8, math.Float64bits(v)) }

// Results pads the frame to the 8-byte boundary where a function's results
// start; after it, append zero values as slots for the results and read
// them after Call with the At methods.
func (f *Frame) Results() int {
	for len(f.b)%8 != 0 {
		f.b = append(f.b, 0)
	}
	return len(f.b)
}

// Bytes returns the frame (not a copy: Call's results written into it are
// seen by the At methods).
func (f *Frame) Bytes() []byte { return f.b }

// IntAt returns the int at offset off.
func (f *Frame) IntAt(off int) int { return int(binary.LittleEndian.Uint64(f.b[off:])) }

// Uint64At returns the uint64 at offset off.
func (f *Frame) Uint64At(off int) uint64 { return binary.LittleEndian.Uint64(f.b[off:]) }

// Float32At returns the float32 at offset off.
func (f *Frame) Float32At(off int) float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(f.b[off:]))
}

// Float64At returns the float64 at offset off.
func (f *Frame) Float64At(off int) float64 {
	return math.Float64frombits(binary.LittleEndian.Uint64(f.b[off:]))
}
