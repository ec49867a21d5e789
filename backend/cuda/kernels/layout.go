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

// space is an iteration space with the strides of several operands along
// it, used to plan launches: dims of size 1 can be dropped and neighbouring
// dims merged where every operand allows.
type space struct {
	size []int64
	st   [][]int64 // st[operand][dim]
}

func newSpace(size []int64, strides ...[]int64) *space {
	s := &space{size: append([]int64(nil), size...)}
	for _, st := range strides {
		s.st = append(s.st, append([]int64(nil), st[:len(size)]...))
	}
	return s
}

// numel returns the product of the sizes.
func (s *space) numel() int64 {
	n := int64(1)
	for _, d := range s.size {
		n *= d
	}
	return n
}

// squeeze drops the dims of size 1.
func (s *space) squeeze() {
	k := 0
	for i, d := range s.size {
		if d == 1 {
			continue
		}
		s.size[k] = d
		for _, st := range s.st {
			st[k] = st[i]
		}
		k++
	}
	s.size = s.size[:k]
	for o := range s.st {
		s.st[o] = s.st[o][:k]
	}
}

// coalesce merges dim i into dim i+1 wherever, for every operand, stepping
// dim i is stepping dim i+1 size[i+1] times. Row-major order is kept.
func (s *space) coalesce() {
	if len(s.size) == 0 {
		return
	}
	k := 0
	for i := 1; i < len(s.size); i++ {
		ok := true
		for _, st := range s.st {
			if st[k] != st[i]*s.size[i] {
				ok = false
				break
			}
		}
		if ok {
			s.size[k] *= s.size[i]
			for _, st := range s.st {
				st[k] = st[i]
			}
			continue
		}
		k++
		s.size[k] = s.size[i]
		for _, st := range s.st {
			st[k] = st[i]
		}
	}
	s.size = s.size[:k+1]
	for o := range s.st {
		s.st[o] = s.st[o][:k+1]
	}
}

// shape returns the space as a kernel Shape (a single dim of 1 when it has
// no dims).
func (s *space) shape() (Shape, error) {
	if len(s.size) == 0 {
		return NewShape(1)
	}
	return NewShape(s.size...)
}

// strides returns operand o's strides with the given element offset.
func (s *space) strides(o int, offset int64) Strides {
	st := Strides{Offset: offset}
	copy(st.S[:], s.st[o])
	return st
}

// withoutAxis returns shape and the strides with dim axis removed.
func withoutAxis(shape []int64, axis int, strides ...[]int64) *space {
	s := &space{}
	for i, d := range shape {
		if i != axis {
			s.size = append(s.size, d)
		}
	}
	for _, st := range strides {
		var out []int64
		for i := range shape {
			if i != axis {
				out = append(out, st[i])
			}
		}
		s.st = append(s.st, out)
	}
	return s
}

// checkAxis validates an axis of an n-dim tensor.
func checkAxis(axis, n int) error {
	if axis < 0 || axis >= n {
		return fmt.Errorf("kernels: axis %d of a %d-dim tensor", axis, n)
	}
	return nil
}

// checkDims validates a shape for the kernels: at most MaxDims dims, none
// negative.
func checkDims(shape []int64) error {
	if len(shape) > MaxDims {
		return fmt.Errorf("kernels: %d dims, the kernels take at most %d", len(shape), MaxDims)
	}
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("kernels: negative dim in %v", shape)
		}
	}
	return nil
}
