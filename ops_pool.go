package ember

import (
	"fmt"

	"github.com/emberdl/ember/backend"
)

// PoolOptions configures MaxPool1d/2d and AvgPool1d/2d. The per-dimension
// fields take one value for every spatial dimension or one value per
// dimension (height then width).
type PoolOptions struct {
	Kernel   []int // window size (required)
	Stride   []int // step of the window (default: the kernel size)
	Padding  []int // implicit padding on both sides, at most half the kernel (default 0)
	Dilation []int // spacing of the window taps, max pooling only (default 1)
	CeilMode bool  // round the output size up instead of down (ceil_mode)
	// ExcludePad leaves padded positions out of an average's divisor
	// (PyTorch's count_include_pad=False; the default counts them).
	ExcludePad bool
	// DivisorOverride, when non-zero, divides every window sum of an
	// average by this value (divisor_override).
	DivisorOverride int
}

// poolGeom is a pooling window over two spatial dimensions (height 1 for
// the 1-D ops).
type poolGeom struct {
	k, s, p, d [2]int
	in, out    [2]int
}

// params returns the geometry as backend pooling parameters.
func (g poolGeom) params() backend.PoolParams {
	return backend.PoolParams{KernelH: g.k[0], KernelW: g.k[1], StrideH: g.s[0], StrideW: g.s[1], PadH: g.p[0], PadW: g.p[1], DilationH: g.d[0], DilationW: g.d[1]}
}

// convParams returns the geometry as the parameters of a one-channel
// convolution with the same window.
func (g poolGeom) convParams() backend.ConvParams {
	return backend.ConvParams{StrideH: g.s[0], StrideW: g.s[1], PadH: g.p[0], PadW: g.p[1], DilationH: g.d[0], DilationW: g.d[1], Groups: 1}
}

// poolOutSize is PyTorch's pooling output size for one dimension.
func poolOutSize(in, k, s, p, d int, ceil bool) int {
	num := in + 2*p - d*(k-1) - 1
	if ceil {
		num += s - 1
	}
	out := floorDiv(num, s) + 1
	if ceil && (out-1)*s >= in+p {
		out--
	}
	return out
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// poolSetup checks a pooling call and returns the input as a batched 4-D
// tensor (1-D inputs get a height of 1), whether a batch axis was added,
// and the window geometry.
func poolSetup(op string, nd int, x *Tensor, o PoolOptions, dilated bool) (*Tensor, bool, poolGeom) {
	xb, unbatched := unbatch(op, x, nd+2)
	for i := 1; i < xb.Dim(); i++ {
		if xb.shape[i] == 0 {
			panic(shapeErr(op, fmt.Sprintf("Expected input to have non-zero size for non-batch dimensions, but got input of size %v", x.shape), x.shape))
		}
	}
	if len(o.Kernel) == 0 {
		panic(&ValueError{Op: op, Msg: "kernel_size must be given"})
	}
	k := spatialArg(op, "kernel_size", o.Kernel, nd, 0)
	s := k
	if len(o.Stride) > 0 {
		s = spatialArg(op, "stride", o.Stride, nd, 0)
	}
	p := spatialArg(op, "padding", o.Padding, nd, 0)
	if !dilated && len(o.Dilation) > 0 {
		panic(&ValueError{Op: op, Msg: "average pooling takes no dilation"})
	}
	d := spatialArg(op, "dilation", o.Dilation, nd, 1)
	checkMin(op, "kernel size", k, 1)
	checkMin(op, "stride", s, 1)
	checkMin(op, "padding", p, 0)
	checkMin(op, "dilation", d, 1)
	var g poolGeom
	if nd == 1 {
		xb = xb.Unsqueeze(2)
		k, s, p, d = []int{1, k[0]}, []int{1, s[0]}, []int{0, p[0]}, []int{1, d[0]}
	}
	for i := range 2 {
		if p[i] > k[i]/2 {
			panic(&ValueError{Op: op, Msg: fmt.Sprintf("pad should be at most half of kernel size, but got pad=%d and kernel_size=%d", p[i], k[i])})
		}
		g.k[i], g.s[i], g.p[i], g.d[i], g.in[i] = k[i], s[i], p[i], d[i], xb.shape[2+i]
		g.out[i] = poolOutSize(g.in[i], k[i], s[i], p[i], d[i], o.CeilMode)
	}
	if g.out[0] < 1 || g.out[1] < 1 {
		panic(shapeErr(op, fmt.Sprintf("Given input size %v, calculated output size %v is too small", x.shape, g.out), x.shape))
	}
	return xb, unbatched, g
}

// poolFinish undoes poolSetup's reshaping on a [N, C, OH, OW] result.
func poolFinish(y *Tensor, nd int, unbatched bool) *Tensor {
	if nd == 1 {
		y = y.Squeeze(2)
	}
	if unbatched {
		y = y.Squeeze(0)
	}
	return y
}

// MaxPool2d returns the maxima of the windows of x [N, C, H, W] (or
// unbatched [C, H, W]) and, as int64, the flat position h*W + w of each
// maximum within its plane (as PyTorch's return_indices=True). Padding
// counts as -Inf; NaN is the maximum of any window holding one. The
// gradient flows to the argmax positions.
func MaxPool2d(x *Tensor, opts PoolOptions) (values, indices *Tensor) {
	return maxPoolNd("max_pool2d", 2, x, opts)
}

// MaxPool1d is MaxPool2d for x [N, C, L] (or [C, L]); indices are
// positions along L.
func MaxPool1d(x *Tensor, opts PoolOptions) (values, indices *Tensor) {
	return maxPoolNd("max_pool1d", 1, x, opts)
}

// MaxPool2dValues is MaxPool2d without the indices
// (torch.nn.functional.max_pool2d): the window maxima, with the same
// gradient. When no gradient is recorded, on a backend that can pool
// without them (the CPU), the indices are never stored, so inference does
// not fill an int64 buffer as large as the output.
func MaxPool2dValues(x *Tensor, opts PoolOptions) *Tensor {
	return maxPoolValues("max_pool2d", 2, x, opts)
}

// MaxPool1dValues is MaxPool1d without the indices.
func MaxPool1dValues(x *Tensor, opts PoolOptions) *Tensor {
	return maxPoolValues("max_pool1d", 1, x, opts)
}

// valuesMaxPooler is implemented by backends that pool without writing
// indices (the CPU's MaxPool2dValues).
type valuesMaxPooler interface {
	MaxPool2dValues(dst, x backend.View, p backend.PoolParams)
}

func maxPoolValues(op string, nd int, x *Tensor, o PoolOptions) *Tensor {
	if vp, ok := x.be().(valuesMaxPooler); ok && track(x) == nil {
		checkFloatOperands(op, x)
		xb, unbatched, g := poolSetup(op, nd, x, o, true)
		dt := xb.computeDType()
		vals := xb.alloc(dt, []int{xb.shape[0], xb.shape[1], g.out[0], g.out[1]})
		vp.MaxPool2dValues(vals.view(), xb.castNoGrad(dt).view(), g.params())
		return poolFinish(vals.castNoGrad(xb.dtype), nd, unbatched)
	}
	v, i := maxPoolNd(op, nd, x, o)
	if !v.RequiresGrad() {
		i.Free() // nothing holds them for a backward pass
	}
	return v
}

func maxPoolNd(op string, nd int, x *Tensor, o PoolOptions) (*Tensor, *Tensor) {
	checkFloatOperands(op, x)
	xb, unbatched, g := poolSetup(op, nd, x, o, true)
	dt := xb.computeDType()
	shape := []int{xb.shape[0], xb.shape[1], g.out[0], g.out[1]}
	vals := xb.alloc(dt, shape)
	idx := xb.alloc(Int64, shape)
	xb.be().MaxPool2d(vals.view(), idx.view(), xb.castNoGrad(dt).view(), g.params())
	vals = vals.castNoGrad(xb.dtype)
	if r := track(xb); r != nil {
		inShape := xb.shape
		r.record(vals, "MaxPool2DWithIndicesBackward0", func(gr *Tensor) []*Tensor {
			return []*Tensor{maxPoolGrad(gr, idx, inShape)}
		})
	}
	return poolFinish(vals, nd, unbatched), poolFinish(idx, nd, unbatched)
}

// maxPoolGrad scatters the output gradient g into the argmax positions idx
// of an input of shape [N, C, H, W], adding where windows share a maximum.
// The indices come from the forward kernel, so the scatter runs unchecked.
// Its own gradient gathers at the same positions (so it can be
// differentiated again).
func maxPoolGrad(g, idx *Tensor, in []int) *Tensor {
	if gx := maxPoolGradKernel(g, idx, in); gx != nil {
		return gx
	}
	n, c, m, hw := in[0], in[1], idx.shape[2]*idx.shape[3], in[2]*in[3]
	dt := g.computeDType()
	flat := g.alloc(dt, []int{n, c, hw})
	g.be().Fill(flat.view(), 0)
	if flat.Numel() > 0 && m > 0 {
		gv := g.Detach().castNoGrad(dt).Reshape(n, c, m)
		g.be().Scatter(flat.view(), 2, idx.Reshape(n, c, m).view(), gv.view(), true)
	}
	out := flat.castNoGrad(g.dtype).Reshape(in...)
	if r := track(g); r != nil {
		gshape := g.shape
		r.record(out, "MaxPool2DWithIndicesBackwardBackward0", func(gg *Tensor) []*Tensor {
			return []*Tensor{gg.Reshape(n, c, hw).Gather(2, idx.Reshape(n, c, m)).Reshape(gshape...)}
		})
	}
	return out
}

// AvgPool2d returns the averages of the windows of x [N, C, H, W] (or
// [C, H, W]). Padding counts as zeros, and as part of the divisor unless
// ExcludePad is set; windows that overhang the padded input in ceil mode
// divide by their clipped size, as PyTorch does. Integer inputs give
// integer averages (truncated).
func AvgPool2d(x *Tensor, opts PoolOptions) *Tensor { return avgPoolNd("avg_pool2d", 2, x, opts) }

// AvgPool1d is AvgPool2d for x [N, C, L] (or [C, L]).
func AvgPool1d(x *Tensor, opts PoolOptions) *Tensor { return avgPoolNd("avg_pool1d", 1, x, opts) }

// avgDivisor returns, along one dimension, the divisor factor of each
// output position: the window length clipped to the padded input, or to the
// input itself when pad is excluded (1 for empty windows, whose sum is 0).
func avgDivisor(g poolGeom, i int, excludePad bool) []float64 {
	out := make([]float64, g.out[i])
	for o := range out {
		lo := o*g.s[i] - g.p[i]
		hi := min(lo+g.k[i], g.in[i]+g.p[i])
		size := hi - lo
		lo, hi = max(lo, 0), min(hi, g.in[i])
		if excludePad {
			size = hi - lo
		}
		out[o] = float64(max(size, 1))
	}
	return out
}

func avgPoolNd(op string, nd int, x *Tensor, o PoolOptions) *Tensor {
	sameDevice(op, x)
	if x.dtype == Bool {
		panic(&DTypeError{Op: op, Msg: fmt.Sprintf("\"%s\" not implemented for 'bool'", op)})
	}
	xb, unbatched, g := poolSetup(op, nd, x, o, false)
	dt := xb.computeDType()
	if !dt.IsFloat() {
		dt = Float64
	}
	// Window sums are a one-channel convolution with a kernel of ones over
	// every plane; the divisor is separable into height and width factors.
	n, c := xb.shape[0], xb.shape[1]
	planes := xb.castNoGrad(dt).Reshape(n*c, 1, g.in[0], g.in[1])
	ones := full(xb.be(), xb.Device(), dt, []int{1, 1, g.k[0], g.k[1]}, 1)
	sums := xb.alloc(dt, []int{n * c, 1, g.out[0], g.out[1]})
	p := g.convParams()
	xb.be().Conv2d(sums.view(), planes.view(), ones.view(), p)
	var div *Tensor
	if o.DivisorOverride != 0 {
		div = full(xb.be(), xb.Device(), dt, nil, float64(o.DivisorOverride))
	} else {
		dh, dw := avgDivisor(g, 0, o.ExcludePad), avgDivisor(g, 1, o.ExcludePad)
		d := make([]float64, 0, len(dh)*len(dw))
		for _, a := range dh {
			for _, b := range dw {
				d = append(d, a*b)
			}
		}
		div = FromSlice(d, g.out[0], g.out[1]).To(dt, xb.Device())
	}
	var out *Tensor
	out = sums.Detach().Div(div).Reshape(n, c, g.out[0], g.out[1]).castNoGrad(xb.dtype)
	if !out.dtype.IsFloat() {
		return poolFinish(out, nd, unbatched)
	}
	if r := track(xb); r != nil {
		r.record(out, "AvgPool2DBackward0", func(gr *Tensor) []*Tensor {
			gp := gr.Div(div.To(gr.dtype)).Reshape(n*c, 1, g.out[0], g.out[1])
			gx := convTransposeOp(gp, ones.To(gr.dtype), nil, p, g.in[0], g.in[1])
			return []*Tensor{gx.Reshape(n, c, g.in[0], g.in[1])}
		})
	}
	return poolFinish(out, nd, unbatched)
}

// adaptiveMatrix returns the [out, in] averaging matrix of adaptive
// pooling: row i averages input positions floor(i*in/out) up to
// ceil((i+1)*in/out).
func adaptiveMatrix(in, out int, dt DType, dev Device) *Tensor {
	m := make([]float64, out*in)
	for i := range out {
		lo := i * in / out
		hi := ((i+1)*in + out - 1) / out
		for j := lo; j < hi; j++ {
			m[i*in+j] = 1 / float64(hi-lo)
		}
	}
	return FromSlice(m, out, in).To(dt, dev)
}

// AdaptiveAvgPool2d averages x [N, C, H, W] (or [C, H, W]) over an outH ×
// outW grid of windows chosen by PyTorch's rule (window i spans
// floor(i*H/outH) to ceil((i+1)*H/outH)), so any input size maps to the
// requested output size.
func AdaptiveAvgPool2d(x *Tensor, outH, outW int) *Tensor {
	return adaptiveAvgPool("adaptive_avg_pool2d", 2, x, []int{outH, outW})
}

// AdaptiveAvgPool1d is AdaptiveAvgPool2d for x [N, C, L] (or [C, L]).
func AdaptiveAvgPool1d(x *Tensor, out int) *Tensor {
	return adaptiveAvgPool("adaptive_avg_pool1d", 1, x, []int{out})
}

func adaptiveAvgPool(op string, nd int, x *Tensor, size []int) *Tensor {
	checkFloatOperands(op, x)
	xb, unbatched := unbatch(op, x, nd+2)
	for i := 1; i < xb.Dim(); i++ {
		if xb.shape[i] == 0 {
			panic(shapeErr(op, fmt.Sprintf("Expected input to have non-zero size for non-batch dimensions, but input has sizes %v with dimension %d being empty", x.shape, i), x.shape))
		}
	}
	checkMin(op, "output_size", size, 0)
	if nd == 1 {
		xb = xb.Unsqueeze(2)
		size = []int{1, size[0]}
	}
	h, w := xb.shape[2], xb.shape[3]
	// out = A_H · x · A_Wᵀ, with the averaging matrices of each dimension.
	ah := adaptiveMatrix(h, size[0], xb.dtype, xb.Device())
	aw := adaptiveMatrix(w, size[1], xb.dtype, xb.Device())
	var out *Tensor
	out = ah.Matmul(xb.Detach().Matmul(aw.T()))
	if r := track(xb); r != nil {
		r.record(out, "AdaptiveAvgPool2DBackward0", func(g *Tensor) []*Tensor {
			return []*Tensor{ah.T().Matmul(g.Matmul(aw))}
		})
	}
	return poolFinish(out, nd, unbatched)
}
