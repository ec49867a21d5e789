package philox

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

const refPrec = 160

var (
	bigPi, _  = new(big.Float).SetPrec(refPrec).SetString("3.14159265358979323846264338327950288419716939937510582097494459")
	bigLn2, _ = new(big.Float).SetPrec(refPrec).SetString("0.693147180559945309417232121458176568075500134360255254120680009")
)

func newBig(x float64) *big.Float { return new(big.Float).SetPrec(refPrec).SetFloat64(x) }

// bigLog is ln(x) to about 150 bits: x = m·2^e with m in [1, 2),
// ln x = e·ln 2 + 2·atanh((m−1)/(m+1)) summed until the terms vanish.
func bigLog(x float64) *big.Float {
	frac, exp := math.Frexp(x) // x = frac·2^exp, frac in [0.5, 1)
	m := newBig(frac * 2)
	e := exp - 1
	one := newBig(1)
	s := new(big.Float).SetPrec(refPrec).Quo(new(big.Float).Sub(m, one), new(big.Float).Add(m, one))
	z := new(big.Float).SetPrec(refPrec).Mul(s, s)
	sum := newBig(0)
	term := new(big.Float).SetPrec(refPrec).Set(s)
	eps := newBig(0x1p-170)
	for k := 1; ; k += 2 {
		t := new(big.Float).SetPrec(refPrec).Quo(term, newBig(float64(k)))
		sum.Add(sum, t)
		if new(big.Float).Abs(t).Cmp(eps) < 0 {
			break
		}
		term.Mul(term, z)
	}
	sum.Mul(sum, newBig(2))
	return sum.Add(sum, new(big.Float).SetPrec(refPrec).Mul(newBig(float64(e)), bigLn2))
}

// bigSinCos is sin and cos of 2πu for u in [0, 1) by the Taylor series.
func bigSinCos(u float64) (float64, float64) {
	x := new(big.Float).SetPrec(refPrec).Mul(bigPi, newBig(2*u))
	x2 := new(big.Float).SetPrec(refPrec).Mul(x, x)
	sin, cos := newBig(0), newBig(0)
	st := new(big.Float).SetPrec(refPrec).Set(x) // x^(2k+1)/(2k+1)! with sign
	ct := newBig(1)                              // x^(2k)/(2k)! with sign
	eps := newBig(0x1p-170)
	for k := 0; ; k++ {
		sin.Add(sin, st)
		cos.Add(cos, ct)
		if new(big.Float).Abs(st).Cmp(eps) < 0 && new(big.Float).Abs(ct).Cmp(eps) < 0 {
			break
		}
		st.Mul(st, x2).Quo(st, newBig(float64(-(2*k+2)*(2*k+3))))
		ct.Mul(ct, x2).Quo(ct, newBig(float64(-(2*k+1)*(2*k+2))))
	}
	s, _ := sin.Float64()
	c, _ := cos.Float64()
	return s, c
}

// ulpErr is |got − want| in units of the float64 spacing at want; a zero
// reference is measured in units of the smallest spacing seen at 2^-60.
func ulpErr(got, want float64) float64 {
	a := math.Abs(want)
	if a < 0x1p-60 {
		a = 0x1p-60
	}
	return math.Abs(got-want) / (math.Nextafter(a, math.Inf(1)) - a)
}

func TestLogAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	xs := []float64{1, 2, 0.5, 0x1p-53, 0x1p-24, 1 - 0x1p-53, 1 + 0x1p-52, sqrt2, math.Nextafter(sqrt2, 2),
		5e-324, 1e-310, math.SmallestNonzeroFloat64 * 3, math.MaxFloat64, 10, 0.1}
	for range 3000 {
		xs = append(xs, float64(r.Uint64()>>11+1)*0x1p-53)            // the Box–Muller radii of Normal64
		xs = append(xs, float64(r.Uint32()>>8+1)*0x1p-24)             // and of Normal32
		xs = append(xs, math.Ldexp(1+r.Float64(), r.IntN(2000)-1000)) // everywhere else
	}
	worst := 0.0
	for _, x := range xs {
		ref := bigLog(x)
		want, _ := ref.Float64()
		got := Log(x)
		e := ulpErr(got, want)
		worst = max(worst, e)
		if e > 2 || (want == 0 && got != 0) {
			t.Errorf("Log(%v) = %v, want %v (%.2f ulp)", x, got, want, e)
		}
		// A check of the reference itself. (Go 1.26's math.Log on amd64 is
		// wrong for subnormal x, e.g. math.Log(5e-324) = -709.09.)
		if m := math.Log(x); x >= 0x1p-1022 && ulpErr(m, want) > 1 {
			t.Errorf("reference disagrees with math.Log(%v) = %v: %v", x, m, want)
		}
	}
	t.Logf("worst Log error: %.3f ulp over %d inputs", worst, len(xs))
	for _, c := range []struct{ x, want float64 }{
		{0, math.Inf(-1)}, {math.Inf(1), math.Inf(1)}, {-1, math.NaN()}, {math.NaN(), math.NaN()}, {math.Inf(-1), math.NaN()},
	} {
		got := Log(c.x)
		if got != c.want && !(math.IsNaN(got) && math.IsNaN(c.want)) {
			t.Errorf("Log(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

func TestSinCos2PiAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	us := []float64{0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1 - 0x1p-53, 0x1p-53, 0.1, 1.0 / 3}
	for range 2000 {
		us = append(us, float64(r.Uint64()>>11)*0x1p-53, float64(r.Uint32()>>8)*0x1p-24)
	}
	worst := 0.0
	for _, u := range us {
		ws, wc := bigSinCos(u)
		s, c := SinCos2Pi(u)
		es, ec := ulpErr(s, ws), ulpErr(c, wc)
		worst = max(worst, es, ec)
		if es > 2 || ec > 2 {
			t.Errorf("SinCos2Pi(%v) = %v, %v, want %v, %v (%.2f, %.2f ulp)", u, s, c, ws, wc, es, ec)
		}
		// Period one and exact reduction: shifting u by an integer changes nothing.
		for _, k := range []float64{-3, 1, 1024} {
			s2, c2 := SinCos2Pi(u + k)
			if u+k-k == u && (s2 != s || c2 != c) {
				t.Errorf("SinCos2Pi(%v+%v) = %v, %v, differs from SinCos2Pi(%v) = %v, %v", u, k, s2, c2, u, s, c)
			}
		}
	}
	t.Logf("worst SinCos2Pi error: %.3f ulp over %d inputs", worst, len(us))
	for _, u := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if s, c := SinCos2Pi(u); !math.IsNaN(s) || !math.IsNaN(c) {
			t.Errorf("SinCos2Pi(%v) = %v, %v, want NaN, NaN", u, s, c)
		}
	}
}

// TestPortableConstants checks the hexadecimal coefficient tables against
// the series computed in 160-bit arithmetic.
func TestPortableConstants(t *testing.T) {
	twoPi := new(big.Float).SetPrec(refPrec).Mul(bigPi, newBig(2))
	pow := newBig(1) // (2π)^n / n!
	for n := 0; n <= 2*len(cosCoef); n++ {
		v, _ := pow.Float64()
		if n%4 >= 2 {
			v = -v
		}
		if n%2 == 1 && n/2 < len(sinCoef) && sinCoef[n/2] != v {
			t.Errorf("sinCoef[%d] = %x, want %x", n/2, sinCoef[n/2], v)
		}
		if n%2 == 0 && n/2 < len(cosCoef) && cosCoef[n/2] != v {
			t.Errorf("cosCoef[%d] = %x, want %x", n/2, cosCoef[n/2], v)
		}
		pow.Mul(pow, twoPi).Quo(pow, newBig(float64(n+1)))
	}
	if l, _ := bigLn2.Float64(); l != ln2 {
		t.Errorf("ln2 = %x, want %x", ln2, l)
	}
	if s := math.Sqrt(2); s != sqrt2 {
		t.Errorf("sqrt2 = %x, want %x", sqrt2, s)
	}
	for k, c := range logCoef {
		if want := 1 / float64(2*k+3); c != want {
			t.Errorf("logCoef[%d] = %v, want %v", k, c, want)
		}
	}
}
