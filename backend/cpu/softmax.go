package cpu

import (
	"math"
	"slices"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/vec"
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
	defer l.free()
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
		if dst.Strides[axis] == 1 && src.Strides[axis] == 1 {
			softmax32(dst, src, axis, log)
			return
		}
		softmax(dst, src, axis, log, true, buf(dst).F32, buf(src).F32)
	case backend.Float64:
		softmax(dst, src, axis, log, false, buf(dst).F64, buf(src).F64)
	default:
		panic("cpu.Softmax of " + buf(dst).dt.String())
	}
}

// softmax works in float64 for both dtypes; float32 lanes use expFast,
// whose error is far below float32 precision.
func softmax[T float](dst, src backend.View, axis int, log, fast bool, d, s []T) {
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
			// Only -Inf: exp gives 0 everywhere, and the sum 0 gives NaN.
			m = 0
		}
		sum := 0.0
		if log {
			for i := 0; i < n; i++ {
				sum += expOf(float64(s[so+i*ss])-m, fast)
			}
			lse := m + math.Log(sum)
			for i := 0; i < n; i++ {
				d[do+i*ds] = T(float64(s[so+i*ss]) - lse)
			}
			return
		}
		// Store the exponentials, then scale: one exp per element.
		for i := 0; i < n; i++ {
			e := expOf(float64(s[so+i*ss])-m, fast)
			d[do+i*ds] = T(e)
			sum += e
		}
		inv := 1 / sum
		for i := 0; i < n; i++ {
			d[do+i*ds] = T(float64(d[do+i*ds]) * inv)
		}
	})
}

// expOf is math.Exp, or expFast when fast is set.
func expOf(x float64, fast bool) float64 {
	if fast {
		return expFast(x)
	}
	return math.Exp(x)
}

// expTable holds 2^(j/64) for j in [0, 64).
var expTable = func() (t [64]float64) {
	for j := range t {
		t[j] = math.Exp2(float64(j) / 64)
	}
	return t
}()

// expFast returns e^x with a relative error below 1e-9 for x in
// (-708, 709] (0 below, +Inf above, NaN for NaN): accurate enough for
// float32 results at a fraction of math.Exp's cost. It writes
// x = (64·e + j)·ln2/64 + r with |r| <= ln2/128, so that
// e^x = 2^e · 2^(j/64) · e^r, the middle factor from a table and e^r from a
// short polynomial.
func expFast(x float64) float64 {
	const (
		scale = 64 * 1.44269504088896340736     // 64/ln2
		ln2hi = 6.93147180369123816490e-01 / 64 // ln2/64 in two parts
		ln2lo = 1.90821492927058770002e-10 / 64
		round = 6755399441055744.0 // 1.5·2^52: adding it rounds to an integer
	)
	if !(x > -708) {
		if x != x {
			return x
		}
		return 0
	}
	if x > 709 {
		return math.Inf(1)
	}
	kf := (x*scale + round) - round
	r := x - kf*ln2hi - kf*ln2lo
	k := int64(kf)
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24))))
	return p * expTable[k&63] * math.Float64frombits(uint64((k>>6)+1023)<<52)
}

// SoftmaxBackward computes dx from y and dy.
func (c *Backend) SoftmaxBackward(dx, y, dy backend.View, axis int, log bool) {
	switch buf(dx).dt {
	case backend.Float32:
		if dx.Strides[axis] == 1 && y.Strides[axis] == 1 && dy.Strides[axis] == 1 {
			softmaxBwd32(dx, y, dy, axis, log)
			return
		}
		softmaxBwd(dx, y, dy, axis, log, true, buf(dx).F32, buf(y).F32, buf(dy).F32)
	case backend.Float64:
		softmaxBwd(dx, y, dy, axis, log, false, buf(dx).F64, buf(y).F64, buf(dy).F64)
	default:
		panic("cpu.SoftmaxBackward of " + buf(dx).dt.String())
	}
}

func softmaxBwd[T float](dx, y, dy backend.View, axis int, log, fast bool, d, ys, gs []T) {
	n := y.Shape[axis]
	xs, yst, gst := dx.Strides[axis], y.Strides[axis], dy.Strides[axis]
	lanes(y.Shape, axis, []backend.View{dx, y, dy}, func(off [maxOps]int) {
		do, yo, go_ := off[0], off[1], off[2]
		sum := 0.0
		if log {
			for i := 0; i < n; i++ {
				sum += float64(gs[go_+i*gst])
			}
			for i := 0; i < n; i++ {
				d[do+i*xs] = T(float64(gs[go_+i*gst]) - expOf(float64(ys[yo+i*yst]), fast)*sum)
			}
			return
		}
		for i := 0; i < n; i++ {
			sum += float64(gs[go_+i*gst]) * float64(ys[yo+i*yst])
		}
		for i := 0; i < n; i++ {
			d[do+i*xs] = T(float64(ys[yo+i*yst]) * (float64(gs[go_+i*gst]) - sum))
		}
	})
}

// softmax32 is softmax for float32 lanes of unit stride, computed in
// float32 with the vector kernels as PyTorch does: m = max, e = exp(x - m),
// y = e / sum(e), or y = (x - m) - log(sum(e)) for log-softmax.
func softmax32(dst, src backend.View, axis int, log bool) {
	n := src.Shape[axis]
	d, s := buf(dst).F32, buf(src).F32
	lanes(src.Shape, axis, []backend.View{dst, src}, func(off [maxOps]int) {
		y, x := d[off[0]:off[0]+n], s[off[1]:off[1]+n]
		m := vec.Max(x)
		if math.IsInf(float64(m), -1) {
			m = 0 // only -Inf: exp gives 0 everywhere, and the sum 0 gives NaN
		}
		if log {
			sum := vec.ExpShift(nil, x, m)
			vec.SubScalar(y, x, m)
			vec.SubScalar(y, y, float32(math.Log(sum)))
			return
		}
		sum := vec.ExpShift(y, x, m)
		vec.MulScalar(y, y, float32(1/sum))
	})
}

// softmaxBwd32 is SoftmaxBackward for float32 lanes of unit stride.
func softmaxBwd32(dx, y, dy backend.View, axis int, log bool) {
	n := y.Shape[axis]
	d, ys, gs := buf(dx).F32, buf(y).F32, buf(dy).F32
	lanes(y.Shape, axis, []backend.View{dx, y, dy}, func(off [maxOps]int) {
		dr, yr, gr := d[off[0]:off[0]+n], ys[off[1]:off[1]+n], gs[off[2]:off[2]+n]
		if log {
			// dx = dy - exp(y)·Σdy
			s := float32(vec.Sum(gr))
			vec.Exp(dr, yr)
			vec.SubScaled(dr, gr, dr, s)
			return
		}
		// dx = y·(dy - Σ dy·y)
		vec.SubMul(dr, gr, float32(vec.Dot(gr, yr)), yr)
	})
}
