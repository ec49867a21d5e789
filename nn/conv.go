package nn

import (
	"fmt"
	"slices"

	"github.com/emberdl/ember"
)

// PaddingMode says what a convolution layer pads its input with, as
// PyTorch's padding_mode.
type PaddingMode string

// Padding modes of Conv1d and Conv2d; the zero value is PaddingZeros.
const (
	PaddingZeros     PaddingMode = "zeros"     // zeros (the default)
	PaddingReflect   PaddingMode = "reflect"   // mirror without repeating the edge
	PaddingReplicate PaddingMode = "replicate" // repeat the edge value
	PaddingCircular  PaddingMode = "circular"  // wrap around
)

// ConvConfig holds the options of the convolution layers. Per-dimension
// fields take one value for every spatial dimension or one per dimension;
// nil (and zero) fields take PyTorch's defaults.
type ConvConfig struct {
	Stride   []int // step of the window (default 1)
	Padding  []int // padding on both sides of each spatial dimension (default 0)
	Dilation []int // spacing of the kernel taps (default 1)
	// PaddingPreset replaces Padding by PyTorch's padding="same" (stride 1
	// only) or padding="valid"; convolutions only, not transposed ones.
	PaddingPreset ember.ConvPadding
	Groups        int         // channel groups (default 1)
	OutputPadding []int       // extra rows/columns on one side of a transposed convolution's output (default 0)
	NoBias        bool        // leave out the bias (PyTorch's bias=False)
	PaddingMode   PaddingMode // what the padding holds (default zeros; convolutions only)
}

// convKind distinguishes the layers sharing the checks below.
type convKind struct {
	op         string
	nd         int
	transposed bool
}

// setup checks the arguments of a convolution layer as PyTorch's _ConvNd
// does and returns the kernel expanded to nd values, a copy of cfg with
// defaults filled, and the weight shape.
func (k convKind) setup(in, out int, kernel []int, cfg ConvConfig) ([]int, ConvConfig, []int) {
	op := k.op
	ks := perDim(op, "kernel_size", kernel, k.nd)
	for _, s := range ks {
		if s < 1 {
			panic(valueErr(op, fmt.Sprintf("kernel_size must be positive, got %v", kernel)))
		}
	}
	if in < 0 || out < 0 {
		panic(valueErr(op, fmt.Sprintf("channel counts must be non-negative, got in_channels=%d, out_channels=%d", in, out)))
	}
	if cfg.Groups == 0 {
		cfg.Groups = 1
	}
	if cfg.Groups < 0 {
		panic(valueErr(op, "groups must be a positive integer"))
	}
	if in%cfg.Groups != 0 {
		panic(valueErr(op, "in_channels must be divisible by groups"))
	}
	if out%cfg.Groups != 0 {
		panic(valueErr(op, "out_channels must be divisible by groups"))
	}
	if cfg.PaddingMode == "" {
		cfg.PaddingMode = PaddingZeros
	}
	switch cfg.PaddingMode {
	case PaddingZeros, PaddingReflect, PaddingReplicate, PaddingCircular:
	default:
		panic(valueErr(op, fmt.Sprintf("padding_mode must be one of zeros, reflect, replicate, circular, but got padding_mode=%q", string(cfg.PaddingMode))))
	}
	switch cfg.PaddingPreset {
	case "", ember.PaddingValid:
	case ember.PaddingSame:
		for _, s := range perDim(op, "stride", cfg.Stride, k.nd) {
			if s != 1 {
				panic(valueErr(op, "padding='same' is not supported for strided convolutions"))
			}
		}
	default:
		panic(valueErr(op, fmt.Sprintf("Invalid padding string %q, should be one of {'valid', 'same'}", string(cfg.PaddingPreset))))
	}
	if k.transposed {
		if cfg.PaddingMode != PaddingZeros {
			panic(valueErr(op, fmt.Sprintf("Only \"zeros\" padding mode is supported for %s", op)))
		}
		if cfg.PaddingPreset != "" {
			panic(valueErr(op, "string padding is not supported for transposed convolutions"))
		}
	} else if len(cfg.OutputPadding) > 0 {
		panic(valueErr(op, "output_padding is only supported by transposed convolutions"))
	}
	cfg.Stride, cfg.Padding, cfg.Dilation, cfg.OutputPadding = slices.Clone(cfg.Stride), slices.Clone(cfg.Padding), slices.Clone(cfg.Dilation), slices.Clone(cfg.OutputPadding)
	var shape []int
	if k.transposed {
		shape = append([]int{in, out / cfg.Groups}, ks...)
	} else {
		shape = append([]int{out, in / cfg.Groups}, ks...)
	}
	return ks, cfg, shape
}

// perDim expands a per-dimension option (nil, one value or nd values) to nd
// values; nil gives nil.
func perDim(op, name string, v []int, nd int) []int {
	switch len(v) {
	case 0:
		return nil
	case 1:
		out := make([]int, nd)
		for i := range out {
			out[i] = v[0]
		}
		return out
	case nd:
		return slices.Clone(v)
	}
	panic(valueErr(op, fmt.Sprintf("expected %s to be a single integer value or a list of %d values, but got %v", name, nd, v)))
}

// initConv fills a convolution's weight and bias as PyTorch's
// reset_parameters: kaiming_uniform(a=√5), which is U(±1/√fan_in), for the
// weight, and U(±1/√fan_in) for the bias, fan_in being the weight's
// size(1)·prod(kernel).
func initConv(w, b *ember.Tensor, opts []ember.Option) {
	fanIn := 1
	for _, s := range w.Shape()[1:] {
		fanIn *= s
	}
	uniformBound(w, fanIn, opts)
	if b != nil {
		uniformBound(b, fanIn, opts)
	}
}

// newConvParams allocates and initialises a convolution's parameters.
func newConvParams(shape []int, biasSize int, noBias bool, opts []ember.Option) (w, b *ember.Tensor) {
	w = param(shape, opts)
	if !noBias {
		b = param([]int{biasSize}, opts)
	}
	initConv(w, b, opts)
	return w, b
}

// options returns the functional op's options.
func (c ConvConfig) options() ember.ConvOptions {
	return ember.ConvOptions{Stride: c.Stride, Padding: c.Padding, Dilation: c.Dilation, Groups: c.Groups,
		PaddingPreset: c.PaddingPreset, OutputPadding: c.OutputPadding}
}

// explicitPad pads x for a non-zeros padding mode and returns it with
// options whose own padding is zero, as PyTorch's _conv_forward: the pads
// are (left, right) pairs from the last spatial axis, "same" putting the
// odd element on the right.
func (c ConvConfig) explicitPad(x *ember.Tensor, kernel []int) (*ember.Tensor, ember.ConvOptions) {
	o := c.options()
	if c.PaddingMode == PaddingZeros || c.PaddingMode == "" {
		return x, o
	}
	nd := len(kernel)
	pads := make([]int, 0, 2*nd)
	pad := perDim("conv", "padding", c.Padding, nd)
	dil := perDim("conv", "dilation", c.Dilation, nd)
	for i := nd - 1; i >= 0; i-- {
		var l, r int
		switch c.PaddingPreset {
		case ember.PaddingValid:
		case ember.PaddingSame:
			d := 1
			if dil != nil {
				d = dil[i]
			}
			total := d * (kernel[i] - 1)
			l, r = total/2, total-total/2
		default:
			if pad != nil {
				l, r = pad[i], pad[i]
			}
		}
		pads = append(pads, l, r)
	}
	mode := map[PaddingMode]ember.PadMode{PaddingReflect: ember.PadReflect, PaddingReplicate: ember.PadReplicate, PaddingCircular: ember.PadCircular}[c.PaddingMode]
	o.Padding, o.PaddingPreset = nil, ""
	return x.Pad(pads, mode, 0), o
}

// Conv1d is a 1-D convolution layer (torch.nn.Conv1d): input [N, Cin, L]
// or unbatched [Cin, L], output [N, Cout, Lout].
type Conv1d struct {
	Weight *ember.Tensor // [out_channels, in_channels/groups, kernel]
	Bias   *ember.Tensor // [out_channels], or nil

	InChannels, OutChannels int
	KernelSize              []int
	Config                  ConvConfig
}

// NewConv1d returns a Conv1d layer initialised as PyTorch does. kernel
// holds one value. Options give the dtype, device and generator.
func NewConv1d(in, out int, kernel []int, cfg ConvConfig, opts ...ember.Option) *Conv1d {
	ks, cfg, shape := convKind{"nn.Conv1d", 1, false}.setup(in, out, kernel, cfg)
	l := &Conv1d{InChannels: in, OutChannels: out, KernelSize: ks, Config: cfg}
	l.Weight, l.Bias = newConvParams(shape, out, cfg.NoBias, opts)
	return l
}

// Forward convolves x.
func (l *Conv1d) Forward(x *ember.Tensor) *ember.Tensor {
	x, o := l.Config.explicitPad(x, l.KernelSize)
	return traced(l, ember.Conv1d(x, l.Weight, l.Bias, o))
}

// Conv2d is a 2-D convolution layer (torch.nn.Conv2d): input
// [N, Cin, H, W] or unbatched [Cin, H, W], output [N, Cout, Hout, Wout].
type Conv2d struct {
	Weight *ember.Tensor // [out_channels, in_channels/groups, kh, kw]
	Bias   *ember.Tensor // [out_channels], or nil

	InChannels, OutChannels int
	KernelSize              []int
	Config                  ConvConfig
}

// NewConv2d returns a Conv2d layer initialised as PyTorch does (weight and
// bias uniform in ±1/√(in/groups·kh·kw)). kernel holds one value for both
// dimensions or (kh, kw). Options give the dtype, device and generator.
func NewConv2d(in, out int, kernel []int, cfg ConvConfig, opts ...ember.Option) *Conv2d {
	ks, cfg, shape := convKind{"nn.Conv2d", 2, false}.setup(in, out, kernel, cfg)
	l := &Conv2d{InChannels: in, OutChannels: out, KernelSize: ks, Config: cfg}
	l.Weight, l.Bias = newConvParams(shape, out, cfg.NoBias, opts)
	return l
}

// Forward convolves x.
func (l *Conv2d) Forward(x *ember.Tensor) *ember.Tensor {
	x, o := l.Config.explicitPad(x, l.KernelSize)
	return traced(l, ember.Conv2d(x, l.Weight, l.Bias, o))
}
