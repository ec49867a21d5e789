package cpu

import "math"

// s1Conv is a stride-1 convolution of src [n, cin, h, w] into
// dst [n, cout, oh, ow] (a forward convolution, or a backward-data one
// rewritten as a forward convolution of the output gradient), computed as
// an implicit GEMM without an im2col matrix.
//
// The work is split into units, each one image and a band of `band`
// destination rows. A unit first copies its source rows into kw shifted
// planes per channel: plane (c, kj) holds, at [ir][ox], the padded source
// element (row r0+ir-ph, column ox+kj·dw-pw), zero outside the image, in
// rows exactly ow wide. The image row of every tap of destination row r is
// then row r+ki·dh of one plane, so tap (c, ki, kj) of the destination
// positions q = r·ow+ox (r relative to the band) lies contiguously at
// off(c,ki,kj) + q, with off = (c·kw+kj)·plane + ki·dh·ow: the columns of
// the implicit im2col matrix are read where they lie, kw copies of the
// image instead of kh·kw.
type s1Conv struct {
	n, cin, h, w   int // source
	cout, oh, ow   int // destination
	groups, cg, og int // groups, source and destination channels per group
	kh, kw         int // kernel
	dh, dw         int // dilation
	ph, pw         int // padding of the source (top, left)

	k          int     // taps of one output: cg·kh·kw
	band       int     // destination rows per unit
	bands      int     // units per image
	inRows     int     // rows of a plane: band + (kh-1)·dh
	plane      int     // elements of a plane: inRows·ow
	chanStride int     // elements of one channel's kw planes
	bufLen     int     // elements of one image's planes, slack included
	off        []int32 // tap offsets within a group, in weight order (c, ki, kj)
}

// s1Slack is how far past its last plane a unit's buffer extends: the tile
// kernel reads up to convTileCols-1 and the dot kernel up to
// convDotLanes-1 elements past the last destination position.
const s1Slack = convTileCols

// s1BandBudget bounds the shifted planes of one unit (in float32
// elements), so that they stay in the L2 cache while the unit runs.
const s1BandBudget = 64 << 10

// newS1Conv plans a stride-1 convolution; targetUnits is the least number
// of units wanted (for load balance), reached by splitting images into
// bands while bands stay at least a few rows high. It returns false when
// the plane offsets would not fit int32.
func newS1Conv(n, cin, h, w, cout, oh, ow, groups, kh, kw, dh, dw, ph, pw, targetUnits int) (s1Conv, bool) {
	g := s1Conv{n: n, cin: cin, h: h, w: w, cout: cout, oh: oh, ow: ow, groups: groups,
		cg: cin / groups, og: cout / groups, kh: kh, kw: kw, dh: dh, dw: dw, ph: ph, pw: pw}
	g.k = g.cg * kh * kw
	halo := (kh - 1) * dh
	perRow := max(1, cin*kw*ow)
	band := max(1, s1BandBudget/perRow-halo)
	if n > 0 && n*ceilDiv(oh, band) < targetUnits {
		// Too few units: split images further, but not below 4 rows.
		band = min(band, max(4, ceilDiv(oh, ceilDiv(targetUnits, n))))
	}
	g.band = max(1, min(band, oh))
	g.bands = ceilDiv(oh, g.band)
	g.inRows = g.band + halo
	g.plane = g.inRows * ow
	g.chanStride = kw * g.plane
	g.bufLen = cin*g.chanStride + s1Slack
	if g.bufLen >= math.MaxInt32 {
		return g, false
	}
	g.off = make([]int32, 0, g.k)
	for c := range g.cg {
		for ki := range kh {
			for kj := range kw {
				g.off = append(g.off, int32(c*g.chanStride+kj*g.plane+ki*dh*ow))
			}
		}
	}
	return g, true
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// unitRows returns the first destination row of band b and its row count.
func (g *s1Conv) unitRows(b int) (r0, rows int) {
	r0 = b * g.band
	return r0, min(g.band, g.oh-r0)
}

// fillPlanes writes the shifted planes of channels [c0, c1) of one image
// for the band starting at destination row r0 with `rows` rows into buf
// (laid out as described on s1Conv). The image's channel c, row iy,
// column ix is src[so + c*ss[1] + iy*ss[2] + ix*ss[3]].
func (g *s1Conv) fillPlanes(buf, src []float32, ss []int, so, c0, c1, r0, rows int) {
	ow := g.ow
	inRows := rows + (g.kh-1)*g.dh
	// Source rows [iy0, iy1) are inside the image; plane rows before and
	// after them are padding.
	iy0, iy1 := max(r0-g.ph, 0), min(r0+inRows-g.ph, g.h)
	lo, hi := iy0-(r0-g.ph), iy1-(r0-g.ph) // plane rows of the image
	if hi < lo {
		lo, hi = 0, 0
	}
	for c := c0; c < c1; c++ {
		srcC := so + c*ss[1]
		for kj := range g.kw {
			p := buf[c*g.chanStride+kj*g.plane:][:inRows*ow]
			clear(p[:lo*ow])
			clear(p[hi*ow:])
			s := kj*g.dw - g.pw // plane column ox reads image column ox+s
			if hi == lo {
				continue
			}
			if ss[3] == 1 && ss[2] == g.w && ow == g.w && s < g.w && -s < g.w {
				shiftBlock(p[lo*ow:hi*ow], src[srcC+iy0*g.w:srcC+iy1*g.w], ow, s)
				continue
			}
			for ir := lo; ir < hi; ir++ {
				shiftRow(p[ir*ow:(ir+1)*ow], src, srcC+(ir+r0-g.ph)*ss[2], ss[3], g.w, s)
			}
		}
	}
}

// shiftBlock sets dst[r*w+x] = src[r*w+x+s] for rows of w elements, zero
// where x+s falls outside [0, w); |s| < w.
func shiftBlock(dst, src []float32, w, s int) {
	if len(dst) == 0 {
		return
	}
	// The edges are |s| elements a row (one for a 3×3 kernel): zeroed by
	// plain stores, as a clear per row would be a call per row. (Not
	// written as `for i := range edge`, which the compiler turns into
	// that call.)
	if s >= 0 {
		copy(dst, src[s:])
		for e := w; e <= len(dst); e += w {
			for i := e - s; i < e; i++ {
				dst[i] = 0
			}
		}
		return
	}
	copy(dst[-s:], src)
	for b := 0; b < len(dst); b += w {
		for i := b; i < b-s; i++ {
			dst[i] = 0
		}
	}
}

// shiftRow sets dst[x] = the image row's element x+s (the row starts at
// src[base] with elements step apart and is w long), zero outside it.
func shiftRow(dst, src []float32, base, step, w, s int) {
	x0 := min(max(0, -s), len(dst))   // first column inside the image
	x1 := max(min(len(dst), w-s), x0) // end of the columns inside it
	clear(dst[:x0])
	clear(dst[x1:])
	if x1 == x0 {
		return
	}
	if step == 1 {
		copy(dst[x0:x1], src[base+x0+s:])
		return
	}
	for x := x0; x < x1; x++ {
		dst[x] = src[base+(x+s)*step]
	}
}
