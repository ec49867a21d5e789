package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/internal/parallel"
)

// benchShape is one benchmarked product: C (m×n) = A (m×k) · B (k×n), with A
// optionally stored transposed (the weight-gradient layout dYᵀ·X).
type benchShape struct {
	name    string
	m, n, k int
	transA  bool
}

func benchShapes() []benchShape {
	var s []benchShape
	for _, n := range []int{64, 128, 256, 512, 1024, 2048} {
		s = append(s, benchShape{name: fmt.Sprintf("square-%d", n), m: n, n: n, k: n})
	}
	return append(s,
		benchShape{name: "128x512x784", m: 128, n: 512, k: 784},
		benchShape{name: "128x10x512", m: 128, n: 10, k: 512},
		benchShape{name: "512x784x128-TN", m: 512, n: 784, k: 128, transA: true},
		benchShape{name: "4096x128x128", m: 4096, n: 128, k: 128},
		benchShape{name: "64x3072x768", m: 64, n: 3072, k: 768},
	)
}

func randSlice[T float](n int, seed uint64) []T {
	r := rand.New(rand.NewPCG(seed, 1))
	s := make([]T, n)
	for i := range s {
		s[i] = T(2*r.Float64() - 1)
	}
	return s
}

// reportGFLOPs reports the rate of products with the given multiply-adds.
func reportGFLOPs(b *testing.B, madds int) {
	b.ReportMetric(2*float64(madds)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkSgemm(b *testing.B) {
	for _, s := range benchShapes() {
		b.Run(s.name, func(b *testing.B) {
			a, bm, c := randSlice[float32](s.m*s.k, 1), randSlice[float32](s.k*s.n, 2), make([]float32, s.m*s.n)
			rsa, csa := s.k, 1
			if s.transA {
				rsa, csa = 1, s.m
			}
			b.ReportAllocs()
			for b.Loop() {
				Sgemm(s.m, s.n, s.k, 1, a, rsa, csa, bm, s.n, 1, 0, c, s.n, 1)
			}
			reportGFLOPs(b, s.m*s.n*s.k)
		})
	}
}

// BenchmarkSgemmWorkers measures the large square products on one worker
// and on two: the kernel's speed without the fork-joins, and how far two
// cores scale it.
func BenchmarkSgemmWorkers(b *testing.B) {
	for _, n := range []int{512, 1024, 2048} {
		for _, w := range []int{1, 2} {
			b.Run(fmt.Sprintf("n%d-workers%d", n, w), func(b *testing.B) {
				old := parallel.SetWorkers(w)
				defer parallel.SetWorkers(old)
				a, bm, c := randSlice[float32](n*n, 1), randSlice[float32](n*n, 2), make([]float32, n*n)
				for b.Loop() {
					Sgemm(n, n, n, 1, a, n, 1, bm, n, 1, 0, c, n, 1)
				}
				reportGFLOPs(b, n*n*n)
			})
		}
	}
}

func BenchmarkDgemm(b *testing.B) {
	for _, n := range []int{256, 512, 1024} {
		b.Run(fmt.Sprintf("square-%d", n), func(b *testing.B) {
			a, bm, c := randSlice[float64](n*n, 1), randSlice[float64](n*n, 2), make([]float64, n*n)
			b.ReportAllocs()
			for b.Loop() {
				Dgemm(n, n, n, 1, a, n, 1, bm, n, 1, 0, c, n, 1)
			}
			reportGFLOPs(b, n*n*n)
		})
	}
}

// BenchmarkSgemmBatched runs attention-shaped products: batch 64 (batch ×
// heads) of Q·Kᵀ (128×128×32, B read transposed) and P·V (128×32×128).
func BenchmarkSgemmBatched(b *testing.B) {
	const batch, t, dh = 64, 128, 32
	q, k, v := randSlice[float32](batch*t*dh, 1), randSlice[float32](batch*t*dh, 2), randSlice[float32](batch*t*dh, 3)
	p, out := make([]float32, batch*t*t), make([]float32, batch*t*dh)
	b.Run("64x128x128x32-QKt", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			SgemmBatched(batch, t, t, dh, 1, q, t*dh, dh, 1, k, t*dh, 1, dh, 0, p, t*t, t, 1)
		}
		reportGFLOPs(b, batch*t*t*dh)
	})
	b.Run("64x128x32x128-PV", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			SgemmBatched(batch, t, dh, t, 1, p, t*t, t, 1, v, t*dh, dh, 1, 0, out, t*dh, dh, 1)
		}
		reportGFLOPs(b, batch*t*t*dh)
	})
}

// BenchmarkMicroKernel measures each float32 micro-kernel alone on packed
// panels that stay in L1: the ceiling for the whole product.
func BenchmarkMicroKernel(b *testing.B) {
	for _, kc := range kernelCases() {
		b.Run(kc.name, func(b *testing.B) {
			const k = 256
			ker := kc.s
			ap := randSlice[float32](k*ker.mr, 1)
			bp := randSlice[float32](k*ker.nr, 2)
			c := make([]float32, ker.mr*ker.nr)
			for b.Loop() {
				ker.fn(k, &ap[0], 1, ker.mr, &bp[0], ker.nr, &c[0], ker.nr, 1, 0)
			}
			reportGFLOPs(b, ker.mr*ker.nr*k)
		})
	}
}

// BenchmarkSgemmPacked times the recurrent product of the reference LSTM
// step (64×1024×256, its right operand packed once): the A rows are read in
// place.
func BenchmarkSgemmPacked(b *testing.B) {
	const m, n, k = 64, 1024, 256
	a := randSlice[float32](m*k, 1)
	w := randSlice[float32](k*n, 2)
	c := make([]float32, m*n)
	p := PackS(k, n, w, n, 1)
	b.ReportAllocs()
	for b.Loop() {
		SgemmPacked(m, 1, a, k, 1, p, 1, c, n, 1)
	}
	reportGFLOPs(b, m*n*k)
}
