package ember

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
)

// ShapeError reports tensors whose shapes do not fit an op. Ops panic with
// it; Catch turns the panic into an error.
type ShapeError struct {
	Op     string  // the op, such as "matmul"
	Shapes [][]int // the shapes involved
	Msg    string  // what was wrong
}

func (e *ShapeError) Error() string { return e.Op + ": " + e.Msg }

// AxisError reports an axis out of range for a tensor's rank.
type AxisError struct {
	Op   string
	Axis int
	Rank int
}

func (e *AxisError) Error() string {
	return fmt.Sprintf("%s: axis %d is out of range for a tensor of rank %d (valid: %d to %d)", e.Op, e.Axis, e.Rank, -max(e.Rank, 1), max(e.Rank, 1)-1)
}

// DTypeError reports a dtype an op does not accept.
type DTypeError struct {
	Op  string
	Msg string
}

func (e *DTypeError) Error() string { return e.Op + ": " + e.Msg }

// DeviceError reports tensors on different devices, or a device that cannot
// be used.
type DeviceError struct {
	Op  string
	Msg string
	Err error // the underlying cause, if any
}

func (e *DeviceError) Error() string {
	if e.Err != nil {
		return e.Op + ": " + e.Msg + ": " + e.Err.Error()
	}
	return e.Op + ": " + e.Msg
}

// Unwrap returns the underlying cause.
func (e *DeviceError) Unwrap() error { return e.Err }

// ValueError reports an argument whose value is invalid (a negative size, an
// index out of range, a probability outside [0, 1], ...).
type ValueError struct {
	Op  string
	Msg string
}

func (e *ValueError) Error() string { return e.Op + ": " + e.Msg }

// AutogradError reports a misuse of automatic differentiation: backward
// through a freed graph, a tensor modified in place after being saved, a
// gradient of a tensor that does not require one.
type AutogradError struct {
	Msg string
}

func (e *AutogradError) Error() string { return "autograd: " + e.Msg }

// Catch runs f and returns, as an error, any panic f raised with an error
// value (Ember's *ShapeError, *AxisError, *DTypeError, *DeviceError,
// *ValueError, *AutogradError, or another error). Runtime errors (nil
// dereference, index out of range) and non-error panics are bugs, not
// bad input: they are re-raised.
func Catch(f func()) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if e, ok := r.(error); ok {
			var re runtime.Error
			if !errors.As(e, &re) {
				err = e
				return
			}
		}
		panic(r)
	}()
	f()
	return nil
}

func shapeErr(op string, msg string, shapes ...[]int) *ShapeError {
	cp := make([][]int, len(shapes))
	for i, s := range shapes {
		cp[i] = append([]int(nil), s...)
	}
	return &ShapeError{Op: op, Shapes: cp, Msg: msg}
}

func shapeStr(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
