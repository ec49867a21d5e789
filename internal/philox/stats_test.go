package philox

import (
	"fmt"
	"math"
	"testing"
)

// Statistical checks on 10^6 samples. Every bound is five standard errors
// (or the chi-square quantile five standard normal deviations out), so a
// correct generator fails with probability below 10^-6 per check; the seeds
// are fixed, so the outcome never changes from run to run.

const statN = 1_000_000

type moments struct{ mean, variance, skew, exkurt float64 }

func momentsOf(n int, at func(i int) float64) moments {
	var m moments
	for i := range n {
		m.mean += at(i)
	}
	m.mean /= float64(n)
	var m2, m3, m4 float64
	for i := range n {
		d := at(i) - m.mean
		d2 := d * d
		m2 += d2
		m3 += d2 * d
		m4 += d2 * d2
	}
	m2 /= float64(n)
	m3 /= float64(n)
	m4 /= float64(n)
	m.variance = m2
	m.skew = m3 / math.Pow(m2, 1.5)
	m.exkurt = m4/(m2*m2) - 3
	return m
}

// within fails the test when |got − want| > 5·se.
func within(t *testing.T, what string, got, want, se float64) {
	t.Helper()
	if math.Abs(got-want) > 5*se {
		t.Errorf("%s = %.6g, want %.6g ± %.3g (5 standard errors)", what, got, want, 5*se)
	}
}

func TestUniformMoments(t *testing.T) {
	n := float64(statN)
	for _, c := range []struct {
		name   string
		lo, hi float64
		fill   func(seed uint64, lo, hi float64) []float64
	}{
		{"Uniform32", -1, 3, func(seed uint64, lo, hi float64) []float64 {
			d := make([]float32, statN)
			FillUniform32(d, seed, 0, float32(lo), float32(hi))
			return widenFloat(d)
		}},
		{"Uniform64", 10, 10.5, func(seed uint64, lo, hi float64) []float64 {
			d := make([]float64, statN)
			FillUniform64(d, seed, 0, lo, hi)
			return d
		}},
	} {
		x := c.fill(2024, c.lo, c.hi)
		w := c.hi - c.lo
		for i, v := range x {
			if v < c.lo || v >= c.hi {
				t.Fatalf("%s[%d] = %v outside [%v, %v)", c.name, i, v, c.lo, c.hi)
			}
		}
		m := momentsOf(len(x), func(i int) float64 { return x[i] })
		// Uniform on [lo, hi): variance w²/12; the sample variance has
		// variance (μ4 − σ⁴)/n with μ4 = w⁴/80.
		within(t, c.name+" mean", m.mean, (c.lo+c.hi)/2, w/math.Sqrt(12*n))
		within(t, c.name+" variance", m.variance, w*w/12, w*w*math.Sqrt((1.0/80-1.0/144)/n))
		chiSquare(t, c.name+" histogram", 100, len(x), func(i int) int { return int((x[i] - c.lo) / w * 100) })
	}
}

func widenFloat(d []float32) []float64 {
	out := make([]float64, len(d))
	for i, v := range d {
		out[i] = float64(v)
	}
	return out
}

func TestNormalMoments(t *testing.T) {
	n := float64(statN)
	const mean, std = 2.0, 0.5
	d32 := make([]float32, statN)
	FillNormal32(d32, 7, 0, mean, std)
	d64 := make([]float64, statN)
	FillNormal64(d64, 7, 0, mean, std)
	for name, x := range map[string][]float64{"Normal32": widenFloat(d32), "Normal64": d64} {
		m := momentsOf(len(x), func(i int) float64 { return x[i] })
		within(t, name+" mean", m.mean, mean, std/math.Sqrt(n))
		within(t, name+" variance", m.variance, std*std, std*std*math.Sqrt(2/n))
		within(t, name+" skewness", m.skew, 0, math.Sqrt(6/n))
		within(t, name+" excess kurtosis", m.exkurt, 0, math.Sqrt(24/n))
		// 40 equiprobable bins of the normal distribution.
		const bins = 40
		chiSquare(t, name+" histogram", bins, len(x), func(i int) int {
			p := 0.5 * math.Erfc(-(x[i]-mean)/std/math.Sqrt2)
			return min(int(p*bins), bins-1)
		})
		// The two halves of a Box–Muller pair are independent.
		pairs := len(x) / 2
		within(t, name+" pair correlation", correlation(pairs, func(i int) (float64, float64) { return x[2*i], x[2*i+1] }), 0, 1/math.Sqrt(float64(pairs)))
	}
}

func TestIntegerChiSquare(t *testing.T) {
	for _, c := range []struct{ lo, hi int64 }{{-3, 7}, {0, 17}, {100, 1100}} {
		d32 := make([]int32, statN)
		FillInt32(d32, 11, 0, int32(c.lo), int32(c.hi))
		d64 := make([]int64, statN)
		FillInt64(d64, 11, 0, c.lo, c.hi)
		k := int(c.hi - c.lo)
		for name, at := range map[string]func(i int) int64{
			"Int32": func(i int) int64 { return int64(d32[i]) },
			"Int64": func(i int) int64 { return d64[i] },
		} {
			for i := range statN {
				if v := at(i); v < c.lo || v >= c.hi {
					t.Fatalf("%s[%d] = %d outside [%d, %d)", name, i, v, c.lo, c.hi)
				}
			}
			chiSquare(t, fmt.Sprintf("%s [%d, %d)", name, c.lo, c.hi), k, statN, func(i int) int { return int(at(i) - c.lo) })
		}
	}
}

func TestBernoulliRate(t *testing.T) {
	for _, p := range []float64{0.01, 0.3, 0.5, 0.9} {
		d := make([]uint8, statN)
		FillBernoulli(d, 5, 3, p)
		ones := 0
		for _, v := range d {
			ones += int(v)
		}
		within(t, fmt.Sprintf("Bernoulli(%v) rate", p), float64(ones)/statN, p, math.Sqrt(p*(1-p)/statN))
	}
}

// TestIndependence checks that neighbouring elements, neighbouring seeds and
// neighbouring offsets give uncorrelated uniforms.
func TestIndependence(t *testing.T) {
	a := make([]float64, statN)
	b := make([]float64, statN)
	c := make([]float64, statN)
	FillUniform64(a, 100, 0, 0, 1)
	FillUniform64(b, 101, 0, 0, 1)
	FillUniform64(c, 100, 1, 0, 1) // a shifted by one block: c[i] = a[i+2]
	se := 1 / math.Sqrt(statN)
	within(t, "lag-1 correlation", correlation(statN-1, func(i int) (float64, float64) { return a[i], a[i+1] }), 0, se)
	within(t, "seed 100 vs 101 correlation", correlation(statN, func(i int) (float64, float64) { return a[i], b[i] }), 0, se)
	within(t, "offset 0 vs 1 same index correlation", correlation(statN, func(i int) (float64, float64) { return a[i], c[i] }), 0, se)
	if c[0] != a[2] || c[1] != a[3] {
		t.Errorf("offset 1 should start at element 2 of offset 0")
	}
}

func correlation(n int, at func(i int) (float64, float64)) float64 {
	var sx, sy, sxx, syy, sxy float64
	for i := range n {
		x, y := at(i)
		sx += x
		sy += y
		sxx += x * x
		syy += y * y
		sxy += x * y
	}
	f := float64(n)
	cov := sxy/f - sx/f*sy/f
	return cov / math.Sqrt((sxx/f-sx/f*sx/f)*(syy/f-sy/f*sy/f))
}

// chiSquare bins n samples into k equiprobable cells and checks Pearson's
// statistic against the chi-square(k−1) quantiles five standard deviations
// either side of the median (Wilson–Hilferty approximation).
func chiSquare(t *testing.T, what string, k, n int, bin func(i int) int) {
	t.Helper()
	counts := make([]int, k)
	for i := range n {
		b := bin(i)
		if b < 0 || b >= k {
			t.Fatalf("%s: sample %d fell in bin %d of %d", what, i, b, k)
		}
		counts[b]++
	}
	e := float64(n) / float64(k)
	var stat float64
	for _, c := range counts {
		d := float64(c) - e
		stat += d * d / e
	}
	df := float64(k - 1)
	q := func(z float64) float64 {
		h := 2 / (9 * df)
		return df * math.Pow(max(0, 1-h+z*math.Sqrt(h)), 3)
	}
	if lo, hi := q(-5), q(5); stat < lo || stat > hi {
		t.Errorf("%s: chi-square %.1f with %v degrees of freedom, want within [%.1f, %.1f]", what, stat, df, lo, hi)
	}
}
