package cpu

import "github.com/emberdl/ember/internal/parallel"

// The weight gradient of a stride-1 convolution without an im2col matrix:
//
//	dw[o, t] = Σ_images Σ_q dy[o, q] · planes[off[t] + q]
//
// over the shifted planes of s1Conv, with the dot kernel, which runs along
// q for a 4×3 tile of (output channel, tap) over several images at a time.
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

// filter computes dw (element (o, c, ki, kj) at dw[dwo + o*dws[0] + c*dws[1]
// + ki*dws[2] + kj*dws[3]]) from src, the forward convolution's input, and
// dy, its output gradient (laid out as forward's dst).
func (g *s1Conv) filter(dw []float32, dws []int, dwo int, src []float32, ss []int, so int, dy []float32, dys []int, dyo int) {
	kp := ceilDiv(g.k, convDotCols) * convDotCols
	op := ceilDiv(g.og, convDotRows) * convDotRows
	accLen := g.groups * kp * op
	// One kernel call streams convDotRows+convDotCols rows of band·ow
	// elements per image: keep them in L1.
	perImage := (convDotRows + convDotCols) * g.band * g.ow
	nb := max(1, min(s1FilterImages, s1FilterBudget/g.bufLen, s1DotBudget/max(1, perImage), g.n))
	imageRuns := ceilDiv(g.n, nb)
	units := imageRuns * g.bands
	parts := max(1, min(units, s1MaxPartials, s1PartialBudget/accLen))
	off := make([]int32, kp)
	copy(off, g.off)

	accSc := getScratch[float32](parts * accLen)
	acc := accSc.s
	clear(acc)
	dense := dys[3] == 1 && dys[2] == g.ow
	parallel.Do(parts, func(p int) {
		pacc := acc[p*accLen : (p+1)*accLen]
		sc := getScratch[float32](nb * g.bufLen)
		planes := sc.s
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
			// The kernel reads up to convDotLanes-1 elements past each row
			// of dy: read it in place when that stays inside the slice.
			a, ao, lda, sa := dy, dyo+m0*dys[0]+r0*g.ow, dys[1], dys[0]
			if !dense || ao+(nimg-1)*sa+(g.cout-1)*lda+q+convDotLanes > len(dy) {
				if dyCopy == nil {
					dyCopy = getScratch[float32](nb*g.cout*g.band*g.ow + convDotLanes)
				}
				a, ao, lda, sa = g.copyGrad(dyCopy, dy, dys, dyo, m0, nimg, r0, rows), 0, q, g.cout*q
			}
			for gi := range g.groups {
				gacc := pacc[gi*kp*op:]
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
						dw[dwo+(gi*g.og+o)*dws[0]+c*dws[1]+ki*dws[2]+kj*dws[3]] = acc[gi*kp*op+t*op+o]
						t++
					}
				}
			}
		}
	}
	putScratch(accSc)
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
