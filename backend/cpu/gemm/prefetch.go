package gemm

import "unsafe"

// prefetcher spreads the prefetching of a block of a row-major matrix (the
// next B block to pack) over the kernel calls that run before it is needed,
// so the loads from memory overlap the arithmetic instead of stalling the
// packing.
type prefetcher struct {
	addr, stride uintptr
	rows, lines  int // rows left to prefetch, cache lines per row
	perCall      int // rows to prefetch at each step
}

// step prefetches the next share of rows.
func (p *prefetcher) step() { p.steps(1) }

// steps does n steps' shares at once.
func (p *prefetcher) steps(n int) {
	if p == nil || p.rows <= 0 {
		return
	}
	k := min(n*p.perCall, p.rows)
	prefetchRows(p.addr, p.stride, k, p.lines)
	p.addr += uintptr(k) * p.stride
	p.rows -= k
}

// aimPrefetch returns a prefetcher for the rows×cols block of src whose rows
// are stride elements apart, spread over `calls` steps.
func aimPrefetch[T float](src []T, rows, cols, stride, calls int) prefetcher {
	size := int(unsafe.Sizeof(T(0)))
	addr := uintptr(unsafe.Pointer(&src[0]))
	first := addr &^ (cacheLine - 1)
	last := (addr + uintptr((cols-1)*size)) &^ (cacheLine - 1)
	return prefetcher{
		addr:    first,
		stride:  uintptr(stride * size),
		rows:    rows,
		lines:   int((last-first)/cacheLine) + 1,
		perCall: (rows + calls - 1) / max(calls, 1),
	}
}
