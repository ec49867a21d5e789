//go:build race

package blas

// raceEnabled: the race detector makes sync.Pool drop items on purpose, so
// pooled calls allocate now and then.
const raceEnabled = true
