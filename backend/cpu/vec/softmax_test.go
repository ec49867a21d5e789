package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestScaledSoftmax checks the attention row kernels against float64 at
// row lengths around the 8-lane blocks and every count of scores in the
// last block.
func TestScaledSoftmax(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(41, 42))
		for _, l := range []int{1, 7, 8, 9, 16, 33, 48, 128, 130} {
			for _, n := range []int{1, 2, l / 2, l - 8, l - 7, l - 1, l} {
				if n < 1 || n > l {
					continue
				}
				x := randVec(r, l, -6, 6, false)
				const scale = 0.35
				// float64 reference: weights and log-sum-exp of scale·x[:n].
				mx := math.Inf(-1)
				for _, v := range x[:n] {
					mx = math.Max(mx, scale*float64(v))
				}
				sum := 0.0
				for _, v := range x[:n] {
					sum += math.Exp(scale*float64(v) - mx)
				}
				lse := mx + math.Log(sum)
				row := append([]float32(nil), x...)
				if got := ScaledSoftmax(row, n, scale); math.Abs(float64(got)-lse) > 1e-5*(1+math.Abs(lse)) {
					t.Fatalf("l=%d n=%d: log-sum-exp %v, want %v", l, n, got, lse)
				}
				ex := append([]float32(nil), x...)
				ScaledExp(ex, n, scale, float32(lse))
				for i := range row {
					want := 0.0
					if i < n {
						want = math.Exp(scale*float64(x[i]) - lse)
					}
					if math.Abs(float64(row[i])-want) > 2e-6*(1+want) || math.Abs(float64(ex[i])-want) > 2e-6*(1+want) {
						t.Fatalf("l=%d n=%d: weight %d = %v (softmax), %v (exp), want %v", l, n, i, row[i], ex[i], want)
					}
				}
			}
		}
	})
}

func TestScaledSoftmaxBadCount(t *testing.T) {
	for _, n := range []int{0, 5} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("ScaledSoftmax with %d scores of 4 did not panic", n)
				}
			}()
			ScaledSoftmax(make([]float32, 4), n, 1)
		}()
	}
}

// BenchmarkScaledSoftmax times one attention row of 128 keys with 100
// scores, as char-GPT's causal rows are.
func BenchmarkScaledSoftmax(b *testing.B) {
	src := randVec(rand.New(rand.NewPCG(43, 44)), 128, -4, 4, false)
	row := make([]float32, 128)
	b.Run("softmax", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			copy(row, src)
			ScaledSoftmax(row, 100, 0.17)
		}
	})
	b.Run("exp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			copy(row, src)
			ScaledExp(row, 100, 0.17, 3)
		}
	})
}
