//go:build !race

package gemm

// raceEnabled is false without the race detector: the sweeps run in full.
const raceEnabled = false
