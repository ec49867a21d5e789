package cpu

import (
	"math"
	"slices"

	"github.com/emberdl/ember/backend"
)

// lanes walks every 1-D lane of shape along axis for up to three views,
// calling fn with each view's lane offset.
func lanes(shape []int, axis int, views []backend.View, fn func(off [maxOps]int)) {
	s := slices.Clone(shape)
	s[axis] = 1
	offs := make([]int, len(views))
	strides := make([][]int, len(views))
	for i, v := range views {
		offs[i], strides[i] = v.Offset, v.Strides
	}
	l := newLoop(s, offs, strides...)
	l.run(max(1, shape[axis]*8), func(off [maxOps]int, m int) {
		for i := 0; i < m; i++ {
			var o [maxOps]int
			for k := range views {
				o[k] = off[k] + i*l.inner[k]
			}
			fn(o)
		}
	})
}

// Softmax writes softmax or log-softmax of src along axis.
func (c *Backend) Softmax(dst, src backend.View, axis int, log bool) {
	switch buf(dst).dt {
	case backend.Float32:
		softmax(dst, src, axis, log, buf(dst).F32, buf(src).F32)
	case backend.Float64:
		softmax(dst, src, axis, log, buf(dst).F64, buf(src).F64)
	default:
		panic("cpu.Softmax of " + buf(dst).dt.String())
	}
}

func softmax[T float](dst, src backend.View, axis int, log bool, d, s []T) {
	n := src.Shape[axis]
	ss, ds := src.Strides[axis], dst.Strides[axis]
	lanes(src.Shape, axis, []backend.View{dst, src}, func(off [maxOps]int) {
		do, so := off[0], off[1]
		m := math.Inf(-1)
		for i := 0; i < n; i++ {
			x := float64(s[so+i*ss])
			if x > m || x != x {
				m = x
			}
		}
		if math.IsInf(m, -1) {
			m = 0
		}
		sum := 0.0
		for i := 0; i < n; i++ {
			sum += math.Exp(float64(s[so+i*ss]) - m)
		}
		if log {
			lse := m + math.Log(sum)
			for i := 0; i < n; i++ {
				d[do+i*ds] = T(float64(s[so+i*ss]) - lse)
			}
			return
		}
		inv := 1 / sum
		for i := 0; i < n; i++ {
			d[do+i*ds] = T(math.Exp(float64(s[so+i*ss])-m) * inv)
		}
	})
}

// SoftmaxBackward computes dx from y and dy.
func (c *Backend) SoftmaxBackward(dx, y, dy backend.View, axis int, log bool) {
	switch buf(dx).dt {
	case backend.Float32:
		softmaxBwd(dx, y, dy, axis, log, buf(dx).F32, buf(y).F32, buf(dy).F32)
	case backend.Float64:
		softmaxBwd(dx, y, dy, axis, log, buf(dx).F64, buf(y).F64, buf(dy).F64)
	default:
		panic("cpu.SoftmaxBackward of " + buf(dx).dt.String())
	}
}

func softmaxBwd[T float](dx, y, dy backend.View, axis int, log bool, d, ys, gs []T) {
	n := y.Shape[axis]
	xs, yst, gst := dx.Strides[axis], y.Strides[axis], dy.Strides[axis]
	lanes(y.Shape, axis, []backend.View{dx, y, dy}, func(off [maxOps]int) {
		do, yo, go_ := off[0], off[1], off[2]
		sum := 0.0
		for i := 0; i < n; i++ {
			g := float64(gs[go_+i*gst])
			if log {
				sum += g
			} else {
				sum += g * float64(ys[yo+i*yst])
			}
		}
		for i := 0; i < n; i++ {
			g, yv := float64(gs[go_+i*gst]), float64(ys[yo+i*yst])
			if log {
				d[do+i*xs] = T(g - math.Exp(yv)*sum)
			} else {
				d[do+i*xs] = T(yv * (g - sum))
			}
		}
	})
}
