// Package x86emu is a small x86-64 emulator for tests: it runs the machine
// code of a Go assembly function, as disassembled by GNU objdump, on an
// emulated CPU whose memory is confined to Go slices the test registers.
// It lets a test check an AVX-512 kernel on a machine without AVX-512
// against a plain Go computation, and check any assembly function for
// reads and writes outside the slices it was given.
//
// Load disassembles one function of an ELF file (usually the running test
// binary, os.Executable) with objdump (GNU binutils 2.40 or newer must be
// installed) and parses its AT&T text; Func.Call runs it on an argument
// frame built with Frame, the way Go's ABI0 calling convention lays it out,
// until its RET:
//
//	f, err := x86emu.Load(exe, "example.com/pkg.kernelAVX512")
//	var fr x86emu.Frame
//	fr.Int(n)
//	fr.Ptr(unsafe.Pointer(&x[0]))
//	err = f.Call(fr.Bytes(), 1e6, x86emu.Bytes(unsafe.Pointer(&x[0]), 4*len(x)))
//	runtime.KeepAlive(x)
//
// The emulated code works on real process addresses: a pointer in the
// frame is the address of the test's slice, and every load and store is
// looked up among the registered regions (and the emulator's own stack,
// which holds the frame) and performed on the region's bytes. An access
// that is not wholly inside one region stops the run with an error that
// names the instruction.
//
// # Limits
//
// Only a subset of x86-64 is implemented (Func.Call lists it): the
// general-purpose integer instructions that kernel loops use (mov, lea,
// add, sub, imul, shifts, inc, dec, neg, and, or, xor, cmp, test, push,
// pop, direct jumps, ret) on 32- and 64-bit operands, keeping the flags
// ZF, SF, CF and OF; and the floating-point AVX, FMA and AVX-512F
// instructions on xmm, ymm and zmm 0–31 and k0–k7 that such kernels are
// made of (moves, broadcasts, xor, add, sub, mul, div, max, min and the
// vfmadd family, packed and scalar, with write masks and embedded
// broadcast). Anything else (a call, an 8- or 16-bit operand, legacy SSE,
// shuffles, compares, a rounding-control operand such as {rn-sae}, an
// instruction objdump cannot decode) is an error when it is executed,
// never a silently wrong result; unsupported instructions that are never
// reached are harmless. The emulated stack is 64 KiB, and the g register
// (R14) is zero, so only NOSPLIT functions (no stack-growth check) run.
//
// The registered memory must not move while Call runs: heap memory does
// not, and Bytes and Frame.Ptr make their pointer escape so that the
// compiler puts what it points into on the heap.
//
// Floating-point results follow IEEE 754 with x86's rules for NaNs (the
// first NaN source, quieted, or the default NaN for an invalid operation)
// and MXCSR's default state (round to nearest even, no flush to zero);
// a float32 FMA is rounded once, as on hardware. Exception flags are not
// kept. RIP-relative operands use the link-time
// address objdump prints, which is the run-time address in Go's default
// non-PIE executables.
//
// The emulator is slow (on the order of 10⁷ instructions a second) and
// meant for kernels run on test-sized inputs.
package x86emu
