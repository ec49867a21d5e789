package kernels

import (
	"fmt"
	"math"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// MaxDims is the most dims an elementwise kernel iterates over
// (EMBER_MAX_DIMS).
const MaxDims = 8

// MaxElementwise is the largest iteration space one elementwise launch
// takes: the kernels index it with 32-bit arithmetic. Split larger ones.
const MaxElementwise = math.MaxInt32

// Shape is the iteration space of an elementwise kernel, laid out as its C
// twin ember::Shape (72 bytes).
type Shape struct {
	Dim  [MaxDims]int64
	NDim int32
	// Flat is 1 when every operand is contiguous with this shape (no
	// broadcast), letting the kernel skip the index math: element i is at
	// each operand's Offset + i.
	Flat int32
}

// Strides locates one operand, laid out as ember::Strides (72 bytes):
// element strides per dim and an element offset.
type Strides struct {
	S      [MaxDims]int64
	Offset int64
}

// NewShape returns the shape with the given dims.
func NewShape(dims ...int64) (Shape, error) {
	var s Shape
	if len(dims) > MaxDims {
		return s, fmt.Errorf("kernels: %d dims, the kernels take at most %d", len(dims), MaxDims)
	}
	for i, d := range dims {
		if d < 0 {
			return s, fmt.Errorf("kernels: negative dim %d", d)
		}
		s.Dim[i] = d
	}
	s.NDim = int32(len(dims))
	return s, nil
}

// NumElements returns the product of the dims.
func (s *Shape) NumElements() int64 {
	n := int64(1)
	for _, d := range s.Dim[:s.NDim] {
		n *= d
	}
	return n
}

// Contiguous returns the row-major strides of dims, offset 0.
func Contiguous(dims ...int64) Strides {
	var st Strides
	step := int64(1)
	for i := len(dims) - 1; i >= 0; i-- {
		st.S[i] = step
		step *= dims[i]
	}
	return st
}

// Operand is a device buffer and how an elementwise kernel walks it.
type Operand struct {
	Ptr     driver.DevicePtr
	Strides Strides
}

// Launch is a grid and block size.
type Launch struct {
	Grid, Block driver.Dim3
}

// ElementwiseLaunch sizes a grid-stride launch over n elements: 256 threads
// a block and at most maxBlocks blocks (a few per SM is plenty).
func ElementwiseLaunch(n int64, maxBlocks int) Launch {
	const block = 256
	blocks := max(min((n+block-1)/block, int64(maxBlocks)), 1)
	return Launch{driver.D1(uint32(blocks)), driver.D1(block)}
}

// RowLaunch sizes a block-per-row launch: one block per row up to
// maxBlocks, with a warp-multiple block of at most 512 threads.
func RowLaunch(rows, cols int64, maxBlocks int) Launch {
	block := min(max((cols+31)/32*32, 32), 512)
	blocks := max(min(rows, int64(maxBlocks)), 1)
	return Launch{driver.D1(uint32(blocks)), driver.D1(uint32(block))}
}
