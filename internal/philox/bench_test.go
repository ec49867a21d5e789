package philox

import "testing"

const benchN = 1 << 20

func BenchmarkBlock(b *testing.B) {
	var acc uint32
	for i := range b.N {
		acc ^= Block([4]uint32{uint32(i)}, [2]uint32{1, 2})[0]
	}
	sinkU32 = acc
}

var sinkU32 uint32

func benchFill[T any](b *testing.B, fill func(dst []T, offset uint64)) {
	dst := make([]T, benchN)
	b.SetBytes(int64(benchN) * int64(sizeOf[T]()))
	b.ResetTimer()
	for i := range b.N {
		fill(dst, uint64(i))
	}
}

func sizeOf[T any]() int {
	var z T
	switch any(z).(type) {
	case float64, int64, uint64:
		return 8
	case bool, uint8:
		return 1
	}
	return 4
}

func BenchmarkFillUint32(b *testing.B) {
	benchFill(b, func(d []uint32, o uint64) { FillUint32(d, 1, o) })
}

func BenchmarkFillUniform32(b *testing.B) {
	benchFill(b, func(d []float32, o uint64) { FillUniform32(d, 1, o, -1, 1) })
}

func BenchmarkFillUniform64(b *testing.B) {
	benchFill(b, func(d []float64, o uint64) { FillUniform64(d, 1, o, -1, 1) })
}

func BenchmarkFillNormal32(b *testing.B) {
	benchFill(b, func(d []float32, o uint64) { FillNormal32(d, 1, o, 0, 1) })
}

func BenchmarkFillNormal64(b *testing.B) {
	benchFill(b, func(d []float64, o uint64) { FillNormal64(d, 1, o, 0, 1) })
}

func BenchmarkFillInt64(b *testing.B) {
	benchFill(b, func(d []int64, o uint64) { FillInt64(d, 1, o, 0, 1000) })
}

func BenchmarkFillBernoulli(b *testing.B) {
	benchFill(b, func(d []float32, o uint64) { FillBernoulli(d, 1, o, 0.9) })
}
