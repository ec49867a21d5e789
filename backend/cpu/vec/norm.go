package vec

import "math"

// The row kernels of float32 layer normalisation: one call per row does
// every pass over it (the row stays in L1), where separate vector calls
// would cost more in call overhead than in arithmetic on rows of 64-1024
// elements. Sums are taken in float64, element arithmetic in float32.

// LayerNormRow normalises one row: with mean = Σx/d and
// rstd = 1/sqrt(Σ(x-mean)²/d + eps), it sets y = (x-mean)·rstd·w + b and
// returns mean and rstd (d = len(y); w and b may be nil: no scale, no
// shift). y and x may be the same slice.
func LayerNormRow(y, x, w, b []float32, eps float64) (mean, rstd float32) {
	d := len(y)
	x = x[:d]
	if d > 0 && d <= chunk && blocks(d) == d && w != nil && b != nil {
		return layerNormRowAsm(y, x, w[:d], b[:d], eps)
	}
	return layerNormRowGo(y, x, w, b, eps)
}

// LayerNormBackwardRow computes one row of the layer norm backward. With
// x̂ = (x-mean)·rstd and g = dy·w (dy when w is nil) it sets
//
//	dx = rstd·(g - Σg/d - x̂·Σ(g·x̂)/d)
//
// and adds the row's parameter gradients into dw += dy·x̂ and db += dy
// (float32 partial sums: the caller adds them into float64 every few
// rows). d = len(dx).
func LayerNormBackwardRow(dx, dw, db, dy, x, w []float32, mean, rstd float32) {
	d := len(dx)
	dw, db, dy, x = dw[:d], db[:d], dy[:d], x[:d]
	if d > 0 && d <= chunk && blocks(d) == d && w != nil {
		layerNormBackwardRowAsm(dx, dw, db, dy, x, w[:d], mean, rstd)
		return
	}
	layerNormBackwardRowGo(dx, dw, db, dy, x, w, mean, rstd)
}

func layerNormRowGo(y, x, w, b []float32, eps float64) (mean, rstd float32) {
	d := len(y)
	s := 0.0
	for _, v := range x {
		s += float64(v)
	}
	mean = float32(s / float64(d))
	vs := 0.0
	for i, v := range x {
		c := v - mean
		y[i] = c
		vs += float64(c) * float64(c)
	}
	rstd = float32(1 / math.Sqrt(vs/float64(d)+eps))
	for i := range y {
		o := y[i] * rstd
		if w != nil {
			o *= w[i]
		}
		if b != nil {
			o += b[i]
		}
		y[i] = o
	}
	return mean, rstd
}

func layerNormBackwardRowGo(dx, dw, db, dy, x, w []float32, mean, rstd float32) {
	d := len(dx)
	s1, s2 := 0.0, 0.0
	for i := range dx {
		xh := (x[i] - mean) * rstd
		g := dy[i]
		dw[i] += g * xh
		db[i] += g
		if w != nil {
			g *= w[i]
		}
		s1 += float64(g)
		s2 += float64(g * xh)
	}
	m1, m2 := float32(s1/float64(d)), float32(s2/float64(d))
	for i := range dx {
		xh := (x[i] - mean) * rstd
		g := dy[i]
		if w != nil {
			g *= w[i]
		}
		dx[i] = ((g - m1) - xh*m2) * rstd
	}
}
