package gemm

import (
	"fmt"

	"github.com/emberdl/ember/internal/parallel"
)

// Packed is a right-hand operand B (k×n) packed once into the order the
// micro-kernel reads, for products that multiply the same B many times: the
// recurrent weight of an RNN meets a new hidden state at every time step,
// and packing it at every step costs as much as a sixth of the product.
//
// Depth block pc (rows [pc, pc+kc) of B, kc = kernel.depth(k)) holds every nr-column panel of B,
// each kc deep, the last one zero-padded; blocks follow each other, so
// block pc starts at element pc·np·nr (np panels).
type Packed[T float] struct {
	k, n int
	np   int // panels per depth block
	kc   int // depth of the blocks (kernel.depth of k)
	ker  *kernel[T]
	data []T
}

// K and N return the sizes of the packed matrix.
func (p *Packed[T]) K() int { return p.k }

// N returns the number of columns of the packed matrix.
func (p *Packed[T]) N() int { return p.n }

// panels returns panels [q, q+count) of the depth block at pc, kc deep.
func (p *Packed[T]) panels(pc, kc, q, count int) panels[T] {
	nr := p.ker.nr
	off := pc*p.np*nr + q*nr*kc
	return packed(p.data[off:off+count*nr*kc], count, nr, kc)
}

// PackS packs the float32 k×n matrix B (element (p,j) at b[p*rsb+j*csb])
// for SgemmPacked. The result stays valid while the kernels in use do not
// change; it does not refer to b.
func PackS(k, n int, b []float32, rsb, csb int) *Packed[float32] {
	return packB("PackS", kernelS, k, n, b, rsb, csb)
}

// PackD packs a float64 B for DgemmPacked.
func PackD(k, n int, b []float64, rsb, csb int) *Packed[float64] {
	return packB("PackD", kernelD, k, n, b, rsb, csb)
}

func packB[T float](fn string, ker *kernel[T], k, n int, b []T, rsb, csb int) *Packed[T] {
	if k < 0 || n < 0 {
		panic(fmt.Sprintf("gemm.%s: negative size k=%d n=%d", fn, k, n))
	}
	if k > 0 && n > 0 {
		checkOperand(fn, "B", len(b), dim{1, 0}, dim{k, rsb}, dim{n, csb})
	}
	nr := ker.nr
	np := (n + nr - 1) / nr
	p := &Packed[T]{k: k, n: n, np: np, kc: ker.depth(k), ker: ker, data: make([]T, k*np*nr)}
	if k == 0 || n == 0 {
		return p
	}
	// The depth blocks are independent: pack them side by side.
	blocks := (k + p.kc - 1) / p.kc
	parallel.For(blocks, 1, func(lo, hi int) {
		for blk := lo; blk < hi; blk++ {
			pc := blk * p.kc
			kc := min(p.kc, k-pc)
			packBPanels(p.data[pc*np*nr:], b[pc*rsb:], rsb, csb, kc, n, nr, 0, np)
		}
	})
	return p
}

// SgemmPacked computes C = alpha*A*B + beta*C in float32 with B packed by
// PackS: A is m×k and C m×n, laid out as in Sgemm.
func SgemmPacked(m int, alpha float32, a []float32, rsa, csa int, b *Packed[float32], beta float32, c []float32, rsc, csc int) {
	gemmPacked("SgemmPacked", m, alpha, a, rsa, csa, b, beta, c, rsc, csc)
}

// DgemmPacked is SgemmPacked in float64, with B packed by PackD.
func DgemmPacked(m int, alpha float64, a []float64, rsa, csa int, b *Packed[float64], beta float64, c []float64, rsc, csc int) {
	gemmPacked("DgemmPacked", m, alpha, a, rsa, csa, b, beta, c, rsc, csc)
}

func gemmPacked[T float](fn string, m int, alpha T, a []T, rsa, csa int, b *Packed[T], beta T, c []T, rsc, csc int) {
	if b == nil {
		panic("gemm." + fn + ": nil packed B")
	}
	// B's own layout was checked when it was packed; give check a stand-in
	// that passes, so that A and C are checked as usual.
	op := operands[T]{m: m, n: b.n, k: b.k, alpha: alpha, beta: beta,
		a: a, rsa: rsa, csa: csa, b: b.data, rsb: 0, csb: 0, c: c, rsc: rsc, csc: csc}
	check(fn, &op, 1, 0, 0, 0)
	if op.m == 0 || op.n == 0 {
		return
	}
	if op.k == 0 || op.alpha == 0 {
		scaleC(op)
		return
	}
	drive(b.ker, op, b, b.kc, parallel.Workers())
}
