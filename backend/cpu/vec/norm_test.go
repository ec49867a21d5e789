package vec

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// layerNormRef is the float64 layer norm of one row and its backward (dx,
// and the row's contributions dy·x̂ and dy to the parameter gradients).
func layerNormRef(x, w, b, dy []float32, eps float64) (y, dx, dw, db []float64, mean, rstd float64) {
	d := len(x)
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(d)
	vs := 0.0
	for _, v := range x {
		vs += (float64(v) - mean) * (float64(v) - mean)
	}
	rstd = 1 / math.Sqrt(vs/float64(d)+eps)
	y, dx, dw, db = make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
	xh, g := make([]float64, d), make([]float64, d)
	s1, s2 := 0.0, 0.0
	for i, v := range x {
		xh[i] = (float64(v) - mean) * rstd
		wi, bi := 1.0, 0.0
		if w != nil {
			wi = float64(w[i])
		}
		if b != nil {
			bi = float64(b[i])
		}
		y[i] = xh[i]*wi + bi
		g[i] = float64(dy[i]) * wi
		dw[i], db[i] = float64(dy[i])*xh[i], float64(dy[i])
		s1 += g[i]
		s2 += g[i] * xh[i]
	}
	for i := range dx {
		dx[i] = rstd * (g[i] - s1/float64(d) - xh[i]*s2/float64(d))
	}
	return
}

func TestLayerNormRow(t *testing.T) {
	eachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(31, 32))
		for _, n := range append(testSizes[1:], 128, 768, 1024) {
			for _, affine := range []bool{true, false} {
				x, dy := randVec(r, n, -2, 3, false), randVec(r, n, -1, 1, false)
				var w, b []float32
				if affine {
					w, b = randVec(r, n, 0.5, 1.5, false), randVec(r, n, -1, 1, false)
				}
				const eps = 1e-5
				wantY, wantDx, wantDw, wantDb, wantMean, wantRstd := layerNormRef(x, w, b, dy, eps)
				y := make([]float32, n)
				mean, rstd := LayerNormRow(y, x, w, b, eps)
				if !closeTo(float64(mean), wantMean, 1e-6) || !closeTo(float64(rstd), wantRstd, 1e-5) {
					t.Fatalf("n=%d affine=%v: mean, rstd = %v, %v; want %v, %v", n, affine, mean, rstd, wantMean, wantRstd)
				}
				for i := range y {
					if !closeTo(float64(y[i]), wantY[i], 1e-5) {
						t.Fatalf("n=%d affine=%v: y[%d] = %v, want %v", n, affine, i, y[i], wantY[i])
					}
				}
				// In place gives the same.
				z := append([]float32(nil), x...)
				if m2, r2 := LayerNormRow(z, z, w, b, eps); m2 != mean || r2 != rstd || !slices.Equal(z, y) {
					t.Fatalf("n=%d affine=%v: in place differs", n, affine)
				}
				// Backward, with the parameter sums starting from 1.
				dx, dw, db := make([]float32, n), make([]float32, n), make([]float32, n)
				for i := range dw {
					dw[i], db[i] = 1, 1
				}
				LayerNormBackwardRow(dx, dw, db, dy, x, w, mean, rstd)
				for i := range dx {
					if !closeTo(float64(dx[i]), wantDx[i], 1e-4) || !closeTo(float64(dw[i]), 1+wantDw[i], 1e-5) || !closeTo(float64(db[i]), 1+wantDb[i], 1e-6) {
						t.Fatalf("n=%d affine=%v: i=%d dx, dw, db = %v, %v, %v; want %v, %v, %v", n, affine, i,
							dx[i], dw[i], db[i], wantDx[i], 1+wantDw[i], 1+wantDb[i])
					}
				}
			}
		}
	})
}

// closeTo reports whether got is within tol of want, relative to max(1, |want|).
func closeTo(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*max(1, math.Abs(want))
}

// BenchmarkLayerNormRow times the row kernels on a GPT-sized row (d=128)
// that stays in L1: per-row cost, mostly the sums' dependency chains.
func BenchmarkLayerNormRow(b *testing.B) {
	const d = 128
	r := rand.New(rand.NewPCG(33, 34))
	x, dy, w, bias := randVec(r, d, -2, 2, false), randVec(r, d, -1, 1, false), randVec(r, d, 0.5, 1.5, false), randVec(r, d, -1, 1, false)
	y, dx, dw, db := make([]float32, d), make([]float32, d), make([]float32, d), make([]float32, d)
	b.Run("forward", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			LayerNormRow(y, x, w, bias, 1e-5)
		}
	})
	b.Run("backward", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			LayerNormBackwardRow(dx, dw, db, dy, x, w, 0.1, 1.2)
		}
	})
}
