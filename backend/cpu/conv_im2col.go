package cpu

// convGeom holds the sizes of one 2-D convolution.
type convGeom struct {
	n, c, h, w int // input
	o, kh, kw  int // filters
	oh, ow     int // output
	g, cg, og  int // groups, channels and filters per group
	sh, sw     int // stride
	ph, pw     int // padding
	dh, dw     int // dilation
	colRows    int // rows of the im2col matrix: cg·kh·kw
}

func newConvGeom(x, w, y []int, sh, sw, ph, pw, dh, dw, groups int) convGeom {
	g := convGeom{n: x[0], c: x[1], h: x[2], w: x[3], o: w[0], kh: w[2], kw: w[3], oh: y[2], ow: y[3],
		g: max(1, groups), sh: sh, sw: sw, ph: ph, pw: pw, dh: dh, dw: dw}
	g.cg, g.og = g.c/g.g, g.o/g.g
	g.colRows = g.cg * g.kh * g.kw
	return g
}

// colRange returns the output columns [lo, hi) whose input column under
// tap column kj, ox·sw - pw + kj·dw, lies inside the image.
func (g *convGeom) colRange(kj int) (lo, hi int) {
	off := kj*g.dw - g.pw
	// ox*sw + off >= 0  and  ox*sw + off < w
	lo = 0
	if off < 0 {
		lo = ceilDiv(-off, g.sw)
	}
	hi = 0
	if g.w-off > 0 {
		hi = ceilDiv(g.w-off, g.sw)
	}
	return min(lo, g.ow), min(max(hi, lo), g.ow)
}

// im2colRows unpacks output rows [r0, r1) of one image's channel group
// (channel c at x[xo + c*xs[1]], rows xs[2] and columns xs[3] apart) into
// col, a colRows × ((r1-r0)·ow) matrix: row (c, ki, kj), column
// (oy-r0)·ow + ox holds the input under tap (ki, kj) of output (oy, ox),
// zero in the padding.
func im2colRows[T float](g *convGeom, x []T, xs []int, xo, r0, r1 int, col []T) {
	cols := (r1 - r0) * g.ow
	for ci := 0; ci < g.cg; ci++ {
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				row := col[((ci*g.kh+ki)*g.kw+kj)*cols:][:cols]
				lo, hi := g.colRange(kj)
				off := kj*g.dw - g.pw
				for oy := r0; oy < r1; oy++ {
					dst := row[(oy-r0)*g.ow : (oy-r0+1)*g.ow]
					iy := oy*g.sh - g.ph + ki*g.dh
					if iy < 0 || iy >= g.h {
						clear(dst)
						continue
					}
					clear(dst[:lo])
					clear(dst[hi:])
					base := xo + ci*xs[1] + iy*xs[2]
					if g.sw == 1 && xs[3] == 1 {
						copy(dst[lo:hi], x[base+lo+off:])
						continue
					}
					for ox := lo; ox < hi; ox++ {
						dst[ox] = x[base+(ox*g.sw+off)*xs[3]]
					}
				}
			}
		}
	}
}

// col2imRows adds the columns of output rows [r0, r1) back into the image
// (the adjoint of im2colRows).
func col2imRows[T float](g *convGeom, col []T, dx []T, ds []int, do, r0, r1 int) {
	cols := (r1 - r0) * g.ow
	for ci := 0; ci < g.cg; ci++ {
		for ki := 0; ki < g.kh; ki++ {
			for kj := 0; kj < g.kw; kj++ {
				row := col[((ci*g.kh+ki)*g.kw+kj)*cols:][:cols]
				lo, hi := g.colRange(kj)
				off := kj*g.dw - g.pw
				for oy := r0; oy < r1; oy++ {
					iy := oy*g.sh - g.ph + ki*g.dh
					if iy < 0 || iy >= g.h {
						continue
					}
					base := do + ci*ds[1] + iy*ds[2]
					src := row[(oy-r0)*g.ow : (oy-r0+1)*g.ow]
					for ox := lo; ox < hi; ox++ {
						dx[base+(ox*g.sw+off)*ds[3]] += src[ox]
					}
				}
			}
		}
	}
}
