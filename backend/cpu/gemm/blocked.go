package gemm

import "github.com/emberdl/ember/internal/parallel"

// The blocked path: products with more rows than one A block holds. Columns
// go nc at a time, depth kc at a time, then rows mc at a time. Each kc×nc
// block of B is packed once, shared by the workers and reused by every A
// block.
//
// With several workers the packing of the next depth block is folded into
// the fork-join that computes the current one (two B buffers alternate): the
// packing tasks come after the computing tasks, so a worker that runs out of
// rows to compute packs instead of waiting, and a product costs one fork-join
// per depth block.

// bBlock is one packed depth block of B: depth [pc, pc+kc) of the current
// columns.
type bBlock[T float] struct {
	pc, kc int
	bp     panels[T]
	buf    int // which of the driver's B buffers holds it
}

// run computes d.op on up to `threads` workers.
func (d *driver[T]) run(threads int) {
	op, ker := &d.op, d.ker
	d.mt = (op.m + ker.mr - 1) / ker.mr
	for jc := 0; jc < op.n; jc += ker.nc {
		d.jc, d.nc = jc, min(ker.nc, op.n-jc)
		d.nt = (d.nc + ker.nr - 1) / ker.nr
		d.setAMode(d.nt)
		if d.pb != nil {
			d.runPrepacked(threads)
			continue
		}
		if threads == 1 {
			for pc := 0; pc < op.k; pc += d.kc {
				d.cur = d.layoutB(pc, 0)
				d.packPanels(&d.cur, 0, d.nt)
				d.computeRows(0, op.m)
			}
			continue
		}
		d.task = taskSize(d.mt, work(op.m, d.nc, min(d.kc, op.k)), threads, tasksPerWorker)
		d.rowTasks = 0
		d.setNext(0, 0)
		parallel.Do(d.packTasks, d.blockTaskFn) // the first block alone
		for pc := 0; pc < op.k; pc += d.kc {
			d.cur = d.next
			d.rowTasks = (d.mt + d.task - 1) / d.task
			d.packTasks = 0
			if next := pc + d.kc; next < op.k {
				d.setNext(next, 1-d.cur.buf)
			}
			parallel.Do(d.rowTasks+d.packTasks, d.blockTaskFn)
		}
	}
}

// runPrepacked computes columns [jc, jc+nc) of d.op from the packed B.
func (d *driver[T]) runPrepacked(threads int) {
	op, ker := &d.op, d.ker
	if threads > 1 {
		d.task = taskSize(d.mt, work(op.m, d.nc, min(d.kc, op.k)), threads, tasksPerWorker)
	}
	for pc := 0; pc < op.k; pc += d.kc {
		kc := min(d.kc, op.k-pc)
		d.cur = bBlock[T]{pc: pc, kc: kc, bp: d.pb.panels(pc, kc, d.jc/ker.nr, d.nt)}
		if threads == 1 {
			d.computeRows(0, op.m)
			continue
		}
		d.rowTasks, d.packTasks = (d.mt+d.task-1)/d.task, 0
		parallel.Do(d.rowTasks, d.blockTaskFn)
	}
}

// layoutB lays out the B block at depth pc in buffer buf (not yet packed).
func (d *driver[T]) layoutB(pc, buf int) bBlock[T] {
	ker := d.ker
	kc := min(d.kc, d.op.k-pc)
	blk := bBlock[T]{pc: pc, kc: kc, buf: buf}
	blk.bp = packed(d.bufB[buf].get(d.nt*ker.nr*kc), d.nt, ker.nr, kc)
	return blk
}

// setNext makes the block at depth pc the one to pack, into buffer buf, in
// tasks of at least ~16k elements.
func (d *driver[T]) setNext(pc, buf int) {
	d.next = d.layoutB(pc, buf)
	d.packTask = max(1, (1<<14)/(d.ker.nr*d.next.kc))
	d.packTasks = (d.nt + d.packTask - 1) / d.packTask
}

// blockTask runs task i of a fork-join: computing row tiles of the current
// block, or packing panels of the next.
func (d *driver[T]) blockTask(i int) {
	if i < d.rowTasks {
		d.computeRows(i*d.task*d.ker.mr, min((i+1)*d.task*d.ker.mr, d.op.m))
		return
	}
	i -= d.rowTasks
	d.packPanels(&d.next, i*d.packTask, min((i+1)*d.packTask, d.nt))
}

// packPanels packs panels [lo, hi) of B block blk.
func (d *driver[T]) packPanels(blk *bBlock[T], lo, hi int) {
	op := &d.op
	packBPanels(blk.bp.base, op.b[blk.pc*op.rsb+d.jc*op.csb:], op.rsb, op.csb, blk.kc, d.nc, d.ker.nr, lo, hi)
}

// computeRows computes rows [r0, r1) of C for the current block, mc rows at
// a time, with A packed into (or its edge into) a buffer of its own.
func (d *driver[T]) computeRows(r0, r1 int) {
	op, ker, blk := &d.op, d.ker, &d.cur
	buf := getBuffer[T]()
	defer putBuffer(buf)
	tile := ker.mr * ker.nr
	for ic := r0; ic < r1; ic += ker.mc {
		mc := min(ker.mc, r1-ic)
		mp := (mc + ker.mr - 1) / ker.mr
		src := op.a[ic*op.rsa+blk.pc*op.csa:]
		var ap panels[T]
		var tmp []T
		q0 := 0 // the first B panel left to multiply
		c := op.c[ic*op.rsc+d.jc*op.csc:]
		st := op.store(blk.pc, d.jc)
		if d.directA {
			full := mc / ker.mr
			aSize := ker.mr * blk.kc // the edge panel
			if d.packA1st {
				aSize *= mp // every panel
			}
			space := buf.get(tile + aSize)
			tmp = space[:tile]
			ap = inPlace(src, op.rsa, op.csa, ker.mr*op.rsa, full, ker.mr, nil)
			if full < mp {
				i0 := full * ker.mr
				ap.overlapEdge(op.a, op.rsa, op.csa, ic+i0, mc-i0, blk.pc, blk.kc, ker.mr, space[tile+aSize-ker.mr*blk.kc:], d.packA1st)
			}
			if d.packA1st {
				b, _, rsb := blk.bp.at(0)
				ap = packingColumn(ker, &ap, space[tile:], mc, b, rsb, min(ker.nr, d.nc), blk.kc, st, c, op.rsc, op.csc, tmp, nil)
				q0 = 1
			}
		} else {
			space := buf.get(tile + mp*ker.mr*blk.kc)
			tmp = space[:tile]
			packA(space[tile:], src, op.rsa, op.csa, mc, blk.kc, ker.mr)
			ap = packed(space[tile:], mp, ker.mr, blk.kc)
		}
		macroKernel(ker, &ap, &blk.bp, q0, d.nt, mc, d.nc, blk.kc, st, c, op.rsc, op.csc, tmp, nil)
	}
}
