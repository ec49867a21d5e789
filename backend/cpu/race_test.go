//go:build race

package cpu

// raceEnabled is true under the race detector, whose sync.Pool drops a
// share of what is put back on purpose: allocation counts are not checked
// then.
const raceEnabled = true
