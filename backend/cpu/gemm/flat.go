package gemm

import (
	"unsafe"

	"github.com/emberdl/ember/internal/parallel"
)

// The flat path: products whose rows all fit one A block (m <= mc), the
// usual shape of a layer's forward and backward products on a mini-batch.
//
// Every B panel is then used by a single A block, so there is nothing to gain
// from packing all of B into a shared buffer first. Instead each worker takes
// its own columns (or rows) of C and, for each depth block, packs a few B
// panels at a time (flatChunk: together they stay in L2 while every row tile
// uses them), prefetching the next few while the kernel runs. A is read in
// place, or packed per depth block when it has no unit stride or meets many
// B panels (see packAMinPanels). One fork-join covers the whole product.

// directBMaxTiles: on the flat path B is read in place (when its rows are
// contiguous) rather than packed if the product has at most this many row
// tiles, too few to repay a copy.
var directBMaxTiles = 4

// prefetchB turns on prefetching the next B chunk during the kernel calls
// of the current one (a switch for tuning and tests).
var prefetchB = true

// flatChunk is how many B panels the flat path packs at once.
var flatChunk = 8

// runFlat computes d.op, which has at most mc rows, on up to `threads`
// workers.
func (d *driver[T]) runFlat(threads int) {
	op, ker := &d.op, d.ker
	d.mt = (op.m + ker.mr - 1) / ker.mr
	d.nt = (op.n + ker.nr - 1) / ker.nr
	d.directB = d.pb == nil && op.csb == 1 && d.mt <= directBMaxTiles
	switch {
	case threads == 1:
		d.setAMode(d.nt)
		d.flat(0, d.mt, 0, d.nt)
	case d.nt >= threads && imbalance(d.nt, threads) <= imbalance(d.mt, threads):
		// Columns: tasks share nothing, so split them finely. Each task
		// multiplies its own copy of A (if packed) by its panels only.
		d.task = taskSize(d.nt, work(op.m, op.n, op.k), threads, flatColTasks(op))
		d.setAMode(d.task)
		parallel.Do((d.nt+d.task-1)/d.task, d.flatColTaskFn)
	default:
		// Rows: every task packs all of B, so one task per worker.
		d.task = taskSize(d.mt, work(op.m, op.n, op.k), threads, 1)
		d.setAMode(d.nt)
		parallel.Do((d.mt+d.task-1)/d.task, d.flatRowTaskFn)
	}
}

// flatBigABytes: on the flat path's column split every task reads all of
// A (in place, or packing its own copy), so with A past this size (half
// of a Zen 3 core's L2) more tasks than workers mean more trips of A
// through L3: then each worker gets one task. Measured on the
// weight-gradient products of a training step (dYᵀ·X, depth 2048:
// 128×128 +19–34%, 128×512 +8%), the CNN's first linear layer (128×128,
// depth 3136: +10–18%), the LSTM's hidden-state gradient (64×256, depth
// 1024: +9–20%); the MLP trains 15% faster.
const flatBigABytes = 256 << 10

// flatColTasks is the number of column tasks per worker on the flat path.
func flatColTasks[T float](op *operands[T]) int {
	var z T
	if work(op.m, op.k, int(unsafe.Sizeof(z))) >= flatBigABytes {
		return 1
	}
	return tasksPerWorker
}

// flatColTask computes the column panels of task i.
func (d *driver[T]) flatColTask(i int) { d.flat(0, d.mt, i*d.task, min((i+1)*d.task, d.nt)) }

// flatRowTask computes the row tiles of task i.
func (d *driver[T]) flatRowTask(i int) { d.flat(i*d.task, min((i+1)*d.task, d.mt), 0, d.nt) }

// flat computes the row tiles [t0, t1) × column panels [q0, q1) of C, all of
// the depth, with a buffer of its own.
func (d *driver[T]) flat(t0, t1, q0, q1 int) {
	op, ker := &d.op, d.ker
	mr, nr := ker.mr, ker.nr
	r0, r1 := t0*mr, min(t1*mr, op.m)
	rows := r1 - r0
	full := rows / mr
	buf := getBuffer[T]()
	defer putBuffer(buf)
	kcMax := min(d.kc, op.k)
	aSize := mr * kcMax // the edge panel when A is read in place
	if !d.directA || d.packA1st {
		aSize = (t1 - t0) * mr * kcMax
	}
	chunk := min(flatChunk, q1-q0)
	bSize := chunk * nr * kcMax
	switch {
	case d.pb != nil:
		bSize = 0 // packed beforehand
	case d.directB:
		bSize = nr * kcMax // only the partial panel is packed
	}
	space := buf.get(mr*nr + bSize + aSize)
	tmp, bpanels, apanels := space[:mr*nr], space[mr*nr:mr*nr+bSize], space[mr*nr+bSize:]
	c := op.c[r0*op.rsc:]
	for pc := 0; pc < op.k; pc += d.kc {
		kc := min(d.kc, op.k-pc)
		src := op.a[r0*op.rsa+pc*op.csa:]
		var ap panels[T]
		packing := false // A is packed by the first panel's kernel calls
		if d.directA {
			ap = inPlace(src, op.rsa, op.csa, mr*op.rsa, full, mr, nil)
			if full < t1-t0 {
				slot := apanels[:mr*kc]
				if d.packA1st {
					slot = apanels[full*mr*kc : (full+1)*mr*kc]
				}
				ap.overlapEdge(op.a, op.rsa, op.csa, r0+full*mr, rows-full*mr, pc, kc, mr, slot, d.packA1st)
			}
			packing = d.packA1st
		} else {
			packA(apanels, src, op.rsa, op.csa, rows, kc, mr)
			ap = packed(apanels, t1-t0, mr, kc)
		}
		bsrc := op.b[pc*op.rsb:]
		for jq := q0; jq < q1; jq += chunk {
			qn := min(chunk, q1-jq) // panels in this chunk
			j0 := jq * nr
			nc := min(qn*nr, op.n-j0)
			bblk := bsrc[j0*op.csb:]
			var bp panels[T]
			if d.pb != nil {
				bp = d.pb.panels(pc, kc, jq, qn)
			} else if d.directB {
				var edge []T
				if nc < qn*nr {
					edge = bpanels[:nr*kc]
					packPanel(edge, bblk[(qn-1)*nr*op.csb:], op.csb, op.rsb, nc-(qn-1)*nr, nr, kc)
				}
				bp = inPlace(bblk, 1, op.rsb, nr, nc/nr, nr, edge)
			} else {
				packBPanels(bpanels, bblk, op.rsb, op.csb, kc, nc, nr, 0, qn)
				bp = packed(bpanels, qn, nr, kc)
			}
			pf := d.prefetchNext(pc, kc, jq, chunk, q0, q1, qn*(t1-t0))
			st := op.store(pc, j0)
			first := 0 // the first panel of the chunk left to multiply
			if packing {
				b, _, rsb := bp.at(0)
				ap = packingColumn(ker, &ap, apanels, rows, b, rsb, min(nr, nc), kc, st, c[j0*op.csc:], op.rsc, op.csc, tmp, &pf)
				packing, first = false, 1
			}
			macroKernel(ker, &ap, &bp, first, qn, rows, nc, kc, st, c[j0*op.csc:], op.rsc, op.csc, tmp, &pf)
		}
	}
}

// prefetchNext returns a prefetcher for the B chunk that follows the one at
// depth pc and panel jq (the next chunk of this depth block, or the first of
// the next), spread over `calls` kernel calls; an idle one when there is
// none or B is not packed row by row.
func (d *driver[T]) prefetchNext(pc, kc, jq, chunk, q0, q1, calls int) prefetcher {
	op, ker := &d.op, d.ker
	if !prefetchB || d.directB || d.pb != nil || op.csb != 1 {
		return prefetcher{}
	}
	switch {
	case jq+chunk < q1:
		jq += chunk
	case pc+kc < op.k:
		pc, kc, jq = pc+kc, min(d.kc, op.k-pc-kc), q0
	default:
		return prefetcher{}
	}
	j0 := jq * ker.nr
	cols := min(min(chunk, q1-jq)*ker.nr, op.n-j0)
	return aimPrefetch(op.b[pc*op.rsb+j0:], kc, cols, op.rsb, calls)
}
