package cpu

import (
	"math"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/internal/parallel"
)

// optIn returns a dense copy of an optional input view (one with a nil Buf
// stays as it is).
func (c *Backend) optIn(v backend.View) backend.View {
	if v.Buf == nil {
		return v
	}
	return c.denseIn(v)
}

// optOut is denseOut for an optional output view.
func (c *Backend) optOut(v backend.View) backend.View {
	if v.Buf == nil {
		return v
	}
	return c.denseOut(v)
}

// optFinish is finishOut for an optional output view.
func (c *Backend) optFinish(dst, out backend.View) {
	if dst.Buf != nil {
		c.finishOut(dst, out)
	}
}

// LayerNorm normalises each row of x (the trailing dims of weight's size, or
// mean's row count). Views of any strides are accepted.
func (c *Backend) LayerNorm(y, mean, rstd, x, weight, bias backend.View, eps float64) {
	rows := mean.Numel()
	d := x.Numel() / max(rows, 1)
	xd, wd, bd := c.denseIn(x), c.optIn(weight), c.optIn(bias)
	defer c.doneIn(x, xd)
	defer c.doneIn(weight, wd)
	defer c.doneIn(bias, bd)
	x, weight, bias = xd, wd, bd
	yo, mo, ro := c.denseOut(y), c.denseOut(mean), c.denseOut(rstd)
	switch buf(x).dt {
	case backend.Float32:
		layerNorm32(rows, d, eps, optSlice[float32](yo), optSlice[float32](mo), optSlice[float32](ro), optSlice[float32](x), optSlice[float32](weight), optSlice[float32](bias))
	case backend.Float64:
		layerNorm(rows, d, eps, optSlice[float64](yo), optSlice[float64](mo), optSlice[float64](ro), optSlice[float64](x), optSlice[float64](weight), optSlice[float64](bias))
	default:
		panic("cpu.LayerNorm of " + buf(x).dt.String())
	}
	c.finishOut(y, yo)
	c.finishOut(mean, mo)
	c.finishOut(rstd, ro)
}

// optSlice returns the elements of a dense view from its offset on, or nil
// for a view with a nil Buf.
func optSlice[T float](v backend.View) []T {
	if v.Buf == nil {
		return nil
	}
	switch b := buf(v); b.dt {
	case backend.Float32:
		return any(b.F32[v.Offset:]).([]T)
	case backend.Float64:
		return any(b.F64[v.Offset:]).([]T)
	}
	panic("cpu.LayerNorm: weight of " + buf(v).dt.String())
}

func layerNorm[T float](rows, d int, eps float64, y, mean, rstd, x, w, b []T) {
	parallel.For(rows, max(1, grainElems/max(1, d*4)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr := x[r*d : (r+1)*d]
			yr := y[r*d : (r+1)*d]
			s := 0.0
			for _, v := range xr {
				s += float64(v)
			}
			mu := s / float64(d)
			vs := 0.0
			for _, v := range xr {
				dv := float64(v) - mu
				vs += dv * dv
			}
			rs := 1 / math.Sqrt(vs/float64(d)+eps)
			mean[r], rstd[r] = T(mu), T(rs)
			for i, v := range xr {
				o := (float64(v) - mu) * rs
				if w != nil {
					o *= float64(w[i])
				}
				if b != nil {
					o += float64(b[i])
				}
				yr[i] = T(o)
			}
		}
	})
}

// LayerNormBackward computes dx, dweight and dbias.
func (c *Backend) LayerNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight backend.View) {
	rows := mean.Numel()
	if rows == 0 {
		// No rows: dx is empty and the parameter gradients are sums of
		// nothing.
		for _, v := range []backend.View{dweight, dbias} {
			if v.Buf != nil {
				c.Fill(v, 0)
			}
		}
		return
	}
	d := x.Numel() / max(rows, 1)
	in := [...]backend.View{dy, x, mean, rstd, weight}
	dense := [...]backend.View{c.denseIn(dy), c.denseIn(x), c.denseIn(mean), c.denseIn(rstd), c.optIn(weight)}
	defer func() {
		for i := range in {
			c.doneIn(in[i], dense[i])
		}
	}()
	dy, x, mean, rstd, weight = dense[0], dense[1], dense[2], dense[3], dense[4]
	dxo, dwo, dbo := c.optOut(dx), c.optOut(dweight), c.optOut(dbias)
	switch buf(x).dt {
	case backend.Float32:
		layerNormBwd32(rows, d, optSlice[float32](dxo), optSlice[float32](dwo), optSlice[float32](dbo), optSlice[float32](dy), optSlice[float32](x), optSlice[float32](mean), optSlice[float32](rstd), optSlice[float32](weight))
	case backend.Float64:
		layerNormBwd(rows, d, optSlice[float64](dxo), optSlice[float64](dwo), optSlice[float64](dbo), optSlice[float64](dy), optSlice[float64](x), optSlice[float64](mean), optSlice[float64](rstd), optSlice[float64](weight))
	default:
		panic("cpu.LayerNormBackward of " + buf(x).dt.String())
	}
	c.optFinish(dx, dxo)
	c.optFinish(dweight, dwo)
	c.optFinish(dbias, dbo)
}

func layerNormBwd[T float](rows, d int, dx, dw, db, dy, x, mean, rstd, w []T) {
	workers := parallel.Workers()
	pw := make([][]float64, workers)
	pb := make([][]float64, workers)
	chunk := (rows + workers - 1) / max(workers, 1)
	parallel.Do(workers, func(wk int) {
		lo, hi := wk*chunk, min((wk+1)*chunk, rows)
		var aw, ab []float64
		if dw != nil {
			aw = make([]float64, d)
		}
		if db != nil {
			ab = make([]float64, d)
		}
		for r := lo; r < hi; r++ {
			xr, gr := x[r*d:(r+1)*d], dy[r*d:(r+1)*d]
			mu, rs := float64(mean[r]), float64(rstd[r])
			// dxhat = dy * w; dx = rs * (dxhat - mean(dxhat) - xhat*mean(dxhat*xhat))
			s1, s2 := 0.0, 0.0
			for i := range xr {
				xh := (float64(xr[i]) - mu) * rs
				g := float64(gr[i])
				if aw != nil {
					aw[i] += g * xh
				}
				if ab != nil {
					ab[i] += g
				}
				if w != nil {
					g *= float64(w[i])
				}
				s1 += g
				s2 += g * xh
			}
			if dx == nil {
				continue
			}
			s1 /= float64(d)
			s2 /= float64(d)
			dr := dx[r*d : (r+1)*d]
			for i := range xr {
				xh := (float64(xr[i]) - mu) * rs
				g := float64(gr[i])
				if w != nil {
					g *= float64(w[i])
				}
				dr[i] = T(rs * (g - s1 - xh*s2))
			}
		}
		pw[wk], pb[wk] = aw, ab
	})
	for i := 0; i < d; i++ {
		if dw != nil {
			s := 0.0
			for _, p := range pw {
				s += p[i]
			}
			dw[i] = T(s)
		}
		if db != nil {
			s := 0.0
			for _, p := range pb {
				s += p[i]
			}
			db[i] = T(s)
		}
	}
}
