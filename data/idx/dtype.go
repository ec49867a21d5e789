package idx

import "fmt"

// DType is an IDX element type code, the third byte of the magic number.
type DType uint8

// The element types defined by the IDX format.
const (
	Uint8   DType = 0x08 // unsigned byte
	Int8    DType = 0x09 // signed byte
	Int16   DType = 0x0B // big-endian int16
	Int32   DType = 0x0C // big-endian int32
	Float32 DType = 0x0D // big-endian IEEE-754 float32
	Float64 DType = 0x0E // big-endian IEEE-754 float64
)

// Size returns the number of bytes of one element, or 0 for an unknown code.
func (d DType) Size() int {
	switch d {
	case Uint8, Int8:
		return 1
	case Int16:
		return 2
	case Int32, Float32:
		return 4
	case Float64:
		return 8
	}
	return 0
}

// Valid reports whether d is one of the IDX element types.
func (d DType) Valid() bool { return d.Size() != 0 }

// String returns the Go-style name of the type, such as "uint8".
func (d DType) String() string {
	switch d {
	case Uint8:
		return "uint8"
	case Int8:
		return "int8"
	case Int16:
		return "int16"
	case Int32:
		return "int32"
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	}
	return fmt.Sprintf("DType(0x%02x)", uint8(d))
}
