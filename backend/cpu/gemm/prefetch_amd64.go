//go:build !purego

package gemm

// prefetchRows asks the CPU to bring `lines` cache lines from each of `rows`
// rows, stride bytes apart, starting at addr, into cache.
//
//go:noescape
func prefetchRows(addr, stride uintptr, rows, lines int)
