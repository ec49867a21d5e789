package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
)

// specials are values whose handling the CPU backend defines exactly.
var specials = []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1, -1}

// castValues exercise every conversion rule: fractions (truncation),
// negatives, wrap-around of narrow integers, values beyond int64, NaN and
// infinities, rounding to the 16-bit floats.
var castValues = []float64{0, 1, 2.5, -2.5, 100, -7, 42.75, 1 << 20, 255, 256, 300, -1, -129, 3e9, -3e9, 1e19,
	-1e19, 65519, 65520, 1.00390625, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1e-8, 0.1}

func TestCastMatchesCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(20, 20))
	a := driver.NewArgs()
	for _, from := range AllTypes {
		for _, to := range AllTypes {
			shape := []int{2, len(castValues)}
			inL, outL := randomLayout(rng, shape, false), randomLayout(rng, shape, false)
			vals := make([]float64, inL.size)
			for i := range vals {
				vals[i] = castValues[i%len(castValues)]
			}
			in := newTensor(d, from, inL, vals)
			out := newTensor(d, to, outL, make([]float64, outL.size))
			sh := inL.kshape(t)
			d.launch(CastKernel(to, from), ElementwiseLaunch(int64(inL.numel()), 2), a, PackCast(a, out.operand(), in.operand(), &sh))
			cpuBE.Copy(out.view(), in.view())
			out.compare(t, d, fmt.Sprintf("cast %v→%v", from, to), true)
		}
	}
	// 64-bit integers survive copies exactly.
	big := d.uploadI64([]int64{1<<62 + 1, -(1 << 40) - 3})
	out := d.alloc(16)
	sh, _ := NewShape(2)
	err := PackCast(a, &Operand{out, Contiguous(2)}, &Operand{big, Contiguous(2)}, &sh)
	d.launch(CastKernel(I64, I64), ElementwiseLaunch(2, 1), a, err)
	if got := d.downloadI64(out, 2); got[0] != 1<<62+1 || got[1] != -(1<<40)-3 {
		t.Errorf("i64 copy = %v", got)
	}
}

func TestFillAndArangeMatchCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(21, 21))
	a := driver.NewArgs()
	for _, dt := range AllTypes {
		for _, v := range []float64{-3.75, 0, 1, 300.5, math.Inf(1)} {
			if !dt.isFloat() && math.IsInf(v, 0) {
				continue // the CPU's float-to-int of Inf is the platform's
			}
			l := randomLayout(rng, []int{3, 5}, false)
			x := newTensor(d, dt, l, make([]float64, l.size))
			sh := l.kshape(t)
			d.launch(FillKernel(dt), ElementwiseLaunch(15, 1), a, PackFill(a, x.operand(), &sh, v))
			cpuBE.Fill(x.view(), v)
			x.compare(t, d, fmt.Sprintf("fill %v", v), true)
		}
		for _, r := range [][2]float64{{0, 1}, {-3.5, 0.7}, {10, -2.25}} {
			l := randomLayout(rng, []int{37}, false)
			x := newTensor(d, dt, l, make([]float64, l.size))
			err := PackArange(a, x.dev, int64(l.strides[0]), int64(l.offset), 37, r[0], r[1])
			d.launch(ArangeKernel(dt), ElementwiseLaunch(37, 1), a, err)
			cpuBE.Arange(x.view(), r[0], r[1])
			x.compare(t, d, fmt.Sprintf("arange %v", r), true)
		}
	}
}

func TestWhereMatchesCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(22, 22))
	a := driver.NewArgs()
	shape := []int{3, 4, 5}
	for _, dt := range AllTypes {
		for rep := 0; rep < 3; rep++ {
			cl, xl, yl := randomLayout(rng, shape, true), randomLayout(rng, shape, true), randomLayout(rng, shape, true)
			ol := randomLayout(rng, shape, false)
			cond := randomTensor(d, Bool, cl, func() float64 { return float64(rng.IntN(2)) })
			x := randomTensor(d, dt, xl, func() float64 { return float64(rng.IntN(200) - 100) })
			y := randomTensor(d, dt, yl, func() float64 { return float64(rng.IntN(200) - 100) })
			out := newTensor(d, dt, ol, make([]float64, ol.size))
			sh := ol.kshape(t)
			err := PackWhere(a, out.operand(), cond.operand(), x.operand(), y.operand(), &sh)
			d.launch(WhereKernel(dt), ElementwiseLaunch(60, 2), a, err)
			cpuBE.Where(out.view(), cond.view(), x.view(), y.view())
			out.compare(t, d, "where", true)
		}
	}
}

// unaryRange is the input range of a backend unary op in the CPU
// comparison (the textbook reference's, which avoids poles).
func unaryRange(op UnaryOp) (float64, float64) {
	if r, ok := unaryRef[op]; ok {
		return r.lo, r.hi
	}
	return -3, 3
}

func TestUnaryMatchesCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(23, 23))
	a := driver.NewArgs()
	shape := []int{4, 33}
	for bop := backend.UnaryOp(0); bop < backend.NumUnaryOps; bop++ {
		op, ok := UnaryOpFor(bop)
		if !ok {
			t.Errorf("no kernel op for %v", bop)
			continue
		}
		p0, p1 := 1.75, 0.5
		if bop == backend.Clamp {
			p0, p1 = -0.5, math.NaN() // a NaN bound is no bound
		}
		boolOut := op == IsNan || op == IsInf || op == IsFinite || op == Not
		for _, dt := range []DType{F32, F64, I64, I32, U8, Bool} {
			intOK := map[UnaryOp]bool{Neg: true, Abs: true, Sign: true, Square: true, Relu: true, Clamp: true,
				Floor: true, Ceil: true, Round: true, Trunc: true, AddScalar: true, MulScalar: true}
			switch {
			case op == Not && dt != Bool, op != Not && dt == Bool:
				continue
			case (op == IsNan || op == IsInf || op == IsFinite) && !dt.isFloat():
				continue
			case !boolOut && dt.isInt() && !intOK[op]:
				continue
			}
			lo, hi := unaryRange(op)
			gen := func() float64 {
				switch {
				case dt == Bool:
					return float64(rng.IntN(2))
				case dt == U8:
					return float64(rng.IntN(256))
				case dt.isInt():
					return float64(rng.IntN(201) - 100)
				case rng.IntN(8) == 0:
					return specials[rng.IntN(len(specials))]
				}
				return lo + (hi-lo)*rng.Float64()
			}
			inL, outL := randomLayout(rng, shape, true), randomLayout(rng, shape, false)
			in := randomTensor(d, dt, inL, gen)
			odt := dt
			if boolOut {
				odt = Bool
			}
			out := newTensor(d, odt, outL, make([]float64, outL.size))
			sh := outL.kshape(t)
			var k Kernel
			var err error
			switch {
			case boolOut:
				k, err = UnaryBoolKernel(dt), PackUnaryBool(a, op, out.operand(), in.operand(), &sh)
			case dt.isInt():
				k, err = UnaryIntKernel(dt), PackUnary(a, op, out.operand(), in.operand(), &sh, p0, p1)
			default:
				k, err = UnaryKernel(dt), PackUnary(a, op, out.operand(), in.operand(), &sh, p0, p1)
			}
			d.launch(k, ElementwiseLaunch(int64(outL.numel()), 2), a, err)
			cpuBE.Unary(bop, out.view(), in.view(), p0, p1)
			out.compare(t, d, fmt.Sprintf("%v on %v", bop, dt), false)
		}
	}
}

func TestBinaryMatchesCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(24, 24))
	a := driver.NewArgs()
	shape := []int{3, 2, 17}
	for bop := backend.BinaryOp(0); bop < backend.NumBinaryOps; bop++ {
		for _, dt := range []DType{F32, F64, I64, I32, U8, Bool} {
			code, cmp, ok := BinaryOpFor(bop, dt)
			cpuOK := dt != Bool || cmp // the CPU's bool arithmetic is the mapped logical op
			if !ok {
				if dt.isFloat() || (dt.isInt() && bop != backend.Atan2 && !SwapsOperands(bop)) {
					t.Errorf("no kernel for %v on %v", bop, dt)
				}
				continue
			}
			if !cpuOK {
				continue
			}
			gen := func(divisor bool) func() float64 {
				return func() float64 {
					switch {
					case dt == Bool:
						return float64(rng.IntN(2))
					case dt == U8:
						v := float64(rng.IntN(256))
						if bop == backend.Pow {
							v = float64(rng.IntN(6))
						}
						if divisor && v == 0 {
							v = 7
						}
						return v
					case dt.isInt():
						v := float64(rng.IntN(41) - 20)
						if bop == backend.Pow && divisor {
							v = float64(rng.IntN(9) - 2)
						}
						if divisor && v == 0 {
							v = -3
						}
						return v
					case rng.IntN(10) == 0 && bop != backend.Pow:
						return specials[rng.IntN(len(specials))]
					}
					if bop == backend.Pow && !divisor {
						return 0.1 + 3*rng.Float64()
					}
					return math.Round((rng.Float64()*10-5)*8) / 8 // many ties and exact quotients
				}
			}
			xl, yl, ol := randomLayout(rng, shape, true), randomLayout(rng, shape, true), randomLayout(rng, shape, false)
			x, y := randomTensor(d, dt, xl, gen(false)), randomTensor(d, dt, yl, gen(true))
			odt := dt
			if cmp {
				odt = Bool
			}
			out := newTensor(d, odt, ol, make([]float64, ol.size))
			sh := ol.kshape(t)
			errFlag := d.zeros(4)
			var k Kernel
			var err error
			switch {
			case cmp:
				k, err = CompareKernel(dt), PackCompare(a, CompareOp(code), out.operand(), x.operand(), y.operand(), &sh)
			case dt.isInt():
				k, err = BinaryIntKernel(dt), PackBinaryInt(a, BinaryOp(code), out.operand(), x.operand(), y.operand(), &sh, errFlag)
			case SwapsOperands(bop):
				k, err = BinaryKernel(dt), PackBinary(a, BinaryOp(code), out.operand(), y.operand(), x.operand(), &sh)
			default:
				k, err = BinaryKernel(dt), PackBinary(a, BinaryOp(code), out.operand(), x.operand(), y.operand(), &sh)
			}
			d.launch(k, ElementwiseLaunch(int64(ol.numel()), 2), a, err)
			cpuBE.Binary(bop, out.view(), x.view(), y.view())
			out.compare(t, d, fmt.Sprintf("%v on %v", bop, dt), false)
			if e := d.read(errFlag, 4); e[0] != 0 {
				t.Errorf("%v on %v: error flag %d without a zero divisor", bop, dt, e[0])
			}
		}
	}
}

func TestIntegerDivisionByZero(t *testing.T) {
	d := device(t)
	a := driver.NewArgs()
	for _, dt := range IntTypes {
		for _, op := range []BinaryOp{Div, FloorDiv, Remainder} {
			x, _ := d.upload(dt, []float64{7, 9, 5})
			y, _ := d.upload(dt, []float64{2, 0, 3})
			out, errFlag := d.alloc(3*dt.Size()), d.zeros(4)
			sh, _ := NewShape(3)
			sh.Flat = 1
			err := PackBinaryInt(a, op, &Operand{Ptr: out}, &Operand{Ptr: x}, &Operand{Ptr: y}, &sh, errFlag)
			d.launch(BinaryIntKernel(dt), ElementwiseLaunch(3, 1), a, err)
			want := []float64{3, 0, 1}
			if op == Remainder {
				want = []float64{1, 0, 2}
			}
			if got := d.download(dt, out, 3); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%v %v = %v, want %v", dt, op, got, want)
			}
			if e := d.read(errFlag, 4); e[0] != 1 {
				t.Errorf("%v %v by zero: error flag %d", dt, op, e[0])
			}
		}
	}
	// min / -1 wraps (C would trap), and its remainder is 0, as in Go.
	x := d.uploadI64([]int64{math.MinInt64, math.MinInt64})
	y := d.uploadI64([]int64{-1, -1})
	out := d.alloc(16)
	sh, _ := NewShape(2)
	sh.Flat = 1
	for _, op := range []BinaryOp{FloorDiv, Remainder} {
		err := PackBinaryInt(a, op, &Operand{Ptr: out}, &Operand{Ptr: x}, &Operand{Ptr: y}, &sh, 0)
		d.launch(BinaryIntKernel(I64), ElementwiseLaunch(2, 1), a, err)
		want := int64(math.MinInt64)
		if op == Remainder {
			want = 0
		}
		if got := d.downloadI64(out, 2); got[0] != want {
			t.Errorf("MinInt64 %v -1 = %d, want %d", op, got[0], want)
		}
	}
}

func TestUnaryBoolOnHalvesAndIntegers(t *testing.T) {
	d := device(t)
	a := driver.NewArgs()
	vals := []float64{1, math.NaN(), math.Inf(1), math.Inf(-1), 0, -2}
	sh, _ := NewShape(int64(len(vals)))
	sh.Flat = 1
	for _, dt := range []DType{BF16, F16, I64, I32, U8} {
		in, exact := d.upload(dt, vals)
		for _, op := range []UnaryOp{IsNan, IsInf, IsFinite, Not} {
			out := d.alloc(len(vals))
			d.launch(UnaryBoolKernel(dt), ElementwiseLaunch(6, 1), a, PackUnaryBool(a, op, &Operand{Ptr: out}, &Operand{Ptr: in}, &sh))
			got := d.read(out, len(vals))
			for i, x := range exact {
				want := map[UnaryOp]bool{IsNan: math.IsNaN(x), IsInf: math.IsInf(x, 0),
					IsFinite: !math.IsNaN(x) && !math.IsInf(x, 0), Not: x == 0}[op]
				if (got[i] == 1) != want || got[i] > 1 {
					t.Errorf("%v %v(%v) = %d, want %v", dt, op, x, got[i], want)
				}
			}
		}
	}
}

func TestBinaryOpFor(t *testing.T) {
	if c, cmp, ok := BinaryOpFor(backend.Add, Bool); !ok || !cmp || CompareOp(c) != Or {
		t.Error("bool Add is not Or")
	}
	if c, cmp, ok := BinaryOpFor(backend.Minimum, Bool); !ok || !cmp || CompareOp(c) != And {
		t.Error("bool Minimum is not And")
	}
	if _, _, ok := BinaryOpFor(backend.Sub, Bool); ok {
		t.Error("bool Sub accepted")
	}
	if c, cmp, ok := BinaryOpFor(backend.FloorDiv, I32); !ok || cmp || BinaryOp(c) != FloorDiv {
		t.Error("int FloorDiv")
	}
	if r, ok := ReduceCodeFor(backend.Any); !ok || r != ReduceAny {
		t.Error("ReduceCodeFor(Any)")
	}
	if dt, ok := DTypeFor(backend.Uint8); !ok || dt != U8 {
		t.Error("DTypeFor(Uint8)")
	}
}
