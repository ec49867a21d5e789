//go:build race

package gemm

// raceEnabled is true under the race detector, which makes the arithmetic
// some 20 times slower: the long correctness sweeps then run a subset,
// keeping every path that runs on more than one goroutine.
const raceEnabled = true
