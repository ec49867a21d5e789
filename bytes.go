package ember

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"github.com/emberdl/ember/backend"
)

// littleEndian reports whether this machine stores numbers little-endian,
// the byte order of Bytes and FromBytes (and of safetensors files).
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// Bytes returns the elements of t in row-major order as little-endian raw
// bytes (bool as one byte 0 or 1), as file formats store them.
func (t *Tensor) Bytes() []byte {
	host := t.hostSlice()
	var raw []byte
	switch s := host.(type) {
	case []float32:
		raw = asBytes(s)
	case []float64:
		raw = asBytes(s)
	case []uint16:
		raw = asBytes(s)
	case []int64:
		raw = asBytes(s)
	case []int32:
		raw = asBytes(s)
	case []uint8:
		raw = s
	case []bool:
		raw = make([]byte, len(s))
		for i, b := range s {
			if b {
				raw[i] = 1
			}
		}
	}
	if !littleEndian {
		swapBytes(raw, t.dtype.Size())
	}
	return raw
}

func asBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return []byte{}
	}
	n := len(s) * int(unsafe.Sizeof(s[0]))
	return append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), n)...)
}

func swapBytes(b []byte, size int) {
	if size <= 1 {
		return
	}
	for i := 0; i+size <= len(b); i += size {
		for j := 0; j < size/2; j++ {
			b[i+j], b[i+size-1-j] = b[i+size-1-j], b[i+j]
		}
	}
}

// FromBytes makes a CPU tensor of dtype dt and shape from little-endian raw
// bytes (as Bytes writes them). It returns an error when the length does
// not match.
func FromBytes(dt DType, shape []int, data []byte) (*Tensor, error) {
	for _, s := range shape {
		if s < 0 {
			return nil, fmt.Errorf("ember: negative size in shape %v", shape)
		}
	}
	n := backend.Numel(shape)
	if !dt.Valid() || n*dt.Size() != len(data) {
		return nil, fmt.Errorf("ember: %d bytes do not hold a %v tensor of shape %v (%d bytes)", len(data), dt, shape, n*dt.Size())
	}
	raw := data
	if !littleEndian {
		raw = append([]byte(nil), data...)
		swapBytes(raw, dt.Size())
	}
	var host any
	switch dt {
	case Float32:
		host = fromBytes[float32](raw, n)
	case Float64:
		host = fromBytes[float64](raw, n)
	case BFloat16, Float16:
		host = fromBytes[uint16](raw, n)
	case Int64:
		host = fromBytes[int64](raw, n)
	case Int32:
		host = fromBytes[int32](raw, n)
	case Uint8:
		host = append([]uint8(nil), raw...)
	case Bool:
		b := make([]bool, n)
		for i, v := range raw {
			b[i] = v != 0
		}
		host = b
	}
	st := &storage{buf: cpuBackend.FromHost(dt, host), be: cpuBackend, dev: CPU}
	shape = append([]int{}, shape...)
	return newTensor(st, dt, shape, backend.ContiguousStrides(shape), 0), nil
}

func fromBytes[T any](raw []byte, n int) []T {
	out := make([]T, n)
	if n > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), len(raw)), raw)
	}
	return out
}
