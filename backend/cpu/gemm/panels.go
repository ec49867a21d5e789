package gemm

// panels locates the micro-panels of one operand of a block for the
// micro-kernel. Panel q < full starts at base[q*step] with line stride ls
// (between rows of A; 1 for B, whose lines are its columns) and step stride
// ps (between k steps). The partial panel after them, if any, is edge, with
// strides edgeLS and edgePS: a copy zero-padded to the full panel width, or
// (for A, see overlapEdge) a whole panel that reaches back over the last
// skip rows of the full panels, whose tile rows are then dropped.
//
// Packed operands have every panel, the last one padded, in base (ls = 1,
// ps = panel width); operands read in place point base into the caller's
// matrix and pack only the edge, if at all.
type panels[T float] struct {
	base           []T
	ls, ps, step   int
	full           int
	edge           []T
	edgeLS, edgePS int
	skip           int // rows at the top of the edge panel's tile to drop
}

// at returns panel q's first element and its strides.
func (p *panels[T]) at(q int) (ptr *T, ls, ps int) {
	if q < p.full {
		return &p.base[q*p.step], p.ls, p.ps
	}
	return &p.edge[0], p.edgeLS, p.edgePS
}

// skipped returns how many rows at the top of panel q's tile are dropped.
func (p *panels[T]) skipped(q int) int {
	if q < p.full {
		return 0
	}
	return p.skip
}

// packed describes panels packed contiguously into buf: count panels of width
// w and depth kc.
func packed[T float](buf []T, count, w, kc int) panels[T] {
	return panels[T]{base: buf, ls: 1, ps: w, step: w * kc, full: count}
}

// inPlace describes the panels of a block read where it lies: full panels of
// width w start step elements apart with strides ls and ps; edge (packed by
// the caller) holds the partial one, if any.
func inPlace[T float](base []T, ls, ps, step, full, w int, edge []T) panels[T] {
	return panels[T]{base: base, ls: ls, ps: ps, step: step, full: full, edge: edge, edgeLS: 1, edgePS: w}
}

// overlapEdge sets the partial panel of an A block read in place, whose
// last r < mr rows start at row i of A (rows rsa and k steps csa elements
// apart; depth block pc of kc steps). Where A has mr rows up to the block's
// end, the panel is the last mr of them (the first mr-r already covered by
// the full panels, or by the block before): the kernel then computes a
// whole tile, its top rows dropped, with no zero-padded copy, which for a
// small product (the LSTM step's 64 rows: 10 tiles and 4 rows) cost as much
// as a whole tile of arithmetic. The panel is read in place, or packed into
// slot when pack is set (for a block that a packing kernel copies); only an
// A of fewer than mr rows is packed zero-padded into slot.
func (p *panels[T]) overlapEdge(a []T, rsa, csa, i, r, pc, kc, mr int, slot []T, pack bool) {
	if i+r < mr {
		packPanel(slot, a[i*rsa+pc*csa:], rsa, csa, r, mr, kc)
		p.edge, p.edgeLS, p.edgePS, p.skip = slot, 1, mr, 0
		return
	}
	src := a[(i+r-mr)*rsa+pc*csa:]
	p.skip = mr - r
	if !pack {
		p.edge, p.edgeLS, p.edgePS = src, rsa, csa
		return
	}
	packPanel(slot, src, rsa, csa, mr, mr, kc)
	p.edge, p.edgeLS, p.edgePS = slot, 1, mr
}
