package cpu

import (
	"fmt"
	"math"

	"github.com/emberdl/ember/backend"
)

// Binary applies op elementwise to x and y.
func (c *Backend) Binary(op backend.BinaryOp, dst, x, y backend.View) {
	checkSameShape("Binary", dst, x, y)
	d, a, b := buf(dst), buf(x), buf(y)
	if a.dt != b.dt {
		panic(fmt.Sprintf("cpu.Binary %v: operands %v and %v", op, a.dt, b.dt))
	}
	l := newLoop(dst.Shape, []int{dst.Offset, x.Offset, y.Offset}, dst.Strides, x.Strides, y.Strides)
	defer l.free()
	if op.IsComparison() {
		if d.dt != backend.Bool {
			panic("cpu.Binary: " + op.String() + " writes bool")
		}
		switch a.dt {
		case backend.Float32:
			zipRuns(l, d.B, a.F32, b.F32, compare[float32](op))
		case backend.Float64:
			zipRuns(l, d.B, a.F64, b.F64, compare[float64](op))
		case backend.Int64:
			zipRuns(l, d.B, a.I64, b.I64, compare[int64](op))
		case backend.Int32:
			zipRuns(l, d.B, a.I32, b.I32, compare[int32](op))
		case backend.Uint8:
			zipRuns(l, d.B, a.U8, b.U8, compare[uint8](op))
		case backend.Bool:
			zipRuns(l, d.B, a.B, b.B, compareBool(op))
		default:
			panic("cpu.Binary: " + op.String() + " of " + a.dt.String())
		}
		return
	}
	if d.dt != a.dt {
		panic(fmt.Sprintf("cpu.Binary %v: dst %v, operands %v", op, d.dt, a.dt))
	}
	if (op == backend.ReluGrad || op == backend.GeluGrad) && !d.dt.IsFloat() {
		panic("cpu.Binary: " + op.String() + " of " + d.dt.String())
	}
	switch d.dt {
	case backend.Float32:
		if !binaryF32(l, op, d.F32, a.F32, b.F32) {
			binaryFloat(l, op, d.F32, a.F32, b.F32)
		}
	case backend.Float64:
		binaryFloat(l, op, d.F64, a.F64, b.F64)
	case backend.Int64:
		zipRuns(l, d.I64, a.I64, b.I64, intFunc[int64](op))
	case backend.Int32:
		zipRuns(l, d.I32, a.I32, b.I32, intFunc[int32](op))
	case backend.Uint8:
		zipRuns(l, d.U8, a.U8, b.U8, intFunc[uint8](op))
	case backend.Bool:
		zipRuns(l, d.B, a.B, b.B, boolFunc(op))
	default:
		panic(fmt.Sprintf("cpu.Binary %v of %v", op, d.dt))
	}
}

// zipRuns applies f to pairs of elements.
func zipRuns[S, D any](l *loop, d []D, x, y []S, f func(S, S) D) {
	l.run(4, func(off [maxOps]int, m int) {
		o0, o1, o2 := off[0], off[1], off[2]
		s0, s1, s2 := l.inner[0], l.inner[1], l.inner[2]
		if s0 == 1 && s1 == 1 && s2 == 1 {
			dd, xx, yy := d[o0:o0+m], x[o1:o1+m], y[o2:o2+m]
			for i := range dd {
				dd[i] = f(xx[i], yy[i])
			}
			return
		}
		for i := 0; i < m; i++ {
			d[o0+i*s0] = f(x[o1+i*s1], y[o2+i*s2])
		}
	})
}

// arith is the shape of the hot loops: contiguous x and y, or one of them
// broadcast along the inner dim.
func binaryFloat[T float](l *loop, op backend.BinaryOp, d, x, y []T) {
	switch op {
	case backend.Add, backend.Sub, backend.Mul, backend.Div:
	default:
		zipRuns(l, d, x, y, floatBinary[T](op))
		return
	}
	l.run(1, func(off [maxOps]int, m int) {
		o0, o1, o2 := off[0], off[1], off[2]
		s0, s1, s2 := l.inner[0], l.inner[1], l.inner[2]
		if s0 != 1 {
			f := floatBinary[T](op)
			for i := 0; i < m; i++ {
				d[o0+i*s0] = f(x[o1+i*s1], y[o2+i*s2])
			}
			return
		}
		dd := d[o0 : o0+m]
		switch {
		case s1 == 1 && s2 == 1:
			arithVV(op, dd, x[o1:o1+m], y[o2:o2+m])
		case s1 == 1 && s2 == 0:
			arithVS(op, dd, x[o1:o1+m], y[o2])
		case s1 == 0 && s2 == 1:
			arithSV(op, dd, x[o1], y[o2:o2+m])
		default:
			f := floatBinary[T](op)
			for i := range dd {
				dd[i] = f(x[o1+i*s1], y[o2+i*s2])
			}
		}
	})
}

func arithVV[T float](op backend.BinaryOp, d, x, y []T) {
	x, y = x[:len(d)], y[:len(d)]
	switch op {
	case backend.Add:
		for i := range d {
			d[i] = x[i] + y[i]
		}
	case backend.Sub:
		for i := range d {
			d[i] = x[i] - y[i]
		}
	case backend.Mul:
		for i := range d {
			d[i] = x[i] * y[i]
		}
	case backend.Div:
		for i := range d {
			d[i] = x[i] / y[i]
		}
	}
}

func arithVS[T float](op backend.BinaryOp, d, x []T, y T) {
	x = x[:len(d)]
	switch op {
	case backend.Add:
		for i := range d {
			d[i] = x[i] + y
		}
	case backend.Sub:
		for i := range d {
			d[i] = x[i] - y
		}
	case backend.Mul:
		for i := range d {
			d[i] = x[i] * y
		}
	case backend.Div:
		for i := range d {
			d[i] = x[i] / y
		}
	}
}

func arithSV[T float](op backend.BinaryOp, d []T, x T, y []T) {
	y = y[:len(d)]
	switch op {
	case backend.Add:
		for i := range d {
			d[i] = x + y[i]
		}
	case backend.Sub:
		for i := range d {
			d[i] = x - y[i]
		}
	case backend.Mul:
		for i := range d {
			d[i] = x * y[i]
		}
	case backend.Div:
		for i := range d {
			d[i] = x / y[i]
		}
	}
}

func floatBinary[T float](op backend.BinaryOp) func(T, T) T {
	switch op {
	case backend.Add:
		return func(a, b T) T { return a + b }
	case backend.Sub:
		return func(a, b T) T { return a - b }
	case backend.Mul:
		return func(a, b T) T { return a * b }
	case backend.Div:
		return func(a, b T) T { return a / b }
	case backend.Maximum:
		return func(a, b T) T {
			if a != a || b != b {
				return T(math.NaN())
			}
			return max(a, b)
		}
	case backend.Minimum:
		return func(a, b T) T {
			if a != a || b != b {
				return T(math.NaN())
			}
			return min(a, b)
		}
	case backend.Remainder:
		return func(a, b T) T { return T(pyMod(float64(a), float64(b))) }
	case backend.FloorDiv:
		return func(a, b T) T { return T(pyFloorDiv(float64(a), float64(b))) }
	case backend.Pow:
		return func(a, b T) T { return T(math.Pow(float64(a), float64(b))) }
	case backend.Atan2:
		return func(a, b T) T { return T(math.Atan2(float64(a), float64(b))) }
	case backend.ReluGrad:
		return func(g, y T) T {
			if y <= 0 {
				return 0
			}
			return g
		}
	case backend.GeluGrad:
		return func(g, x T) T {
			v := float64(x)
			cdf := 0.5 * (1 + math.Erf(v/math.Sqrt2))
			pdf := math.Exp(-0.5*v*v) / math.Sqrt(2*math.Pi)
			return T(float64(g) * (cdf + v*pdf))
		}
	}
	panic("cpu.Binary: no float kernel for " + op.String())
}

// pyMod is Python's float modulo: the result has the sign of b.
func pyMod(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	m := math.Mod(a, b)
	if m != 0 && (m < 0) != (b < 0) {
		m += b
	}
	return m
}

// pyFloorDiv is PyTorch's floor_divide for floats.
func pyFloorDiv(a, b float64) float64 {
	if b == 0 {
		return a / b
	}
	m := math.Mod(a, b)
	div := (a - m) / b
	if m != 0 && (b < 0) != (m < 0) {
		div--
	}
	if div == 0 {
		return math.Copysign(0, a/b)
	}
	fl := math.Floor(div)
	if div-fl > 0.5 {
		fl++
	}
	return fl
}

func intFunc[T integer](op backend.BinaryOp) func(T, T) T {
	switch op {
	case backend.Add:
		return func(a, b T) T { return a + b }
	case backend.Sub:
		return func(a, b T) T { return a - b }
	case backend.Mul:
		return func(a, b T) T { return a * b }
	case backend.Maximum:
		return func(a, b T) T { return max(a, b) }
	case backend.Minimum:
		return func(a, b T) T { return min(a, b) }
	case backend.Remainder:
		return func(a, b T) T {
			if b == 0 {
				panic(&ZeroDivisionError{Op: "remainder"})
			}
			m := a % b
			if m != 0 && (m < 0) != (b < 0) {
				m += b
			}
			return m
		}
	case backend.FloorDiv, backend.Div:
		return func(a, b T) T {
			if b == 0 {
				panic(&ZeroDivisionError{Op: "floor_divide"})
			}
			q := a / b
			if (a%b != 0) && ((a < 0) != (b < 0)) {
				q--
			}
			return q
		}
	case backend.Pow:
		return func(a, b T) T {
			r := T(1)
			for e := b; e > 0; e-- {
				r *= a
			}
			return r
		}
	}
	panic("cpu.Binary: no integer kernel for " + op.String())
}

// ZeroDivisionError is the panic value of integer division by zero.
type ZeroDivisionError struct{ Op string }

func (e *ZeroDivisionError) Error() string { return e.Op + ": integer division by zero" }

func boolFunc(op backend.BinaryOp) func(a, b bool) bool {
	switch op {
	case backend.LogicalAnd, backend.Mul, backend.Minimum:
		return func(a, b bool) bool { return a && b }
	case backend.LogicalOr, backend.Add, backend.Maximum:
		return func(a, b bool) bool { return a || b }
	case backend.LogicalXor:
		return func(a, b bool) bool { return a != b }
	}
	panic("cpu.Binary: no bool kernel for " + op.String())
}

type ordered interface {
	~float32 | ~float64 | ~int64 | ~int32 | ~uint8
}

func compare[T ordered](op backend.BinaryOp) func(a, b T) bool {
	switch op {
	case backend.Eq:
		return func(a, b T) bool { return a == b }
	case backend.Ne:
		return func(a, b T) bool { return a != b }
	case backend.Lt:
		return func(a, b T) bool { return a < b }
	case backend.Le:
		return func(a, b T) bool { return a <= b }
	case backend.Gt:
		return func(a, b T) bool { return a > b }
	case backend.Ge:
		return func(a, b T) bool { return a >= b }
	case backend.LogicalAnd:
		return func(a, b T) bool { return a != 0 && b != 0 }
	case backend.LogicalOr:
		return func(a, b T) bool { return a != 0 || b != 0 }
	case backend.LogicalXor:
		return func(a, b T) bool { return (a != 0) != (b != 0) }
	}
	panic("cpu.Binary: no comparison " + op.String())
}

func compareBool(op backend.BinaryOp) func(a, b bool) bool {
	toI := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	switch op {
	case backend.Eq:
		return func(a, b bool) bool { return a == b }
	case backend.Ne, backend.LogicalXor:
		return func(a, b bool) bool { return a != b }
	case backend.Lt:
		return func(a, b bool) bool { return toI(a) < toI(b) }
	case backend.Le:
		return func(a, b bool) bool { return toI(a) <= toI(b) }
	case backend.Gt:
		return func(a, b bool) bool { return toI(a) > toI(b) }
	case backend.Ge:
		return func(a, b bool) bool { return toI(a) >= toI(b) }
	case backend.LogicalAnd:
		return func(a, b bool) bool { return a && b }
	case backend.LogicalOr:
		return func(a, b bool) bool { return a || b }
	}
	panic("cpu.Binary: no comparison " + op.String())
}

// Where sets dst = cond ? x : y.
func (c *Backend) Where(dst, cond, x, y backend.View) {
	checkSameShape("Where", dst, cond, x, y)
	d, cb, a, b := buf(dst), buf(cond), buf(x), buf(y)
	l := newLoop(dst.Shape, []int{dst.Offset, cond.Offset, x.Offset, y.Offset}, dst.Strides, cond.Strides, x.Strides, y.Strides)
	defer l.free()
	switch d.dt {
	case backend.Float32:
		whereRuns(l, d.F32, cb.B, a.F32, b.F32)
	case backend.Float64:
		whereRuns(l, d.F64, cb.B, a.F64, b.F64)
	case backend.BFloat16, backend.Float16:
		whereRuns(l, d.U16, cb.B, a.U16, b.U16)
	case backend.Int64:
		whereRuns(l, d.I64, cb.B, a.I64, b.I64)
	case backend.Int32:
		whereRuns(l, d.I32, cb.B, a.I32, b.I32)
	case backend.Uint8:
		whereRuns(l, d.U8, cb.B, a.U8, b.U8)
	case backend.Bool:
		whereRuns(l, d.B, cb.B, a.B, b.B)
	}
}

func whereRuns[T any](l *loop, d []T, c []bool, x, y []T) {
	l.run(2, func(off [maxOps]int, m int) {
		s := l.inner
		for i := 0; i < m; i++ {
			if c[off[1]+i*s[1]] {
				d[off[0]+i*s[0]] = x[off[2]+i*s[2]]
			} else {
				d[off[0]+i*s[0]] = y[off[3]+i*s[3]]
			}
		}
	})
}
