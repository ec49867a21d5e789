package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulps returns the distance between got and the exact value want in
// units of the last place of float32 at want (subnormal spacing below the
// normal range).
func ulps(got float32, want float64) float64 {
	if math.IsInf(want, 0) || want == 0 {
		if float64(got) == want {
			return 0
		}
		return math.Inf(1)
	}
	w := float32(want)
	if math.IsInf(float64(w), 0) {
		w = math.MaxFloat32
	}
	bits := math.Float32bits(float32(math.Abs(float64(w))))
	next := math.Float32frombits(bits + 1)
	ulp := float64(next) - math.Abs(float64(w))
	return math.Abs(float64(got)-want) / ulp
}

// checkFunc compares a vector function with a float64 reference on xs,
// at every offset of the blocks (the slice is shifted by 0..8 elements so
// that values land in both the assembly and the Go tail), and returns the
// largest error in ulps.
func checkFunc(t *testing.T, name string, f func(dst, x []float32), ref func(float64) float64, xs []float32, maxULP float64) {
	t.Helper()
	dst := make([]float32, len(xs))
	f(dst, xs)
	worst, at := 0.0, float32(0)
	for i, x := range xs {
		want := ref(float64(x))
		got := dst[i]
		if math.IsNaN(want) {
			if !math.IsNaN(float64(got)) {
				t.Fatalf("%s(%v) = %v, want NaN", name, x, got)
			}
			continue
		}
		if e := ulps(got, want); e > worst {
			worst, at = e, x
		}
	}
	if worst > maxULP {
		t.Fatalf("%s: error %.2f ulp at x = %v (got %v, want %v); bound %v", name, worst, at, dst[indexOf(xs, at)], ref(float64(at)), maxULP)
	}
	t.Logf("%s: max error %.2f ulp (at %v) over %d values", name, worst, at, len(xs))
	// The tail and the blocks agree on every position.
	for shift := 1; shift < 9 && shift < len(xs); shift++ {
		d2 := make([]float32, len(xs)-shift)
		f(d2, xs[shift:])
		for i := range d2 {
			if e := ulps(d2[i], ref(float64(xs[shift+i]))); e > maxULP && !math.IsNaN(ref(float64(xs[shift+i]))) {
				t.Fatalf("%s shifted by %d: element %d: %v, error %.2f ulp", name, shift, i, d2[i], e)
			}
		}
	}
}

func indexOf(xs []float32, v float32) int {
	for i, x := range xs {
		if x == v {
			return i
		}
	}
	return 0
}

func uniform(r *rand.Rand, n int, lo, hi float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(lo + (hi-lo)*r.Float64())
	}
	return v
}

var specialInputs = []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 1e-30, -1e-30}

func TestExp(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		xs := append(uniform(r, 200000, -103.9, 88.72), specialInputs...)
		xs = append(xs, uniform(r, 20000, -1, 1)...)
		xs = append(xs, 88.7228, 88.72283, 88.72284, 88.8, -87.3, -87.34, -100, -103.97, -103.98, -104, 0.5*math.Ln2, -0.5*math.Ln2)
		checkFunc(t, "Exp", Exp, math.Exp, xs, 1.5)
	})
}

func TestLog(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 8))
		xs := make([]float32, 0, 200100)
		for range 200000 {
			// Every positive finite float32, subnormals included.
			b := r.Uint32() & 0x7fffffff
			if b >= 0x7f800000 {
				b &= 0x3fffffff
			}
			xs = append(xs, math.Float32frombits(b))
		}
		xs = append(xs, uniform(r, 20000, 0.5, 2)...)
		xs = append(xs, specialInputs...)
		xs = append(xs, -2, 0.70710677, 0.7071068, 1.4142135)
		checkFunc(t, "Log", Log, math.Log, xs, 1.5)
	})
}

func TestTanh(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		xs := append(uniform(r, 200000, -12, 12), uniform(r, 20000, -0.7, 0.7)...)
		xs = append(xs, specialInputs...)
		xs = append(xs, 0.625, -0.625, 0.62499, 9.1, -9.1, 1e-8, -3e-5)
		checkFunc(t, "Tanh", Tanh, math.Tanh, xs, 2)
	})
}

func TestSigmoid(t *testing.T) {
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		xs := append(uniform(r, 200000, -87, 40), specialInputs[:7]...)
		checkFunc(t, "Sigmoid", Sigmoid, sig, xs, 3)
	})
}

func TestReluAndGrad(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(13, 14))
		for _, n := range testSizes {
			x := randVec(r, n, -2, 2, true)
			g := randVec(r, n, -2, 2, true)
			y, dx := make([]float32, n), make([]float32, n)
			Relu(y, x)
			ReluGrad(dx, g, x)
			for i := range n {
				wantY := x[i]
				if x[i] < 0 || x[i] == 0 {
					wantY = 0
				}
				if !sameFloat(y[i], wantY) {
					t.Fatalf("Relu(%v) = %v, want %v", x[i], y[i], wantY)
				}
				wantG := g[i]
				if x[i] <= 0 {
					wantG = 0
				}
				if !sameFloat(dx[i], wantG) {
					t.Fatalf("ReluGrad(g=%v, y=%v) = %v, want %v", g[i], x[i], dx[i], wantG)
				}
			}
		}
	})
}

func TestMaximum(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(15, 16))
		for _, n := range testSizes {
			x, y := randVec(r, n, -2, 2, true), randVec(r, n, -2, 2, true)
			d := make([]float32, n)
			Maximum(d, x, y)
			for i := range n {
				want := y[i] // ties (equal zeros): the second operand
				switch {
				case x[i] != x[i] || y[i] != y[i]:
					want = float32(math.NaN())
				case x[i] > y[i]:
					want = x[i]
				}
				if !sameFloat(d[i], want) {
					t.Fatalf("Maximum(%v, %v) = %v, want %v", x[i], y[i], d[i], want)
				}
			}
		}
	})
}

// TestErfGelu checks erf (absolute error), GELU and its gradient against
// the float64 math package, the tolerance being erf's error carried
// through the formulas.
func TestErfGelu(t *testing.T) {
	phi := func(x float64) float64 { return 0.5 * (1 + math.Erf(x/math.Sqrt2)) }
	pdf := func(x float64) float64 { return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) }
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(61, 62))
		xs := append(uniform(r, 100000, -8, 8), uniform(r, 10000, -0.01, 0.01)...)
		xs = append(xs, 0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 40, -40, float32(math.Inf(1)), float32(math.Inf(-1)))
		g := uniform(r, len(xs), -2, 2)
		e, y, dx := make([]float32, len(xs)), make([]float32, len(xs)), make([]float32, len(xs))
		Erf(e, xs)
		Gelu(y, xs)
		GeluGrad(dx, g, xs)
		worst := 0.0
		for i, x32 := range xs {
			x := float64(x32)
			if d := math.Abs(float64(e[i]) - math.Erf(x)); d > 3e-7 || d > 1e-6*math.Abs(math.Erf(x)) && math.Abs(x) < 0.5 {
				t.Fatalf("Erf(%v) = %v, want %v (error %.3g)", x, e[i], math.Erf(x), d)
			} else if d > worst {
				worst = d
			}
			if math.IsInf(x, 0) {
				continue
			}
			if want := x * phi(x); math.Abs(float64(y[i])-want) > 2e-7*math.Abs(x)+1e-6*math.Abs(want) {
				t.Fatalf("Gelu(%v) = %v, want %v", x, y[i], want)
			}
			gx := float64(g[i])
			if want := gx * (phi(x) + x*pdf(x)); math.Abs(float64(dx[i])-want) > 4e-7*math.Abs(gx)*(1+math.Abs(x))+1e-6*math.Abs(want) {
				t.Fatalf("GeluGrad(%v, %v) = %v, want %v", gx, x, dx[i], want)
			}
		}
		// GeluAndGrad gives Gelu's bits and the factor that makes
		// GeluGrad's: g·d.
		y2, d2, gd := make([]float32, len(xs)), make([]float32, len(xs)), make([]float32, len(xs))
		GeluAndGrad(y2, d2, xs)
		Mul(gd, g, d2)
		for i, x := range xs {
			if math.Float32bits(y2[i]) != math.Float32bits(y[i]) || math.Float32bits(gd[i]) != math.Float32bits(dx[i]) {
				t.Fatalf("GeluAndGrad(%v) = %v, d·g = %v; Gelu %v, GeluGrad %v", x, y2[i], gd[i], y[i], dx[i])
			}
		}
		t.Logf("Erf: max absolute error %.3g (relative below 1e-6 under 0.5)", worst)
		if e := make([]float32, 1); true {
			Erf(e, []float32{float32(math.NaN())})
			if e[0] == e[0] {
				t.Fatalf("Erf(NaN) = %v", e[0])
			}
		}
	})
}

// BenchmarkUnary times the transcendental kernels on 4096 values in L1
// (ns/op is per call; divide by 4096 for a value).
func BenchmarkUnary(b *testing.B) {
	const n = 4096
	r := rand.New(rand.NewPCG(7, 8))
	x, d := uniform(r, n, -4, 4), make([]float32, n)
	pos := uniform(r, n, 0.01, 10)
	for _, k := range []struct {
		name string
		f    func(dst, x []float32)
		in   []float32
	}{{"Exp", Exp, x}, {"Log", Log, pos}, {"Sigmoid", Sigmoid, x}, {"Tanh", Tanh, x}, {"Erf", Erf, x}, {"Gelu", Gelu, x}} {
		b.Run(k.name, func(b *testing.B) {
			for b.Loop() {
				k.f(d, k.in)
			}
		})
	}
}

// TestTwoBlockKernels checks that the kernels that take two blocks a round
// (their two dependency chains interleaved) give the same bits as the same
// kernel one block at a time, which an 8-value call takes. (Without the
// assembly, both are the Go twin's.)
func TestTwoBlockKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	x := append(uniform(r, 1000, -12, 12), 0, float32(math.Copysign(0, -1)), 1e-30, 40, -40, float32(math.Inf(1)))
	x = x[:len(x)/8*8]
	for _, k := range []struct {
		name string
		f    func(dst, x []float32)
		pos  bool // x's magnitudes, with zeros, denormals and a negative
	}{{"Exp", Exp, false}, {"Sigmoid", Sigmoid, false}, {"Tanh", Tanh, false}, {"Erf", Erf, false}, {"Gelu", Gelu, false}, {"Log", Log, true}} {
		in := x
		if k.pos {
			in = make([]float32, len(x))
			for i, v := range x {
				in[i] = float32(math.Abs(float64(v)))
			}
			in[0], in[1], in[2] = 1e-40, -1, 0
		}
		whole, single := make([]float32, len(in)), make([]float32, len(in))
		k.f(whole, in)
		for i := 0; i < len(in); i += 8 {
			k.f(single[i:i+8], in[i:i+8])
		}
		for i := range in {
			if math.Float32bits(whole[i]) != math.Float32bits(single[i]) {
				t.Fatalf("%s(%v): %v two blocks a round, %v one", k.name, in[i], whole[i], single[i])
			}
		}
	}
}
