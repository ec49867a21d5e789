package cpu

import (
	"github.com/emberdl/ember/backend/cpu/gemm"
	"github.com/emberdl/ember/backend/cpu/vec"
	"github.com/emberdl/ember/internal/parallel"
)

// The weight gradient of a stride-1 convolution without an im2col matrix:
//
//	dw[o, t] = Σ_images Σ_q dy[o, q] · planes[off[t] + q]
//
// over the shifted planes of s1Conv. With many taps it is a GEMM per image,
// dy (channels × positions, read in place) times the transposed im2col
// matrix, whose panels of convGatherRows taps the gather kernel transposes
// out of the planes for gemm.ColumnS. With few taps (a first layer's 9), a
// panel would be mostly padding, and the dot kernel runs along q for a 4×3
// tile of (output channel, tap) over several images at a time instead.
//
// The images are split into units (a few images and a band of rows), the
// units into a fixed number of contiguous runs, and each run sums into a
// partial gradient of its own; the partials are added in a fixed order
// at the end. The result depends on neither the thread count nor timing.

// s1FilterBudget bounds the shifted planes of one unit (float32 elements).
const s1FilterBudget = 128 << 10

// s1FilterImages is the most images one unit takes.
const s1FilterImages = 8

// s1DotBudget bounds the elements one dot-kernel call reads (a fraction of
// the L1 cache).
const s1DotBudget = 5 << 10

// s1MaxPartials bounds the number of partial gradients, and
// s1PartialBudget their total size (float32 elements).
const (
	s1MaxPartials   = 8
	s1PartialBudget = 4 << 20
)

// filterAcc is the layout of a partial weight gradient: group gi's tap t
// of destination channel o at gi*kp*op + o*rs + t*cs, taps padded to kp and
// channels to op (the tiles of the kernel that computes it).
type filterAcc struct{ kp, op, rs, cs int }

// filter computes dw (element (o, c, ki, kj) at dw[dwo + o*dws[0] + c*dws[1]
// + ki*dws[2] + kj*dws[3]]) from src, the forward convolution's input, and
// dy, its output gradient (laid out as forward's dst).
//
// With db not nil it also computes the bias gradient, dy summed over images
// and positions (channel o at db[dbo + o*dbs]), while each unit's dy is in
// cache: partial sums per run as for dw, in float64.
func (g *s1Conv) filter(dw []float32, dws []int, dwo int, db []float32, dbs, dbo int, src []float32, ss []int, so int, dy []float32, dys []int, dyo int) {
	useGemm := g.k > convFewTaps
	var la filterAcc
	overread := 0 // elements read past the end of each row of dy
	nb := 1       // images per unit: one for the GEMM, which takes them one at a time
	if useGemm {
		kp, op := ceilDiv(g.k, convGatherRows)*convGatherRows, ceilDiv(g.og, convTileRows)*convTileRows
		la = filterAcc{kp: kp, op: op, rs: kp, cs: 1}
	} else {
		kp, op := ceilDiv(g.k, convDotCols)*convDotCols, ceilDiv(g.og, convDotRows)*convDotRows
		la = filterAcc{kp: kp, op: op, rs: 1, cs: op}
		overread = convDotLanes
		// One kernel call streams convDotRows+convDotCols rows of band·ow
		// elements per image: keep them in L1.
		perImage := (convDotRows + convDotCols) * g.band * g.ow
		nb = max(1, min(s1FilterImages, s1FilterBudget/g.bufLen, s1DotBudget/max(1, perImage), g.n))
	}
	kp, op := la.kp, la.op
	accLen := g.groups * kp * op
	imageRuns := ceilDiv(g.n, nb)
	units := imageRuns * g.bands
	parts := max(1, min(units, s1MaxPartials, s1PartialBudget/accLen))
	off := make([]int32, kp) // padded with offset 0: columns computed, never used
	copy(off, g.off)
	// The GEMM's working panels: B gathered from the planes, and the last
	// channels of dy when they do not fill a tile.
	panelLen, edgeLen := 0, 0
	if useGemm {
		steps := ceilDiv(g.band*g.ow, convGatherBlock) * convGatherBlock
		panelLen, edgeLen = steps*convGatherRows, steps*convTileRows
	}

	accSc := getScratch[float32](parts * accLen)
	acc := accSc.s
	clear(acc)
	var biasAcc []float64 // run p's bias sums at [p*cout, (p+1)*cout)
	if db != nil {
		biasAcc = make([]float64, parts*g.cout)
	}
	dense := dys[3] == 1 && dys[2] == g.ow
	parallel.Do(parts, func(p int) {
		pacc := acc[p*accLen : (p+1)*accLen]
		sc := getScratch[float32](nb*g.bufLen + panelLen + edgeLen)
		planes := sc.s[:nb*g.bufLen]
		bp, edge := sc.s[nb*g.bufLen:nb*g.bufLen+panelLen], sc.s[nb*g.bufLen+panelLen:]
		var dyCopy *convScratch[float32]
		for u := p * units / parts; u < (p+1)*units/parts; u++ {
			ir, b := u/g.bands, u%g.bands
			m0 := ir * nb
			nimg := min(nb, g.n-m0)
			r0, rows := g.unitRows(b)
			q := rows * g.ow
			for m := range nimg {
				img := planes[m*g.bufLen : (m+1)*g.bufLen]
				g.fillPlanes(img, src, ss, so+(m0+m)*ss[0], 0, g.cin, r0, rows)
				clear(img[g.cin*g.chanStride:])
			}
			// Read dy in place when the kernel's reads past each row stay
			// inside the slice.
			a, ao, lda, sa := dy, dyo+m0*dys[0]+r0*g.ow, dys[1], dys[0]
			if !dense || ao+(nimg-1)*sa+(g.cout-1)*lda+q+overread > len(dy) {
				if dyCopy == nil {
					dyCopy = getScratch[float32](nb*g.cout*g.band*g.ow + convDotLanes)
				}
				a, ao, lda, sa = g.copyGrad(dyCopy, dy, dys, dyo, m0, nimg, r0, rows), 0, q, g.cout*q
			}
			for gi := range g.groups {
				gacc := pacc[gi*kp*op:]
				if useGemm {
					g.filterGemm(gacc, kp, planes[gi*g.cg*g.chanStride:], q, a[ao+gi*g.og*lda:], lda, off, bp, edge)
					continue
				}
				gp := &planes[gi*g.cg*g.chanStride]
				for o0 := 0; o0 < g.og; o0 += convDotRows {
					row := ao + (gi*g.og+o0)*lda
					if o0+convDotRows <= g.og {
						for j0 := 0; j0 < kp; j0 += convDotCols {
							convKern.dot(nimg, q, &a[row], lda, sa, gp, (*[convDotCols]int32)(off[j0:]), g.bufLen, &gacc[j0*op+o0], op)
						}
						continue
					}
					// The last, partial tile: one channel at a time (its
					// four rows all read that channel) into a small tile.
					var tile [convDotCols * convDotRows]float32
					for i := 0; o0+i < g.og; i++ {
						for j0 := 0; j0 < kp; j0 += convDotCols {
							tile = [convDotCols * convDotRows]float32{}
							convKern.dot(nimg, q, &a[row+i*lda], 0, sa, gp, (*[convDotCols]int32)(off[j0:]), g.bufLen, &tile[0], convDotRows)
							for j := range convDotCols {
								gacc[(j0+j)*op+o0+i] += tile[j*convDotRows]
							}
						}
					}
				}
			}
			// The bias gradient: the unit's dy, which the kernels have just
			// read, summed while it is still in cache.
			if biasAcc != nil {
				pb := biasAcc[p*g.cout : (p+1)*g.cout]
				for m := range nimg {
					for o := range pb {
						pb[o] += vec.Sum(a[ao+m*sa+o*lda:][:q])
					}
				}
			}
		}
		if dyCopy != nil {
			putScratch(dyCopy)
		}
		putScratch(sc)
	})
	for p := 1; p < parts; p++ {
		for i, v := range acc[p*accLen : (p+1)*accLen] {
			acc[i] += v
		}
	}
	for gi := range g.groups {
		for o := range g.og {
			t := 0
			for c := range g.cg {
				for ki := range g.kh {
					for kj := range g.kw {
						dw[dwo+(gi*g.og+o)*dws[0]+c*dws[1]+ki*dws[2]+kj*dws[3]] = acc[gi*kp*op+o*la.rs+t*la.cs]
						t++
					}
				}
			}
		}
	}
	putScratch(accSc)
	if biasAcc != nil {
		for o := range g.cout {
			v := 0.0
			for p := range parts {
				v += biasAcc[p*g.cout+o]
			}
			db[dbo+o*dbs] = float32(v)
		}
	}
}

// filterGemm adds one image's weight gradient of one group to gacc
// (channel o, tap t at gacc[o*kp + t]): gp is the group's shifted planes,
// q positions long, a its output gradient (channel o at a[o*lda:]), off the
// tap offsets padded to kp, bp and edge working panels.
func (g *s1Conv) filterGemm(gacc []float32, kp int, gp []float32, q int, a []float32, lda int, off []int32, bp, edge []float32) {
	full := g.og / convTileRows // tiles of channels read in place
	rest := g.og - full*convTileRows
	blocks := ceilDiv(q, convGatherBlock)
	if rest > 0 {
		// The last channels, as a packed panel padded with zero rows.
		edge = edge[:blocks*convGatherBlock*convTileRows]
		clear(edge)
		for i := range rest {
			for p, v := range a[(full*convTileRows+i)*lda:][:q] {
				edge[p*convTileRows+i] = v
			}
		}
	}
	// Bounds: the gather reads up to gp[off[g.k-1] + 8·blocks - 1] (the
	// largest offset; the padding is 0), inside the planes' slack.
	_ = gp[int(off[g.k-1])+blocks*convGatherBlock-1]
	for t0 := 0; t0 < kp; t0 += convGatherRows {
		convKern.gatherT(&bp[0], &gp[0], (*[convGatherRows]int32)(off[t0:]), blocks)
		gemm.ColumnS(q, a, lda, 1, convTileRows*lda, bp, 1, gacc[t0:], kp, full)
		if rest > 0 {
			gemm.ColumnS(q, edge, 1, convTileRows, 0, bp, 1, gacc[full*convTileRows*kp+t0:], kp, 1)
		}
	}
}

// copyGrad copies the rows [r0, r0+rows) of images [m0, m0+nimg) of dy
// into sc as dense [nimg][cout][rows·ow] and returns sc's slice.
func (g *s1Conv) copyGrad(sc *convScratch[float32], dy []float32, dys []int, dyo, m0, nimg, r0, rows int) []float32 {
	q := rows * g.ow
	out := sc.s
	clear(out[nimg*g.cout*q:])
	for m := range nimg {
		for o := range g.cout {
			dst := out[(m*g.cout+o)*q:][:q]
			for r := range rows {
				base := dyo + (m0+m)*dys[0] + o*dys[1] + (r0+r)*dys[2]
				shiftRow(dst[r*g.ow:(r+1)*g.ow], dy, base, dys[3], g.ow, 0)
			}
		}
	}
	return out
}
