package cpu

import (
	"github.com/emberdl/ember/backend/cpu/gemm"
	"github.com/emberdl/ember/internal/parallel"
)

// The forward pass of a stride-1 convolution as an implicit GEMM (see
// s1Conv): per unit, the shifted planes are built once; then for each
// convTileCols consecutive destination positions, the tile kernel computes
// the first weight panel's tile reading the taps in place from the planes,
// and packs what it reads (those positions' columns of the implicit im2col
// matrix) into a small panel that stays in L1 while gemm.ColumnS runs the
// GEMM's micro-kernel down the other weight panels. With few taps (a
// 1-channel first layer) the tile kernel takes whole rows of tiles instead.
//
// The weights are packed in panels of convTileRows destination channels,
// tap by tap, with the panel's bias as one more tap: the packed image panel
// ends with a row of ones, so ColumnS adds the bias as part of the product,
// and the tile kernel reads it from the end of the panel.

// The packed panels of the weights and of the image must be the GEMM's.
const (
	_ = uint(gemm.TileRowsS-convTileRows) + uint(convTileRows-gemm.TileRowsS)
	_ = uint(gemm.TileColsS-convTileCols) + uint(convTileCols-gemm.TileColsS)
)

// panels is the number of weight panels of one group.
func (g *s1Conv) panels() int { return ceilDiv(g.og, convTileRows) }

// panelLen is the length of one packed weight panel: k taps and the bias.
func (g *s1Conv) panelLen() int { return (g.k + 1) * convTileRows }

// packedLen is the length of the packed weights of all groups.
func (g *s1Conv) packedLen() int { return g.groups * g.panels() * g.panelLen() }

// packForward packs the weights w [cout, cg, kh, kw] (element (o, t) at
// w[wo + o*ws[0] + c*ws[1] + ki*ws[2] + kj*ws[3]]) and the bias b [cout]
// (channel o at b[bo + o*bs]; zero when b is nil) into ap: group gi's
// panel p holds, for each tap t, the weights of destination channels
// p·convTileRows … +convTileRows-1 (zero past the group's last one), then
// their biases.
func (g *s1Conv) packForward(ap, w []float32, ws []int, wo int, b []float32, bs, bo int) {
	g.pack(ap, func(gi, o, c, ki, kj int) float32 {
		return w[wo+(gi*g.og+o)*ws[0]+c*ws[1]+ki*ws[2]+kj*ws[3]]
	}, func(gi, o int) float32 {
		if b == nil {
			return 0
		}
		return b[bo+(gi*g.og+o)*bs]
	})
}

// packBackwardData packs the weights of the convolution whose input
// gradient g computes: w [cin', cout'/groups, kh, kw] of the original
// convolution (cin' = g.cout, its output channels = g.cin), used
// transposed within each group and flipped in both spatial dimensions. The
// bias is zero.
func (g *s1Conv) packBackwardData(ap, w []float32, ws []int, wo int) {
	g.pack(ap, func(gi, c, o, ki, kj int) float32 {
		return w[wo+(gi*g.cg+o)*ws[0]+c*ws[1]+(g.kh-1-ki)*ws[2]+(g.kw-1-kj)*ws[3]]
	}, func(int, int) float32 { return 0 })
}

// pack fills ap from weight(gi, destination channel, source channel, ki,
// kj) and bias(gi, destination channel).
func (g *s1Conv) pack(ap []float32, weight func(gi, o, c, ki, kj int) float32, bias func(gi, o int) float32) {
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
			for r := range convTileRows {
				o := p*convTileRows + r
				if o < g.og {
					ap[i] = bias(gi, o)
				} else {
					ap[i] = 0
				}
				i++
			}
		}
	}
}

// convFewTaps is the most taps (cg·kh·kw) for which a forward convolution
// hands the tile kernel whole rows of tiles at once (a 1-channel 3×3 first
// layer has 9): a call per tile would cost as much as its arithmetic.
const convFewTaps = 32

// forward computes dst (channel o of image n at row oy, column ox is
// dst[do + n*ds[0] + o*ds[1] + oy*ds[2] + ox*ds[3]]) from src (likewise)
// and the packed weights and biases ap.
func (g *s1Conv) forward(dst, src []float32, ds, ss []int, do, so int, ap []float32) {
	// Tiles go straight into dst when its planes are dense; edge tiles,
	// and all tiles of other layouts, through a buffer.
	dense := ds[3] == 1 && ds[2] == g.ow
	panels, plen := g.panels(), g.panelLen()
	full := g.og / convTileRows // panels without padding rows
	tile := convTileRows * convTileCols
	parallel.Do(g.n*g.bands, func(u int) {
		ni, b := u/g.bands, u%g.bands
		r0, rows := g.unitRows(b)
		sc := getScratch[float32](g.bufLen + panels*tile + (g.k+1)*convTileCols)
		planes, tmp, bt := sc.s[:g.bufLen], sc.s[g.bufLen:g.bufLen+panels*tile], sc.s[g.bufLen+panels*tile:]
		g.fillPlanes(planes, src, ss, so+ni*ss[0], 0, g.cin, r0, rows)
		clear(planes[g.cin*g.chanStride:])
		for j := range convTileCols {
			bt[g.k*convTileCols+j] = 1 // the bias's tap
		}
		q := rows * g.ow
		yo := do + ni*ds[0] + r0*ds[2]
		for gi := range g.groups {
			gp := planes[gi*g.cg*g.chanStride:]
			gap := ap[gi*panels*plen:]
			oc := yo + gi*g.og*ds[1] // the group's first channel
			fewDone := 0             // positions whose full panels are done
			if n := q / convTileCols; dense && g.k <= convFewTaps && n > 0 {
				for p := range full {
					w := gap[p*plen:]
					convKern.tiles(g.k, &w[0], &gp[0], &g.off[0], &dst[oc+p*convTileRows*ds[1]], ds[1], &w[g.k*convTileRows], n)
				}
				fewDone = n * convTileCols
			}
			for q0 := 0; q0 < q; q0 += convTileCols {
				p0 := 0 // the first panel left at these positions
				if q0 < fewDone {
					p0 = full
				}
				if p0 == panels {
					continue
				}
				nc := min(convTileCols, q-q0)
				inPlace := full // panels written straight into dst: [p0, inPlace)
				if !dense || nc < convTileCols {
					inPlace = 0
				}
				// Panel p0 reads the planes and packs the taps for the rest.
				w := gap[p0*plen:]
				c, ldc := tmp[p0*tile:], convTileCols
				if p0 < inPlace {
					c, ldc = dst[oc+p0*convTileRows*ds[1]+q0:], ds[1]
				}
				convKern.tilePack(g.k, &w[0], &gp[q0], &g.off[0], &c[0], ldc, &w[g.k*convTileRows], &bt[0])
				p1 := p0 + 1
				if p1 < inPlace {
					gemm.ColumnS(g.k+1, gap[p1*plen:], 1, convTileRows, plen, bt, 0, dst[oc+p1*convTileRows*ds[1]+q0:], ds[1], inPlace-p1)
					p1 = inPlace
				}
				if p1 < panels {
					gemm.ColumnS(g.k+1, gap[p1*plen:], 1, convTileRows, plen, bt, 0, tmp[p1*tile:], convTileCols, panels-p1)
				}
				if s := max(p0, inPlace); s < panels {
					g.store(dst, ds, do, ni, r0, gi*g.og+s*convTileRows, g.og-s*convTileRows, q0, nc, tmp[s*tile:])
				}
			}
		}
		putScratch(sc)
	})
}

// store copies the first `rows` rows (destination channels from o0) and nc
// columns (positions from q0 of the unit at image ni, row r0) of a buffer
// of convTileCols-wide rows into dst.
func (g *s1Conv) store(dst []float32, ds []int, do, ni, r0, o0, rows, q0, nc int, tmp []float32) {
	dense := ds[3] == 1 && ds[2] == g.ow
	for i := range rows {
		row := tmp[i*convTileCols : i*convTileCols+nc]
		base := do + ni*ds[0] + (o0+i)*ds[1]
		if dense {
			copy(dst[base+r0*ds[2]+q0:], row)
			continue
		}
		r, ox := q0/g.ow, q0%g.ow
		for _, v := range row {
			dst[base+(r0+r)*ds[2]+ox*ds[3]] = v
			if ox++; ox == g.ow {
				r, ox = r+1, 0
			}
		}
	}
}
