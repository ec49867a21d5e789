package vec

import "math"

// Constants of the float32 approximations (Cephes's expf, logf and tanhf).
const (
	log2e  = 1.44269504088896341
	ln2Hi  = 0.693359375 // ln 2 = ln2Hi + ln2Lo, ln2Hi with few bits
	ln2Lo  = -2.12194440e-4
	expMax = 88.72283905206835   // ln(MaxFloat32): above it exp overflows
	expMin = -103.97208145412561 // below it exp is 0 in float32

	expP0 = 1.9875691500e-4
	expP1 = 1.3981999507e-3
	expP2 = 8.3334519073e-3
	expP3 = 4.1665795894e-2
	expP4 = 1.6666665459e-1
	expP5 = 5.0000001201e-1

	sqrtHalf = 0.707106781186547524
	logP0    = 7.0376836292e-2
	logP1    = -1.1514610310e-1
	logP2    = 1.1676998740e-1
	logP3    = -1.2420140846e-1
	logP4    = 1.4249322787e-1
	logP5    = -1.6668057665e-1
	logP6    = 2.0000714765e-1
	logP7    = -2.4999993993e-1
	logP8    = 3.3333331174e-1

	tanhSmall = 0.625 // below it tanh uses its odd polynomial
	tanhP0    = -5.70498872745e-3
	tanhP1    = 2.06390887954e-2
	tanhP2    = -5.37397155531e-2
	tanhP3    = 1.33314422036e-1
	tanhP4    = -3.33332819422e-1
)

// fma32 is the fused multiply-add a*b + c rounded once to float32, as the
// assembly's VFMADD computes it (a*b of two float32s is exact in float64,
// so only the final sum is rounded twice, which changes at most the last
// bit in rare halfway cases).
func fma32(a, b, c float32) float32 { return float32(math.FMA(float64(a), float64(b), float64(c))) }

// pow2 returns 2^n for an integer n in [-126, 127].
func pow2(n int32) float32 { return math.Float32frombits(uint32(n+127) << 23) }

// exp32 is e^x by the kernels' algorithm: x = n·ln2 + r with |r| <= ln2/2,
// e^r from a degree-7 polynomial, and 2^n applied in two halves so that
// results down to the subnormals come out right.
func exp32(x float32) float32 {
	switch {
	case x != x:
		return x
	case x > expMax:
		return float32(math.Inf(1))
	case x < expMin:
		return 0
	}
	n := float32(math.RoundToEven(float64(x * log2e)))
	r := fma32(-n, ln2Hi, x)
	r = fma32(-n, ln2Lo, r)
	p := fma32(expP0, r, expP1)
	p = fma32(p, r, expP2)
	p = fma32(p, r, expP3)
	p = fma32(p, r, expP4)
	p = fma32(p, r, expP5)
	p = fma32(p, r*r, r) + 1
	k := int32(n)
	h := k >> 1
	return p * pow2(h) * pow2(k-h)
}

// log32 is the natural logarithm by the kernels' algorithm: x = m·2^e with
// m in [√½, √2), log(m) = f - f²/2 + f³·P(f) for f = m - 1, plus e·ln2.
func log32(x float32) float32 {
	switch {
	case x != x || x == float32(math.Inf(1)):
		return x
	case x < 0:
		return float32(math.NaN())
	case x == 0:
		return float32(math.Inf(-1))
	}
	var e int32
	if x < math.SmallestNonzeroFloat32*(1<<23) { // subnormal: scale up
		x *= 1 << 25
		e = -25
	}
	bits := math.Float32bits(x)
	e += int32(bits>>23) - 126
	m := math.Float32frombits(bits&0x807fffff | 0x3f000000) // in [0.5, 1)
	if m < sqrtHalf {
		m += m
		e--
	}
	f := m - 1
	z := f * f
	p := fma32(logP0, f, logP1)
	p = fma32(p, f, logP2)
	p = fma32(p, f, logP3)
	p = fma32(p, f, logP4)
	p = fma32(p, f, logP5)
	p = fma32(p, f, logP6)
	p = fma32(p, f, logP7)
	p = fma32(p, f, logP8)
	ef := float32(e)
	y := p * f * z
	y = fma32(ef, ln2Lo, y)
	y = fma32(-0.5, z, y)
	return fma32(ef, ln2Hi, f+y)
}

// tanh32 is tanh by the kernels' algorithm: an odd polynomial below 0.625,
// else 1 - 2/(e^(2|x|) + 1) with the sign of x.
func tanh32(x float32) float32 {
	if x != x {
		return x
	}
	a := float32(math.Abs(float64(x)))
	if a < tanhSmall {
		z := x * x
		p := fma32(tanhP0, z, tanhP1)
		p = fma32(p, z, tanhP2)
		p = fma32(p, z, tanhP3)
		p = fma32(p, z, tanhP4)
		return fma32(p*z, x, x)
	}
	t := 1 - 2/(exp32(2*a)+1)
	return float32(math.Copysign(float64(t), float64(x)))
}

// Abramowitz and Stegun's formula 7.1.26 for erf (absolute error below
// 1.5e-7), the one PyTorch's vectorised erf uses.
const (
	erfP  = 0.3275911
	erfA1 = 0.254829592
	erfA2 = -0.284496736
	erfA3 = 1.421413741
	erfA4 = -1.453152027
	erfA5 = 1.061405429

	sqrt1_2    = 0.7071067811865476 // 1/√2
	invSqrt2Pi = 0.3989422804014327 // 1/√(2π)
)

// The Taylor series of erf near 0: erf x = 2/√π·x·(1 + c1·x² + ... + c5·x¹⁰),
// used below 0.5 where A&S's absolute error would be a large relative one.
const (
	erfSmall      = 0.5
	erfC1         = -1.0 / 3
	erfC2         = 1.0 / 10
	erfC3         = -1.0 / 42
	erfC4         = 1.0 / 216
	erfC5         = -1.0 / 1320
	twoOverSqrtPi = 1.1283791670955126
)

// erf32 is erf by the kernels' algorithm: the Taylor polynomial below 0.5;
// else, with t = 1/(1 + p·|x|), erf |x| = 1 - t·P(t)·e^(-x²), and the sign
// of x.
func erf32(x float32) float32 {
	e, _ := erfExp32(x)
	return e
}

// erfExp32 is erf32(x) and e^(-x²), the exponential its formula uses
// (computed whatever |x|, as the kernels do: a GELU's gradient takes its
// density from it).
func erfExp32(x float32) (erf, exp float32) {
	a := float32(math.Abs(float64(x)))
	exp = exp32(-(a * a))
	if a < erfSmall {
		z := x * x
		q := fma32(erfC5, z, erfC4)
		q = fma32(q, z, erfC3)
		q = fma32(q, z, erfC2)
		q = fma32(q, z, erfC1)
		q = fma32(q, z, 1)
		return q * (x * twoOverSqrtPi), exp
	}
	t := 1 / fma32(erfP, a, 1)
	p := fma32(erfA5, t, erfA4)
	p = fma32(p, t, erfA3)
	p = fma32(p, t, erfA2)
	p = fma32(p, t, erfA1)
	p *= t
	y := 1 - p*exp
	return float32(math.Copysign(math.Abs(float64(y)), float64(x))), exp
}

// gelu32 is x·Φ(x) = x/2·(1 + erf(x/√2)).
func gelu32(x float32) float32 { return 0.5 * x * (1 + erf32(x*sqrt1_2)) }

// geluGrad32 is g·(Φ(x) + x·φ(x)), the gradient of gelu32; φ(x) =
// e^(-(x/√2)²)/√(2π) takes the exponential from the erf of x/√2.
func geluGrad32(g, x float32) float32 {
	_, d := geluAndGrad32(x)
	return g * d
}

// geluAndGrad32 is gelu32(x) and the factor geluGrad32 multiplies g by,
// sharing the erf and its exponential.
func geluAndGrad32(x float32) (y, d float32) {
	e, ex := erfExp32(x * sqrt1_2)
	cdf := 0.5 * (1 + e)
	pdf := ex * invSqrt2Pi
	return 0.5 * x * (1 + e), fma32(x, pdf, cdf)
}

// sigmoid32 is 1/(1 + e^-x).
func sigmoid32(x float32) float32 { return 1 / (1 + exp32(-x)) }
