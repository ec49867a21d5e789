package cpu

import (
	"math"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/internal/parallel"
)

// Random fills dst from the Philox stream (seed, offset).
func (c *Backend) Random(dst backend.View, dist backend.Dist, seed, offset uint64, a, b float64) {
	n := dst.Numel()
	tmp := make([]float64, n)
	// Chunks start at even element indices so Box–Muller pairs stay together.
	parallel.For((n+1)/2, 8192, func(lo, hi int) {
		i0, i1 := 2*lo, min(2*hi, n)
		words := make([]uint32, 2*(hi-lo))
		philoxWords(seed, offset, i0, words)
		for i := i0; i < i1; i++ {
			w := words[i-i0]
			switch dist {
			case backend.Uniform:
				tmp[i] = a + (b-a)*uniform01(w)
			case backend.Bernoulli:
				if uniform01(w) < a {
					tmp[i] = 1
				}
			case backend.RandInt:
				span := uint64(b - a)
				tmp[i] = a + float64((uint64(w)*span)>>32)
			case backend.Normal:
				p := i - i%2
				u1 := (float64(words[p-i0]>>8) + 1) * (1.0 / (1 << 24))
				u2 := uniform01(words[p+1-i0])
				r := math.Sqrt(-2 * math.Log(u1))
				z := r * math.Cos(2*math.Pi*u2)
				if i%2 == 1 {
					z = r * math.Sin(2*math.Pi*u2)
				}
				tmp[i] = a + b*z
			}
		}
	})
	c.Copy(dst, backend.Dense(NewBuffer(backend.Float64, tmp), dst.Shape...))
}

func uniform01(w uint32) float64 { return float64(w>>8) * (1.0 / (1 << 24)) }
