package half

import (
	"math/rand/v2"
	"testing"
)

const benchN = 1 << 20

func benchInputs() ([]float32, []uint16) {
	r := rand.New(rand.NewPCG(9, 9))
	f := make([]float32, benchN)
	h := make([]uint16, benchN)
	for i := range f {
		f[i] = float32(r.NormFloat64())
		h[i] = F16FromF32(f[i])
	}
	return f, h
}

func BenchmarkF16FromF32s(b *testing.B) {
	f, h := benchInputs()
	b.SetBytes(benchN * 4)
	for range b.N {
		F16FromF32s(h, f)
	}
}

func BenchmarkF16ToF32s(b *testing.B) {
	f, h := benchInputs()
	b.SetBytes(benchN * 4)
	for range b.N {
		F16ToF32s(f, h)
	}
}

func BenchmarkBF16FromF32s(b *testing.B) {
	f, h := benchInputs()
	b.SetBytes(benchN * 4)
	for range b.N {
		BF16FromF32s(h, f)
	}
}

func BenchmarkBF16ToF32s(b *testing.B) {
	f, h := benchInputs()
	b.SetBytes(benchN * 4)
	for range b.N {
		BF16ToF32s(f, h)
	}
}

var sinkF32 float32

func BenchmarkF16ToF32Scalar(b *testing.B) {
	_, h := benchInputs()
	var acc float32
	for i := range b.N {
		acc += F16ToF32(h[i&(benchN-1)])
	}
	sinkF32 = acc
}
