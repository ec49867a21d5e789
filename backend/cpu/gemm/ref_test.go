package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// layout places a rows×cols matrix in a buffer: element (i,j) at
// off + i*rs + j*cs. Elements of the buffer outside the matrix are padding.
type layout struct {
	name           string
	rows, cols     int
	off, rs, cs, n int
}

// layoutKinds are the storage orders the tests cover: row-major and
// column-major with padded leading dimensions, and column strides > 1.
var layoutKinds = []string{"row", "col", "rowgap", "colgap"}

func makeLayout(kind string, rows, cols int) layout {
	l := layout{name: kind, rows: rows, cols: cols}
	switch kind {
	case "row": // dense row-major
		l.rs, l.cs = cols, 1
	case "col": // dense column-major (the transpose of row-major)
		l.rs, l.cs = 1, rows
	case "rowgap": // row-major, every other column, padded rows, offset
		l.off, l.rs, l.cs = 3, 2*cols+5, 2
	case "colgap": // column-major with column stride rows+3 and row stride 3
		l.off, l.rs, l.cs = 1, 3, 3*rows+2
	default:
		panic("unknown layout " + kind)
	}
	l.n = l.off + 1
	if rows > 0 && cols > 0 {
		l.n += (rows-1)*l.rs + (cols-1)*l.cs
	}
	l.n += 4 // trailing padding
	return l
}

func (l layout) at(i, j int) int { return l.off + i*l.rs + j*l.cs }

// fill returns a buffer for l with the matrix drawn from r (uniform in
// [-1, 1)) and every padding element set to pad.
func fill[T float](r *rand.Rand, l layout, pad T) []T {
	buf := make([]T, l.n)
	for i := range buf {
		buf[i] = pad
	}
	for i := 0; i < l.rows; i++ {
		for j := 0; j < l.cols; j++ {
			buf[l.at(i, j)] = T(2*r.Float64() - 1)
		}
	}
	return buf
}

// refProduct computes alpha*A*B + beta*C0 in float64 with a naive triple
// loop, and the magnitude |alpha|*|A|*|B| + |beta*C0| that bounds rounding.
func refProduct[T float](m, n, k int, alpha float64, a []T, la layout, b []T, lb layout, beta float64, c0 []T, lc layout) (want, mag []float64) {
	// Dense float64 copies: A row-major and B transposed, so the inner loop
	// walks two contiguous rows.
	ad := make([]float64, m*k)
	bt := make([]float64, n*k)
	for i := 0; i < m; i++ {
		for p := 0; p < k; p++ {
			ad[i*k+p] = float64(a[la.at(i, p)])
		}
	}
	for p := 0; p < k; p++ {
		for j := 0; j < n; j++ {
			bt[j*k+p] = float64(b[lb.at(p, j)])
		}
	}
	want = make([]float64, m*n)
	mag = make([]float64, m*n)
	for i := 0; i < m; i++ {
		ar := ad[i*k : i*k+k]
		for j := 0; j < n; j++ {
			br := bt[j*k : j*k+k]
			var s, sa float64
			for p, x := range ar {
				x *= br[p]
				s += x
				sa += math.Abs(x)
			}
			v, mg := alpha*s, math.Abs(alpha)*sa
			if beta != 0 {
				cv := float64(c0[lc.at(i, j)])
				v += beta * cv
				mg += math.Abs(beta * cv)
			}
			want[i*n+j] = v
			mag[i*n+j] = mg
		}
	}
	return want, mag
}

// epsilon is the unit round-off of T.
func epsilon[T float]() float64 {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return 0x1p-24
	}
	return 0x1p-53
}

// compareC checks C against the reference and that C's padding is unchanged
// (still equal to pad, compared bitwise so NaN padding works).
func compareC[T float](got []T, lc layout, want, mag []float64, k int, pad T) error {
	tol := 2 * float64(k+4) * epsilon[T]()
	inside := make([]bool, len(got))
	for i := 0; i < lc.rows; i++ {
		for j := 0; j < lc.cols; j++ {
			idx := lc.at(i, j)
			inside[idx] = true
			g := float64(got[idx])
			w := want[i*lc.cols+j]
			if math.IsNaN(g) || math.Abs(g-w) > tol*mag[i*lc.cols+j]+1e-30 {
				return fmt.Errorf("C(%d,%d) = %v, want %v (tolerance %.3g)", i, j, g, w, tol*mag[i*lc.cols+j])
			}
		}
	}
	for idx, v := range got {
		if !inside[idx] && math.Float64bits(float64(v)) != math.Float64bits(float64(pad)) {
			return fmt.Errorf("padding element %d of C changed to %v", idx, v)
		}
	}
	return nil
}

// kernelCase is one set of micro-kernels the driver can run on.
type kernelCase struct {
	name string
	s    *kernel[float32]
	d    *kernel[float64]
}

// kernelCases lists the best kernels of this machine and the pure-Go twins
// (once, if they are the same).
func kernelCases() []kernelCase {
	s, d := bestKernels()
	cases := []kernelCase{{s.name, s, d}}
	if s != &goKernelS {
		cases = append(cases, kernelCase{"go", &goKernelS, &goKernelD})
	}
	// The driver on a 14-row tile (the AVX-512 kernels'), everywhere.
	cases = append(cases, kernelCase{"go14", &goKernelS14, &goKernelD14})
	if ks, kd := nativeAVX512Kernels(); ks != nil && s != ks {
		cases = append(cases, kernelCase{ks.name, ks, kd})
	}
	if ks, kd := nativeAVX2Kernels(); ks != nil && s != ks {
		cases = append(cases, kernelCase{ks.name, ks, kd}) // where AVX-512 is the default
	}
	return cases
}

// sweepKernelCases is kernelCases for the long sweeps: under the race
// detector only the first (the driver's goroutines are the same whichever
// kernel runs; the twins are compared by the shorter tests).
func sweepKernelCases() []kernelCase {
	if raceEnabled {
		return kernelCases()[:1]
	}
	return kernelCases()
}

// withKernels runs f with the driver using the kernels of kc.
func withKernels(t *testing.T, kc kernelCase, f func(t *testing.T)) {
	t.Run(kc.name, func(t *testing.T) {
		oldS, oldD := kernelS, kernelD
		kernelS, kernelD = kc.s, kc.d
		defer func() { kernelS, kernelD = oldS, oldD }()
		f(t)
	})
}
