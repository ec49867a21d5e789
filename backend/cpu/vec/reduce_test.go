package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSumDotMax(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(17, 18))
		for _, n := range append(testSizes, 4097) {
			x, y := randVec(r, n, -3, 3, false), randVec(r, n, -3, 3, false)
			var sum, dot, abs, absDot float64
			mx := float32(math.Inf(-1))
			for i := range n {
				sum += float64(x[i])
				abs += math.Abs(float64(x[i]))
				dot += float64(x[i]) * float64(y[i])
				absDot += math.Abs(float64(x[i]) * float64(y[i]))
				mx = max(mx, x[i])
			}
			if got := Sum(x); math.Abs(got-sum) > 1e-13*abs {
				t.Fatalf("Sum n=%d = %v, want %v", n, got, sum)
			}
			if got := Dot(x, y); math.Abs(got-dot) > 1e-13*absDot {
				t.Fatalf("Dot n=%d = %v, want %v", n, got, dot)
			}
			if got := Max(x); got != mx {
				t.Fatalf("Max n=%d = %v, want %v", n, got, mx)
			}
			if n > 0 {
				for _, at := range []int{0, n / 2, n - 1} {
					z := append([]float32(nil), x...)
					z[at] = float32(math.NaN())
					if got := Max(z); got == got {
						t.Fatalf("Max n=%d with NaN at %d = %v, want NaN", n, at, got)
					}
					z[at] = float32(math.Inf(1))
					if got := Max(z); !math.IsInf(float64(got), 1) {
						t.Fatalf("Max n=%d with +Inf at %d = %v", n, at, got)
					}
				}
			}
		}
	})
}

func TestExpShift(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(19, 20))
		for _, n := range append(testSizes, 1001) {
			x := randVec(r, n, -20, 5, false)
			shift := float32(3.5)
			dst := make([]float32, n)
			sum := ExpShift(dst, x, shift)
			want := 0.0
			for i := range n {
				e := math.Exp(float64(x[i] - shift))
				want += e
				if u := ulps(dst[i], e); u > 1.5 {
					t.Fatalf("ExpShift n=%d: element %d = %v, want %v (%.2f ulp)", n, i, dst[i], e, u)
				}
			}
			if math.Abs(sum-want) > 1e-6*want {
				t.Fatalf("ExpShift n=%d: sum %v, want %v", n, sum, want)
			}
			if s2 := ExpShift(nil, x, shift); s2 != sum {
				t.Fatalf("ExpShift without dst n=%d: sum %v, with dst %v", n, s2, sum)
			}
		}
	})
}

func TestSubMulSubScaled(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(21, 22))
		for _, n := range testSizes {
			a, b := randVec(r, n, -3, 3, true), randVec(r, n, -3, 3, true)
			s := float32(0.37)
			d1, d2 := make([]float32, n), make([]float32, n)
			SubMul(d1, a, s, b)
			SubScaled(d2, a, b, s)
			for i := range n {
				if w := (a[i] - s) * b[i]; !sameFloat(d1[i], w) {
					t.Fatalf("SubMul element %d = %v, want %v", i, d1[i], w)
				}
				if w := a[i] - float32(b[i]*s); !sameFloat(d2[i], w) {
					t.Fatalf("SubScaled element %d = %v, want %v", i, d2[i], w)
				}
			}
		}
	})
}

func TestAccumulate(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(25, 26))
		for _, n := range testSizes {
			x := randVec(r, n, -3, 3, true)
			acc := make([]float64, n+1)
			want := make([]float64, n)
			for i := range n {
				acc[i] = float64(i) * 0.25
				want[i] = acc[i] + float64(x[i])
			}
			acc[n] = 7
			Accumulate(acc[:n], x)
			for i := range n {
				if acc[i] != want[i] && !(math.IsNaN(acc[i]) && math.IsNaN(want[i])) {
					t.Fatalf("Accumulate n=%d: element %d = %v, want %v", n, i, acc[i], want[i])
				}
			}
			if acc[n] != 7 {
				t.Fatalf("Accumulate n=%d wrote past the end", n)
			}
		}
	})
}

func TestAccumulateRows(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(21, 22))
		for _, n := range testSizes[1:] {
			for _, rows := range []int{1, 3, 64, 5000} {
				stride := n + 5
				x := randVec(r, (rows-1)*stride+n, -3, 3, false)
				acc := make([]float64, n)
				for j := range acc {
					acc[j] = float64(j)
				}
				AccumulateRows(acc, x, rows, stride)
				for j := range acc {
					want, abs := float64(j), float64(j)
					for i := range rows {
						want += float64(x[i*stride+j])
						abs += math.Abs(float64(x[i*stride+j]))
					}
					if math.Abs(acc[j]-want) > 1e-13*abs {
						t.Fatalf("n=%d rows=%d: acc[%d] = %v, want %v", n, rows, j, acc[j], want)
					}
				}
			}
		}
		// No rows, or no columns: nothing changes and nothing is read.
		acc := []float64{1, 2}
		AccumulateRows(acc, nil, 0, 7)
		AccumulateRows(nil, nil, 3, 7)
		if acc[0] != 1 || acc[1] != 2 {
			t.Fatalf("AccumulateRows with no rows changed acc: %v", acc)
		}
	})
}

// BenchmarkAccumulateRows sums the columns of a [2048, 512] matrix (a bias
// gradient of a GPT MLP layer).
func BenchmarkAccumulateRows(b *testing.B) {
	const rows, cols = 2048, 512
	x := randVec(rand.New(rand.NewPCG(23, 24)), rows*cols, -1, 1, false)
	acc := make([]float64, cols)
	b.ReportAllocs()
	for b.Loop() {
		AccumulateRows(acc, x, rows, cols)
	}
	b.ReportMetric(float64(rows*cols)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
}
