package cpu

import (
	"testing"

	"github.com/emberdl/ember/backend"
)

// BenchmarkLayerNormGPT times the float32 layer norm at char-GPT's size
// ([2048, 128]: batch 16 × 128 positions) and the column sums of a bias
// gradient ([2048, 512] summed over rows).
func BenchmarkLayerNormGPT(b *testing.B) {
	c := New()
	const rows, d = 2048, 128
	mk := func(shape ...int) backend.View {
		n := 1
		for _, v := range shape {
			n *= v
		}
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(i%13) * 0.1
		}
		return backend.Dense(NewBuffer(backend.Float32, s), shape...)
	}
	x, w, bb, y, m, r := mk(rows, d), mk(d), mk(d), mk(rows, d), mk(rows), mk(rows)
	b.Run("forward", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.LayerNorm(y, m, r, x, w, bb, 1e-5)
		}
	})
	dx, dw, db := mk(rows, d), mk(d), mk(d)
	b.Run("backward", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.LayerNormBackward(dx, dw, db, y, x, m, r, w)
		}
	})
	big := mk(rows, 512)
	out := mk(1, 512)
	b.Run("bias-grad-512", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.Reduce(backend.Sum, out, big, []int{0})
		}
	})
}
