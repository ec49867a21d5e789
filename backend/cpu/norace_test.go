//go:build !race

package cpu

// raceEnabled is false without the race detector.
const raceEnabled = false
