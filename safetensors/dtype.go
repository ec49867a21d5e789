package safetensors

import "slices"

// DType is the name of an element type as it appears in a safetensors header,
// such as "F32" or "BF16". Values are stored little-endian.
type DType string

// The element types of the safetensors specification.
const (
	Bool       DType = "BOOL"        // 1 byte, 0 or 1
	F4         DType = "F4"          // 4-bit MX float (E2M1), two per byte
	F6E2M3     DType = "F6_E2M3"     // 6-bit MX float, packed
	F6E3M2     DType = "F6_E3M2"     // 6-bit MX float, packed
	U8         DType = "U8"          // unsigned 8-bit integer
	I8         DType = "I8"          // signed 8-bit integer
	F8E5M2     DType = "F8_E5M2"     // 8-bit float, 5 exponent bits
	F8E4M3     DType = "F8_E4M3"     // 8-bit float, 4 exponent bits (PyTorch float8_e4m3fn)
	F8E8M0     DType = "F8_E8M0"     // 8-bit MX scale, exponent only
	F8E4M3FNUZ DType = "F8_E4M3FNUZ" // 8-bit float, 4 exponent bits, no negative zero
	F8E5M2FNUZ DType = "F8_E5M2FNUZ" // 8-bit float, 5 exponent bits, no negative zero
	I16        DType = "I16"         // signed 16-bit integer
	U16        DType = "U16"         // unsigned 16-bit integer
	F16        DType = "F16"         // IEEE 754 half precision
	BF16       DType = "BF16"        // bfloat16
	I32        DType = "I32"         // signed 32-bit integer
	U32        DType = "U32"         // unsigned 32-bit integer
	F32        DType = "F32"         // IEEE 754 single precision
	C64        DType = "C64"         // complex: two F32 (real, imaginary)
	F64        DType = "F64"         // IEEE 754 double precision
	I64        DType = "I64"         // signed 64-bit integer
	U64        DType = "U64"         // unsigned 64-bit integer
)

// dtypeInfo is what the format needs to know about a dtype.
type dtypeInfo struct {
	bits int
	// rank is the position in the reference implementation's Dtype enum,
	// which lists the types in increasing alignment order. Writers place
	// tensors in decreasing rank so that every tensor starts aligned.
	rank int
}

var dtypes = map[DType]dtypeInfo{
	Bool:       {8, 0},
	F4:         {4, 1},
	F6E2M3:     {6, 2},
	F6E3M2:     {6, 3},
	U8:         {8, 4},
	I8:         {8, 5},
	F8E5M2:     {8, 6},
	F8E4M3:     {8, 7},
	F8E8M0:     {8, 8},
	F8E4M3FNUZ: {8, 9},
	F8E5M2FNUZ: {8, 10},
	I16:        {16, 11},
	U16:        {16, 12},
	F16:        {16, 13},
	BF16:       {16, 14},
	I32:        {32, 15},
	U32:        {32, 16},
	F32:        {32, 17},
	C64:        {64, 18},
	F64:        {64, 19},
	I64:        {64, 20},
	U64:        {64, 21},
}

// dtypeNames lists the dtypes by rank.
var dtypeNames = func() []DType {
	out := make([]DType, len(dtypes))
	for d, info := range dtypes {
		out[info.rank] = d
	}
	return out
}()

// DTypes returns every dtype the package knows, in the reference
// implementation's order (increasing alignment).
func DTypes() []DType { return slices.Clone(dtypeNames) }

// Valid reports whether d is a dtype of the specification.
func (d DType) Valid() bool {
	_, ok := dtypes[d]
	return ok
}

// Bits returns the width of one element in bits (4 for F4, 6 for the F6
// types, 8 × Size otherwise), or 0 for an unknown dtype.
func (d DType) Bits() int { return dtypes[d].bits }

// Size returns the width of one element in bytes. It is 0 for an unknown dtype
// and for the packed sub-byte types F4, F6_E2M3 and F6_E3M2, whose byte
// length only [ByteLen] can give.
func (d DType) Size() int { return dtypes[d].bits / 8 }

// String returns the dtype's name as written in headers.
func (d DType) String() string { return string(d) }
