package blas

import "fmt"

// DataType is a cudaDataType: the element type of a matrix.
type DataType int32

// Element types.
const (
	Float32  DataType = 0  // CUDA_R_32F
	Float64  DataType = 1  // CUDA_R_64F
	Float16  DataType = 2  // CUDA_R_16F
	BFloat16 DataType = 14 // CUDA_R_16BF
)

// Size returns the element size in bytes.
func (t DataType) Size() int {
	switch t {
	case Float64:
		return 8
	case Float16, BFloat16:
		return 2
	default:
		return 4
	}
}

func (t DataType) String() string {
	switch t {
	case Float32:
		return "f32"
	case Float64:
		return "f64"
	case Float16:
		return "f16"
	case BFloat16:
		return "bf16"
	}
	return fmt.Sprintf("cudaDataType(%d)", int32(t))
}

// ComputeType is a cublasComputeType_t: the accumulation precision.
type ComputeType int32

// Compute types.
const (
	Compute16F         ComputeType = 64
	Compute32F         ComputeType = 68
	Compute32FPedantic ComputeType = 69
	Compute64F         ComputeType = 70
	Compute32FFast16F  ComputeType = 74
	Compute32FFast16BF ComputeType = 75
	Compute32FFastTF32 ComputeType = 77
)

// scaleType is the type alpha and beta must have for c.
func (c ComputeType) scaleType() DataType {
	switch c {
	case Compute64F:
		return Float64
	case Compute16F:
		return Float16
	default:
		return Float32
	}
}

// Operation is a cublasOperation_t.
type Operation int32

// Operations.
const (
	OpN Operation = 0
	OpT Operation = 1
)

// MathMode is a cublasMath_t.
type MathMode int32

// Math modes.
const (
	DefaultMath   MathMode = 0
	PedanticMath  MathMode = 2
	TF32Math      MathMode = 3  // allow TF32 tensor cores for float32 GEMMs
	NoReducedPrec MathMode = 16 // flag: no reduced-precision reductions
)

// gemmDefault is CUBLAS_GEMM_DEFAULT.
const gemmDefault = -1
