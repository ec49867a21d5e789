package cpu

import "github.com/emberdl/ember/internal/parallel"

// The forward pass of a stride-1 convolution as an implicit GEMM (see
// s1Conv): per unit, the shifted planes are built once and every
// convTileRows×convTileCols tile of the destination (output channels ×
// consecutive positions) is one call of the tile kernel over all the taps
// of its group, its weights packed in panels beforehand.

// panels is the number of weight panels of one group.
func (g *s1Conv) panels() int { return ceilDiv(g.og, convTileRows) }

// packedLen is the length of the packed weights of all groups.
func (g *s1Conv) packedLen() int { return g.groups * g.panels() * g.k * convTileRows }

// packForward packs the weights w [cout, cg, kh, kw] (element (o, t) at
// w[wo + o*ws[0] + c*ws[1] + ki*ws[2] + kj*ws[3]]) into ap: group gi's
// panel p holds, for each tap t, the weights of destination channels
// p·convTileRows … +convTileRows-1 (zero past the group's last one).
func (g *s1Conv) packForward(ap, w []float32, ws []int, wo int) {
	g.pack(ap, func(gi, o, c, ki, kj int) float32 {
		return w[wo+(gi*g.og+o)*ws[0]+c*ws[1]+ki*ws[2]+kj*ws[3]]
	})
}

// packBackwardData packs the weights of the convolution whose input
// gradient g computes: w [cin', cout'/groups, kh, kw] of the original
// convolution (cin' = g.cout, its output channels = g.cin), used
// transposed within each group and flipped in both spatial dimensions.
func (g *s1Conv) packBackwardData(ap, w []float32, ws []int, wo int) {
	g.pack(ap, func(gi, c, o, ki, kj int) float32 {
		return w[wo+(gi*g.cg+o)*ws[0]+c*ws[1]+(g.kh-1-ki)*ws[2]+(g.kw-1-kj)*ws[3]]
	})
}

// pack fills ap from weight(gi, destination channel, source channel, ki, kj).
func (g *s1Conv) pack(ap []float32, weight func(gi, o, c, ki, kj int) float32) {
	panels := g.panels()
	i := 0
	for gi := range g.groups {
		for p := range panels {
			for c := range g.cg {
				for ki := range g.kh {
					for kj := range g.kw {
						for r := range convTileRows {
							o := p*convTileRows + r
							if o < g.og {
								ap[i] = weight(gi, o, c, ki, kj)
							} else {
								ap[i] = 0
							}
							i++
						}
					}
				}
			}
		}
	}
}

// biasLen is the length of the packed bias: convTileRows per panel.
func (g *s1Conv) biasLen() int { return g.groups * g.panels() * convTileRows }

// packBias packs the bias of every destination channel (channel o at
// b[bo + o*bs]; none when b is nil) like the weights' panels, zero past
// each group's last channel.
func (g *s1Conv) packBias(bp, b []float32, bs, bo int) {
	clear(bp)
	if b == nil {
		return
	}
	panels := g.panels()
	for gi := range g.groups {
		for o := range g.og {
			bp[(gi*panels)*convTileRows+o] = b[bo+(gi*g.og+o)*bs]
		}
	}
}

// forward computes dst (channel o of image n at row oy, column ox is
// dst[do + n*ds[0] + o*ds[1] + oy*ds[2] + ox*ds[3]]) from src (likewise),
// the packed weights ap and the packed bias bp.
// convFewTaps is the most taps (cg·kh·kw) for which a forward convolution
// hands the kernel whole rows of tiles at once (a 1-channel 3×3 first layer
// has 9).
const convFewTaps = 32

func (g *s1Conv) forward(dst, src []float32, ds, ss []int, do, so int, ap, bp []float32) {
	// Tiles go straight into dst when its planes are dense; edge tiles,
	// and all tiles of other layouts, through a small buffer.
	dense := ds[3] == 1 && ds[2] == g.ow
	panels := g.panels()
	parallel.Do(g.n*g.bands, func(u int) {
		ni, b := u/g.bands, u%g.bands
		r0, rows := g.unitRows(b)
		sc := getScratch[float32](g.bufLen + convTileRows*convTileCols)
		planes, tmp := sc.s[:g.bufLen], sc.s[g.bufLen:]
		g.fillPlanes(planes, src, ss, so+ni*ss[0], 0, g.cin, r0, rows)
		clear(planes[g.cin*g.chanStride:])
		q := rows * g.ow
		yo := do + ni*ds[0] + r0*ds[2]
		for gi := range g.groups {
			gp := planes[gi*g.cg*g.chanStride:]
			gap := ap[gi*panels*g.k*convTileRows:]
			q0start := 0
			if full := q / convTileCols; dense && g.k <= convFewTaps && full > 0 {
				// Few taps: a call per tile would cost as much as its
				// arithmetic, and the planes are small enough to stay in
				// L1 whatever the order, so each full panel takes all
				// full tiles in one call.
				for p := range g.og / convTileRows {
					o0 := gi*g.og + p*convTileRows
					convKern.tiles(g.k, &gap[p*g.k*convTileRows], &gp[0], &g.off[0], &dst[yo+o0*ds[1]], ds[1],
						&bp[(gi*panels+p)*convTileRows], full)
				}
				q0start = full * convTileCols // of the full panels; a partial one takes the loop below
			}
			for q0 := 0; q0 < q; q0 += convTileCols {
				for p := range panels {
					if q0+convTileCols <= q0start && (p+1)*convTileRows <= g.og {
						continue // done above
					}
					o0 := gi*g.og + p*convTileRows
					a := &gap[p*g.k*convTileRows]
					bias := &bp[(gi*panels+p)*convTileRows]
					if dense && q0+convTileCols <= q && (p+1)*convTileRows <= g.og {
						convKern.tile(g.k, a, &gp[q0], &g.off[0], &dst[yo+o0*ds[1]+q0], ds[1], bias)
						continue
					}
					convKern.tile(g.k, a, &gp[q0], &g.off[0], &tmp[0], convTileCols, bias)
					nr := min(convTileRows, g.og-p*convTileRows)
					nc := min(convTileCols, q-q0)
					for i := range nr {
						row := tmp[i*convTileCols : i*convTileCols+nc]
						if dense {
							copy(dst[yo+(o0+i)*ds[1]+q0:], row)
							continue
						}
						base := do + ni*ds[0] + (o0+i)*ds[1]
						r, ox := q0/g.ow, q0%g.ow
						for _, v := range row {
							dst[base+(r0+r)*ds[2]+ox*ds[3]] = v
							if ox++; ox == g.ow {
								r, ox = r+1, 0
							}
						}
					}
				}
			}
		}
		putScratch(sc)
	})
}
