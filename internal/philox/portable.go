package philox

import "math"

// Constants of the portable functions, written as exact float64 bit patterns
// so that every implementation uses the same numbers.
const (
	sqrt2 = 0x1.6a09e667f3bcdp+0 // float64 nearest √2
	ln2   = 0x1.62e42fefa39efp-1 // float64 nearest ln 2
)

// logCoef[k] = 1/(2k+3), k = 0..8, each the float64 nearest the fraction:
// (atanh(s)/s − 1)/z = Σ z^k/(2k+3) with z = s² ≤ 0.0295. The first term
// left out, z^9/21, is below 8e-16 of the sum, and the sum is scaled by z
// before it meets the leading term.
var logCoef = [9]float64{
	1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13, 1.0 / 15, 1.0 / 17, 1.0 / 19,
}

// sinCoef[k] = (−1)^k (2π)^(2k+1)/(2k+1)!, k = 0..7, and cosCoef[k] =
// (−1)^k (2π)^(2k)/(2k)!, k = 0..8, each the float64 nearest the real number:
// the Taylor series of sin(2πf) and cos(2πf) in f. For |2πf| ≤ π/4 the first
// terms left out are below 6e-17 (sin, relative) and 2e-18 (cos).
var (
	sinCoef = [8]float64{
		0x1.921fb54442d18p+2, -0x1.4abbce625be53p+5, 0x1.466bc6775aae2p+6,
		-0x1.32d2cce62bd86p+6, 0x1.50783487ee782p+5, -0x1.e3074fde8871fp+3,
		0x1.e8f434d018d63p+1, -0x1.6fadb9f155744p-1,
	}
	cosCoef = [9]float64{
		0x1p+0, -0x1.3bd3cc9be45dep+4, 0x1.03c1f081b5ac4p+6,
		-0x1.55d3c7e3cbffap+6, 0x1.e1f506891babbp+5, -0x1.a6d1f2a204a8cp+4,
		0x1.f9d38a3763cc3p+2, -0x1.b6e24f44b128fp+0, 0x1.20c62c2f2d7f5p-2,
	}
)

// Log is the natural logarithm computed by a fixed sequence of correctly
// rounded IEEE-754 double operations, so that it gives the same bits on every
// platform (Go's math.Log does not promise that). Its error is at most 2 ulp
// (TestLogAccuracy measures it against a 160-bit reference).
//
// For a positive normal x: write x = m·2^e with m in [1, 2) (from the bits);
// if m > sqrt2 then m = m/2 and e = e+1. With s = (m−1)/(m+1), z = s·s,
// q = c8, then q = fma(q, z, ck) for k = 7 down to 0, where ck is the double
// nearest 1/(2k+3), and t = s+s, the result is fma(e, ln2, fma(t, z·q, t)).
// sqrt2 and ln2 are the doubles nearest √2 and ln 2 (0x1.6a09e667f3bcdp+0,
// 0x1.62e42fefa39efp-1). Subnormal x is first scaled by 2^54 (e −= 54).
// Log(+Inf) = +Inf, Log(0) = −Inf, Log of a negative number or NaN is NaN.
func Log(x float64) float64 {
	switch {
	case x != x || x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	case x > math.MaxFloat64:
		return x
	}
	bits := math.Float64bits(x)
	e := 0
	if bits>>52 == 0 { // subnormal
		x *= 0x1p54
		bits = math.Float64bits(x)
		e = -54
	}
	e += int(bits>>52) - 1023
	m := math.Float64frombits(bits&(1<<52-1) | 1023<<52)
	if m > sqrt2 {
		m *= 0.5
		e++
	}
	s := (m - 1) / (m + 1)
	z := s * s
	q := logCoef[len(logCoef)-1]
	for k := len(logCoef) - 2; k >= 0; k-- {
		q = math.FMA(q, z, logCoef[k])
	}
	t := s + s
	zq := z * q
	return math.FMA(float64(e), ln2, math.FMA(t, zq, t))
}

// SinCos2Pi returns sin(2πu) and cos(2πu) computed, like Log, by a fixed
// sequence of correctly rounded double operations; the error of each is at
// most 2 ulp (TestSinCos2PiAccuracy).
//
// Reduction is exact: w = u − floor(u), q = floor(4w + 0.5) (0..4),
// f = w − q/4 in [−1/8, 1/8]. With z = f·f, S = s7 then S = fma(S, z, sk)
// for k = 6 down to 0, where sk is the double nearest (−1)^k (2π)^(2k+1)/(2k+1)!,
// and C = c8 then C = fma(C, z, ck) for k = 7 down to 0, where ck is the
// double nearest (−1)^k (2π)^(2k)/(2k)!: sin(2πf) = f·S and cos(2πf) = C,
// rotated by q quarter turns: q%4 = 0: (s, c); 1: (c, −s); 2: (−s, −c);
// 3: (−c, s). The coefficients are listed in hexadecimal in portable.go.
// NaN or infinite u gives NaN, NaN.
func SinCos2Pi(u float64) (sin, cos float64) {
	if u != u || u-u != 0 {
		return math.NaN(), math.NaN()
	}
	w := u - math.Floor(u)
	q := math.Floor(4*w + 0.5)
	f := w - q*0.25
	z := f * f
	sp := sinCoef[len(sinCoef)-1]
	for k := len(sinCoef) - 2; k >= 0; k-- {
		sp = math.FMA(sp, z, sinCoef[k])
	}
	cp := cosCoef[len(cosCoef)-1]
	for k := len(cosCoef) - 2; k >= 0; k-- {
		cp = math.FMA(cp, z, cosCoef[k])
	}
	s := f * sp
	c := cp
	switch int(q) & 3 {
	case 1:
		return c, -s
	case 2:
		return -s, -c
	case 3:
		return -c, s
	}
	return s, c
}
