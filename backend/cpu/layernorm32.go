package cpu

import (
	"math"

	"github.com/emberdl/ember/backend/cpu/vec"
	"github.com/emberdl/ember/internal/parallel"
)

// Float32 layer norm with the vector kernels: per row, the mean and the
// variance (two passes, sums in float64), then y = (x - mean)·rstd·w + b a
// vector operation at a time, in float32 as PyTorch computes it.

func layerNorm32(rows, d int, eps float64, y, mean, rstd, x, w, b []float32) {
	parallel.For(rows, max(1, grainElems/max(1, d*4)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr, yr := x[r*d:(r+1)*d], y[r*d:(r+1)*d]
			mu := float32(vec.Sum(xr) / float64(d))
			vec.SubScalar(yr, xr, mu)
			rs := float32(1 / math.Sqrt(vec.Dot(yr, yr)/float64(d)+eps))
			mean[r], rstd[r] = mu, rs
			vec.MulScalar(yr, yr, rs)
			if w != nil {
				vec.Mul(yr, yr, w[:d])
			}
			if b != nil {
				vec.Add(yr, yr, b[:d])
			}
		}
	})
}

// layerNormBwd32 is the layer norm backward for float32: with
// x̂ = (x - mean)·rstd and ĝ = dy·w,
//
//	dx = rstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)),  dw = Σ dy·x̂,  db = Σ dy
//
// over rows, each worker summing its rows' parameter gradients in float64.
func layerNormBwd32(rows, d int, dx, dw, db, dy, x, mean, rstd, w []float32) {
	workers := parallel.Workers()
	chunk := (rows + workers - 1) / max(workers, 1)
	pw := make([][]float64, workers)
	pb := make([][]float64, workers)
	parallel.Do(workers, func(wk int) {
		lo, hi := wk*chunk, min((wk+1)*chunk, rows)
		var aw, ab []float64
		if dw != nil {
			aw = make([]float64, d)
		}
		if db != nil {
			ab = make([]float64, d)
		}
		xh, gh := make([]float32, d), make([]float32, d)
		for r := lo; r < hi; r++ {
			xr, gr := x[r*d:(r+1)*d], dy[r*d:(r+1)*d]
			vec.SubScalar(xh, xr, mean[r])
			vec.MulScalar(xh, xh, rstd[r])
			if aw != nil {
				vec.Mul(gh, gr, xh)
				vec.Accumulate(aw, gh)
			}
			if ab != nil {
				vec.Accumulate(ab, gr)
			}
			if dx == nil {
				continue
			}
			g := gr
			if w != nil {
				vec.Mul(gh, gr, w[:d])
				g = gh
			}
			s1 := float32(vec.Sum(g) / float64(d))
			s2 := float32(vec.Dot(g, xh) / float64(d))
			dr := dx[r*d : (r+1)*d]
			vec.SubScalar(dr, g, s1)
			vec.SubScaled(dr, dr, xh, s2)
			vec.MulScalar(dr, dr, rstd[r])
		}
		pw[wk], pb[wk] = aw, ab
	})
	sumParts(dw, pw)
	sumParts(db, pb)
}

// sumParts adds the workers' float64 partial sums into dst (nil dst: none
// wanted).
func sumParts(dst []float32, parts [][]float64) {
	if dst == nil {
		return
	}
	for i := range dst {
		s := 0.0
		for _, p := range parts {
			if p != nil {
				s += p[i]
			}
		}
		dst[i] = float32(s)
	}
}
