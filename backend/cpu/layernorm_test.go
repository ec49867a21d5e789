package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
)

// naiveLayerNorm is layer norm and its backward in float64 from the
// definitions, for rows of d elements.
func naiveLayerNorm(rows, d int, eps float64, x, w, b, dy []float64) (y, mean, rstd, dx, dw, db []float64) {
	y, dx = make([]float64, rows*d), make([]float64, rows*d)
	mean, rstd = make([]float64, rows), make([]float64, rows)
	dw, db = make([]float64, d), make([]float64, d)
	for r := range rows {
		xr := x[r*d : (r+1)*d]
		mu, v := 0.0, 0.0
		for _, a := range xr {
			mu += a
		}
		mu /= float64(d)
		for _, a := range xr {
			v += (a - mu) * (a - mu)
		}
		rs := 1 / math.Sqrt(v/float64(d)+eps)
		mean[r], rstd[r] = mu, rs
		s1, s2 := 0.0, 0.0
		for i, a := range xr {
			xh := (a - mu) * rs
			y[r*d+i] = xh*w[i] + b[i]
			g := dy[r*d+i]
			dw[i] += g * xh
			db[i] += g
			s1 += g * w[i]
			s2 += g * w[i] * xh
		}
		for i, a := range xr {
			xh := (a - mu) * rs
			dx[r*d+i] = rs * (dy[r*d+i]*w[i] - s1/float64(d) - xh*s2/float64(d))
		}
	}
	return
}

func TestLayerNormFloat32(t *testing.T) {
	c := New()
	r := rand.New(rand.NewPCG(51, 52))
	for _, d := range []int{1, 7, 33, 128, 257} {
		t.Run(fmt.Sprint(d), func(t *testing.T) {
			// More rows than a worker sums in float32 before flushing.
			rows, eps := 2*flushRows+5, 1e-5
			x32, x := rand32(r, rows*d)
			for i := range x32 { // an offset mean, as activations have
				x32[i] += 3
				x[i] = float64(x32[i])
			}
			w32, w := rand32(r, d)
			b32, b := rand32(r, d)
			dy32, dy := rand32(r, rows*d)
			y, mean, rstd, dx, dw, db := naiveLayerNorm(rows, d, eps, x, w, b, dy)
			v := func(s []float32, shape ...int) backend.View {
				return backend.Dense(NewBuffer(backend.Float32, s), shape...)
			}
			gy, gm, gr := make([]float32, rows*d), make([]float32, rows), make([]float32, rows)
			c.LayerNorm(v(gy, rows, d), v(gm, rows), v(gr, rows), v(x32, rows, d), v(w32, d), v(b32, d), eps)
			close32(t, "y", gy, y, 1e-5)
			close32(t, "mean", gm, mean, 1e-6)
			close32(t, "rstd", gr, rstd, 1e-5)
			gdx, gdw, gdb := make([]float32, rows*d), make([]float32, d), make([]float32, d)
			c.LayerNormBackward(v(gdx, rows, d), v(gdw, d), v(gdb, d), v(dy32, rows, d), v(x32, rows, d), v(gm, rows), v(gr, rows), v(w32, d))
			if d > 1 { // with one element per row, dx is 0 up to rounding
				close32(t, "dx", gdx, dx, 1e-4)
			}
			close32(t, "dw", gdw, dw, 1e-4)
			close32(t, "db", gdb, db, 1e-5)
		})
	}
}

// rand32 returns n uniform values in [-1, 1) as float32 and as the same
// values in float64.
func rand32(r *rand.Rand, n int) ([]float32, []float64) {
	a, b := make([]float32, n), make([]float64, n)
	for i := range a {
		a[i] = float32(r.Float64()*2 - 1)
		b[i] = float64(a[i])
	}
	return a, b
}

// close32 checks float32 results against float64 references with a
// relative tolerance.
func close32(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > tol*(1+math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}
