//go:build emberpoison

package cpu

import "math"

// poisoning reports whether Alloc fills buffers with garbage (build tag
// emberpoison), to catch code that reads memory it did not write.
const poisoning = true

// poisonBuffer fills a new buffer with values no computation should see:
// NaN for floats, a large odd number for integers, true for bools.
func poisonBuffer(b *Buffer) {
	nan32 := float32(math.NaN())
	for i := range b.F32 {
		b.F32[i] = nan32
	}
	for i := range b.F64 {
		b.F64[i] = math.NaN()
	}
	for i := range b.U16 {
		b.U16[i] = 0x7fc1 // NaN in both bfloat16 and float16
	}
	for i := range b.I64 {
		b.I64[i] = 0x5a5a5a5a5a5a5a5b
	}
	for i := range b.I32 {
		b.I32[i] = 0x5a5a5a5b
	}
	for i := range b.U8 {
		b.U8[i] = 0x5b
	}
	for i := range b.B {
		b.B[i] = true
	}
}
