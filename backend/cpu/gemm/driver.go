package gemm

import (
	"sync"

	"github.com/emberdl/ember/internal/parallel"
)

// parallelMinWork is the number of multiply-adds (m·n·k) below which a
// product runs on the calling goroutine alone: under it, waking a worker costs
// more than it saves.
const parallelMinWork = 1 << 20

// operands is one product C = alpha*A*B + beta*C with strided operands.
type operands[T float] struct {
	m, n, k     int
	alpha, beta T
	a           []T
	rsa, csa    int
	b           []T
	rsb, csb    int
	c           []T
	rsc, csc    int
}

// transposed returns the same product written as Cᵀ = Bᵀ·Aᵀ.
func (o operands[T]) transposed() operands[T] {
	return operands[T]{
		m: o.n, n: o.m, k: o.k, alpha: o.alpha, beta: o.beta,
		a: o.b, rsa: o.csb, csa: o.rsb,
		b: o.a, rsb: o.csa, csb: o.rsa,
		c: o.c, rsc: o.csc, csc: o.rsc,
	}
}

// driver runs the blocked loops of one product. Drivers are pooled with their
// packing buffers and the closures handed to the worker pool, so a call
// allocates nothing once warm.
type driver[T float] struct {
	ker *kernel[T]
	op  operands[T]

	// The block being worked on: columns [jc, jc+nc) and depth [pc, pc+kc) of
	// the product, with beta for this depth block.
	jc, nc, pc, kc int
	betaBlk        T

	bp     []T // packed B block, shared by all workers
	ap     []T // packed A block, when shared (splitN mode)
	nbp    int // micro-panels of B in the block
	nap    int // micro-panels of A packed into ap (0 unless splitN)
	splitN bool

	bufA, bufB *buffer[T]

	packFn, rowsFn, colsFn func(lo, hi int)
}

var (
	driverPoolS = sync.Pool{New: func() any { return newDriver[float32]() }}
	driverPoolD = sync.Pool{New: func() any { return newDriver[float64]() }}
)

func newDriver[T float]() *driver[T] {
	d := &driver[T]{bufA: new(buffer[T]), bufB: new(buffer[T])}
	d.packFn = d.packPanels
	d.rowsFn = d.computeRowTiles
	d.colsFn = d.computeCols
	return d
}

func getDriver[T float](ker *kernel[T]) *driver[T] {
	var d *driver[T]
	var zero T
	if _, ok := any(zero).(float32); ok {
		d = driverPoolS.Get().(*driver[T])
	} else {
		d = driverPoolD.Get().(*driver[T])
	}
	d.ker = ker
	return d
}

func putDriver[T float](d *driver[T]) {
	d.op = operands[T]{} // do not keep the caller's matrices alive
	d.ap, d.bp = nil, nil
	var zero T
	if _, ok := any(zero).(float32); ok {
		driverPoolS.Put(d)
	} else {
		driverPoolD.Put(d)
	}
}

// gemm computes one product with the given kernel, using up to `threads`
// goroutines of the worker pool. The operands have been checked.
func gemm[T float](ker *kernel[T], op operands[T], threads int) {
	if op.m == 0 || op.n == 0 {
		return
	}
	if op.k == 0 || op.alpha == 0 {
		scaleC(op)
		return
	}
	if preferTransposed(ker, op) {
		op = op.transposed()
	}
	if op.m*op.n*op.k < parallelMinWork {
		threads = 1
	}
	d := getDriver(ker)
	d.op = op
	d.run(threads)
	putDriver(d)
}

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

// run executes the blocked loops of d.op: columns by nc, depth by kc, then
// rows by mc, packing each block once.
func (d *driver[T]) run(threads int) {
	op, ker := &d.op, d.ker
	for jc := 0; jc < op.n; jc += ker.nc {
		d.jc, d.nc = jc, min(ker.nc, op.n-jc)
		d.nbp = (d.nc + ker.nr - 1) / ker.nr
		for pc := 0; pc < op.k; pc += ker.kc {
			d.pc, d.kc = pc, min(ker.kc, op.k-pc)
			d.betaBlk = 1
			if pc == 0 {
				d.betaBlk = op.beta
			}
			d.bp = d.bufB.get(d.nbp * ker.nr * d.kc)
			if threads == 1 {
				d.nap, d.splitN = 0, false
				d.packPanels(0, d.nbp)
				d.computeRows(0, op.m)
				continue
			}
			d.parallelBlock(threads)
		}
	}
}

// parallelBlock computes one (jc, pc) block on the worker pool: the packing
// of the shared panels is split first, then the tiles of C.
func (d *driver[T]) parallelBlock(threads int) {
	op, ker := &d.op, d.ker
	mt := (op.m + ker.mr - 1) / ker.mr
	nt := d.nbp
	// Split the columns when all of A fits one block and that balances the
	// tiles better; otherwise each worker takes its own rows of C.
	d.splitN = op.m <= ker.mc && (mt < threads || imbalance(nt, threads) < imbalance(mt, threads))
	d.nap = 0
	if d.splitN {
		d.nap = mt
		d.ap = d.bufA.get(mt * ker.mr * d.kc)
	}
	panels := d.nbp + d.nap
	packGrain := max(1, (1<<14)/(ker.nr*d.kc)) // at least ~16k elements a chunk
	parallel.For(panels, packGrain, d.packFn)
	if d.splitN {
		parallel.For(nt, 1, d.colsFn)
		return
	}
	parallel.For(mt, max(1, mt/threads), d.rowsFn)
}

// imbalance is how much longer the busiest of `threads` workers runs than an
// even split of `tiles` tiles would take.
func imbalance(tiles, threads int) float64 {
	per := (tiles + threads - 1) / threads
	return float64(per*threads) / float64(tiles)
}

// packPanels packs micro-panels [lo, hi) of the current block: B panels
// first, then (in splitN mode) the panels of A.
func (d *driver[T]) packPanels(lo, hi int) {
	op, ker := &d.op, d.ker
	if lo < d.nbp {
		packBPanels(d.bp, op.b[d.pc*op.rsb+d.jc*op.csb:], op.rsb, op.csb, d.kc, d.nc, ker.nr, lo, min(hi, d.nbp))
	}
	for ip := max(lo, d.nbp) - d.nbp; ip < hi-d.nbp; ip++ {
		i0 := ip * ker.mr
		packPanel(d.ap[i0*d.kc:(i0+ker.mr)*d.kc], op.a[i0*op.rsa+d.pc*op.csa:], op.rsa, op.csa,
			min(ker.mr, op.m-i0), ker.mr, d.kc)
	}
}

// computeRowTiles computes the rows of register tiles [lo, hi) of the
// current block of C.
func (d *driver[T]) computeRowTiles(lo, hi int) {
	d.computeRows(lo*d.ker.mr, min(hi*d.ker.mr, d.op.m))
}

// computeRows computes rows [r0, r1) of the current block of C, packing A
// block by block into a buffer of its own.
func (d *driver[T]) computeRows(r0, r1 int) {
	op, ker := &d.op, d.ker
	// The worker that starts at row 0 uses the driver's buffer; any other
	// takes one from the pool.
	buf := d.bufA
	if r0 != 0 {
		buf = getBuffer[T]()
		defer putBuffer(buf)
	}
	tile := ker.mr * ker.nr
	for ic := r0; ic < r1; ic += ker.mc {
		mc := min(ker.mc, r1-ic)
		size := (mc + ker.mr - 1) / ker.mr * ker.mr * d.kc
		ap := buf.get(size + tile)
		packA(ap, op.a[ic*op.rsa+d.pc*op.csa:], op.rsa, op.csa, mc, d.kc, ker.mr)
		macroKernel(ker, mc, d.nc, d.kc, op.alpha, ap[:size], d.bp, d.betaBlk,
			op.c[ic*op.rsc+d.jc*op.csc:], op.rsc, op.csc, ap[size:])
	}
}

// computeCols computes column panels [lo, hi) of the current block from the
// shared packed A (splitN mode).
func (d *driver[T]) computeCols(lo, hi int) {
	op, ker := &d.op, d.ker
	j0 := lo * ker.nr
	nc := min(hi*ker.nr, d.nc) - j0
	buf := getBuffer[T]()
	macroKernel(ker, op.m, nc, d.kc, op.alpha, d.ap, d.bp[j0*d.kc:], d.betaBlk,
		op.c[(d.jc+j0)*op.csc:], op.rsc, op.csc, buf.get(ker.mr*ker.nr))
	putBuffer(buf)
}

// macroKernel multiplies a packed mc×kc block of A by a packed kc×nc block of
// B into C, one register tile at a time. Tiles that cannot be stored
// directly (at the edges, or when C's rows are not contiguous) go through
// tmp, which holds mr·nr elements.
func macroKernel[T float](ker *kernel[T], mc, nc, kc int, alpha T, ap, bp []T, beta T, c []T, rsc, csc int, tmp []T) {
	mr, nr := ker.mr, ker.nr
	tmp = tmp[:mr*nr]
	for jr := 0; jr < nc; jr += nr {
		nrr := min(nr, nc-jr)
		b := &bp[jr*kc]
		for ir := 0; ir < mc; ir += mr {
			mrr := min(mr, mc-ir)
			a := &ap[ir*kc]
			if mrr == mr && nrr == nr && csc == 1 {
				ker.fn(kc, a, b, &c[ir*rsc+jr], rsc, alpha, beta)
				continue
			}
			ker.fn(kc, a, b, &tmp[0], nr, 1, 0)
			addTile(tmp, nr, mrr, nrr, c[ir*rsc+jr*csc:], rsc, csc, alpha, beta)
		}
	}
}

// addTile stores C = alpha*tile + beta*C for the top-left mr×nr corner of a
// row-major tile with ld columns; C is not read when beta is 0.
func addTile[T float](tile []T, ld, mr, nr int, c []T, rsc, csc int, alpha, beta T) {
	for i := 0; i < mr; i++ {
		src := tile[i*ld : i*ld+nr]
		row := c[i*rsc:]
		if beta == 0 {
			for j, v := range src {
				row[j*csc] = alpha * v
			}
			continue
		}
		for j, v := range src {
			row[j*csc] = alpha*v + beta*row[j*csc]
		}
	}
}

// scaleC sets C = beta*C (zero when beta is 0, whatever C held).
func scaleC[T float](op operands[T]) {
	for i := 0; i < op.m; i++ {
		row := op.c[i*op.rsc:]
		for j := 0; j < op.n; j++ {
			if op.beta == 0 {
				row[j*op.csc] = 0
			} else {
				row[j*op.csc] *= op.beta
			}
		}
	}
}
