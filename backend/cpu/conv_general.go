package cpu

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/gemm"
	"github.com/emberdl/ember/internal/parallel"
)

// The general convolution path, for every case the implicit one does not
// take (float64, strides above 1): im2col of a band of output rows of one
// image into pooled scratch, then one GEMM per group on the packed GEMM
// engine, parallel over (image, band) units.

// colBudget bounds one unit's im2col matrix (elements).
const colBudget = 64 << 10

// bandRows returns output rows per unit so that the im2col matrix of a
// band stays within colBudget.
func (g *convGeom) bandRows() int {
	return max(1, min(g.oh, colBudget/max(1, g.colRows*g.ow)))
}

// gemmT computes C = A·B + beta·C in T with the GEMM engine (see gemm.Sgemm).
func gemmT[T float](m, n, k int, a []T, rsa, csa int, b []T, rsb, csb int, beta T, c []T, rsc, csc int) {
	switch a := any(a).(type) {
	case []float32:
		gemm.Sgemm(m, n, k, 1, a, rsa, csa, any(b).([]float32), rsb, csb, float32(beta), any(c).([]float32), rsc, csc)
	case []float64:
		gemm.Dgemm(m, n, k, 1, a, rsa, csa, any(b).([]float64), rsb, csb, float64(beta), any(c).([]float64), rsc, csc)
	}
}

// convForwardGeneral computes y = conv(x, w) + bias; y has dense planes,
// w is dense, and bias (channel o at bs[b.Offset + o*b.Strides[0]]) is
// absent when bs is nil.
func convForwardGeneral[T float](g *convGeom, y, x, w, b backend.View, ys, xs, ws, bs []T) {
	band := g.bandRows()
	bands := ceilDiv(g.oh, band)
	parallel.Do(g.n*bands, func(u int) {
		ni, r0 := u/bands, (u%bands)*band
		r1 := min(r0+band, g.oh)
		cols := (r1 - r0) * g.ow
		sc := getScratch[T](g.colRows * cols)
		for gi := range g.g {
			im2colRows(g, xs, x.Strides, x.Offset+ni*x.Strides[0]+gi*g.cg*x.Strides[1], r0, r1, sc.s)
			// y[n, group, r0:r1] (og × cols) = W_g (og × colRows) · col
			yo := y.Offset + ni*y.Strides[0] + gi*g.og*y.Strides[1] + r0*g.ow
			gemmT(g.og, cols, g.colRows, ws[w.Offset+gi*g.og*w.Strides[0]:], w.Strides[0], 1,
				sc.s, cols, 1, 0, ys[yo:], y.Strides[1], 1)
			if bs == nil {
				continue
			}
			for o := range g.og {
				v := bs[b.Offset+(gi*g.og+o)*b.Strides[0]]
				row := ys[yo+o*y.Strides[1]:][:cols]
				for i := range row {
					row[i] += v
				}
			}
		}
		putScratch(sc)
	})
}

// convDataGeneral computes dx from dy and w: per image, col = W_gᵀ·dy_g
// band by band, added back into the image by col2im. dx is dense, dy has
// dense planes and w is dense.
func convDataGeneral[T float](g *convGeom, dx, dy, w backend.View, dxs, dys, ws []T) {
	band := g.bandRows()
	parallel.Do(g.n, func(ni int) {
		sc := getScratch[T](g.colRows * band * g.ow)
		img := dx.Offset + ni*dx.Strides[0]
		clear(dxs[img : img+g.c*g.h*g.w])
		for gi := range g.g {
			for r0 := 0; r0 < g.oh; r0 += band {
				r1 := min(r0+band, g.oh)
				cols := (r1 - r0) * g.ow
				// col (colRows × cols) = W_gᵀ (colRows × og) · dy_g (og × cols)
				yo := dy.Offset + ni*dy.Strides[0] + gi*g.og*dy.Strides[1] + r0*g.ow
				gemmT(g.colRows, cols, g.og, ws[w.Offset+gi*g.og*w.Strides[0]:], 1, w.Strides[0],
					dys[yo:], dy.Strides[1], 1, 0, sc.s, cols, 1)
				col2imRows(g, sc.s, dxs, dx.Strides, dx.Offset+ni*dx.Strides[0]+gi*g.cg*dx.Strides[1], r0, r1)
			}
		}
		putScratch(sc)
	})
}

// convFilterGeneral computes dw (dense) from x and dy (dense planes): per
// (image, band) unit, dW_g += dy_g · colᵀ into one of a fixed number of
// partial sums, added up in order at the end.
func convFilterGeneral[T float](g *convGeom, dw, x, dy backend.View, dws, xs, dys []T) {
	band := g.bandRows()
	bands := ceilDiv(g.oh, band)
	units := g.n * bands
	accLen := g.o * g.colRows
	parts := max(1, min(units, s1MaxPartials, s1PartialBudget/max(1, accLen)))
	accSc := getScratch[T](parts * accLen)
	acc := accSc.s
	clear(acc)
	parallel.Do(parts, func(p int) {
		pacc := acc[p*accLen : (p+1)*accLen]
		sc := getScratch[T](g.colRows * band * g.ow)
		for u := p * units / parts; u < (p+1)*units/parts; u++ {
			ni, r0 := u/bands, (u%bands)*band
			r1 := min(r0+band, g.oh)
			cols := (r1 - r0) * g.ow
			for gi := range g.g {
				im2colRows(g, xs, x.Strides, x.Offset+ni*x.Strides[0]+gi*g.cg*x.Strides[1], r0, r1, sc.s)
				// dW_g (og × colRows) += dy_g (og × cols) · colᵀ (cols × colRows)
				yo := dy.Offset + ni*dy.Strides[0] + gi*g.og*dy.Strides[1] + r0*g.ow
				gemmT(g.og, g.colRows, cols, dys[yo:], dy.Strides[1], 1, sc.s, 1, cols,
					1, pacc[gi*g.og*g.colRows:], g.colRows, 1)
			}
		}
		putScratch(sc)
	})
	for p := 1; p < parts; p++ {
		for i, v := range acc[p*accLen : (p+1)*accLen] {
			acc[i] += v
		}
	}
	copy(dws[dw.Offset:dw.Offset+accLen], acc[:accLen])
	putScratch(accSc)
}
