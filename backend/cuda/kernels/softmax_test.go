package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend/cuda/driver"
)

func logSumExp(row []float64) float64 {
	m := math.Inf(-1)
	for _, v := range row {
		m = math.Max(m, v)
	}
	s := 0.0
	for _, v := range row {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

func TestSoftmaxForwardBackward(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(6, 6))
	a := driver.NewArgs()
	for _, shape := range [][2]int64{{4, 50}, {3, 600}, {5, 1}} {
		rows, cols := shape[0], shape[1]
		n := int(rows * cols)
		for _, dt := range FloatTypes {
			for _, log := range []bool{false, true} {
				x, xv := d.upload(dt, randRange(rng, n, -5, 5))
				y := d.alloc(n * dt.Size())
				l := RowLaunch(rows, cols, 2)
				err := PackSoftmaxForward(a, y, x, rows, cols)
				d.launch(SoftmaxKernel(dt, log, false), l, a, err)
				want := make([]float64, n)
				for r := 0; r < int(rows); r++ {
					row := xv[r*int(cols) : (r+1)*int(cols)]
					lse := logSumExp(row)
					for c, v := range row {
						if log {
							want[r*int(cols)+c] = v - lse
						} else {
							want[r*int(cols)+c] = math.Exp(v - lse)
						}
					}
				}
				name := fmt.Sprintf("softmax(log=%v) %dx%d", log, rows, cols)
				yv := d.download(dt, y, n)
				checkClose(t, name, dt, yv, roundTo(dt, want))

				// Backward from the kernel's own forward output.
				dy, dyv := d.upload(dt, randRange(rng, n, -1, 1))
				dx := d.alloc(n * dt.Size())
				err = PackSoftmaxBackward(a, dx, y, dy, rows, cols)
				d.launch(SoftmaxKernel(dt, log, true), l, a, err)
				wantDx := make([]float64, n)
				for r := 0; r < int(rows); r++ {
					ys, gs := yv[r*int(cols):(r+1)*int(cols)], dyv[r*int(cols):(r+1)*int(cols)]
					s := 0.0
					for c := range ys {
						if log {
							s += gs[c]
						} else {
							s += gs[c] * ys[c]
						}
					}
					for c := range ys {
						if log {
							wantDx[r*int(cols)+c] = gs[c] - math.Exp(ys[c])*s
						} else {
							wantDx[r*int(cols)+c] = ys[c] * (gs[c] - s)
						}
					}
				}
				checkClose(t, name+" backward", dt, d.download(dt, dx, n), roundTo(dt, wantDx))
			}
		}
	}
}

// crossEntropyRef returns PyTorch's per-row loss and d(loss)/d(logits) for
// per-row upstream gradients g.
func crossEntropyRef(x []float64, target []int64, rows, cols int, ignore int64, eps float64, g []float64) (loss, dx []float64) {
	loss, dx = make([]float64, rows), make([]float64, rows*cols)
	for r := 0; r < rows; r++ {
		row := x[r*cols : (r+1)*cols]
		t := target[r]
		if t == ignore {
			continue
		}
		lse := logSumExp(row)
		mean := 0.0
		for _, v := range row {
			mean += v
		}
		mean /= float64(cols)
		loss[r] = (1 - eps) * (lse - row[t])
		if eps != 0 { // without smoothing a masked (-Inf) logit leaves the loss finite
			loss[r] += eps * (lse - mean)
		}
		for c, v := range row {
			q := eps / float64(cols)
			if int64(c) == t {
				q += 1 - eps
			}
			dx[r*cols+c] = g[r] * (math.Exp(v-lse) - q)
		}
	}
	return loss, dx
}

func TestCrossEntropy(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(7, 7))
	const rows, ignore = 6, -100
	target := []int64{3, 0, ignore, 39, 17, 3}
	a := driver.NewArgs()
	// 40 columns: rows on 16-byte boundaries; 301: rows starting anywhere
	// (a head, 16-byte runs and a tail each). dOff shifts dlogits off
	// logits' boundaries (the backward then goes element by element).
	for _, cols := range []int{40, 301} {
		for _, dOff := range []int{0, 1} {
			for _, dt := range FloatTypes {
				acc := F32
				if dt == F64 {
					acc = F64
				}
				for _, eps := range []float64{0, 0.1} {
					xs := randRange(rng, rows*cols, -4, 4)
					if eps == 0 { // masked logits (smoothing would average them to -Inf)
						xs[1*cols+5], xs[4*cols+cols-1] = math.Inf(-1), math.Inf(-1)
					}
					x, xv := d.upload(dt, xs)
					tg := d.uploadI64(target)
					g, gv := d.upload(acc, randRange(rng, rows, 0.5, 2))
					dbuf := d.alloc((rows*cols + dOff) * dt.Size())
					c := CrossEntropy{
						Logits: x, Target: tg, Loss: d.alloc(rows * 8), LSE: d.alloc(rows * 8),
						DLogits: dbuf + driver.DevicePtr(dOff*dt.Size()), DLoss: g, Err: d.zeros(4),
						Rows: rows, Cols: int64(cols), IgnoreIndex: ignore, Smoothing: eps, Scale: 0.25,
					}
					l := RowLaunch(rows, int64(cols), 4)
					d.launch(CrossEntropyKernel(dt, false), l, a, PackCrossEntropyForward(a, &c))
					d.launch(CrossEntropyKernel(dt, true), l, a, PackCrossEntropyBackward(a, &c))
					scaled := make([]float64, rows)
					for i := range gv {
						scaled[i] = 0.25 * gv[i]
					}
					wantLoss, wantDx := crossEntropyRef(xv, target, rows, cols, ignore, eps, scaled)
					name := fmt.Sprintf("cross-entropy %v cols=%d dOff=%d eps=%v", dt, cols, dOff, eps)
					checkClose(t, name+" loss", acc, d.download(acc, c.Loss, rows), wantLoss)
					checkClose(t, name+" dlogits", dt, d.download(dt, c.DLogits, rows*cols), roundTo(dt, wantDx))
					if e := binary.LittleEndian.Uint32(d.read(c.Err, 4)); e != 0 {
						t.Errorf("%s: error flag %d on valid targets", name, e)
					}
				}
			}
		}
	}
}

func TestCrossEntropyBadTarget(t *testing.T) {
	d := device(t)
	x, _ := d.upload(F32, []float64{1, 2, 3, 4, 5, 6})
	c := CrossEntropy{
		Logits: x, Target: d.uploadI64([]int64{1, 3}), Loss: d.alloc(8), Err: d.zeros(4),
		Rows: 2, Cols: 3, IgnoreIndex: -100,
	}
	a := driver.NewArgs()
	d.launch(CrossEntropyKernel(F32, false), RowLaunch(2, 3, 2), a, PackCrossEntropyForward(a, &c))
	loss := d.download(F32, c.Loss, 2)
	if want := logSumExp([]float64{1, 2, 3}) - 2; math.Abs(loss[0]-want) > 1e-5 || !math.IsNaN(loss[1]) {
		t.Errorf("loss = %v, want [%v NaN]", loss, want)
	}
	if e := binary.LittleEndian.Uint32(d.read(c.Err, 4)); e != 1 {
		t.Errorf("error flag = %d, want 1", e)
	}
	if err := PackCrossEntropyBackward(a, &c); err == nil {
		t.Error("backward without LSE accepted")
	}
}
