package vec

import "math"

// Reductions and the row primitives of softmax. Sums accumulate in
// float64, as the backend's generic reductions do.

// Sum returns the sum of x.
func Sum(x []float32) float64 {
	s, m := 0.0, blocks(len(x))
	for i := 0; i < m; i += chunk {
		s += sumAsm(x[i:min(i+chunk, m)])
	}
	return s + sumGo(x[m:])
}

// Dot returns the sum of x[i]*y[i] over len(x) elements.
func Dot(x, y []float32) float64 {
	y = y[:len(x)]
	s, m := 0.0, blocks(len(x))
	for i := 0; i < m; i += chunk {
		j := min(i+chunk, m)
		s += dotAsm(x[i:j], y[i:j])
	}
	return s + dotGo(x[m:], y[m:])
}

// Accumulate adds x into acc in float64: acc[i] += x[i] for len(acc)
// elements (column sums of a matrix, a row at a time).
func Accumulate(acc []float64, x []float32) {
	n := len(acc)
	x = x[:n]
	m := blocks(n)
	for i := 0; i < m; i += chunk {
		j := min(i+chunk, m)
		accumulateAsm(acc[i:j], x[i:j])
	}
	accumulateGo(acc[m:], x[m:])
}

// Max returns the largest element of x, NaN if x holds one, and -Inf for
// an empty x.
func Max(x []float32) float32 {
	m, b := float32(math.Inf(-1)), blocks(len(x))
	for i := 0; i < b; i += chunk {
		m = maxOf(m, maxAsm(x[i:min(i+chunk, b)]))
	}
	return maxOf(m, maxGo(x[b:]))
}

// maxOf is the larger of a and b, NaN if either is.
func maxOf(a, b float32) float32 {
	switch {
	case a != a || b != b:
		return float32(math.NaN())
	case b > a:
		return b
	}
	return a
}

// ExpShift sets dst = e^(x - shift) and returns the sum of dst (softmax's
// numerators and denominator). dst may be nil to get the sum alone.
func ExpShift(dst, x []float32, shift float32) float64 {
	n := len(x)
	s, m := 0.0, blocks(n)
	if dst == nil {
		for i := 0; i < m; i += chunk {
			s += expShiftSumAsm(x[i:min(i+chunk, m)], shift)
		}
		return s + expShiftGo(nil, x[m:], shift)
	}
	dst = dst[:n]
	for i := 0; i < m; i += chunk {
		j := min(i+chunk, m)
		s += expShiftAsm(dst[i:j], x[i:j], shift)
	}
	return s + expShiftGo(dst[m:], x[m:], shift)
}

// SubMul sets dst = (a - s) * b (softmax's backward: y·(dy - Σdy·y)).
func SubMul(dst, a []float32, s float32, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	m := blocks(n)
	for i := 0; i < m; i += chunk {
		j := min(i+chunk, m)
		subMulAsm(dst[i:j], a[i:j], s, b[i:j])
	}
	subMulGo(dst[m:], a[m:], s, b[m:])
}

// SubScaled sets dst = a - b*s (log-softmax's backward: dy - e^y·Σdy).
func SubScaled(dst, a, b []float32, s float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	m := blocks(n)
	for i := 0; i < m; i += chunk {
		j := min(i+chunk, m)
		subScaledAsm(dst[i:j], a[i:j], b[i:j], s)
	}
	subScaledGo(dst[m:], a[m:], b[m:], s)
}

func sumGo(x []float32) float64 {
	s := 0.0
	for _, v := range x {
		s += float64(v)
	}
	return s
}

func accumulateRowsGo(acc []float64, x []float32, rows, stride int) {
	for j := range acc {
		s := 0.0
		for r := range rows {
			s += float64(x[r*stride+j])
		}
		acc[j] += s
	}
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

// AccumulateRows adds the rows of a matrix into acc in float64:
// acc[j] += Σ x[r*stride+j] over r < rows, for j < len(acc) (column sums,
// many rows per call; each column's rows are summed in float64 and then
// added to acc).
func AccumulateRows(acc []float64, x []float32, rows, stride int) {
	n := len(acc)
	if rows <= 0 || n == 0 {
		return
	}
	_ = x[(rows-1)*stride+n-1]
	m := blocks(n)
	if m > 0 {
		per := max(1, chunk/m)
		for r := 0; r < rows; r += per {
			accumulateRowsAsm(acc[:m], x[r*stride:], min(per, rows-r), stride)
		}
	}
	if m < n {
		accumulateRowsGo(acc[m:], x[m:], rows, stride)
	}
}
