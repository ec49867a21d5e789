package cpu

import (
	"github.com/emberdl/ember/backend/cpu/vec"
	"github.com/emberdl/ember/internal/parallel"
)

// Float32 layer norm with the row kernels of package vec: one call per row
// (mean and variance summed in float64, the elements computed in float32 as
// PyTorch computes them).

func layerNorm32(rows, d int, eps float64, y, mean, rstd, x, w, b []float32) {
	parallel.For(rows, max(1, grainElems/max(1, d*4)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			mean[r], rstd[r] = vec.LayerNormRow(y[r*d:(r+1)*d], x[r*d:(r+1)*d], w, b, eps)
		}
	})
}

// flushRows is how many rows of parameter gradients a worker sums in
// float32 before it adds them into its float64 totals.
const flushRows = 16

// layerNormBwd32 is the layer norm backward for float32: with
// x̂ = (x - mean)·rstd and ĝ = dy·w,
//
//	dx = rstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)),  dw = Σ dy·x̂,  db = Σ dy
//
// over rows, each worker summing its rows' parameter gradients in float32
// for flushRows rows and then in float64.
func layerNormBwd32(rows, d int, dx, dw, db, dy, x, mean, rstd, w []float32) {
	workers := parallel.Workers()
	chunk := (rows + workers - 1) / max(workers, 1)
	pw := make([][]float64, workers)
	pb := make([][]float64, workers)
	parallel.Do(workers, func(wk int) {
		lo, hi := wk*chunk, min((wk+1)*chunk, rows)
		aw, ab := make([]float64, d), make([]float64, d)
		// Row partial sums, and a row of dx when none is wanted.
		scratch := make([]float32, 3*d)
		sw, sb, sdx := scratch[:d], scratch[d:2*d], scratch[2*d:]
		for r := lo; r < hi; r++ {
			dr := sdx
			if dx != nil {
				dr = dx[r*d : (r+1)*d]
			}
			vec.LayerNormBackwardRow(dr, sw, sb, dy[r*d:(r+1)*d], x[r*d:(r+1)*d], w, mean[r], rstd[r])
			if (r-lo)%flushRows == flushRows-1 || r == hi-1 {
				vec.Accumulate(aw, sw)
				vec.Accumulate(ab, sb)
				clear(sw)
				clear(sb)
			}
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
