//go:build race

package driver

// raceEnabled: the race detector makes sync.Pool drop items on purpose, so
// pooled calls allocate now and then.
const raceEnabled = true
