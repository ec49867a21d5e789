package gemm

// Orientation: C = A·B can also be computed as Cᵀ = Bᵀ·Aᵀ by swapping the
// operands and their strides. The driver picks whichever costs less by a
// rough model in units of one multiply-add at full speed.

// Orientation overrides for tests and tuning: orientAuto lets
// preferTransposed decide.
const (
	orientAuto = iota
	orientKeep
	orientSwap
)

// orientation is orientAuto except in tests that force one way.
var orientation = orientAuto

// Costs per element, in multiply-adds: packing a B element whose rows are
// contiguous (a copy) or not (a gather), packing an A element that has no
// unit stride, and storing a C element through the edge-tile path when C's
// rows are not contiguous (once per depth block; these stores miss cache).
const (
	costCopyB    = 16
	costGatherB  = 64
	costGatherA  = 64
	costScatterC = 200
)

// preferTransposed reports whether computing Cᵀ = Bᵀ·Aᵀ is cheaper.
func preferTransposed[T float](ker *kernel[T], op operands[T]) bool {
	switch orientation {
	case orientKeep:
		return false
	case orientSwap:
		return true
	}
	return cost(ker, op.transposed()) < cost(ker, op)
}

// cost estimates the time of a product in multiply-adds: the arithmetic,
// inflated by the unused part of edge tiles, plus packing and strided stores.
func cost[T float](ker *kernel[T], op operands[T]) float64 {
	m, n, k := float64(op.m), float64(op.n), float64(op.k)
	c := m * n * k / (tileUse(op.m, ker.mr) * tileUse(op.n, ker.nr))
	mt := (op.m + ker.mr - 1) / ker.mr
	switch {
	case op.csb == 1 && mt <= directBMaxTiles: // read in place
	case op.csb == 1:
		c += costCopyB * k * n
	default:
		c += costGatherB * k * n
	}
	if op.rsa != 1 && op.csa != 1 {
		c += costGatherA * m * k * float64((op.n+ker.nc-1)/ker.nc)
	}
	if op.csc != 1 {
		c += costScatterC * m * n * float64((op.k+ker.kc-1)/ker.kc)
	}
	return c
}

// tileUse is the fraction of n rounded up to whole tiles that n fills.
func tileUse(n, tile int) float64 {
	return float64(n) / float64((n+tile-1)/tile*tile)
}
