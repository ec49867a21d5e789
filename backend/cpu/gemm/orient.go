package gemm

// preferTransposed reports whether computing Cᵀ = Bᵀ·Aᵀ is faster: when that
// makes C's rows contiguous, or wastes much less of the register tiles.
func preferTransposed[T float](ker *kernel[T], op operands[T]) bool {
	if op.csc != 1 && op.rsc == 1 {
		return true
	}
	keep := tileUse(op.m, ker.mr) * tileUse(op.n, ker.nr)
	swap := tileUse(op.n, ker.mr) * tileUse(op.m, ker.nr)
	if op.csc == 1 {
		swap *= 0.8 // the transposed tiles are stored element by element
	}
	return swap > keep
}

// tileUse is the fraction of n rounded up to whole tiles that n fills.
func tileUse(n, tile int) float64 {
	return float64(n) / float64((n+tile-1)/tile*tile)
}
