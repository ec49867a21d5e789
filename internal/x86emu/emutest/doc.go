// Package emutest holds small assembly functions on which package x86emu
// is tested against the real CPU: AVX2, FMA and integer functions that the
// tests run both natively and in the emulator, requiring identical bits
// (on a CPU without AVX2 and FMA, the emulation alone, against sums of the
// native results recorded in the tests), and AVX-512 functions that they only emulate, checking the results
// against plain Go. The functions exist on amd64 only (and not with the
// purego tag); elsewhere the package is empty.
package emutest
