package gemm

import (
	"sync"
	"unsafe"
)

// parallelMinWork is the number of multiply-adds (m·n·k) below which a
// product runs on the calling goroutine alone: about 20 µs of work on one
// core. The pool's workers poll for the next job for a while after each
// one (internal/parallel's spin), so back-to-back products hand work to a
// helper in a few microseconds; waking a parked one takes 20–150 µs, and
// then the caller has usually done the work alone by the time it would
// join (tasks are claimed dynamically). 128³ (2·10⁶) on two workers: 79 →
// 126 GFLOP/s with this threshold instead of 4·10⁶; 96³ stays serial. (A
// variable so that tests can send small products down the parallel paths.)
var parallelMinWork = 1 << 20

// packAMinPanels: A is packed, even when it could be read in place, if each
// A block is multiplied by at least this many B panels. A packed panel is one
// contiguous stream, which the kernel reads faster than six rows of A far
// apart (by 5-10% when the rows are a multiple of 4 KiB apart), and the copy
// is repaid when it is reused often enough.
var packAMinPanels = 32

// readAInPlace reports whether A should be read where it lies rather than
// packed, for A blocks multiplied by `panels` B panels.
func readAInPlace[T float](op *operands[T], panels int) bool {
	return (op.csa == 1 || op.rsa == 1) && panels < packAMinPanels
}

// setAMode chooses how A reaches the kernel for A blocks multiplied by
// `panels` B panels: read in place, packed beforehand, or read in place by
// the first panel's calls that pack it for the rest.
func (d *driver[T]) setAMode(panels int) {
	d.packA1st = packAOnFirstPanel(&d.op, panels)
	d.directA = d.packA1st || readAInPlace(&d.op, panels)
}

// packAWhileComputing turns on packing an A whose rows are adjacent during
// the kernel calls of the first B panel it meets, for an A of more than
// packAFirstMinBytes (variables for tuning and tests).
var (
	packAWhileComputing = true
	packAFirstMinBytes  = flatBigABytes
)

// packAOnFirstPanel reports whether A blocks multiplied by `panels` B panels
// should be read in place by the first panel's kernel calls, which pack them
// for the rest (see packingColumn). That suits a large A stored transposed,
// like dYᵀ in a weight gradient dYᵀ·X: six adjacent values per k step, k
// steps a whole row of dY apart, which the kernel reads more slowly in place
// than packed, while a separate pack would be a pass over A of its own, the
// first read of A from memory, that cannot overlap the arithmetic. The
// packing kernel does more per k step, so an A that is small (at most
// packAFirstMinBytes: likely in cache already, as the attention's Pᵀ·dO) is
// read in place or packed as before: char-GPT trained 5–10% slower with its
// attention products packed this way too, while the weight-gradient
// products gain 5–50% (BENCHMARKS.md, tenth run).
func packAOnFirstPanel[T float](op *operands[T], panels int) bool {
	var z T
	return packAWhileComputing && op.rsa == 1 && op.csa != 1 && panels > 1 &&
		work(op.m, op.k, int(unsafe.Sizeof(z))) > packAFirstMinBytes
}

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
	bias        []T // SgemmBias: added to each row of C instead of beta*C, or nil
}

// batchItem returns product i of a batch whose operands are sa, sb and sc
// elements apart. A and B may be absent (nil) when they are not read
// (alpha == 0 or k == 0).
func (o operands[T]) batchItem(i, sa, sb, sc int) operands[T] {
	o.a, o.b, o.c = tail(o.a, i*sa), tail(o.b, i*sb), o.c[i*sc:]
	return o
}

// tail returns s[off:], or nil when s is shorter than off.
func tail[T float](s []T, off int) []T {
	if off > len(s) {
		return nil
	}
	return s[off:]
}

// transposed returns the same product written as Cᵀ = Bᵀ·Aᵀ (without a
// bias: the driver has applied it).
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
	pb  *Packed[T] // B packed beforehand (SgemmPacked), or nil
	kc  int        // depth of the product's blocks (see kernel.depth)

	// The blocked path's columns [jc, jc+nc) of the product, and the depth
	// blocks being computed (cur) and packed ahead (next).
	jc, nc    int
	cur, next bBlock[T]

	mt, nt  int  // row tiles of the product, column panels of the block
	directA bool // read A in place (it has a unit stride) instead of packing it
	// packA1st: A is read in place by the first B panel's kernel calls,
	// which pack it for the others (see packAOnFirstPanel); directA is set.
	packA1st bool
	directB  bool // read B in place (flat path, few row tiles) instead of packing it

	// Work is handed to the pool as tasks of `task` units each (row tiles,
	// column panels, products), claimed dynamically so that a worker slowed
	// down by another process on its core does not hold up the rest. The
	// blocked path runs rowTasks tasks of computing, then packTasks tasks of
	// packTask panels each.
	task, rowTasks, packTasks, packTask int

	bufB [2]*buffer[T] // the two B blocks of the blocked path

	// A batch of small products run side by side (SgemmBatched): op is the
	// first product and sa, sb, sc the offsets between products.
	batch, sa, sb, sc int

	blockTaskFn, flatColTaskFn, flatRowTaskFn, batchTaskFn func(i int)
}

var (
	driverPoolS = sync.Pool{New: func() any { return newDriver[float32]() }}
	driverPoolD = sync.Pool{New: func() any { return newDriver[float64]() }}
)

func newDriver[T float]() *driver[T] {
	d := &driver[T]{bufB: [2]*buffer[T]{new(buffer[T]), new(buffer[T])}}
	d.blockTaskFn = d.blockTask
	d.flatColTaskFn = d.flatColTask
	d.flatRowTaskFn = d.flatRowTask
	d.batchTaskFn = d.batchTask
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
	// Do not keep the caller's matrices alive.
	d.op, d.pb = operands[T]{}, nil
	d.cur, d.next = bBlock[T]{}, bBlock[T]{}
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
	if op.bias != nil && (op.k == 0 || op.alpha == 0 || preferTransposed(ker, op)) {
		// The kernels add a bias along C's rows only: otherwise C starts
		// as the bias and the product is accumulated onto it.
		fillBias(op)
		op.bias, op.beta = nil, 1
	}
	if op.k == 0 || op.alpha == 0 {
		scaleC(op)
		return
	}
	if preferTransposed(ker, op) {
		op = op.transposed()
	}
	drive(ker, op, nil, ker.depth(op.k), threads)
}

// drive runs the blocked loops of a non-empty product, with B packed
// beforehand when pb is not nil, in depth blocks of kc.
func drive[T float](ker *kernel[T], op operands[T], pb *Packed[T], kc, threads int) {
	if work(op.m, op.n, op.k) < parallelMinWork {
		threads = 1
	}
	d := getDriver(ker)
	d.op, d.pb, d.kc = op, pb, kc
	if op.m <= ker.mc {
		d.runFlat(threads)
	} else {
		d.run(threads)
	}
	putDriver(d)
}

// work is m·n·k, the multiply-adds of a product, saturating instead of
// overflowing.
func work(m, n, k int) int {
	const limit = 1 << 62
	w := m
	for _, f := range [2]int{n, k} {
		if f != 0 && w > limit/f {
			return limit
		}
		w *= f
	}
	return w
}

// batchTask computes the products of batch task i, each on this goroutine.
func (d *driver[T]) batchTask(i int) {
	for q := i * d.task; q < min((i+1)*d.task, d.batch); q++ {
		gemm(d.ker, d.op.batchItem(q, d.sa, d.sb, d.sc), 1)
	}
}

// tasksPerWorker is how many tasks each worker gets on average when work is
// split dynamically: enough to even out a slow worker, few enough that each
// task is large. minTaskWork is the least work (multiply-adds) worth a task
// of its own: tasks much shorter than waking a worker would not pay.
const (
	tasksPerWorker = 4
	minTaskWork    = 1 << 20
)

// taskSize splits units, together worth `work` multiply-adds, into tasks
// for `threads` workers and returns the units per task: perWorker tasks per
// worker at most, fewer when tasks would fall under minTaskWork, and at
// least one per worker.
func taskSize(units, work, threads, perWorker int) int {
	tasks := min(threads*perWorker, max(threads, work/minTaskWork))
	tasks = max(1, min(units, tasks))
	return (units + tasks - 1) / tasks
}

// imbalance is how much longer the busiest of `threads` workers runs than an
// even split of `tiles` tiles would take.
func imbalance(tiles, threads int) float64 {
	per := (tiles + threads - 1) / threads
	return float64(per*threads) / float64(tiles)
}

// tileStore says how a block's tiles are written: C = alpha·A·B + beta·C,
// or, with a bias (the first depth block of SgemmBias), C = alpha·A·B +
// bias, bias[j] added to column j and C not read.
type tileStore[T float] struct {
	alpha, beta T
	bias        []T // nil, or the bias from the block's first column on
}

// from returns the store for the columns from j on.
func (st tileStore[T]) from(j int) tileStore[T] {
	if st.bias != nil {
		st.bias = st.bias[j:]
	}
	return st
}

// macroKernel multiplies the mc rows of A's panels by B's column panels
// [q0, q1) (of a block nc wide) into C, one register tile at a time.
// pf, if not nil, is stepped after every kernel call.
func macroKernel[T float](ker *kernel[T], ap, bp *panels[T], q0, q1, mc, nc, kc int, st tileStore[T], c []T, rsc, csc int, tmp []T, pf *prefetcher) {
	for jq := q0; jq < q1; jq++ {
		jr := jq * ker.nr
		b, _, rsb := bp.at(jq)
		panelColumn(ker, ap, mc, b, rsb, min(ker.nr, nc-jr), kc, st.from(jr), c[jr*csc:], rsc, csc, tmp, pf)
	}
}

// panelColumn multiplies the mc rows of A's panels by one B panel (nrr
// columns wide, rows rsb apart) into C. Tiles that cannot be stored directly
// (at the edges, or when C's rows are not contiguous) go through tmp, which
// holds mr·nr elements.
func panelColumn[T float](ker *kernel[T], ap *panels[T], mc int, b *T, rsb, nrr, kc int, st tileStore[T], c []T, rsc, csc int, tmp []T, pf *prefetcher) {
	mr, nr := ker.mr, ker.nr
	tmp = tmp[:mr*nr]
	iq0 := 0
	if full := min(ap.full, mc/mr); full > 0 && nrr == nr && csc == 1 {
		// The full tiles, stored directly, in one call.
		a, rsa, csa := ap.at(0)
		_ = c[(full*mr-1)*rsc+nr-1]
		var bias *T
		if st.bias != nil {
			bias = &st.bias[:nr][0]
		}
		ker.fnCol(kc, a, rsa, csa, b, rsb, &c[0], rsc, st.alpha, st.beta, full, ap.step, bias)
		pf.steps(full)
		iq0 = full
	}
	// The rest (the edge tiles, or C's rows not contiguous).
	for iq, ir := iq0, iq0*mr; ir < mc; iq, ir = iq+1, ir+mr {
		a, rsa, csa := ap.at(iq)
		edgeTile(ker, a, rsa, csa, min(mr, mc-ir), ap.skipped(iq), b, rsb, nrr, kc, st, c[ir*rsc:], rsc, csc, tmp)
		pf.step()
	}
}

// edgeTile stores `rows` rows (at most mr) of the tile of the A panel at a
// (strides rsa, csa; its first skip rows not stored, see panels.skip) and
// the B panel b (nrr of its nr columns) into C as st says: computed whole
// into tmp and its valid part added, or, with at most four rows and a
// four-row kernel, through that kernel (the panel's last four rows when it
// reaches back over stored ones), stored directly when the four are all
// valid and C takes a whole tile.
func edgeTile[T float](ker *kernel[T], a *T, rsa, csa, rows, skip int, b *T, rsb, nrr, kc int, st tileStore[T], c []T, rsc, csc int, tmp []T) {
	mr, nr := ker.mr, ker.nr
	fn := ker.fn
	if ker.fn4 != nil && rows <= 4 {
		if skip > 0 { // the valid rows are the panel's last
			a = (*T)(unsafe.Add(unsafe.Pointer(a), uintptr((mr-4)*rsa)*unsafe.Sizeof(*a)))
			skip -= mr - 4
		}
		if skip == 0 && rows == 4 && nrr == nr && csc == 1 && st.bias == nil {
			ker.fn4(kc, a, rsa, csa, b, rsb, &c[:(rows-1)*rsc+nr][0], rsc, st.alpha, st.beta)
			return
		}
		fn = ker.fn4
	}
	fn(kc, a, rsa, csa, b, rsb, &tmp[0], nr, 1, 0)
	addTile(tmp[skip*nr:], nr, rows, nrr, c, rsc, csc, st)
}

// packingColumn is panelColumn for the first B panel an A block read in
// place meets: its kernel calls also copy each full A panel, packed, into
// dst (mr·kc elements per panel, the edge panel, if any, already packed
// after them by the caller). It returns the packed panels, which the rest
// of the block's B panels then read. (The packing kernel has no bias
// variant: with a bias its tiles go through tmp.)
func packingColumn[T float](ker *kernel[T], ap *panels[T], dst []T, mc int, b *T, rsb, nrr, kc int, st tileStore[T], c []T, rsc, csc int, tmp []T, pf *prefetcher) panels[T] {
	mr, nr := ker.mr, ker.nr
	tmp = tmp[:mr*nr]
	mp := (mc + mr - 1) / mr
	for iq, ir := 0, 0; ir < mc; iq, ir = iq+1, ir+mr {
		mrr := min(mr, mc-ir)
		a, rsa, csa := ap.at(iq)
		if iq >= ap.full { // the edge panel, packed by the caller
			edgeTile(ker, a, rsa, csa, mrr, ap.skipped(iq), b, rsb, nrr, kc, st, c[ir*rsc:], rsc, csc, tmp)
			pf.step()
			continue
		}
		ct, rs, al, be := &c[ir*rsc], rsc, st.alpha, st.beta
		direct := nrr == nr && csc == 1 && st.bias == nil
		if !direct {
			ct, rs, al, be = &tmp[0], nr, 1, 0
		}
		ker.fnPackA(kc, a, rsa, csa, b, rsb, ct, rs, al, be, &dst[iq*mr*kc : (iq+1)*mr*kc][0])
		if !direct {
			addTile(tmp, nr, mrr, nrr, c[ir*rsc:], rsc, csc, st)
		}
		pf.step()
	}
	p := packed(dst, mp, mr, kc)
	if ap.full < mp && ap.skip > 0 {
		// The edge panel, packed by the caller, reaches back over rows
		// that the full panels cover.
		p.full, p.edge, p.edgeLS, p.edgePS, p.skip = ap.full, dst[ap.full*mr*kc:], 1, mr, ap.skip
	}
	return p
}

// addTile stores the top-left mr×nr corner of a row-major tile with ld
// columns into C as st says: C = alpha*tile + beta*C (C not read when beta
// is 0), or C = alpha*tile + bias.
func addTile[T float](tile []T, ld, mr, nr int, c []T, rsc, csc int, st tileStore[T]) {
	alpha, beta := st.alpha, st.beta
	if st.bias == nil && alpha == 1 && beta == 1 && csc == 1 {
		// The common case (every depth block after the first, an edge
		// tile of a product accumulating into C): a plain sum.
		for i := 0; i < mr; i++ {
			src, row := tile[i*ld:i*ld+nr], c[i*rsc:i*rsc+nr]
			for j := range row {
				row[j] += src[j]
			}
		}
		return
	}
	for i := 0; i < mr; i++ {
		src := tile[i*ld : i*ld+nr]
		row := c[i*rsc:]
		switch {
		case st.bias != nil:
			bias := st.bias[:nr]
			for j, v := range src {
				row[j*csc] = T(alpha*v) + bias[j] // rounded as the kernels do
			}
		case beta == 0:
			for j, v := range src {
				row[j*csc] = alpha * v
			}
		default:
			for j, v := range src {
				row[j*csc] = alpha*v + beta*row[j*csc]
			}
		}
	}
}

// fillBias sets every row of C to the bias.
func fillBias[T float](op operands[T]) {
	for i := 0; i < op.m; i++ {
		row := op.c[i*op.rsc:]
		for j, v := range op.bias[:op.n] {
			row[j*op.csc] = v
		}
	}
}

// store is how the depth block at pc stores its tiles from column j0 on:
// the first block with the bias or the caller's beta, the others adding to
// what the blocks before them stored (beta 1).
func (o *operands[T]) store(pc, j0 int) tileStore[T] {
	switch {
	case pc > 0:
		return tileStore[T]{alpha: o.alpha, beta: 1}
	case o.bias != nil:
		return tileStore[T]{alpha: o.alpha, bias: o.bias[j0:]}
	}
	return tileStore[T]{alpha: o.alpha, beta: o.beta}
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
