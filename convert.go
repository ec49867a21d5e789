package ember

import (
	"fmt"
	"reflect"

	"github.com/emberdl/ember/backend"
)

// To returns t converted to a dtype and/or moved to a device:
//
//	x.To(ember.Float64)
//	x.To(ember.CUDA)
//	x.To(ember.CUDA, ember.BFloat16)
//
// It returns t itself when nothing changes. Gradients flow through
// conversions between floating-point dtypes and across devices.
func (t *Tensor) To(targets ...Option) *Tensor {
	c := parseOptions("To", targets)
	out := t
	if c.hasDevice && c.device != t.st.dev {
		out = out.toDevice(c.device)
	}
	if c.hasDType && c.dtype != out.dtype {
		out = out.cast(c.dtype)
	}
	return out
}

func (t *Tensor) cast(dt DType) *Tensor {
	out := t.castNoGrad(dt)
	if dt.IsFloat() {
		if r := track(t); r != nil {
			src := t.dtype
			r.record(out, "ToCopyBackward0", func(g *Tensor) []*Tensor { return []*Tensor{g.To(src)} })
		}
	}
	return out
}

// castNoGrad converts without recording.
func (t *Tensor) castNoGrad(dt DType) *Tensor {
	if dt == t.dtype {
		return t
	}
	out := t.alloc(dt, t.shape)
	t.be().Copy(out.view(), t.view())
	return out
}

func (t *Tensor) toDevice(d Device) *Tensor {
	be := backendFor("To", d)
	src := t.Contiguous()
	host := src.hostSlice()
	out := newTensor(&storage{buf: be.FromHost(t.dtype, host), be: be, dev: d}, t.dtype, append([]int(nil), t.shape...), backend.ContiguousStrides(t.shape), 0)
	if r := track(t); r != nil {
		from := t.st.dev
		r.record(out, "ToCopyBackward0", func(g *Tensor) []*Tensor { return []*Tensor{g.To(from)} })
	}
	return out
}

// hostSlice copies t's elements (row-major) into a new Go slice of the
// backend host type of its dtype.
func (t *Tensor) hostSlice() any {
	n := t.Numel()
	var dst any
	switch t.dtype {
	case Float32:
		dst = make([]float32, n)
	case Float64:
		dst = make([]float64, n)
	case BFloat16, Float16:
		dst = make([]uint16, n)
	case Int64:
		dst = make([]int64, n)
	case Int32:
		dst = make([]int32, n)
	case Uint8:
		dst = make([]uint8, n)
	case Bool:
		dst = make([]bool, n)
	}
	t.be().ToHost(t.view(), dst)
	return dst
}

// hostAs returns t's elements converted to dtype dt as a Go slice.
func (t *Tensor) hostAs(dt DType) any {
	// castNoGrad records nothing; no NoGrad scope, which is process-wide
	// and would switch recording off for other goroutines.
	return t.castNoGrad(dt).hostSlice()
}

// Float32s returns the elements in row-major order as float32s (converting
// from other dtypes).
func (t *Tensor) Float32s() []float32 { return t.hostAs(Float32).([]float32) }

// Float64s returns the elements as float64s.
func (t *Tensor) Float64s() []float64 { return t.hostAs(Float64).([]float64) }

// Int64s returns the elements as int64s (floats truncated toward zero).
func (t *Tensor) Int64s() []int64 { return t.hostAs(Int64).([]int64) }

// Int32s returns the elements as int32s.
func (t *Tensor) Int32s() []int32 { return t.hostAs(Int32).([]int32) }

// Uint8s returns the elements as uint8s.
func (t *Tensor) Uint8s() []uint8 { return t.hostAs(Uint8).([]uint8) }

// Bools returns the elements as bools (non-zero is true).
func (t *Tensor) Bools() []bool { return t.hostAs(Bool).([]bool) }

// Ints returns the elements as Go ints.
func (t *Tensor) Ints() []int {
	v := t.Int64s()
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// ToSlice returns t's elements as a []T in row-major order, converting the
// dtype as needed.
func ToSlice[T Element](t *Tensor) []T {
	h := t.hostAs(dtypeOf[T]())
	var out any
	switch any(*new(T)).(type) {
	case BF16:
		u := h.([]uint16)
		o := make([]BF16, len(u))
		for i, v := range u {
			o[i] = BF16(v)
		}
		out = o
	case F16:
		u := h.([]uint16)
		o := make([]F16, len(u))
		for i, v := range u {
			o[i] = F16(v)
		}
		out = o
	case int:
		u := h.([]int64)
		o := make([]int, len(u))
		for i, v := range u {
			o[i] = int(v)
		}
		out = o
	default:
		out = h
	}
	if s, ok := out.([]T); ok {
		return s
	}
	// A named type over a base type (type Celsius float32): convert.
	rv := reflect.ValueOf(out)
	res := make([]T, rv.Len())
	rr := reflect.ValueOf(res)
	for i := range res {
		rr.Index(i).Set(rv.Index(i).Convert(rr.Type().Elem()))
	}
	return res
}

// Item returns the value of a one-element tensor as a float64 (booleans
// give 0 or 1).
func (t *Tensor) Item() float64 {
	if t.Numel() != 1 {
		panic(&ValueError{Op: "item", Msg: fmt.Sprintf("a Tensor with %d elements cannot be converted to Scalar", t.Numel())})
	}
	if t.dtype == Int64 {
		return float64(t.Int64s()[0])
	}
	return t.Float64s()[0]
}

// ItemInt returns the value of a one-element integer (or bool) tensor.
func (t *Tensor) ItemInt() int64 {
	if t.Numel() != 1 {
		panic(&ValueError{Op: "item", Msg: fmt.Sprintf("a Tensor with %d elements cannot be converted to Scalar", t.Numel())})
	}
	return t.Int64s()[0]
}

// Value returns the elements as nested Go slices ([][]float32 for a 2-D
// float32 tensor, a float32 for a scalar), like tolist(). Half dtypes come
// back as float32.
func (t *Tensor) Value() any {
	var flat any
	if t.dtype.IsHalf() {
		flat = t.hostAs(Float32)
	} else {
		flat = t.hostSlice()
	}
	fv := reflect.ValueOf(flat)
	if len(t.shape) == 0 {
		return fv.Index(0).Interface()
	}
	return nest(fv, t.shape).Interface()
}

func nest(flat reflect.Value, shape []int) reflect.Value {
	if len(shape) == 1 {
		return flat
	}
	inner := backend.Numel(shape[1:])
	typ := flat.Type()
	for range shape[1:] {
		typ = reflect.SliceOf(typ)
	}
	out := reflect.MakeSlice(typ, shape[0], shape[0])
	for i := 0; i < shape[0]; i++ {
		out.Index(i).Set(nest(flat.Slice(i*inner, (i+1)*inner), shape[1:]))
	}
	return out
}
