package tensorfmt

import (
	"math"
	"strconv"
	"strings"
)

// formatter writes single elements at a common width, following PyTorch's
// _Formatter: it looks at every element that will be printed (after
// summarisation) to choose the notation and the width.
type formatter struct {
	kind      Kind
	intMode   bool // floats: every finite nonzero value is an integer
	sciMode   bool // floats: scientific notation
	width     int
	precision int
}

// newFormatter measures the elements at the flat indices idx.
func newFormatter(t *Tensor, idx []int, o Options) *formatter {
	f := &formatter{kind: t.Kind, intMode: true, width: 1, precision: o.Precision}
	if t.Kind != Float {
		for _, i := range idx {
			f.width = max(f.width, len(f.element(t, i)))
		}
		return f
	}
	var vals []float64
	for _, i := range idx {
		if v := t.At(i); v != 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return f // PyTorch returns before applying a forced sci_mode here
	}
	lo, hi := math.Inf(1), 0.0
	for _, v := range vals {
		lo, hi = min(lo, math.Abs(v)), max(hi, math.Abs(v))
		if v != math.Ceil(v) {
			f.intMode = false
		}
	}
	switch {
	case hi/lo > 1000 || hi > 1e8 || !f.intMode && lo < 1e-4:
		f.sciMode = true
		f.measure(vals, 'e', o.Precision, 0)
	case f.intMode:
		f.measure(vals, 'f', 0, 1) // one more for the trailing "."
	default:
		f.measure(vals, 'f', o.Precision, 0)
	}
	switch o.SciMode {
	case SciOn:
		f.sciMode = true
	case SciOff:
		f.sciMode = false
	}
	return f
}

func (f *formatter) measure(vals []float64, verb byte, prec, extra int) {
	for _, v := range vals {
		f.width = max(f.width, len(pyFloat(v, verb, prec))+extra)
	}
}

// element returns element i written alone, before padding.
func (f *formatter) element(t *Tensor, i int) string {
	switch t.Kind {
	case Bool:
		if t.At(i) != 0 {
			return "True"
		}
		return "False"
	case Int:
		if t.AtInt != nil {
			return strconv.FormatInt(t.AtInt(i), 10)
		}
		return strconv.FormatInt(int64(t.At(i)), 10)
	}
	v := t.At(i)
	switch {
	case f.sciMode:
		return pyFloat(v, 'e', f.precision)
	case f.intMode:
		s := pyFloat(v, 'f', 0)
		if !math.IsInf(v, 0) && !math.IsNaN(v) {
			s += "."
		}
		return s
	}
	return pyFloat(v, 'f', f.precision)
}

// format returns element i right-aligned to the common width.
func (f *formatter) format(t *Tensor, i int) string {
	s := f.element(t, i)
	if pad := f.width - len(s); pad > 0 {
		return strings.Repeat(" ", pad) + s
	}
	return s
}

// pyFloat formats v as Python's format(v, ".{prec}{verb}") does for verb 'e'
// or 'f': correctly rounded, ties to even, and "nan", "inf", "-inf".
func pyFloat(v float64, verb byte, prec int) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, verb, prec, 64)
}
