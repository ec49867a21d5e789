package cpu

import (
	"fmt"
	"math"

	"github.com/emberdl/ember/backend"
)

// Copy copies src into dst, converting the dtype when the two differ.
func (c *Backend) Copy(dst, src backend.View) {
	checkSameShape("copy", dst, src)
	d, s := buf(dst), buf(src)
	l := newLoop(dst.Shape, []int{dst.Offset, src.Offset}, dst.Strides, src.Strides)
	defer l.free()
	if d.dt == s.dt || (d.dt.IsHalf() && s.dt == d.dt) {
		copySame(l, d, s)
		return
	}
	copyConvert(l, d, s)
}

func checkSameShape(op string, views ...backend.View) {
	for _, v := range views[1:] {
		if len(v.Shape) != len(views[0].Shape) {
			panic(fmt.Sprintf("cpu.%s: views of shapes %v and %v", op, views[0].Shape, v.Shape))
		}
		for i := range v.Shape {
			if v.Shape[i] != views[0].Shape[i] {
				panic(fmt.Sprintf("cpu.%s: views of shapes %v and %v", op, views[0].Shape, v.Shape))
			}
		}
	}
}

func copySame(l *loop, d, s *Buffer) {
	switch d.dt {
	case backend.Float32:
		copyRuns(l, d.F32, s.F32)
	case backend.Float64:
		copyRuns(l, d.F64, s.F64)
	case backend.BFloat16, backend.Float16:
		copyRuns(l, d.U16, s.U16)
	case backend.Int64:
		copyRuns(l, d.I64, s.I64)
	case backend.Int32:
		copyRuns(l, d.I32, s.I32)
	case backend.Uint8:
		copyRuns(l, d.U8, s.U8)
	case backend.Bool:
		copyRuns(l, d.B, s.B)
	}
}

func copyRuns[T any](l *loop, d, s []T) {
	l.run(1, func(off [maxOps]int, m int) {
		o0, o1, s0, s1 := off[0], off[1], l.inner[0], l.inner[1]
		if s0 == 1 && s1 == 1 {
			copy(d[o0:o0+m], s[o1:o1+m])
			return
		}
		if s1 == 0 {
			v := s[o1]
			for i := 0; i < m; i++ {
				d[o0+i*s0] = v
			}
			return
		}
		for i := 0; i < m; i++ {
			d[o0+i*s0] = s[o1+i*s1]
		}
	})
}

// convertRuns copies with a per-element conversion.
func convertRuns[S, D any](l *loop, d []D, s []S, conv func(S) D) {
	l.run(2, func(off [maxOps]int, m int) {
		o0, o1, s0, s1 := off[0], off[1], l.inner[0], l.inner[1]
		if s0 == 1 && s1 == 1 {
			dd, ss := d[o0:o0+m], s[o1:o1+m]
			for i := range dd {
				dd[i] = conv(ss[i])
			}
			return
		}
		for i := 0; i < m; i++ {
			d[o0+i*s0] = conv(s[o1+i*s1])
		}
	})
}

type number interface {
	~float32 | ~float64 | ~int64 | ~int32 | ~uint8
}

// toNumber converts between numeric Go types with C semantics for
// float-to-int (truncation; NaN and out-of-range give the platform result,
// as in PyTorch).
func toNumber[S, D number](x S) D { return D(x) }

func boolTo[D number](x bool) D {
	if x {
		return 1
	}
	return 0
}

func toBool[S number](x S) bool { return x != 0 }

func copyConvert(l *loop, d, s *Buffer) {
	// Half types go through float32.
	if s.dt.IsHalf() || d.dt.IsHalf() {
		copyHalf(l, d, s)
		return
	}
	switch s.dt {
	case backend.Float32:
		convertFrom(l, d, s.F32)
	case backend.Float64:
		convertFrom(l, d, s.F64)
	case backend.Int64:
		convertFrom(l, d, s.I64)
	case backend.Int32:
		convertFrom(l, d, s.I32)
	case backend.Uint8:
		convertFrom(l, d, s.U8)
	case backend.Bool:
		switch d.dt {
		case backend.Float32:
			convertRuns(l, d.F32, s.B, boolTo[float32])
		case backend.Float64:
			convertRuns(l, d.F64, s.B, boolTo[float64])
		case backend.Int64:
			convertRuns(l, d.I64, s.B, boolTo[int64])
		case backend.Int32:
			convertRuns(l, d.I32, s.B, boolTo[int32])
		case backend.Uint8:
			convertRuns(l, d.U8, s.B, boolTo[uint8])
		}
	}
}

func convertFrom[S number](l *loop, d *Buffer, s []S) {
	switch d.dt {
	case backend.Float32:
		convertRuns(l, d.F32, s, toNumber[S, float32])
	case backend.Float64:
		convertRuns(l, d.F64, s, toNumber[S, float64])
	case backend.Int64:
		convertRuns(l, d.I64, s, floatSafeInt[S, int64])
	case backend.Int32:
		convertRuns(l, d.I32, s, floatSafeInt[S, int32])
	case backend.Uint8:
		convertRuns(l, d.U8, s, floatSafeInt[S, uint8])
	case backend.Bool:
		convertRuns(l, d.B, s, toBool[S])
	}
}

// floatSafeInt converts to an integer type; NaN becomes 0 rather than an
// unspecified value, and out-of-range floats wrap through int64 the way
// PyTorch's CPU kernels do on amd64.
func floatSafeInt[S number, D number](x S) D {
	switch v := any(x).(type) {
	case float32:
		if v != v {
			return 0
		}
		return D(int64(v))
	case float64:
		if math.IsNaN(v) {
			return 0
		}
		return D(int64(v))
	}
	return D(x)
}

func copyHalf(l *loop, d, s *Buffer) {
	// Source to float32 first (through a temporary for non-float32 pairs).
	if s.dt.IsHalf() {
		toF32 := halfToF32(s.dt)
		if d.dt == backend.Float32 {
			convertRuns(l, d.F32, s.U16, toF32)
			return
		}
		if d.dt.IsHalf() {
			fromF32 := f32ToHalf(d.dt)
			convertRuns(l, d.U16, s.U16, func(x uint16) uint16 { return fromF32(toF32(x)) })
			return
		}
		tmp := &Buffer{dt: backend.Float32, F32: make([]float32, l.total())}
		shape := append(append([]int(nil), l.outer...), l.n)
		tl := newLoop(shape, []int{0, l.base[1]}, contiguousStrides(shape), append(append([]int(nil), l.strides[1]...), l.inner[1]))
		defer tl.free()
		convertRuns(tl, tmp.F32, s.U16, toF32)
		dl := newLoop(shape, []int{l.base[0], 0}, append(append([]int(nil), l.strides[0]...), l.inner[0]), contiguousStrides(shape))
		defer dl.free()
		copyConvert(dl, d, tmp)
		return
	}
	fromF32 := f32ToHalf(d.dt)
	switch s.dt {
	case backend.Float32:
		convertRuns(l, d.U16, s.F32, fromF32)
	case backend.Float64:
		convertRuns(l, d.U16, s.F64, func(x float64) uint16 { return fromF32(float32(x)) })
	case backend.Int64:
		convertRuns(l, d.U16, s.I64, func(x int64) uint16 { return fromF32(float32(x)) })
	case backend.Int32:
		convertRuns(l, d.U16, s.I32, func(x int32) uint16 { return fromF32(float32(x)) })
	case backend.Uint8:
		convertRuns(l, d.U16, s.U8, func(x uint8) uint16 { return fromF32(float32(x)) })
	case backend.Bool:
		convertRuns(l, d.U16, s.B, func(x bool) uint16 { return fromF32(boolTo[float32](x)) })
	}
}

func contiguousStrides(shape []int) []int { return backend.ContiguousStrides(shape) }

// Fill sets every element of dst to value.
func (c *Backend) Fill(dst backend.View, value float64) {
	d := buf(dst)
	l := newLoop(dst.Shape, []int{dst.Offset}, dst.Strides)
	defer l.free()
	zero := value == 0 && !math.Signbit(value)
	switch d.dt {
	case backend.Float32:
		fillRuns(l, d.F32, float32(value), zero)
	case backend.Float64:
		fillRuns(l, d.F64, value, zero)
	case backend.BFloat16, backend.Float16:
		fillRuns(l, d.U16, f32ToHalf(d.dt)(float32(value)), zero)
	case backend.Int64:
		fillRuns(l, d.I64, int64(value), zero)
	case backend.Int32:
		fillRuns(l, d.I32, int32(value), zero)
	case backend.Uint8:
		fillRuns(l, d.U8, uint8(int64(value)), zero)
	case backend.Bool:
		fillRuns(l, d.B, value != 0, zero)
	}
}

// fillRuns sets the walked elements to v; zero says v's bits are all zero
// (a +0 fill), which clears memory at memclr speed.
func fillRuns[T any](l *loop, d []T, v T, zero bool) {
	l.run(1, func(off [maxOps]int, m int) {
		o, s := off[0], l.inner[0]
		if s == 1 {
			dd := d[o : o+m]
			if zero {
				clear(dd)
				return
			}
			for i := range dd {
				dd[i] = v
			}
			return
		}
		for i := 0; i < m; i++ {
			d[o+i*s] = v
		}
	})
}

// Arange sets dst[i] = start + i*step.
func (c *Backend) Arange(dst backend.View, start, step float64) {
	if len(dst.Shape) != 1 {
		panic(fmt.Sprintf("cpu.Arange: view of shape %v is not 1-D", dst.Shape))
	}
	d := buf(dst)
	n, s, o := dst.Shape[0], dst.Strides[0], dst.Offset
	for i := 0; i < n; i++ {
		v := start + float64(i)*step
		switch d.dt {
		case backend.Float32:
			d.F32[o+i*s] = float32(v)
		case backend.Float64:
			d.F64[o+i*s] = v
		case backend.BFloat16, backend.Float16:
			d.U16[o+i*s] = f32ToHalf(d.dt)(float32(v))
		case backend.Int64:
			d.I64[o+i*s] = int64(v)
		case backend.Int32:
			d.I32[o+i*s] = int32(v)
		case backend.Uint8:
			d.U8[o+i*s] = uint8(int64(v))
		case backend.Bool:
			d.B[o+i*s] = v != 0
		}
	}
}
