package ember

import (
	"fmt"
	"math"
)

// Interpolation modes of Interpolate.
const (
	InterpNearest      = "nearest"       // the pixel at floor(dst*scale) (PyTorch's legacy "nearest")
	InterpNearestExact = "nearest-exact" // the pixel at floor((dst+0.5)*scale)
	InterpBilinear     = "bilinear"      // linear in height and width
)

// InterpolateOptions configures Interpolate. Exactly one of Size and
// ScaleFactor is set; each takes one value for both spatial dimensions or
// one per dimension (height then width).
type InterpolateOptions struct {
	Size        []int     // the output height and width
	ScaleFactor []float64 // the output size is floor(input size × factor)
	Mode        string    // InterpNearest (default), InterpNearestExact or InterpBilinear
	// AlignCorners (bilinear only) maps the corner pixels of input and
	// output onto each other instead of their outer edges.
	AlignCorners bool
	// RecomputeScaleFactor samples with the ratio of the computed output
	// size to the input size instead of the given ScaleFactor.
	RecomputeScaleFactor bool
}

// Interpolate resizes the spatial dimensions of x [N, C, H, W], like
// torch.nn.functional.interpolate in modes nearest, nearest-exact and
// bilinear. Nearest modes accept any non-bool dtype; bilinear needs floats.
func Interpolate(x *Tensor, opts InterpolateOptions) *Tensor {
	const op = "interpolate"
	x = autocast1(op, x)
	mode := opts.Mode
	if mode == "" {
		mode = InterpNearest
	}
	switch mode {
	case InterpNearest, InterpNearestExact:
		if opts.AlignCorners {
			panic(&ValueError{Op: op, Msg: "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear"})
		}
		if x.dtype == Bool {
			panic(&DTypeError{Op: op, Msg: "\"upsample_nearest2d\" not implemented for 'bool'"})
		}
	case InterpBilinear:
		checkFloatOperands(op, x)
	default:
		panic(&ValueError{Op: op, Msg: fmt.Sprintf("unsupported mode %q (want nearest, nearest-exact or bilinear)", opts.Mode)})
	}
	if x.Dim() != 4 {
		panic(shapeErr(op, fmt.Sprintf("expected a 4-D input [N, C, H, W] for %s interpolation, got input of size %v", mode, x.shape), x.shape))
	}
	in := x.shape[2:]
	out, scales := interpSizes(op, in, opts)
	switch mode {
	case InterpBilinear:
		return bilinear(x, out, scales, opts.AlignCorners)
	default:
		return nearest(x, out, scales, mode == InterpNearestExact)
	}
}

// interpSizes returns the output size and, when the sampling follows a
// given scale factor, that factor per dimension (nil otherwise).
func interpSizes(op string, in []int, o InterpolateOptions) ([]int, []float64) {
	switch {
	case o.Size != nil && o.ScaleFactor != nil:
		panic(&ValueError{Op: op, Msg: "only one of size or scale_factor should be defined"})
	case o.Size != nil:
		if o.RecomputeScaleFactor {
			panic(&ValueError{Op: op, Msg: "recompute_scale_factor is not meaningful with an explicit size"})
		}
		out := spatialArg(op, "size", o.Size, 2, 0)
		checkMin(op, "size", out, 1)
		return out, nil
	case o.ScaleFactor != nil:
		var sf []float64
		switch len(o.ScaleFactor) {
		case 1:
			sf = []float64{o.ScaleFactor[0], o.ScaleFactor[0]}
		case 2:
			sf = o.ScaleFactor
		default:
			panic(&ValueError{Op: op, Msg: fmt.Sprintf("scale_factor shape must match input shape. Input is 2D, scale_factor size is %d", len(o.ScaleFactor))})
		}
		out := make([]int, 2)
		for i := range out {
			if !(sf[i] > 0) || math.IsInf(sf[i], 0) {
				panic(&ValueError{Op: op, Msg: fmt.Sprintf("scale_factor must be positive and finite, got %v", o.ScaleFactor)})
			}
			out[i] = int(math.Floor(float64(in[i]) * sf[i]))
			if out[i] < 1 {
				panic(&ValueError{Op: op, Msg: fmt.Sprintf("input size %v with scale_factor %v gives an empty output", in, o.ScaleFactor)})
			}
		}
		if o.RecomputeScaleFactor {
			return out, nil
		}
		return out, sf
	}
	panic(&ValueError{Op: op, Msg: "either size or scale_factor should be defined"})
}

// scaleOf returns the source-per-destination ratio PyTorch samples with:
// 1/factor when a scale factor is given, else in/out, in precision T.
func scaleOf[T float32 | float64](in, out int, scales []float64, i int) T {
	if scales != nil && scales[i] > 0 {
		return T(1.0 / scales[i])
	}
	return T(in) / T(out)
}

// nearestIndices returns the source index of each output position along
// one dimension, computed in float32 as PyTorch does.
func nearestIndices(in, out int, scales []float64, i int, exact bool) []int64 {
	idx := make([]int64, out)
	s := scaleOf[float32](in, out, scales, i)
	for d := range idx {
		var src int64
		switch {
		case exact:
			src = int64(math.Floor(float64(float32((float64(d) + 0.5) * float64(s)))))
		case out == in:
			src = int64(d)
		case out == 2*in:
			src = int64(d >> 1)
		default:
			src = int64(math.Floor(float64(float32(d) * s)))
		}
		idx[d] = min(src, int64(in-1))
	}
	return idx
}

// indexTensor puts host indices on t's device.
func indexTensor(t *Tensor, idx []int64) *Tensor { return FromSlice(idx).To(t.Device()) }

func nearest(x *Tensor, out []int, scales []float64, exact bool) *Tensor {
	h, w := x.shape[2], x.shape[3]
	ih := indexTensor(x, nearestIndices(h, out[0], scales, 0, exact))
	iw := indexTensor(x, nearestIndices(w, out[1], scales, 1, exact))
	var y *Tensor
	y = x.Detach().IndexSelect(2, ih).IndexSelect(3, iw)
	if !y.dtype.IsFloat() {
		return y
	}
	name := "UpsampleNearest2DBackward1"
	if exact {
		name = "UpsampleNearestExact2DBackward1"
	}
	if r := track(x); r != nil {
		r.record(y, name, func(g *Tensor) []*Tensor {
			gw := Zeros([]int{g.shape[0], g.shape[1], g.shape[2], w}, g.dtype, g.Device()).IndexAdd(3, iw, g)
			return []*Tensor{Zeros(x.shape, g.dtype, g.Device()).IndexAdd(2, ih, gw)}
		})
	}
	return y
}

// linearAxis holds the two source indices and weights of each output
// position of linear interpolation along one dimension.
type linearAxis struct {
	i0, i1 *Tensor // int64 [out]
	l0, l1 *Tensor // weights [out] in the input's dtype
}

// linearWeights computes PyTorch's source indices and weights (in
// precision T, as its CPU kernel does).
func linearWeights[T float32 | float64](in, out int, scales []float64, i int, align bool) (i0, i1 []int64, l0, l1 []float64) {
	var ratio T
	switch {
	case align && out > 1:
		ratio = T(in-1) / T(out-1)
	case align:
		ratio = 0
	default:
		ratio = scaleOf[T](in, out, scales, i)
	}
	i0, i1 = make([]int64, out), make([]int64, out)
	l0, l1 = make([]float64, out), make([]float64, out)
	for d := range out {
		if in == out {
			i0[d], i1[d], l0[d], l1[d] = int64(d), int64(d), 1, 0
			continue
		}
		var src T
		if align {
			src = ratio * T(d)
		} else {
			src = T(float64(ratio)*(float64(d)+0.5) - 0.5)
			if src < 0 {
				src = 0
			}
		}
		i0[d] = int64(src)
		i1[d] = i0[d]
		if i0[d] < int64(in-1) {
			i1[d]++
		}
		lam := min(max(src-T(i0[d]), 0), 1)
		l1[d], l0[d] = float64(lam), float64(1-lam)
	}
	return i0, i1, l0, l1
}

func newLinearAxis(x *Tensor, in, out int, scales []float64, i int, align bool, weightShape []int) linearAxis {
	var i0, i1 []int64
	var l0, l1 []float64
	if x.dtype == Float64 {
		i0, i1, l0, l1 = linearWeights[float64](in, out, scales, i, align)
	} else {
		i0, i1, l0, l1 = linearWeights[float32](in, out, scales, i, align)
	}
	wt := func(v []float64) *Tensor { return FromSlice(v, weightShape...).To(x.dtype, x.Device()) }
	return linearAxis{i0: indexTensor(x, i0), i1: indexTensor(x, i1), l0: wt(l0), l1: wt(l1)}
}

// apply interpolates t along axis.
func (a linearAxis) apply(t *Tensor, axis int) *Tensor {
	return t.IndexSelect(axis, a.i0).Mul(a.l0).Add(t.IndexSelect(axis, a.i1).Mul(a.l1))
}

// adjoint maps a gradient of apply's output back to an input of size n
// along axis (differentiable: built from IndexAdd).
func (a linearAxis) adjoint(g *Tensor, axis, n int) *Tensor {
	shape := g.Shape()
	shape[axis] = n
	z := Zeros(shape, g.dtype, g.Device())
	return z.IndexAdd(axis, a.i0, g.Mul(a.l0)).IndexAdd(axis, a.i1, g.Mul(a.l1))
}

func bilinear(x *Tensor, out []int, scales []float64, align bool) *Tensor {
	h, w := x.shape[2], x.shape[3]
	ah := newLinearAxis(x, h, out[0], scales, 0, align, []int{out[0], 1})
	aw := newLinearAxis(x, w, out[1], scales, 1, align, []int{out[1]})
	var y *Tensor
	y = aw.apply(ah.apply(x.Detach(), 2), 3)
	if r := track(x); r != nil {
		r.record(y, "UpsampleBilinear2DBackward1", func(g *Tensor) []*Tensor {
			return []*Tensor{ah.adjoint(aw.adjoint(g, 3, w), 2, h)}
		})
	}
	return y
}
