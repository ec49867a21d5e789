// Package half converts between float32 and the two 16-bit floating-point
// formats Ember stores: IEEE 754 binary16 (float16: 1 sign, 5 exponent, 10
// fraction bits) and bfloat16 (1 sign, 8 exponent, 7 fraction bits: the top
// half of a float32). Values are plain uint16 bit patterns, so tensor storage
// needs no special type.
//
// Narrowing from float32 rounds to nearest, ties to even; values too large
// for the format become ±Inf; float16 produces subnormals down to 2^-24 and
// rounds smaller magnitudes to ±0. Widening to float32 is exact.
//
// NaNs stay NaN with their sign, and come out quiet: the most significant
// fraction bit is set and the other top fraction bits of the payload are
// kept (the behaviour of x86 F16C and of ARM conversions). Some libraries
// differ here: numpy keeps a signalling NaN signalling, and PyTorch returns a
// canonical NaN without its sign.
//
// The slice converters work like copy: they convert min(len(dst), len(src))
// elements, return that count, and split large slices across the worker pool.
package half
