// Package cpu is Ember's CPU backend: Go slices as buffers, kernels that walk
// strided views with coalesced loops, and work split across the shared
// worker pool of internal/parallel.
//
// bfloat16 and float16 buffers store raw bits; arithmetic on them is done by
// the ember package in float32 (SupportsMath reports false for them).
package cpu

import (
	"fmt"
	"runtime"

	"github.com/emberdl/ember/backend"
)

// Buffer is a CPU buffer: exactly one of its slices is in use, chosen by its
// dtype (U16 holds bfloat16 and float16 bits).
type Buffer struct {
	dt  backend.DType
	F32 []float32
	F64 []float64
	U16 []uint16
	I64 []int64
	I32 []int32
	U8  []uint8
	B   []bool

	pooled  bool            // the memory is a pool block (see pool.go)
	blk     []byte          // that block (length 0), nil once released
	cleanup runtime.Cleanup // returns blk to the pool when b is unreachable
}

// DType returns the buffer's element type.
func (b *Buffer) DType() backend.DType { return b.dt }

// Len returns the number of elements.
func (b *Buffer) Len() int {
	switch b.dt {
	case backend.Float32:
		return len(b.F32)
	case backend.Float64:
		return len(b.F64)
	case backend.BFloat16, backend.Float16:
		return len(b.U16)
	case backend.Int64:
		return len(b.I64)
	case backend.Int32:
		return len(b.I32)
	case backend.Uint8:
		return len(b.U8)
	case backend.Bool:
		return len(b.B)
	}
	return 0
}

// Slice returns the buffer's backing slice as an any ([]float32, ...).
func (b *Buffer) Slice() any {
	switch b.dt {
	case backend.Float32:
		return b.F32
	case backend.Float64:
		return b.F64
	case backend.BFloat16, backend.Float16:
		return b.U16
	case backend.Int64:
		return b.I64
	case backend.Int32:
		return b.I32
	case backend.Uint8:
		return b.U8
	case backend.Bool:
		return b.B
	}
	return nil
}

// NewBuffer wraps a Go slice (without copying) as a buffer of dtype d.
func NewBuffer(d backend.DType, data any) *Buffer {
	b := &Buffer{dt: d}
	ok := false
	switch s := data.(type) {
	case []float32:
		b.F32, ok = s, d == backend.Float32
	case []float64:
		b.F64, ok = s, d == backend.Float64
	case []uint16:
		b.U16, ok = s, d.IsHalf()
	case []int64:
		b.I64, ok = s, d == backend.Int64
	case []int32:
		b.I32, ok = s, d == backend.Int32
	case []uint8:
		b.U8, ok = s, d == backend.Uint8
	case []bool:
		b.B, ok = s, d == backend.Bool
	}
	if !ok {
		panic(fmt.Sprintf("cpu: a %T cannot hold dtype %v", data, d))
	}
	return b
}

// Backend is the CPU backend. The zero value is ready to use.
type Backend struct{}

// New returns the CPU backend.
func New() *Backend { return &Backend{} }

var _ backend.Backend = (*Backend)(nil)

// Name returns "cpu".
func (*Backend) Name() string { return "cpu" }

// SupportsMath reports false for bfloat16 and float16.
func (*Backend) SupportsMath(d backend.DType) bool { return !d.IsHalf() }

// Synchronize does nothing: CPU kernels finish before they return.
func (*Backend) Synchronize() {}

// Alloc returns a buffer of n elements whose contents are undefined
// (memory is reused; bool buffers alone start all false). Buffers of at
// least 2 KiB come from the pool (see Release).
func (*Backend) Alloc(d backend.DType, n int) backend.Buffer {
	if !d.Valid() {
		panic(fmt.Sprintf("cpu: alloc of unknown dtype %v", d))
	}
	var b *Buffer
	if n*d.Size() >= minPooledBytes {
		b = allocPooled(d, n)
	} else {
		b = allocSmall(d, n)
	}
	poisonBuffer(b)
	return b
}

// allocSmall returns a buffer from the Go heap.
func allocSmall(d backend.DType, n int) *Buffer {
	b := &Buffer{dt: d}
	switch d {
	case backend.Float32:
		b.F32 = make([]float32, n)
	case backend.Float64:
		b.F64 = make([]float64, n)
	case backend.BFloat16, backend.Float16:
		b.U16 = make([]uint16, n)
	case backend.Int64:
		b.I64 = make([]int64, n)
	case backend.Int32:
		b.I32 = make([]int32, n)
	case backend.Uint8:
		b.U8 = make([]uint8, n)
	case backend.Bool:
		b.B = make([]bool, n)
	}
	return b
}

// FromHost copies a Go slice into a new buffer.
func (c *Backend) FromHost(d backend.DType, src any) backend.Buffer {
	var cp any
	switch s := src.(type) {
	case []float32:
		cp = append([]float32(nil), s...)
	case []float64:
		cp = append([]float64(nil), s...)
	case []uint16:
		cp = append([]uint16(nil), s...)
	case []int64:
		cp = append([]int64(nil), s...)
	case []int32:
		cp = append([]int32(nil), s...)
	case []uint8:
		cp = append([]uint8(nil), s...)
	case []bool:
		cp = append([]bool(nil), s...)
	default:
		panic(fmt.Sprintf("cpu: FromHost of %T", src))
	}
	return NewBuffer(d, cp)
}

// ToHost copies a view into a Go slice in row-major order.
func (c *Backend) ToHost(v backend.View, dst any) {
	n := v.Numel()
	d := NewBuffer(v.DType(), dst)
	if d.Len() != n {
		panic(fmt.Sprintf("cpu: ToHost into %d elements from a view of %d", d.Len(), n))
	}
	c.Copy(backend.Dense(d, v.Shape...), v)
}

func buf(v backend.View) *Buffer { return v.Buf.(*Buffer) }
