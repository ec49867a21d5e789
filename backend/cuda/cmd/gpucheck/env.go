package main

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu"
	"github.com/emberdl/ember/backend/cuda"
	"github.com/emberdl/ember/internal/half"
)

// env runs ops on the GPU and, as the reference, on the CPU backend.
type env struct {
	g   *cuda.Backend
	c   *cpu.Backend
	rng *rand.Rand
}

// tv is one tensor on both backends, holding the same values.
type tv struct{ g, c backend.View }

// upload puts vals, as dtype d, on both backends with the given shape.
func (e *env) upload(d backend.DType, vals []float64, shape ...int) tv {
	return tv{backend.Dense(e.g.FromHost(d, hostSlice(d, vals)), shape...), backend.Dense(e.c.FromHost(d, hostSlice(d, vals)), shape...)}
}

// rand returns uniform random values in [lo, hi).
func (e *env) rand(d backend.DType, lo, hi float64, shape ...int) tv {
	vals := make([]float64, backend.Numel(shape))
	for i := range vals {
		vals[i] = lo + (hi-lo)*e.rng.Float64()
		if !d.IsFloat() {
			vals[i] = math.Floor(vals[i])
		}
	}
	return e.upload(d, vals, shape...)
}

// full returns a tensor of one value.
func (e *env) full(d backend.DType, v float64, shape ...int) tv {
	vals := make([]float64, backend.Numel(shape))
	for i := range vals {
		vals[i] = v
	}
	return e.upload(d, vals, shape...)
}

// transposed views a 2-D tensor as its transpose.
func transposed(t tv) tv {
	f := func(v backend.View) backend.View {
		return backend.View{Buf: v.Buf, Shape: []int{v.Shape[1], v.Shape[0]}, Strides: []int{v.Strides[1], v.Strides[0]}, Offset: v.Offset}
	}
	return tv{f(t.g), f(t.c)}
}

// reshape views a dense tensor with another shape.
func reshape(t tv, shape ...int) tv {
	return tv{backend.Dense(t.g.Buf, shape...), backend.Dense(t.c.Buf, shape...)}
}

// op runs f on the GPU with the GPU views, and on the CPU with the CPU
// views. The CPU backend does no math on bfloat16 and float16: there the
// views of those types are converted to float32 around the call, as the
// ember package does. It returns whether the GPU side used the host
// fallback.
func (e *env) op(outs, ins []tv, f func(be backend.Backend, o, i []backend.View)) (fallback bool) {
	before := e.g.Fallbacks()
	gv := func(ts []tv) []backend.View {
		out := make([]backend.View, len(ts))
		for i, t := range ts {
			out[i] = t.g
		}
		return out
	}
	f(e.g, gv(outs), gv(ins))
	after := e.g.Fallbacks()
	for k, n := range after {
		if n != before[k] {
			fallback = true
		}
	}
	widen := func(v backend.View) backend.View {
		if v.Buf == nil || !v.DType().IsHalf() {
			return v
		}
		w := backend.Dense(e.c.Alloc(backend.Float32, v.Numel()), v.Shape...)
		e.c.Copy(w, v)
		return w
	}
	co, ci := make([]backend.View, len(outs)), make([]backend.View, len(ins))
	for i, t := range outs {
		co[i] = widen(t.c)
	}
	for i, t := range ins {
		ci[i] = widen(t.c)
	}
	f(e.c, co, ci)
	for i, t := range outs {
		if co[i].Buf != t.c.Buf {
			e.c.Copy(t.c, co[i])
		}
	}
	return fallback
}

// hostSlice converts values to the Go slice type of dtype d.
func hostSlice(d backend.DType, vals []float64) any {
	switch d {
	case backend.Float32:
		s := make([]float32, len(vals))
		for i, v := range vals {
			s[i] = float32(v)
		}
		return s
	case backend.Float64:
		return append([]float64(nil), vals...)
	case backend.BFloat16, backend.Float16:
		s := make([]uint16, len(vals))
		for i, v := range vals {
			if d == backend.BFloat16 {
				s[i] = half.BF16FromF32(float32(v))
			} else {
				s[i] = half.F16FromF32(float32(v))
			}
		}
		return s
	case backend.Int64:
		s := make([]int64, len(vals))
		for i, v := range vals {
			s[i] = int64(v)
		}
		return s
	case backend.Int32:
		s := make([]int32, len(vals))
		for i, v := range vals {
			s[i] = int32(v)
		}
		return s
	case backend.Uint8:
		s := make([]uint8, len(vals))
		for i, v := range vals {
			s[i] = uint8(int64(v))
		}
		return s
	case backend.Bool:
		s := make([]bool, len(vals))
		for i, v := range vals {
			s[i] = v != 0
		}
		return s
	}
	panic(fmt.Sprintf("hostSlice: dtype %v", d))
}

// read downloads a view as float64s.
func read(be backend.Backend, v backend.View) []float64 {
	d, n := v.DType(), v.Numel()
	out := make([]float64, n)
	switch d {
	case backend.Float32:
		s := make([]float32, n)
		be.ToHost(v, s)
		for i, x := range s {
			out[i] = float64(x)
		}
	case backend.Float64:
		be.ToHost(v, out)
	case backend.BFloat16, backend.Float16:
		s := make([]uint16, n)
		be.ToHost(v, s)
		for i, x := range s {
			if d == backend.BFloat16 {
				out[i] = float64(half.BF16ToF32(x))
			} else {
				out[i] = float64(half.F16ToF32(x))
			}
		}
	case backend.Int64:
		s := make([]int64, n)
		be.ToHost(v, s)
		for i, x := range s {
			out[i] = float64(x)
		}
	case backend.Int32:
		s := make([]int32, n)
		be.ToHost(v, s)
		for i, x := range s {
			out[i] = float64(x)
		}
	case backend.Uint8:
		s := make([]uint8, n)
		be.ToHost(v, s)
		for i, x := range s {
			out[i] = float64(x)
		}
	case backend.Bool:
		s := make([]bool, n)
		be.ToHost(v, s)
		for i, x := range s {
			if x {
				out[i] = 1
			}
		}
	}
	return out
}

// tol is a tolerance: |got - want| <= atol + rtol*|want|.
type tol struct{ rtol, atol float64 }

// tolerances per dtype for results of float arithmetic.
func tolFor(d backend.DType) tol {
	switch d {
	case backend.Float32:
		return tol{1e-4, 1e-5}
	case backend.Float64:
		return tol{1e-10, 1e-12}
	case backend.BFloat16:
		return tol{2e-2, 2e-2}
	case backend.Float16:
		return tol{5e-3, 5e-3}
	}
	return tol{}
}

// diff compares got with want: the worst error relative to the tolerance
// (<= 1 passes), the largest absolute difference, and a description of the
// first failing element.
func diff(got, want []float64, tl tol) (worst, maxAbs float64, msg string) {
	if len(got) != len(want) {
		return math.Inf(1), math.Inf(1), fmt.Sprintf("%d elements, want %d", len(got), len(want))
	}
	for i := range got {
		a, b := got[i], want[i]
		var r float64
		switch {
		case math.IsNaN(a) || math.IsNaN(b):
			if math.IsNaN(a) != math.IsNaN(b) {
				r = math.Inf(1)
			}
		case math.IsInf(a, 0) || math.IsInf(b, 0):
			if a != b {
				r = math.Inf(1)
			}
		default:
			d := math.Abs(a - b)
			maxAbs = max(maxAbs, d)
			switch bound := tl.atol + tl.rtol*math.Abs(b); {
			case bound > 0:
				r = d / bound
			case d > 0:
				r = math.Inf(1)
			}
		}
		if r > worst {
			worst = r
			if r > 1 && msg == "" {
				msg = fmt.Sprintf("element %d: %v, want %v", i, a, b)
			}
		}
	}
	return worst, maxAbs, msg
}
