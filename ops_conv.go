package ember

import (
	"fmt"
	"slices"

	"github.com/emberdl/ember/backend"
)

// ConvPadding is PyTorch's string form of convolution padding.
type ConvPadding string

// String paddings of Conv1d and Conv2d.
const (
	PaddingValid ConvPadding = "valid" // no padding (padding="valid")
	PaddingSame  ConvPadding = "same"  // the output keeps the input's size (padding="same"; stride 1 only)
)

// ConvOptions configures Conv1d, Conv2d, ConvTranspose1d and
// ConvTranspose2d. The per-dimension fields take one value for every
// spatial dimension or one value per dimension (height then width); nil
// means PyTorch's default.
type ConvOptions struct {
	Stride   []int // step of the window (default 1)
	Padding  []int // zeros added on both sides of each spatial dimension (default 0)
	Dilation []int // spacing of the kernel taps (default 1)
	Groups   int   // channel groups (default 1; the channel count for depthwise)
	// PaddingPreset, when set, replaces Padding by PyTorch's padding="valid"
	// or padding="same" (convolutions only, not transposed ones).
	PaddingPreset ConvPadding
	// OutputPadding adds rows and columns to one side of a transposed
	// convolution's output (default 0); it must be smaller than the stride
	// or the dilation.
	OutputPadding []int
}

// spatialArg expands a per-dimension option (nil, one value, or nd values)
// to nd values.
func spatialArg(op, name string, v []int, nd, def int) []int {
	switch len(v) {
	case 0:
		out := make([]int, nd)
		for i := range out {
			out[i] = def
		}
		return out
	case 1:
		out := make([]int, nd)
		for i := range out {
			out[i] = v[0]
		}
		return out
	case nd:
		return slices.Clone(v)
	}
	panic(&ValueError{Op: op, Msg: fmt.Sprintf("expected %s to be a single integer value or a list of %d values to match the convolution dimensions, but got %s=%v", name, nd, name, v)})
}

// checkMin panics unless every value of an option is at least lo.
func checkMin(op, name string, v []int, lo int) {
	for _, s := range v {
		if s < lo {
			what := "positive"
			if lo == 0 {
				what = "non-negative"
			}
			panic(&ValueError{Op: op, Msg: fmt.Sprintf("%s should be %s, got %v", name, what, v)})
		}
	}
}

// checkFloatOperands panics unless the tensors (nil ones skipped) share one
// floating-point dtype and a device.
func checkFloatOperands(op string, ts ...*Tensor) {
	var present []*Tensor
	for _, t := range ts {
		if t != nil {
			present = append(present, t)
		}
	}
	sameDevice(op, present...)
	dt := present[0].dtype
	if !dt.IsFloat() {
		panic(&DTypeError{Op: op, Msg: fmt.Sprintf("\"%s\" not implemented for '%s'", op, dt)})
	}
	for _, t := range present[1:] {
		if t.dtype != dt {
			panic(&DTypeError{Op: op, Msg: fmt.Sprintf("expected scalar type %s but found %s", dt, t.dtype)})
		}
	}
}

// computeDType is the dtype a kernel runs in for t's dtype: float32 where
// the backend has no arithmetic for it (half types on the CPU).
func (t *Tensor) computeDType() DType {
	if t.be().SupportsMath(t.dtype) {
		return t.dtype
	}
	return Float32
}

// unbatch accepts an unbatched input (one axis fewer than batched) by adding
// a batch axis, and says whether it did.
func unbatch(op string, x *Tensor, batchedRank int) (*Tensor, bool) {
	switch x.Dim() {
	case batchedRank:
		return x, false
	case batchedRank - 1:
		return x.Unsqueeze(0), true
	}
	panic(shapeErr(op, fmt.Sprintf("Expected %dD (unbatched) or %dD (batched) input to %s, but got input of size: %v", batchedRank-1, batchedRank, op, x.shape), x.shape))
}

// Conv2d applies a 2-D convolution (cross-correlation, as in PyTorch):
// x is [N, C, H, W] (or unbatched [C, H, W]), w is [O, C/groups, KH, KW],
// b is [O] or nil. The result is [N, O, OH, OW] with
// OH = (H + 2*padding - dilation*(KH-1) - 1)/stride + 1.
func Conv2d(x, w, b *Tensor, opts ConvOptions) *Tensor { return convNd("conv2d", 2, x, w, b, opts) }

// Conv1d applies a 1-D convolution: x is [N, C, L] (or [C, L]), w is
// [O, C/groups, K], b is [O] or nil.
func Conv1d(x, w, b *Tensor, opts ConvOptions) *Tensor { return convNd("conv1d", 1, x, w, b, opts) }

// ConvTranspose2d applies a 2-D transposed convolution (the gradient of
// Conv2d with respect to its input): x is [N, Cin, H, W] (or [Cin, H, W]),
// w is [Cin, Cout/groups, KH, KW], b is [Cout] or nil. The output height is
// (H-1)*stride - 2*padding + dilation*(KH-1) + outputPadding + 1.
func ConvTranspose2d(x, w, b *Tensor, opts ConvOptions) *Tensor {
	return convTransposeNd("conv_transpose2d", 2, x, w, b, opts)
}

// ConvTranspose1d applies a 1-D transposed convolution: x is [N, Cin, L]
// (or [Cin, L]), w is [Cin, Cout/groups, K], b is [Cout] or nil.
func ConvTranspose1d(x, w, b *Tensor, opts ConvOptions) *Tensor {
	return convTransposeNd("conv_transpose1d", 1, x, w, b, opts)
}

// convArgs validates the options shared by convolutions and returns stride,
// padding, dilation and groups for nd spatial dimensions.
func convArgs(op string, nd int, o ConvOptions) (stride, pad, dil []int, groups int) {
	stride = spatialArg(op, "stride", o.Stride, nd, 1)
	pad = spatialArg(op, "padding", o.Padding, nd, 0)
	dil = spatialArg(op, "dilation", o.Dilation, nd, 1)
	checkMin(op, "stride", stride, 1)
	checkMin(op, "padding", pad, 0)
	checkMin(op, "dilation", dil, 1)
	groups = o.Groups
	if groups == 0 {
		groups = 1
	}
	if groups < 0 {
		panic(&ValueError{Op: op, Msg: fmt.Sprintf("non-positive groups is not supported, got %d", o.Groups)})
	}
	return stride, pad, dil, groups
}

// to2d lifts 1-D convolution operands to 2-D with a height of 1.
func to2d(nd int, ts ...*Tensor) []*Tensor {
	out := make([]*Tensor, len(ts))
	for i, t := range ts {
		if t != nil && nd == 1 {
			t = t.Unsqueeze(2)
		}
		out[i] = t
	}
	return out
}

// params2d builds the backend parameters, with height 1 for 1-D.
func params2d(stride, pad, dil []int, groups int) backend.ConvParams {
	if len(stride) == 1 {
		stride, pad, dil = []int{1, stride[0]}, []int{0, pad[0]}, []int{1, dil[0]}
	}
	return backend.ConvParams{StrideH: stride[0], StrideW: stride[1], PadH: pad[0], PadW: pad[1], DilationH: dil[0], DilationW: dil[1], Groups: groups}
}

func convNd(op string, nd int, x, w, b *Tensor, o ConvOptions) *Tensor {
	x, w, b = autocast3(op, x, w, b)
	checkFloatOperands(op, x, w, b)
	xb, unbatched := unbatch(op, x, nd+2)
	if w.Dim() != nd+2 {
		panic(shapeErr(op, fmt.Sprintf("expected weight to be %dD [out_channels, in_channels/groups, kernel...], got weight of size %v", nd+2, w.shape), w.shape))
	}
	stride, pad, dil, groups := convArgs(op, nd, o)
	c, oc := xb.shape[1], w.shape[0]
	if oc%groups != 0 {
		panic(shapeErr(op, fmt.Sprintf("Given groups=%d, expected weight to be divisible by %d at dimension 0, but got weight of size %v instead", groups, groups, w.shape), w.shape))
	}
	if c != w.shape[1]*groups {
		panic(shapeErr(op, fmt.Sprintf("Given groups=%d, weight of size %v, expected input%v to have %d channels, but got %d channels instead", groups, w.shape, xb.shape, w.shape[1]*groups, c), xb.shape, w.shape))
	}
	if b != nil && (b.Dim() != 1 || b.shape[0] != oc) {
		panic(shapeErr(op, fmt.Sprintf("Given weight of size %v, expected bias to be 1-dimensional with %d elements, but got bias of size %v instead", w.shape, oc, b.shape), w.shape, b.shape))
	}
	spatial := xb.shape[2:]
	kernel := w.shape[2:]
	switch o.PaddingPreset {
	case "":
	case PaddingValid:
		pad = make([]int, nd)
	case PaddingSame:
		for _, s := range stride {
			if s != 1 {
				panic(&ValueError{Op: op, Msg: "padding='same' is not supported for strided convolutions"})
			}
		}
		// Total padding dilation*(k-1) per dimension: the odd element goes
		// after, as an explicit zero pad of the input.
		var extra []int
		for i := range nd {
			total := dil[i] * (kernel[i] - 1)
			pad[i] = total / 2
			extra = append(extra, total-2*pad[i])
		}
		if slices.Max(extra) > 0 {
			pads := make([]int, 0, 2*nd)
			for i := nd - 1; i >= 0; i-- {
				pads = append(pads, 0, extra[i])
			}
			xb = xb.Pad(pads, PadConstant, 0)
			spatial = xb.shape[2:]
		}
	default:
		panic(&ValueError{Op: op, Msg: fmt.Sprintf("Invalid padding string '%s', should be one of {'valid', 'same'}", o.PaddingPreset)})
	}
	out := make([]int, nd)
	for i := range nd {
		eff := dil[i]*(kernel[i]-1) + 1
		if spatial[i]+2*pad[i] < eff {
			panic(shapeErr(op, fmt.Sprintf("Calculated padded input size per channel: %v. Kernel size: %v. Kernel size can't be greater than actual input size", addPad(spatial, pad), kernel), xb.shape, w.shape))
		}
		out[i] = (spatial[i]+2*pad[i]-eff)/stride[i] + 1
	}
	l := to2d(nd, xb, w)
	oh, ow := 1, out[0]
	if nd == 2 {
		oh, ow = out[0], out[1]
	}
	y := convOp(l[0], l[1], b, params2d(stride, pad, dil, groups), oh, ow)
	if nd == 1 {
		y = y.Squeeze(2)
	}
	if unbatched {
		y = y.Squeeze(0)
	}
	return y
}

func addPad(s, pad []int) []int {
	out := slices.Clone(s)
	for i := range out {
		out[i] += 2 * pad[i]
	}
	return out
}

func convTransposeNd(op string, nd int, x, w, b *Tensor, o ConvOptions) *Tensor {
	x, w, b = autocast3(op, x, w, b)
	checkFloatOperands(op, x, w, b)
	xb, unbatched := unbatch(op, x, nd+2)
	if w.Dim() != nd+2 {
		panic(shapeErr(op, fmt.Sprintf("expected weight to be %dD [in_channels, out_channels/groups, kernel...], got weight of size %v", nd+2, w.shape), w.shape))
	}
	if o.PaddingPreset != "" {
		panic(&ValueError{Op: op, Msg: "string padding is not supported for transposed convolutions"})
	}
	stride, pad, dil, groups := convArgs(op, nd, o)
	outPad := spatialArg(op, "output_padding", o.OutputPadding, nd, 0)
	checkMin(op, "output_padding", outPad, 0)
	for i := range nd {
		if outPad[i] >= stride[i] && outPad[i] >= dil[i] {
			panic(&ValueError{Op: op, Msg: fmt.Sprintf("output padding must be smaller than either stride or dilation, but got output_padding=%v, stride=%v, dilation=%v", outPad, stride, dil)})
		}
	}
	cin := xb.shape[1]
	if w.shape[0] != cin {
		panic(shapeErr(op, fmt.Sprintf("Given transposed=1, weight of size %v, expected input%v to have %d channels, but got %d channels instead", w.shape, xb.shape, w.shape[0], cin), xb.shape, w.shape))
	}
	if cin%groups != 0 {
		panic(shapeErr(op, fmt.Sprintf("Given groups=%d, expected weight to be divisible by %d at dimension 0, but got weight of size %v instead", groups, groups, w.shape), w.shape))
	}
	cout := w.shape[1] * groups
	if b != nil && (b.Dim() != 1 || b.shape[0] != cout) {
		panic(shapeErr(op, fmt.Sprintf("Given transposed=1, weight of size %v, expected bias to be 1-dimensional with %d elements, but got bias of size %v instead", w.shape, cout, b.shape), w.shape, b.shape))
	}
	out := make([]int, nd)
	for i := range nd {
		out[i] = (xb.shape[2+i]-1)*stride[i] - 2*pad[i] + dil[i]*(w.shape[2+i]-1) + outPad[i] + 1
		if out[i] <= 0 {
			panic(shapeErr(op, fmt.Sprintf("the output size %v is too small (input %v, kernel %v)", out, xb.shape, w.shape), xb.shape, w.shape))
		}
	}
	l := to2d(nd, xb, w)
	oh, ow := 1, out[0]
	if nd == 2 {
		oh, ow = out[0], out[1]
	}
	y := convTransposeOp(l[0], l[1], b, params2d(stride, pad, dil, groups), oh, ow)
	if nd == 1 {
		y = y.Squeeze(2)
	}
	if unbatched {
		y = y.Squeeze(0)
	}
	return y
}

// The three 2-D convolution kernels as differentiable ops. Each one's
// gradients are the other two, so derivatives of any order work:
//
//	y  = conv(x, w)            dx = convT(g, w)     dw = filter(x, g)
//	dx = convT(dy, w)          ddy = conv(g, w)     dw = filter(g, dy)
//	dw = filter(x, dy)         dx = convT(dy, g)    ddy = conv(x, g)

// addBias adds b (of the channel axis 1) to a fresh result, unrecorded:
// in place, as nothing else holds the result yet.
func addBias(out, b *Tensor) *Tensor {
	if b == nil {
		return out
	}
	if b.dtype != out.dtype || !out.be().SupportsMath(out.dtype) {
		return out.Add(b.Detach().Reshape(1, -1, 1, 1))
	}
	bv := b.Detach().Reshape(1, -1, 1, 1).broadcastView(out.shape)
	out.be().Binary(backend.Add, out.view(), out.view(), bv)
	return out
}

// convOp computes conv(x, w) + b for x [N, C, H, W], w [O, C/g, KH, KW]
// into [N, O, oh, ow].
func convOp(x, w, b *Tensor, p backend.ConvParams, oh, ow int) *Tensor {
	dt := x.computeDType()
	out := x.alloc(dt, []int{x.shape[0], w.shape[0], oh, ow})
	if convForward(out, x.castNoGrad(dt), w.castNoGrad(dt), b, dt, p) {
		out = out.castNoGrad(x.dtype)
	} else {
		out = addBias(out.castNoGrad(x.dtype), b)
	}
	if r := track(x, w, b); r != nil {
		h, wd, kh, kw := x.shape[2], x.shape[3], w.shape[2], w.shape[3]
		r.record(out, "ConvolutionBackward0", func(g *Tensor) []*Tensor {
			var gx, gw, gb *Tensor
			if r.needs(0) {
				gx = convTransposeOp(g, w, nil, p, h, wd)
			}
			fused := false
			if r.needs(1) && r.needs(2) {
				gw, gb, fused = convFilterBias(x, g, p, kh, kw)
			}
			if r.needs(1) && !fused {
				gw = convFilterOp(x, g, p, kh, kw)
			}
			if r.needs(2) && !fused {
				gb = g.Sum(0, 2, 3)
			}
			return []*Tensor{gx, gw, gb}
		}, x, w)
	}
	return out
}

// convTransposeOp computes the transposed convolution of dy [N, O, OH, OW]
// with w [O, C/g, KH, KW] into [N, C, h, wd], plus b.
func convTransposeOp(dy, w, b *Tensor, p backend.ConvParams, h, wd int) *Tensor {
	dt := dy.computeDType()
	out := dy.alloc(dt, []int{dy.shape[0], w.shape[1] * max(1, p.Groups), h, wd})
	dy.be().Conv2dBackwardData(out.view(), dy.castNoGrad(dt).view(), w.castNoGrad(dt).view(), p)
	out = addBias(out.castNoGrad(dy.dtype), b)
	if r := track(dy, w, b); r != nil {
		oh, ow, kh, kw := dy.shape[2], dy.shape[3], w.shape[2], w.shape[3]
		r.record(out, "ConvolutionBackward0", func(g *Tensor) []*Tensor {
			var gdy, gw, gb *Tensor
			if r.needs(0) {
				gdy = convOp(g, w, nil, p, oh, ow)
			}
			if r.needs(1) {
				gw = convFilterOp(g, dy, p, kh, kw)
			}
			if r.needs(2) {
				gb = g.Sum(0, 2, 3)
			}
			return []*Tensor{gdy, gw, gb}
		}, dy, w)
	}
	return out
}

// convFilterOp computes the weight gradient [O, C/g, kh, kw] of a
// convolution from its input x [N, C, H, W] and output gradient dy.
func convFilterOp(x, dy *Tensor, p backend.ConvParams, kh, kw int) *Tensor {
	dt := x.computeDType()
	out := x.alloc(dt, []int{dy.shape[1], x.shape[1] / max(1, p.Groups), kh, kw})
	x.be().Conv2dBackwardFilter(out.view(), x.castNoGrad(dt).view(), dy.castNoGrad(dt).view(), p)
	out = out.castNoGrad(x.dtype)
	if r := track(x, dy); r != nil {
		h, wd, oh, ow := x.shape[2], x.shape[3], dy.shape[2], dy.shape[3]
		r.record(out, "ConvolutionBackwardBackward0", func(g *Tensor) []*Tensor {
			var gx, gdy *Tensor
			if r.needs(0) {
				gx = convTransposeOp(dy, g, nil, p, h, wd)
			}
			if r.needs(1) {
				gdy = convOp(x, g, nil, p, oh, ow)
			}
			return []*Tensor{gx, gdy}
		}, x, dy)
	}
	return out
}
