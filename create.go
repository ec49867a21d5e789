package ember

import (
	"fmt"
	"math"
	"reflect"

	"github.com/emberdl/ember/backend"
)

// BF16 is one bfloat16 value as its raw bits (for FromSlice and ToSlice).
type BF16 uint16

// F16 is one IEEE float16 value as its raw bits.
type F16 uint16

// Element is a Go type that maps onto a dtype: float32, float64, int64,
// int32, uint8, bool, BF16, F16, and int (stored as int64).
type Element interface {
	~float32 | ~float64 | ~int64 | ~int32 | ~uint8 | ~bool | BF16 | F16 | ~int
}

// dtypeOf returns the dtype that stores Go type T.
func dtypeOf[T Element]() DType {
	var z T
	switch any(z).(type) {
	case float32:
		return Float32
	case float64:
		return Float64
	case int64, int:
		return Int64
	case int32:
		return Int32
	case uint8:
		return Uint8
	case bool:
		return Bool
	case BF16:
		return BFloat16
	case F16:
		return Float16
	}
	switch reflect.TypeOf(z).Kind() {
	case reflect.Float32:
		return Float32
	case reflect.Float64:
		return Float64
	case reflect.Int64, reflect.Int:
		return Int64
	case reflect.Int32:
		return Int32
	case reflect.Uint8:
		return Uint8
	case reflect.Bool:
		return Bool
	}
	panic("ember: unsupported element type")
}

// hostSlice converts a slice of T to the host slice type backends accept.
func hostSlice[T Element](data []T) any {
	switch s := any(data).(type) {
	case []float32, []float64, []int64, []int32, []uint8, []bool:
		return s
	case []BF16:
		out := make([]uint16, len(s))
		for i, v := range s {
			out[i] = uint16(v)
		}
		return out
	case []F16:
		out := make([]uint16, len(s))
		for i, v := range s {
			out[i] = uint16(v)
		}
		return out
	case []int:
		out := make([]int64, len(s))
		for i, v := range s {
			out[i] = int64(v)
		}
		return out
	}
	// Named types with these underlying types.
	rv := reflect.ValueOf(data)
	switch dtypeOf[T]() {
	case Float32:
		out := make([]float32, len(data))
		for i := range out {
			out[i] = float32(rv.Index(i).Float())
		}
		return out
	case Float64:
		out := make([]float64, len(data))
		for i := range out {
			out[i] = rv.Index(i).Float()
		}
		return out
	case Int64:
		out := make([]int64, len(data))
		for i := range out {
			out[i] = rv.Index(i).Int()
		}
		return out
	case Int32:
		out := make([]int32, len(data))
		for i := range out {
			out[i] = int32(rv.Index(i).Int())
		}
		return out
	case Uint8:
		out := make([]uint8, len(data))
		for i := range out {
			out[i] = uint8(rv.Index(i).Uint())
		}
		return out
	case Bool:
		out := make([]bool, len(data))
		for i := range out {
			out[i] = rv.Index(i).Bool()
		}
		return out
	}
	panic("ember: unsupported element type")
}

func checkShape(op string, shape []int) {
	for _, s := range shape {
		if s < 0 {
			panic(&ValueError{Op: op, Msg: fmt.Sprintf("negative size in shape %v", shape)})
		}
	}
}

// FromSlice returns a CPU tensor holding a copy of data with the given shape
// (a 1-D tensor when no shape is given). The dtype follows the Go type:
// []float32 gives float32, []int gives int64, and so on.
func FromSlice[T Element](data []T, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	checkShape("FromSlice", shape)
	if n := backend.Numel(shape); n != len(data) {
		panic(shapeErr("FromSlice", fmt.Sprintf("shape %v needs %d elements, got %d", shape, n, len(data)), shape))
	}
	dt := dtypeOf[T]()
	buf := cpuBackend.FromHost(dt, hostSlice(data))
	st := &storage{buf: buf, be: cpuBackend, dev: CPU}
	shape = append([]int(nil), shape...)
	return newTensor(st, dt, shape, backend.ContiguousStrides(shape), 0)
}

// From makes a tensor from Go data, like torch.tensor: a number, or nested
// slices or arrays of numbers or bools ([][]float32, [][]int, ...). Go
// floats give the default dtype (float32) and Go integers int64, unless an
// Option sets the dtype; options may also set the device and RequiresGrad.
func From(data any, opts ...Option) *Tensor {
	c := parseOptions("From", opts)
	shape, leaf, err := nestedShape(reflect.ValueOf(data))
	if err != nil {
		panic(&ValueError{Op: "From", Msg: err.Error()})
	}
	n := backend.Numel(shape)
	var t *Tensor
	switch leaf {
	case reflect.Bool:
		vals := make([]bool, 0, n)
		flatten(reflect.ValueOf(data), func(v reflect.Value) { vals = append(vals, v.Bool()) })
		t = FromSlice(vals, shape...)
	case reflect.Float32, reflect.Float64:
		vals := make([]float64, 0, n)
		flatten(reflect.ValueOf(data), func(v reflect.Value) { vals = append(vals, v.Float()) })
		t = FromSlice(vals, shape...)
		if !c.hasDType {
			c.dtype, c.hasDType = DefaultDType(), true
		}
	case reflect.Uint8:
		vals := make([]uint8, 0, n)
		flatten(reflect.ValueOf(data), func(v reflect.Value) { vals = append(vals, uint8(v.Uint())) })
		t = FromSlice(vals, shape...)
	default: // signed and other unsigned integers
		vals := make([]int64, 0, n)
		flatten(reflect.ValueOf(data), func(v reflect.Value) {
			if v.CanInt() {
				vals = append(vals, v.Int())
			} else {
				vals = append(vals, int64(v.Uint()))
			}
		})
		t = FromSlice(vals, shape...)
	}
	if len(shape) == 0 {
		t = t.Reshape() // a Go number gives a 0-d tensor
	}
	if c.hasDType && t.dtype != c.dtype {
		t = t.castNoGrad(c.dtype)
	}
	if c.hasDevice && c.device != CPU {
		t = t.To(c.device)
	}
	return c.finish(t)
}

// nestedShape finds the shape of nested slices/arrays and the kind of their
// elements, checking that the nesting is rectangular.
func nestedShape(v reflect.Value) ([]int, reflect.Kind, error) {
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		n := v.Len()
		if n == 0 {
			leaf := v.Type().Elem()
			for leaf.Kind() == reflect.Slice || leaf.Kind() == reflect.Array {
				leaf = leaf.Elem()
			}
			return []int{0}, leaf.Kind(), nil
		}
		inner, kind, err := nestedShape(v.Index(0))
		if err != nil {
			return nil, 0, err
		}
		for i := 1; i < n; i++ {
			s, _, err := nestedShape(v.Index(i))
			if err != nil {
				return nil, 0, err
			}
			if !equalInts(s, inner) {
				return nil, 0, fmt.Errorf("ragged nested data: element 0 has shape %v, element %d has shape %v", inner, i, s)
			}
		}
		return append([]int{n}, inner...), kind, nil
	case reflect.Float32, reflect.Float64, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return nil, v.Kind(), nil
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil, 0, fmt.Errorf("nil in nested data")
		}
		return nestedShape(v.Elem())
	}
	if !v.IsValid() {
		return nil, 0, fmt.Errorf("nil data")
	}
	return nil, 0, fmt.Errorf("unsupported element type %v", v.Type())
}

func flatten(v reflect.Value, f func(reflect.Value)) {
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			flatten(v.Index(i), f)
		}
	case reflect.Interface, reflect.Pointer:
		flatten(v.Elem(), f)
	default:
		f(v)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Scalar wraps a Go number for use as an operand (x.Mul(ember.Scalar(2))).
// Like a Python number in PyTorch, it takes part in dtype promotion last:
// float32 tensor times Scalar(2.5) stays float32.
func Scalar[T Element](v T) *Tensor {
	t := FromSlice([]T{v}, []int{}...)
	if t.shape == nil || len(t.shape) != 0 {
		t = t.Reshape()
	}
	t.wrapped = true
	return t
}

// scalarLike returns a wrapped scalar of t's dtype and device.
func scalarOn(t *Tensor, v float64) *Tensor {
	s := full(t.st.be, t.st.dev, t.dtype, nil, v)
	s.wrapped = true
	return s
}

func full(be backend.Backend, dev Device, dt DType, shape []int, v float64) *Tensor {
	t := empty(be, dev, dt, shape)
	be.Fill(t.view(), v)
	return t
}

func newFull(op string, shape []int, v float64, opts []Option) *Tensor {
	checkShape(op, shape)
	c := parseOptions(op, opts)
	return c.finish(full(backendFor(op, c.device), c.device, c.dtype, shape, v))
}

// Zeros returns a tensor of zeros of the given shape.
func Zeros(shape []int, opts ...Option) *Tensor { return newFull("Zeros", shape, 0, opts) }

// Ones returns a tensor of ones.
func Ones(shape []int, opts ...Option) *Tensor { return newFull("Ones", shape, 1, opts) }

// Full returns a tensor filled with value.
func Full(shape []int, value float64, opts ...Option) *Tensor {
	return newFull("Full", shape, value, opts)
}

// Empty returns a tensor whose contents are unspecified (on the CPU too:
// its memory may be reused from dropped tensors).
func Empty(shape []int, opts ...Option) *Tensor {
	checkShape("Empty", shape)
	c := parseOptions("Empty", opts)
	return c.finish(empty(backendFor("Empty", c.device), c.device, c.dtype, shape))
}

// likeOpts gives t's dtype and device unless opts override them.
func likeOpts(t *Tensor, opts []Option) []Option {
	return append([]Option{t.dtype, t.st.dev}, opts...)
}

// ZerosLike returns zeros with t's shape, dtype and device.
func ZerosLike(t *Tensor, opts ...Option) *Tensor { return Zeros(t.shape, likeOpts(t, opts)...) }

// OnesLike returns ones with t's shape, dtype and device.
func OnesLike(t *Tensor, opts ...Option) *Tensor { return Ones(t.shape, likeOpts(t, opts)...) }

// FullLike returns value with t's shape, dtype and device.
func FullLike(t *Tensor, value float64, opts ...Option) *Tensor {
	return Full(t.shape, value, likeOpts(t, opts)...)
}

// EmptyLike returns an uninitialised tensor with t's shape, dtype and device.
func EmptyLike(t *Tensor, opts ...Option) *Tensor { return Empty(t.shape, likeOpts(t, opts)...) }

// Arange returns the values start, start+step, ... below end (above end
// for a negative step). The dtype is int64 when all three are whole
// numbers, else the default float dtype, unless an Option sets it.
func Arange(start, end, step float64, opts ...Option) *Tensor {
	if step == 0 || math.IsNaN(step) || math.IsInf(step, 0) {
		panic(&ValueError{Op: "Arange", Msg: fmt.Sprintf("step must be finite and non-zero, got %v", step)})
	}
	if math.IsNaN(start) || math.IsNaN(end) || math.IsInf(start, 0) || math.IsInf(end, 0) {
		panic(&ValueError{Op: "Arange", Msg: "start and end must be finite"})
	}
	n := int(math.Ceil((end - start) / step))
	if n < 0 {
		panic(&ValueError{Op: "Arange", Msg: fmt.Sprintf("upper bound and step sign are inconsistent (start %v, end %v, step %v)", start, end, step)})
	}
	whole := start == math.Trunc(start) && end == math.Trunc(end) && step == math.Trunc(step)
	c := parseOptions("Arange", opts)
	if !c.hasDType && whole {
		c.dtype = Int64
	}
	be := backendFor("Arange", c.device)
	t := empty(be, c.device, c.dtype, []int{n})
	be.Arange(t.view(), start, step)
	return c.finish(t)
}

// Linspace returns steps values evenly spaced from start to end inclusive.
func Linspace(start, end float64, steps int, opts ...Option) *Tensor {
	if steps < 0 {
		panic(&ValueError{Op: "Linspace", Msg: fmt.Sprintf("number of steps must be non-negative, got %d", steps)})
	}
	c := parseOptions("Linspace", opts)
	vals := make([]float64, steps)
	if steps == 1 {
		vals[0] = start
	}
	if steps > 1 {
		step := (end - start) / float64(steps-1)
		half := steps / 2
		for i := range vals {
			// PyTorch computes the second half from the end for symmetry.
			if i < half {
				vals[i] = start + step*float64(i)
			} else {
				vals[i] = end - step*float64(steps-1-i)
			}
		}
	}
	t := FromSlice(vals).castNoGrad(c.dtype)
	if c.device != CPU {
		t = t.To(c.device)
	}
	return c.finish(t)
}

// Eye returns the n×n identity matrix.
func Eye(n int, opts ...Option) *Tensor { return EyeNM(n, n, opts...) }

// EyeNM returns the n×m matrix with ones on the diagonal.
func EyeNM(n, m int, opts ...Option) *Tensor {
	t := Zeros([]int{n, m}, opts...)
	if min(n, m) > 0 {
		t.be().Fill(t.Diagonal(0, 0, 1).view(), 1)
	}
	return t
}
