package cuda

import (
	"fmt"
	"testing"

	"github.com/emberdl/ember/backend"
)

func TestSoftmaxForwardBackward(t *testing.T) {
	w := newTwin(t)
	shape := []int{3, 4, 5}
	for _, d := range floatTypes {
		for _, log := range []bool{false, true} {
			for axis := 0; axis < 3; axis++ {
				what := fmt.Sprintf("%v log=%v axis %d", d, log, axis)
				src := w.strided(d, -3, 3, 60, shape, []int{4, 1, 12}, 0)
				y := w.alloc(d, 0, shape...)
				onDevice(t, w.g, what, func() {
					w.run(func(be backend.Backend, v []backend.View) {
						halfOrSelf(be, v, []bool{true, false}, func(v []backend.View) { be.Softmax(v[0], v[1], axis, log) })
					}, y, src)
				})
				w.same("softmax "+what, y, tolFor(d))
				dy := w.random(d, -1, 1, shape...)
				dx := w.alloc(d, 0, shape...)
				onDevice(t, w.g, what, func() {
					w.run(func(be backend.Backend, v []backend.View) {
						halfOrSelf(be, v, []bool{true, false, false}, func(v []backend.View) { be.SoftmaxBackward(v[0], v[1], v[2], axis, log) })
					}, dx, y, dy)
				})
				w.same("softmax backward "+what, dx, tolFor(d))
			}
		}
	}
}

func TestLayerNormForwardBackward(t *testing.T) {
	w := newTwin(t)
	for _, d := range floatTypes {
		for _, affine := range []bool{false, true} {
			what := fmt.Sprintf("%v affine=%v", d, affine)
			rows, cols := 6, 10
			x := transposed(w.random(d, -2, 3, cols, rows)) // strided [6, 10]
			var wt, bs pair
			if affine {
				wt, bs = w.random(d, 0.5, 1.5, cols), w.random(d, -1, 1, cols)
			}
			y := w.alloc(d, 0, rows, cols)
			mean, rstd := w.alloc(d, 0, rows), w.alloc(d, 0, rows)
			onDevice(t, w.g, what, func() {
				w.run(func(be backend.Backend, v []backend.View) {
					halfOrSelf(be, v, []bool{true, true, true, false, false, false}, func(v []backend.View) {
						be.LayerNorm(v[0], v[1], v[2], v[3], v[4], v[5], 1e-5)
					})
				}, y, mean, rstd, x, wt, bs)
			})
			w.same("layernorm y "+what, y, tolFor(d))
			w.same("layernorm mean "+what, mean, tolFor(d))
			w.same("layernorm rstd "+what, rstd, tolFor(d))

			dy := w.random(d, -1, 1, rows, cols)
			dx := w.alloc(d, 0, rows, cols)
			var dw, db pair
			if affine {
				dw, db = w.alloc(d, 0, cols), w.alloc(d, 0, cols)
			}
			onDevice(t, w.g, what, func() {
				w.run(func(be backend.Backend, v []backend.View) {
					halfOrSelf(be, v, []bool{true, true, true, false, false, false, false, false}, func(v []backend.View) {
						be.LayerNormBackward(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
					})
				}, dx, dw, db, dy, x, mean, rstd, wt)
			})
			tl := tolFor(d)
			if d == backend.Float32 {
				tl = tol{1e-4, 1e-5}
			}
			w.same("layernorm dx "+what, dx, tl)
			if affine {
				w.same("layernorm dw "+what, dw, tl)
				w.same("layernorm db "+what, db, tl)
			}
		}
	}
	// Only the parameter gradients.
	x := w.random(backend.Float32, -1, 1, 4, 8)
	y, mean, rstd := w.alloc(backend.Float32, 0, 4, 8), w.alloc(backend.Float32, 0, 4), w.alloc(backend.Float32, 0, 4)
	w.run(func(be backend.Backend, v []backend.View) {
		be.LayerNorm(v[0], v[1], v[2], v[3], backend.View{}, backend.View{}, 1e-5)
	}, y, mean, rstd, x)
	dy, db := w.random(backend.Float32, -1, 1, 4, 8), w.alloc(backend.Float32, 0, 8)
	w.run(func(be backend.Backend, v []backend.View) {
		be.LayerNormBackward(backend.View{}, backend.View{}, v[0], v[1], v[2], v[3], v[4], backend.View{})
	}, db, dy, x, mean, rstd)
	w.same("layernorm db alone", db, tol{1e-5, 1e-6})
}
