//go:build !amd64 || purego

package gemm

// prefetchRows is a hint that this build has no instruction for.
func prefetchRows(addr, stride uintptr, rows, lines int) {}
