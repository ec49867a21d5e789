package backend

import "fmt"

// DType is the element type of a buffer.
type DType uint8

// The element types Ember supports. Float32 is the default.
const (
	Float32 DType = iota
	Float64
	BFloat16
	Float16
	Int64
	Int32
	Uint8
	Bool
	numDTypes
)

var dtypeInfo = [numDTypes]struct {
	name  string
	torch string
	size  int
}{
	Float32:  {"float32", "torch.float32", 4},
	Float64:  {"float64", "torch.float64", 8},
	BFloat16: {"bfloat16", "torch.bfloat16", 2},
	Float16:  {"float16", "torch.float16", 2},
	Int64:    {"int64", "torch.int64", 8},
	Int32:    {"int32", "torch.int32", 4},
	Uint8:    {"uint8", "torch.uint8", 1},
	Bool:     {"bool", "torch.bool", 1},
}

// DTypes lists every dtype, in declaration order.
func DTypes() []DType {
	out := make([]DType, numDTypes)
	for i := range out {
		out[i] = DType(i)
	}
	return out
}

// Valid reports whether d is one of the declared dtypes.
func (d DType) Valid() bool { return d < numDTypes }

// String returns the dtype's name, such as "float32".
func (d DType) String() string {
	if !d.Valid() {
		return fmt.Sprintf("DType(%d)", uint8(d))
	}
	return dtypeInfo[d].name
}

// TorchName returns PyTorch's name for the dtype, such as "torch.float32".
func (d DType) TorchName() string {
	if !d.Valid() {
		return d.String()
	}
	return dtypeInfo[d].torch
}

// Size returns the size of one element in bytes.
func (d DType) Size() int {
	if !d.Valid() {
		return 0
	}
	return dtypeInfo[d].size
}

// IsFloat reports whether d is a floating-point type.
func (d DType) IsFloat() bool { return d <= Float16 }

// IsHalf reports whether d is a 16-bit floating-point type.
func (d DType) IsHalf() bool { return d == BFloat16 || d == Float16 }

// IsInt reports whether d is an integer type (bool excluded).
func (d DType) IsInt() bool { return d == Int64 || d == Int32 || d == Uint8 }

// ParseDType returns the dtype with the given name ("float32", "f32",
// "torch.float32", "half", "long", ...).
func ParseDType(s string) (DType, error) {
	switch s {
	case "float32", "f32", "float", "torch.float32", "torch.float":
		return Float32, nil
	case "float64", "f64", "double", "torch.float64", "torch.double":
		return Float64, nil
	case "bfloat16", "bf16", "torch.bfloat16":
		return BFloat16, nil
	case "float16", "f16", "half", "torch.float16", "torch.half":
		return Float16, nil
	case "int64", "i64", "long", "torch.int64", "torch.long":
		return Int64, nil
	case "int32", "i32", "int", "torch.int32", "torch.int":
		return Int32, nil
	case "uint8", "u8", "byte", "torch.uint8":
		return Uint8, nil
	case "bool", "torch.bool":
		return Bool, nil
	}
	return 0, fmt.Errorf("unknown dtype %q", s)
}
