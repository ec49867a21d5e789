package cpu

import (
	"slices"
	"sync"

	"github.com/emberdl/ember/internal/parallel"
)

// maxOps is the largest number of views one elementwise loop walks together.
const maxOps = 4

// grainElems is the smallest number of elements worth handing to another core.
const grainElems = 32 * 1024

// loopDims is the coalesced rank up to which a loop keeps its dims inside
// itself (one allocation per loop); higher ranks allocate slices.
const loopDims = 8

// loop is an elementwise walk over up to maxOps views of one shape. The
// shape is coalesced (dims that are contiguous with their neighbour in every
// view are merged, size-1 dims dropped) into outer dims and one inner dim of
// n elements; inner[k] is view k's stride along the inner dim.
type loop struct {
	nops    int
	outer   []int
	strides [maxOps][]int
	inner   [maxOps]int
	base    [maxOps]int
	n       int
	rows    int

	outerA   [loopDims]int // backing of outer and strides for small ranks
	stridesA [maxOps][loopDims]int
}

// loops recycles loop plans: a plan lives for one kernel call, and
// allocating one per call would be most of a small op's cost.
var loops = sync.Pool{New: func() any { return new(loop) }}

// newLoop plans a walk over shape for views with the given strides and base
// offsets. The kernel hands the plan back with free when it is done.
func newLoop(shape []int, offsets []int, strides ...[]int) *loop {
	l := loops.Get().(*loop)
	*l = loop{nops: len(strides)}
	copy(l.base[:], offsets)
	// Coalesce into local arrays (they grow onto the heap only past
	// loopDims+1 dims).
	var sizesA [loopDims + 1]int
	var stA [maxOps][loopDims + 1]int
	sizes := sizesA[:0]
	var st [maxOps][]int
	for o := range l.nops {
		st[o] = stA[o][:0]
	}
	for d, sz := range shape {
		if sz == 1 {
			continue
		}
		if k := len(sizes) - 1; k >= 0 && mergeable(sizes[k], sz, st, strides, d, k) {
			sizes[k] *= sz
			for o := range l.nops {
				st[o][k] = strides[o][d]
			}
			continue
		}
		sizes = append(sizes, sz)
		for o := range l.nops {
			st[o] = append(st[o], strides[o][d])
		}
	}
	if len(sizes) == 0 {
		sizes = append(sizes, 1)
		for o := range l.nops {
			st[o] = append(st[o], 0)
		}
	}
	last := len(sizes) - 1
	l.n = sizes[last]
	if last <= loopDims {
		l.outer = l.outerA[:last]
		copy(l.outer, sizes[:last])
	} else {
		l.outer = slices.Clone(sizes[:last])
	}
	l.rows = 1
	for _, sz := range l.outer {
		l.rows *= sz
	}
	for o := range l.nops {
		l.inner[o] = st[o][last]
		if last <= loopDims {
			l.strides[o] = l.stridesA[o][:last]
			copy(l.strides[o], st[o][:last])
		} else {
			l.strides[o] = slices.Clone(st[o][:last])
		}
	}
	if l.n == 0 {
		l.rows = 0
	}
	return l
}

// free returns the plan for reuse; l must not be used afterwards.
func (l *loop) free() { loops.Put(l) }

// mergeable reports whether dim d (size sz) can be folded into the coalesced
// dim k (size prev): in every view, stride(k) == stride(d) * size(d).
func mergeable(prev, sz int, st [maxOps][]int, strides [][]int, d, k int) bool {
	for o := range strides {
		if st[o][k] != strides[o][d]*sz {
			return false
		}
	}
	return true
}

// total returns the number of elements walked.
func (l *loop) total() int { return l.rows * l.n }

// run calls fn for runs of consecutive inner elements: fn(off, m) processes m
// elements, view k's first at offset off[k] and the rest every l.inner[k].
// Runs are spread over the worker pool when there is enough work; costPerElem
// scales the grain (1 for a copy, more for transcendental math).
func (l *loop) run(costPerElem int, fn func(off [maxOps]int, m int)) {
	total := l.total()
	if total == 0 {
		return
	}
	grain := max(1, grainElems/max(1, costPerElem))
	if total <= grain || parallel.Workers() == 1 {
		l.rows_(0, l.rows, 0, l.n, fn)
		return
	}
	if l.rows >= parallel.Workers()*2 || l.n < 2*grain {
		rowGrain := max(1, grain/l.n)
		parallel.For(l.rows, rowGrain, func(lo, hi int) { l.rows_(lo, hi, 0, l.n, fn) })
		return
	}
	// Few long rows: split each row into segments.
	segs := max(1, min((l.n+grain-1)/grain, parallel.Workers()))
	segLen := (l.n + segs - 1) / segs
	parallel.Do(l.rows*segs, func(u int) {
		r, s := u/segs, u%segs
		lo := s * segLen
		hi := min(lo+segLen, l.n)
		if lo < hi {
			l.rows_(r, r+1, lo, hi, fn)
		}
	})
}

// rows_ walks rows [r0, r1) restricted to inner positions [lo, hi).
func (l *loop) rows_(r0, r1, lo, hi int, fn func(off [maxOps]int, m int)) {
	nd := len(l.outer)
	var idx [16]int
	var bigIdx []int
	ix := idx[:0]
	if nd <= len(idx) {
		ix = idx[:nd]
	} else {
		bigIdx = make([]int, nd)
		ix = bigIdx
	}
	// Decompose r0 into a multi-index.
	rem := r0
	for d := nd - 1; d >= 0; d-- {
		ix[d] = rem % l.outer[d]
		rem /= l.outer[d]
	}
	var off [maxOps]int
	for o := range l.nops {
		off[o] = l.base[o] + lo*l.inner[o]
		for d := range nd {
			off[o] += ix[d] * l.strides[o][d]
		}
	}
	for r := r0; r < r1; r++ {
		fn(off, hi-lo)
		// Advance the odometer.
		for d := nd - 1; d >= 0; d-- {
			ix[d]++
			for o := range l.nops {
				off[o] += l.strides[o][d]
			}
			if ix[d] < l.outer[d] {
				break
			}
			for o := range l.nops {
				off[o] -= l.strides[o][d] * l.outer[d]
			}
			ix[d] = 0
		}
	}
}
