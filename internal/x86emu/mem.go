package x86emu

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// Region is memory the emulated code may read and write: a Go byte slice
// and the address it lives at.
type Region struct {
	Addr uint64
	Data []byte
}

// Bytes returns the Region of the n bytes at p. The memory must stay
// alive (runtime.KeepAlive) and in place for as long as it is used, as
// heap memory does: Bytes makes p escape, so the compiler does not put the
// variable p points into on a goroutine stack, which can move.
func Bytes(p unsafe.Pointer, n int) Region {
	escape(p)
	return Region{Addr: uint64(uintptr(p)), Data: unsafe.Slice((*byte)(p), n)}
}

// addrOf is the address of b's first byte.
func addrOf(b []byte) uint64 {
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}

// escapeSink and never make escape's argument escape to the heap: the
// compiler cannot tell that never is always false.
var (
	escapeSink any
	never      bool
)

// escape forces x to be heap-allocated.
func escape(x any) {
	if never {
		escapeSink = x
	}
}

// memory is the set of regions an emulated call may access.
type memory struct {
	regions []Region
}

// slice returns the n bytes at addr, which must lie in one region.
func (m *memory) slice(addr uint64, n int, what string) ([]byte, error) {
	for i := range m.regions {
		r := &m.regions[i]
		if off := addr - r.Addr; addr >= r.Addr && off <= uint64(len(r.Data)) && uint64(n) <= uint64(len(r.Data))-off {
			return r.Data[off : off+uint64(n)], nil
		}
	}
	return nil, fmt.Errorf("%s of %d bytes at %#x is outside every region", what, n, addr)
}

// read returns the n bytes at addr (the region's own bytes, to be copied).
func (m *memory) read(addr uint64, n int) ([]byte, error) {
	return m.slice(addr, n, "read")
}

// readUint reads a little-endian integer of size bytes.
func (m *memory) readUint(addr uint64, size int) (uint64, error) {
	b, err := m.slice(addr, size, "read")
	if err != nil {
		return 0, err
	}
	switch size {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(binary.LittleEndian.Uint16(b)), nil
	case 4:
		return uint64(binary.LittleEndian.Uint32(b)), nil
	}
	return binary.LittleEndian.Uint64(b), nil
}

// writeUint writes a little-endian integer of size bytes.
func (m *memory) writeUint(addr uint64, size int, v uint64) error {
	b, err := m.slice(addr, size, "write")
	if err != nil {
		return err
	}
	switch size {
	case 1:
		b[0] = byte(v)
	case 2:
		binary.LittleEndian.PutUint16(b, uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(b, uint32(v))
	default:
		binary.LittleEndian.PutUint64(b, v)
	}
	return nil
}

// write copies b to addr.
func (m *memory) write(addr uint64, b []byte) error {
	d, err := m.slice(addr, len(b), "write")
	if err != nil {
		return err
	}
	copy(d, b)
	return nil
}
