package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// testSizes are lengths around the block sizes of the kernels.
var testSizes = []int{0, 1, 7, 8, 9, 15, 31, 32, 33, 63, 64, 65, 257, 1000}

// eachImpl runs f once with the assembly kernels (when this build and CPU
// have them) and once with the Go twins.
func eachImpl(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	old := useAsm
	defer func() { useAsm = old }()
	impls := []bool{false}
	if HasAsm() {
		impls = append(impls, true)
	}
	for _, asm := range impls {
		useAsm = asm
		name := "go"
		if asm {
			name = "asm"
		}
		t.Run(name, f)
	}
}

// randVec returns n values in [lo, hi) with a few special values mixed in
// when special is set.
func randVec(r *rand.Rand, n int, lo, hi float64, special bool) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(lo + (hi-lo)*r.Float64())
	}
	if special && n > 4 {
		specials := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
		for i := range 3 {
			v[r.IntN(n)] = specials[(i+n)%len(specials)]
		}
	}
	return v
}

// sameFloat reports whether a and b are equal or both NaN.
func sameFloat(a, b float32) bool { return a == b || (a != a && b != b) }

func TestBinary(t *testing.T) {
	ops := []struct {
		name string
		f    func(dst, x, y []float32)
		ref  func(a, b float64) float64
	}{
		{"Add", Add, func(a, b float64) float64 { return a + b }},
		{"Sub", Sub, func(a, b float64) float64 { return a - b }},
		{"Mul", Mul, func(a, b float64) float64 { return a * b }},
		{"Div", Div, func(a, b float64) float64 { return a / b }},
	}
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, op := range ops {
			for _, n := range testSizes {
				x, y := randVec(r, n, -4, 4, true), randVec(r, n, -4, 4, true)
				dst := make([]float32, n+1)
				dst[n] = 42 // must stay untouched
				op.f(dst[:n], x, y)
				for i := range n {
					want := float32(op.ref(float64(x[i]), float64(y[i])))
					if !sameFloat(dst[i], want) {
						t.Fatalf("%s n=%d: element %d: %v op %v = %v, want %v", op.name, n, i, x[i], y[i], dst[i], want)
					}
				}
				if dst[n] != 42 {
					t.Fatalf("%s n=%d wrote past the end", op.name, n)
				}
				// In place.
				cp := append([]float32(nil), x...)
				op.f(cp, cp, y)
				for i := range n {
					if !sameFloat(cp[i], dst[i]) {
						t.Fatalf("%s n=%d in place: element %d = %v, want %v", op.name, n, i, cp[i], dst[i])
					}
				}
			}
		}
	})
}

func TestScalarOps(t *testing.T) {
	ops := []struct {
		name string
		f    func(dst, x []float32, s float32)
		ref  func(x, s float64) float64
	}{
		{"AddScalar", AddScalar, func(x, s float64) float64 { return x + s }},
		{"SubScalar", SubScalar, func(x, s float64) float64 { return x - s }},
		{"MulScalar", MulScalar, func(x, s float64) float64 { return x * s }},
		{"DivScalar", DivScalar, func(x, s float64) float64 { return x / s }},
		{"ScalarSub", func(dst, x []float32, s float32) { ScalarSub(dst, s, x) }, func(x, s float64) float64 { return s - x }},
		{"ScalarDiv", func(dst, x []float32, s float32) { ScalarDiv(dst, s, x) }, func(x, s float64) float64 { return s / x }},
	}
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, op := range ops {
			for _, n := range testSizes {
				for _, s := range []float32{1.5, -0.3, 0, float32(math.Inf(1))} {
					x := randVec(r, n, -4, 4, true)
					dst := make([]float32, n)
					op.f(dst, x, s)
					for i := range n {
						want := float32(op.ref(float64(x[i]), float64(s)))
						if !sameFloat(dst[i], want) {
							t.Fatalf("%s(s=%v) n=%d: element %d (x=%v) = %v, want %v", op.name, s, n, i, x[i], dst[i], want)
						}
					}
				}
			}
		}
	})
}

func BenchmarkBinary(b *testing.B) {
	for _, n := range []int{1 << 10, 1 << 16, 1 << 20} {
		x, y, d := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], y[i] = float32(i), 1.5
		}
		for _, asm := range []bool{false, true} {
			if asm && !HasAsm() {
				continue
			}
			b.Run(fmt.Sprintf("Add/n=%d/asm=%v", n, asm), func(b *testing.B) {
				old := useAsm
				useAsm = asm
				defer func() { useAsm = old }()
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					Add(d, x, y)
				}
			})
		}
	}
}

// TestLongVectors runs vectors longer than one assembly call handles, so
// the chunking is crossed, against the Go twins.
func TestLongVectors(t *testing.T) {
	n := 2*chunk + 13
	r := rand.New(rand.NewPCG(27, 28))
	x, y := randVec(r, n, -2, 2, false), randVec(r, n, -2, 2, false)
	run := func(asm bool) (add, relu, es []float32, sum float64, mx float32) {
		old := useAsm
		useAsm = asm && HasAsm()
		defer func() { useAsm = old }()
		add, relu, es = make([]float32, n), make([]float32, n), make([]float32, n)
		Add(add, x, y)
		Relu(relu, x)
		ExpShift(es, x, 1)
		return add, relu, es, Sum(x), Max(x)
	}
	a1, r1, e1, s1, m1 := run(true)
	a2, r2, e2, s2, m2 := run(false)
	for i := range n {
		if a1[i] != a2[i] || r1[i] != r2[i] || ulps(e1[i], float64(e2[i])) > 2 {
			t.Fatalf("element %d: add %v/%v relu %v/%v exp %v/%v", i, a1[i], a2[i], r1[i], r2[i], e1[i], e2[i])
		}
	}
	if math.Abs(s1-s2) > 1e-9*float64(n) || m1 != m2 {
		t.Fatalf("sum %v/%v max %v/%v", s1, s2, m1, m2)
	}
}

func TestMaxPool2(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(29, 30))
		for _, n := range testSizes {
			r0, r1 := make([]float32, 2*n), make([]float32, 2*n)
			for i := range r0 {
				r0[i], r1[i] = float32(r.IntN(3)), float32(r.IntN(3)) // ties
				if r.IntN(13) == 0 {
					r0[i] = float32(math.NaN())
				}
				if r.IntN(13) == 0 {
					r1[i] = float32(math.Inf(-1))
				}
			}
			const base, w = 1000, 97
			d, k := make([]float32, n+1), make([]int64, n+1)
			d[n], k[n] = 42, 42
			MaxPool2(d[:n], k[:n], r0, r1, base, w)
			for i := range n {
				win := []float32{r0[2*i], r0[2*i+1], r1[2*i], r1[2*i+1]}
				pos := []int64{0, 1, w, w + 1}
				best, bk := win[0], pos[0]
				for j, v := range win[1:] {
					if v > best || v != v {
						best, bk = v, pos[j+1]
					}
				}
				if k[i] != base+2*int64(i)+bk || !sameFloat(d[i], best) {
					t.Fatalf("n=%d window %d %v: got %v at %d, want %v at %d", n, i, win, d[i], k[i], best, base+2*int64(i)+bk)
				}
			}
			if d[n] != 42 || k[n] != 42 {
				t.Fatalf("n=%d wrote past the end", n)
			}
		}
	})
}

func BenchmarkMaxPool2(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	n := 7 * 1024
	r0, r1 := randVec(r, 2*n, -1, 1, false), randVec(r, 2*n, -1, 1, false)
	d, k := make([]float32, n), make([]int64, n)
	for _, asm := range []bool{false, true} {
		if asm && !HasAsm() {
			continue
		}
		b.Run(fmt.Sprintf("asm=%v", asm), func(b *testing.B) {
			old := useAsm
			useAsm = asm
			defer func() { useAsm = old }()
			for b.Loop() {
				MaxPool2(d, k, r0, r1, 0, 14)
			}
		})
	}
}
