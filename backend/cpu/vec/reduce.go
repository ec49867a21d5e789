package vec

import "math"

// Reductions and the row primitives of softmax. Sums accumulate in
// float64, as the backend's generic reductions do.

// Sum returns the sum of x.
func Sum(x []float32) float64 {
	i := blocks(len(x))
	s := 0.0
	if i > 0 {
		s = sumAsm(x[:i])
	}
	return s + sumGo(x[i:])
}

// Dot returns the sum of x[i]*y[i] over len(x) elements.
func Dot(x, y []float32) float64 {
	y = y[:len(x)]
	i := blocks(len(x))
	s := 0.0
	if i > 0 {
		s = dotAsm(x[:i], y[:i])
	}
	return s + dotGo(x[i:], y[i:])
}

// Accumulate adds x into acc in float64: acc[i] += x[i] for len(acc)
// elements (column sums of a matrix, a row at a time).
func Accumulate(acc []float64, x []float32) {
	n := len(acc)
	x = x[:n]
	i := blocks(n)
	if i > 0 {
		accumulateAsm(acc[:i], x[:i])
	}
	accumulateGo(acc[i:], x[i:])
}

// Max returns the largest element of x, NaN if x holds one, and -Inf for
// an empty x.
func Max(x []float32) float32 {
	i := blocks(len(x))
	m := float32(math.Inf(-1))
	if i > 0 {
		m = maxAsm(x[:i])
	}
	r := maxGo(x[i:])
	switch {
	case m != m || r != r:
		return float32(math.NaN())
	case r > m:
		return r
	}
	return m
}

// ExpShift sets dst = e^(x - shift) and returns the sum of dst (softmax's
// numerators and denominator). dst may be nil to get the sum alone.
func ExpShift(dst, x []float32, shift float32) float64 {
	n := len(x)
	i := blocks(n)
	s := 0.0
	if dst == nil {
		if i > 0 {
			s = expShiftSumAsm(x[:i], shift)
		}
		return s + expShiftGo(nil, x[i:], shift)
	}
	dst = dst[:n]
	if i > 0 {
		s = expShiftAsm(dst[:i], x[:i], shift)
	}
	return s + expShiftGo(dst[i:], x[i:], shift)
}

// SubMul sets dst = (a - s) * b (softmax's backward: y·(dy - Σdy·y)).
func SubMul(dst, a []float32, s float32, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := blocks(n)
	if i > 0 {
		subMulAsm(dst[:i], a[:i], s, b[:i])
	}
	subMulGo(dst[i:], a[i:], s, b[i:])
}

// SubScaled sets dst = a - b*s (log-softmax's backward: dy - e^y·Σdy).
func SubScaled(dst, a, b []float32, s float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := blocks(n)
	if i > 0 {
		subScaledAsm(dst[:i], a[:i], b[:i], s)
	}
	subScaledGo(dst[i:], a[i:], b[i:], s)
}

func sumGo(x []float32) float64 {
	s := 0.0
	for _, v := range x {
		s += float64(v)
	}
	return s
}

func accumulateGo(acc []float64, x []float32) {
	x = x[:len(acc)]
	for i, v := range x {
		acc[i] += float64(v)
	}
}

func dotGo(x, y []float32) float64 {
	y = y[:len(x)]
	s := 0.0
	for i, v := range x {
		s += float64(v) * float64(y[i])
	}
	return s
}

func maxGo(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v != v {
			return v
		}
		if v > m {
			m = v
		}
	}
	return m
}

func expShiftGo(dst, x []float32, shift float32) float64 {
	s := 0.0
	if dst == nil {
		for _, v := range x {
			s += float64(exp32(v - shift))
		}
		return s
	}
	dst = dst[:len(x)]
	for i, v := range x {
		e := exp32(v - shift)
		dst[i] = e
		s += float64(e)
	}
	return s
}

func subMulGo(dst, a []float32, s float32, b []float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = (a[i] - s) * b[i]
	}
}

func subScaledGo(dst, a, b []float32, s float32) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] - float32(b[i]*s)
	}
}
