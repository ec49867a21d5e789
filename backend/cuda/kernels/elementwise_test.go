package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend/cuda/driver"
)

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

const sqrt2OverPi = 0.79788456080286535588

// unaryRef is each unary op by its textbook definition, with the input
// range to test it on.
var unaryRef = map[UnaryOp]struct {
	f      func(x, p0, p1 float64) float64
	lo, hi float64
}{
	Neg:     {func(x, _, _ float64) float64 { return -x }, -3, 3},
	Abs:     {func(x, _, _ float64) float64 { return math.Abs(x) }, -3, 3},
	Sqrt:    {func(x, _, _ float64) float64 { return math.Sqrt(x) }, 0.1, 5},
	Rsqrt:   {func(x, _, _ float64) float64 { return 1 / math.Sqrt(x) }, 0.1, 5},
	Exp:     {func(x, _, _ float64) float64 { return math.Exp(x) }, -3, 3},
	Log:     {func(x, _, _ float64) float64 { return math.Log(x) }, 0.1, 5},
	Log1p:   {func(x, _, _ float64) float64 { return math.Log1p(x) }, -0.5, 3},
	Expm1:   {func(x, _, _ float64) float64 { return math.Expm1(x) }, -2, 2},
	Sin:     {func(x, _, _ float64) float64 { return math.Sin(x) }, -3, 3},
	Cos:     {func(x, _, _ float64) float64 { return math.Cos(x) }, -3, 3},
	Tanh:    {func(x, _, _ float64) float64 { return math.Tanh(x) }, -3, 3},
	Sigmoid: {func(x, _, _ float64) float64 { return sigmoid(x) }, -6, 6},
	Relu: {func(x, _, _ float64) float64 {
		if x > 0 || x != x {
			return x
		}
		return 0
	}, -3, 3},
	Gelu:       {func(x, _, _ float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }, -3, 3},
	GeluTanh:   {func(x, _, _ float64) float64 { return 0.5 * x * (1 + math.Tanh(sqrt2OverPi*(x+0.044715*x*x*x))) }, -3, 3},
	Silu:       {func(x, _, _ float64) float64 { return x * sigmoid(x) }, -4, 4},
	Square:     {func(x, _, _ float64) float64 { return x * x }, -3, 3},
	Reciprocal: {func(x, _, _ float64) float64 { return 1 / x }, 0.5, 3},
	Floor:      {func(x, _, _ float64) float64 { return math.Floor(x) }, -3, 3},
	Ceil:       {func(x, _, _ float64) float64 { return math.Ceil(x) }, -3, 3},
	Round:      {func(x, _, _ float64) float64 { return math.RoundToEven(x) }, -3, 3},
	Trunc:      {func(x, _, _ float64) float64 { return math.Trunc(x) }, -3, 3},
	Sign: {func(x, _, _ float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		case x != x:
			return 0 // as PyTorch
		}
		return x
	}, -3, 3},
	Erf: {func(x, _, _ float64) float64 { return math.Erf(x) }, -3, 3},
	Softplus: {func(x, beta, threshold float64) float64 {
		if x*beta > threshold {
			return x
		}
		return math.Log1p(math.Exp(x*beta)) / beta
	}, -5, 25},
	Affine:    {func(x, p0, p1 float64) float64 { return x*p0 + p1 }, -3, 3},
	PowScalar: {func(x, p0, _ float64) float64 { return math.Pow(x, p0) }, 0.1, 3},
	Clamp:     {func(x, p0, p1 float64) float64 { return math.Min(math.Max(x, p0), p1) }, -3, 3},
	LeakyRelu: {func(x, p0, _ float64) float64 {
		if x < 0 {
			return x * p0
		}
		return x
	}, -3, 3},
	Log2: {func(x, _, _ float64) float64 { return math.Log2(x) }, 0.1, 9},
	Tan:  {func(x, _, _ float64) float64 { return math.Tan(x) }, -1.2, 1.2},
	Elu: {func(x, alpha, _ float64) float64 {
		if x > 0 {
			return x
		}
		return alpha * (math.Exp(x) - 1)
	}, -3, 3},
	Selu: {func(x, _, _ float64) float64 {
		const alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
		if x > 0 {
			return scale * x
		}
		return scale * alpha * (math.Exp(x) - 1)
	}, -3, 3},
	Mish:       {func(x, _, _ float64) float64 { return x * math.Tanh(math.Log(1+math.Exp(x))) }, -4, 4},
	RPowScalar: {func(x, p0, _ float64) float64 { return math.Pow(p0, x) }, -3, 3},
	AddScalar:  {func(x, p0, _ float64) float64 { return x + p0 }, -3, 3},
	MulScalar:  {func(x, p0, _ float64) float64 { return x * p0 }, -3, 3},
	NanToNum: {func(x, p0, p1 float64) float64 {
		switch {
		case math.IsNaN(x):
			return p0
		case math.IsInf(x, 1):
			return p1
		case math.IsInf(x, -1):
			return -p1
		}
		return x
	}, -3, 3},
}

// Scalar parameters used for every op (ignored by most).
const unaryP0, unaryP1 = 1.75, 0.5

func randRange(rng *rand.Rand, n int, lo, hi float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*rng.Float64()
	}
	return v
}

func TestUnaryOpsFlat(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 300
	a := driver.NewArgs()
	if len(unaryRef) != int(IsNan) {
		t.Fatalf("reference covers %d of %d ops", len(unaryRef), IsNan)
	}
	for _, dt := range FloatTypes {
		for op := UnaryOp(0); op < IsNan; op++ {
			ref := unaryRef[op]
			vals := randRange(rng, n, ref.lo, ref.hi)
			if op == Round {
				copy(vals, []float64{0.5, 1.5, 2.5, -0.5, -1.5})
			}
			if op == Sign || op == Relu || op == Clamp || op == NanToNum {
				vals[0], vals[1], vals[2], vals[3] = 0, math.NaN(), math.Inf(1), math.Inf(-1)
			}
			in, exact := d.upload(dt, vals)
			out := d.alloc(n * dt.Size())
			sh, _ := NewShape(n)
			sh.Flat = 1
			err := PackUnary(a, op, &Operand{Ptr: out}, &Operand{Ptr: in}, &sh, unaryP0, unaryP1)
			d.launch(UnaryKernel(dt), ElementwiseLaunch(n, 2), a, err)
			want := make([]float64, n)
			for i, x := range exact {
				want[i] = ref.f(x, unaryP0, unaryP1)
			}
			// The 16-bit types also round the result.
			checkClose(t, op.String(), dt, d.download(dt, out, n), roundTo(dt, want))
		}
	}
}

// roundTo rounds reference values to what dt can hold.
func roundTo(dt DType, v []float64) []float64 { return decode(dt, encode(dt, v)) }

func TestUnaryStridedView(t *testing.T) {
	d := device(t)
	// in is the transpose of a contiguous 4×6 matrix; out is a 6×4 window
	// at offset 1 of a 6×5 buffer. Everything outside the window must stay
	// untouched.
	rng := rand.New(rand.NewPCG(2, 2))
	src := randRange(rng, 24, -2, 2)
	for _, dt := range []DType{F32, BF16} {
		in, exact := d.upload(dt, src)
		outBuf, before := d.upload(dt, randRange(rng, 30, 10, 20))
		sh, _ := NewShape(6, 4)
		inSt := Strides{S: [MaxDims]int64{1, 6}}
		outSt := Strides{S: [MaxDims]int64{5, 1}, Offset: 1}
		a := driver.NewArgs()
		err := PackUnary(a, Exp, &Operand{outBuf, outSt}, &Operand{in, inSt}, &sh, 0, 0)
		d.launch(UnaryKernel(dt), ElementwiseLaunch(24, 1), a, err)
		want := append([]float64(nil), before...)
		for i := 0; i < 6; i++ {
			for j := 0; j < 4; j++ {
				want[1+5*i+j] = math.Exp(exact[j*6+i])
			}
		}
		checkClose(t, "strided exp", dt, d.download(dt, outBuf, 30), roundTo(dt, want))
	}
}

// binaryRef defines each binary op, with input ranges for a and b.
var binaryRef = map[BinaryOp]struct {
	f                  func(a, b float64) float64
	alo, ahi, blo, bhi float64
}{
	Add:     {func(a, b float64) float64 { return a + b }, -3, 3, -3, 3},
	Sub:     {func(a, b float64) float64 { return a - b }, -3, 3, -3, 3},
	Mul:     {func(a, b float64) float64 { return a * b }, -3, 3, -3, 3},
	Div:     {func(a, b float64) float64 { return a / b }, -3, 3, 0.5, 3},
	Maximum: {math.Max, -3, 3, -3, 3},
	Minimum: {math.Min, -3, 3, -3, 3},
	Pow:     {math.Pow, 0.1, 3, -2, 2},
	Remainder: {func(a, b float64) float64 {
		r := math.Mod(a, b)
		if r != 0 && (r < 0) != (b < 0) {
			r += b
		}
		return r
	}, -5, 5, -3, 3},
	FloorDiv: {func(a, b float64) float64 { return math.Floor(a / b) }, -5, 5, 0.3, 3},
	Atan2:    {math.Atan2, -3, 3, -3, 3},
	ReluGrad: {func(a, b float64) float64 {
		if a <= 0 {
			return 0
		}
		return b
	}, -3, 3, -3, 3},
	GeluGrad:     {func(a, b float64) float64 { return b * numDeriv(geluRef, a) }, -3, 3, -2, 2},
	GeluTanhGrad: {func(a, b float64) float64 { return b * numDeriv(geluTanhRef, a) }, -3, 3, -2, 2},
	SiluGrad:     {func(a, b float64) float64 { return b * numDeriv(func(x float64) float64 { return x * sigmoid(x) }, a) }, -4, 4, -2, 2},
	SigmoidGrad:  {func(y, g float64) float64 { return g * y * (1 - y) }, 0.05, 0.95, -2, 2},
	TanhGrad:     {func(y, g float64) float64 { return g * (1 - y*y) }, -0.95, 0.95, -2, 2},
}

func geluRef(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }
func geluTanhRef(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(sqrt2OverPi*(x+0.044715*x*x*x)))
}

// numDeriv is a central difference (error ~1e-10 for these smooth f).
func numDeriv(f func(float64) float64, x float64) float64 {
	const h = 1e-5
	return (f(x+h) - f(x-h)) / (2 * h)
}

func TestBinaryOpsBroadcast(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(3, 3))
	// x is [3,1,5], y is [4,5]; out is [3,4,5].
	sh, _ := NewShape(3, 4, 5)
	xSt := Strides{S: [MaxDims]int64{5, 0, 1}}
	ySt := Strides{S: [MaxDims]int64{0, 5, 1}}
	outSt := Contiguous(3, 4, 5)
	if len(binaryRef) != int(numBinaryOps) {
		t.Fatalf("reference covers %d of %d ops", len(binaryRef), numBinaryOps)
	}
	a := driver.NewArgs()
	for _, dt := range FloatTypes {
		for op := BinaryOp(0); op < numBinaryOps; op++ {
			ref := binaryRef[op]
			x, xv := d.upload(dt, randRange(rng, 15, ref.alo, ref.ahi))
			y, yv := d.upload(dt, randRange(rng, 20, ref.blo, ref.bhi))
			out := d.alloc(60 * dt.Size())
			err := PackBinary(a, op, &Operand{out, outSt}, &Operand{x, xSt}, &Operand{y, ySt}, &sh)
			d.launch(BinaryKernel(dt), ElementwiseLaunch(60, 3), a, err)
			want := make([]float64, 60)
			for i := 0; i < 3; i++ {
				for j := 0; j < 4; j++ {
					for k := 0; k < 5; k++ {
						want[(i*4+j)*5+k] = ref.f(xv[i*5+k], yv[j*5+k])
					}
				}
			}
			w := roundTo(dt, want)
			if dt == F64 && (op == GeluGrad || op == GeluTanhGrad || op == SiluGrad) {
				// The reference is a numerical derivative.
				checkCloseTol(t, op.String(), d.download(dt, out, 60), w, 1e-8)
				continue
			}
			checkClose(t, op.String(), dt, d.download(dt, out, 60), w)
		}
	}
}

func checkCloseTol(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*(1+math.Abs(want[i])) {
			t.Errorf("%s element %d: got %v, want %v", what, i, got[i], want[i])
			return
		}
	}
}

func TestCompare(t *testing.T) {
	d := device(t)
	xs := []float64{1, 2, 3, math.NaN(), -1, 0}
	ys := []float64{1, 3, 2, math.NaN(), -1, math.Copysign(0, -1)}
	refs := map[CompareOp]func(a, b float64) bool{
		Eq: func(a, b float64) bool { return a == b }, Ne: func(a, b float64) bool { return a != b },
		Lt: func(a, b float64) bool { return a < b }, Le: func(a, b float64) bool { return a <= b },
		Gt: func(a, b float64) bool { return a > b }, Ge: func(a, b float64) bool { return a >= b },
		And: func(a, b float64) bool { return a != 0 && b != 0 }, Or: func(a, b float64) bool { return a != 0 || b != 0 },
		Xor: func(a, b float64) bool { return (a != 0) != (b != 0) },
	}
	sh, _ := NewShape(int64(len(xs)))
	sh.Flat = 1
	a := driver.NewArgs()
	for _, dt := range FloatTypes {
		x, _ := d.upload(dt, xs)
		y, _ := d.upload(dt, ys)
		for op := CompareOp(0); op < numCompareOps; op++ {
			out := d.alloc(len(xs))
			err := PackCompare(a, op, &Operand{Ptr: out}, &Operand{Ptr: x}, &Operand{Ptr: y}, &sh)
			d.launch(CompareKernel(dt), ElementwiseLaunch(int64(len(xs)), 1), a, err)
			got := d.read(out, len(xs))
			for i := range xs {
				want := refs[op](xs[i], ys[i])
				if (got[i] == 1) != want || got[i] > 1 {
					t.Errorf("%v %v(%v, %v) = %d, want %v", dt, op, xs[i], ys[i], got[i], want)
				}
			}
		}
	}
}

func TestFillStridedWindow(t *testing.T) {
	d := device(t)
	for _, dt := range AllTypes {
		buf := d.zeros(12 * dt.Size())
		// Fill column 1 and 2 of a 3×4 matrix.
		sh, _ := NewShape(3, 2)
		st := Strides{S: [MaxDims]int64{4, 1}, Offset: 1}
		a := driver.NewArgs()
		err := PackFill(a, &Operand{buf, st}, &sh, -3.75)
		d.launch(FillKernel(dt), ElementwiseLaunch(6, 1), a, err)
		v := roundTo(dt, []float64{-3.75})[0]
		want := []float64{0, v, v, 0, 0, v, v, 0, 0, v, v, 0}
		got := d.download(dt, buf, 12)
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("fill %v: element %d = %v, want %v", dt, i, got[i], want[i])
			}
		}
	}
}

func TestElementwiseRejectsHugeLaunches(t *testing.T) {
	sh, _ := NewShape(1<<16, 1<<16)
	a := driver.NewArgs()
	if err := PackUnary(a, Neg, &Operand{}, &Operand{}, &sh, 0, 0); err == nil {
		t.Error("2^32 elements accepted")
	}
	if _, err := NewShape(1, 2, 3, 4, 5, 6, 7, 8, 9); err == nil {
		t.Error("9 dims accepted")
	}
}
