package gemm

// panels locates the micro-panels of one operand of a block for the
// micro-kernel. Panel q < full starts at base[q*step] with line stride ls
// (between rows of A; 1 for B, whose lines are its columns) and step stride
// ps (between k steps). The partial panel after them, if any, is packed into
// edge, zero-padded to the full panel width.
//
// Packed operands have every panel, the last one padded, in base (ls = 1,
// ps = panel width); operands read in place point base into the caller's
// matrix and pack only the edge.
type panels[T float] struct {
	base         []T
	ls, ps, step int
	full         int
	edge         []T
	edgePS       int
}

// at returns panel q's first element and its strides.
func (p *panels[T]) at(q int) (ptr *T, ls, ps int) {
	if q < p.full {
		return &p.base[q*p.step], p.ls, p.ps
	}
	return &p.edge[0], 1, p.edgePS
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
	return panels[T]{base: base, ls: ls, ps: ps, step: step, full: full, edge: edge, edgePS: w}
}
