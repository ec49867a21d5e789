package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// layerNormRef computes the forward pass and, for upstream dy, the
// gradients with respect to x, w and b, in float64.
func layerNormRef(x, w, b, dy []float64, rows, cols int, eps float64) (y, mean, rstd, dx, dw, db []float64) {
	y, mean, rstd = make([]float64, rows*cols), make([]float64, rows), make([]float64, rows)
	dx, dw, db = make([]float64, rows*cols), make([]float64, cols), make([]float64, cols)
	wt := func(c int) float64 {
		if w == nil {
			return 1
		}
		return w[c]
	}
	for r := 0; r < rows; r++ {
		row := x[r*cols : (r+1)*cols]
		m, v := 0.0, 0.0
		for _, e := range row {
			m += e
		}
		m /= float64(cols)
		for _, e := range row {
			v += (e - m) * (e - m)
		}
		v /= float64(cols)
		rs := 1 / math.Sqrt(v+eps)
		mean[r], rstd[r] = m, rs
		var mg, mgx float64
		for c, e := range row {
			xh := (e - m) * rs
			y[r*cols+c] = xh * wt(c)
			if b != nil {
				y[r*cols+c] += b[c]
			}
			g := dy[r*cols+c] * wt(c)
			mg += g
			mgx += g * xh
			dw[c] += dy[r*cols+c] * xh
			db[c] += dy[r*cols+c]
		}
		mg /= float64(cols)
		mgx /= float64(cols)
		for c, e := range row {
			xh := (e - m) * rs
			dx[r*cols+c] = rs * (dy[r*cols+c]*wt(c) - mg - xh*mgx)
		}
	}
	return
}

// TestLayerNormReferenceGradient checks the reference's closed-form
// gradient against finite differences of its own forward pass.
func TestLayerNormReferenceGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	const rows, cols, eps = 2, 5, 1e-5
	x, w, b, dy := randRange(rng, rows*cols, -2, 2), randRange(rng, cols, 0.5, 1.5), randRange(rng, cols, -1, 1), randRange(rng, rows*cols, -1, 1)
	loss := func(x, w, b []float64) float64 {
		y, _, _, _, _, _ := layerNormRef(x, w, b, dy, rows, cols, eps)
		s := 0.0
		for i := range y {
			s += y[i] * dy[i]
		}
		return s
	}
	_, _, _, dx, dw, db := layerNormRef(x, w, b, dy, rows, cols, eps)
	const h = 1e-6
	for _, v := range []struct {
		name string
		p    []float64
		grad []float64
	}{{"x", x, dx}, {"w", w, dw}, {"b", b, db}} {
		for i := range v.p {
			orig := v.p[i]
			v.p[i] = orig + h
			up := loss(x, w, b)
			v.p[i] = orig - h
			down := loss(x, w, b)
			v.p[i] = orig
			if num := (up - down) / (2 * h); math.Abs(num-v.grad[i]) > 1e-6 {
				t.Errorf("d/d%s[%d]: closed form %v, numeric %v", v.name, i, v.grad[i], num)
			}
		}
	}
}

func TestLayerNorm(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(9, 9))
	const eps = 1e-5
	a := driver.NewArgs()
	// Chunkings: one chunk; several rows per chunk with a short last one
	// (100 rows over up to 6 chunks of 17); a chunk per 16 rows (19 chunks
	// of 300 rows: more than the second pass's eight warps).
	for _, shape := range [][3]int{{5, 67, 2}, {3, 700, 2}, {100, 33, 6}, {64, 5, 1000}, {300, 40, 1000}} {
		rows, cols, maxBlocks := shape[0], shape[1], shape[2]
		for _, dt := range FloatTypes {
			acc := F32
			if dt == F64 {
				acc = F64
			}
			for _, affine := range []bool{true, false} {
				x, xv := d.upload(dt, randRange(rng, rows*cols, -3, 3))
				dy, dyv := d.upload(dt, randRange(rng, rows*cols, -1, 1))
				l := LayerNorm{X: x, DY: dy, Rows: int64(rows), Cols: int64(cols), Eps: eps,
					Out: d.alloc(rows * cols * dt.Size()), DX: d.alloc(rows * cols * dt.Size()),
					Mean: d.alloc(rows * 8), RStd: d.alloc(rows * 8)}
				var wv, bv []float64
				if affine {
					l.W, wv = d.upload(dt, randRange(rng, cols, 0.5, 1.5))
					l.B, bv = d.upload(dt, randRange(rng, cols, -1, 1))
					l.DW, l.DB = d.alloc(cols*dt.Size()), d.alloc(cols*dt.Size())
				}
				row := LayerNormLaunch(int64(rows), 2) // fewer warps than rows: grid-stride
				d.launch(LayerNormKernel(LayerNormForward, dt), row, a, PackLayerNorm(a, LayerNormForward, &l))
				d.launch(LayerNormKernel(LayerNormBackward, dt), row, a, PackLayerNorm(a, LayerNormBackward, &l))
				if affine {
					var first, sum Launch
					l.Chunk, l.Chunks, first, sum = LayerNormParamsPlan(int64(rows), int64(cols), maxBlocks)
					l.PartW, l.PartB = d.alloc(int(l.Chunks)*cols*acc.Size()), d.alloc(int(l.Chunks)*cols*acc.Size())
					d.launch(LayerNormKernel(LayerNormBackwardParams, dt), first, a, PackLayerNorm(a, LayerNormBackwardParams, &l))
					d.launch(LayerNormKernel(LayerNormParamsSum, dt), sum, a, PackLayerNorm(a, LayerNormParamsSum, &l))
				}
				y, mean, rstd, dx, dw, db := layerNormRef(xv, wv, bv, dyv, rows, cols, eps)
				name := fmt.Sprintf("layernorm %dx%d affine=%v", rows, cols, affine)
				checkClose(t, name+" y", dt, d.download(dt, l.Out, rows*cols), roundTo(dt, y))
				checkClose(t, name+" mean", acc, d.download(acc, l.Mean, rows), mean)
				checkClose(t, name+" rstd", acc, d.download(acc, l.RStd, rows), rstd)
				checkClose(t, name+" dx", dt, d.download(dt, l.DX, rows*cols), roundTo(dt, dx))
				if affine {
					checkClose(t, name+" dw", dt, d.download(dt, l.DW, cols), roundTo(dt, dw))
					checkClose(t, name+" db", dt, d.download(dt, l.DB, cols), roundTo(dt, db))
				}
			}
		}
	}
}

// TestLayerNormParamsPlan: the parameter gradients of GPT-2 small's layer
// norms (8192 rows of 768) on an H200 (1056 blocks) take about that many
// blocks, and small problems a chunk per 16 rows at most.
func TestLayerNormParamsPlan(t *testing.T) {
	for _, c := range []struct {
		rows, cols          int64
		maxBlocks           int
		chunk, chunks       int64
		gridX, gridY, gridS uint32
	}{
		{8192, 768, 1056, 24, 342, 3, 342, 24},
		{10, 4, 1056, 10, 1, 1, 1, 1},
		{1 << 20, 1 << 20, 1056, 1 << 20, 1, 1056, 1, 1056},
	} {
		chunk, chunks, first, sum := LayerNormParamsPlan(c.rows, c.cols, c.maxBlocks)
		if chunk != c.chunk || chunks != c.chunks || first.Grid.X != c.gridX || first.Grid.Y != c.gridY || sum.Grid.X != c.gridS {
			t.Errorf("%d×%d on %d blocks: chunk %d, chunks %d, grids %v and %v", c.rows, c.cols, c.maxBlocks, chunk, chunks, first.Grid, sum.Grid)
		}
		if chunk*chunks < c.rows || chunk*(chunks-1) >= c.rows {
			t.Errorf("%d rows in %d chunks of %d", c.rows, chunks, chunk)
		}
	}
}
