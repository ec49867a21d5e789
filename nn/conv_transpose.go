package nn

import (
	"fmt"

	"github.com/emberdl/ember"
)

// ConvTranspose1d is a 1-D transposed convolution layer
// (torch.nn.ConvTranspose1d): input [N, Cin, L] or [Cin, L].
type ConvTranspose1d struct {
	Weight *ember.Tensor // [in_channels, out_channels/groups, kernel]
	Bias   *ember.Tensor // [out_channels], or nil

	InChannels, OutChannels int
	KernelSize              []int
	Config                  ConvConfig
}

// NewConvTranspose1d returns a ConvTranspose1d layer initialised as
// PyTorch does. Only zeros padding and numeric padding are accepted.
func NewConvTranspose1d(in, out int, kernel []int, cfg ConvConfig, opts ...ember.Option) *ConvTranspose1d {
	ks, cfg, shape := convKind{"nn.ConvTranspose1d", 1, true}.setup(in, out, kernel, cfg)
	l := &ConvTranspose1d{InChannels: in, OutChannels: out, KernelSize: ks, Config: cfg}
	l.Weight, l.Bias = newConvParams(shape, out, cfg.NoBias, opts)
	return l
}

// Forward applies the transposed convolution.
func (l *ConvTranspose1d) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, ember.ConvTranspose1d(x, l.Weight, l.Bias, l.Config.options()))
}

// ForwardOutputSize applies the transposed convolution choosing the output
// padding so that the output's spatial size is outputSize (PyTorch's
// forward(input, output_size)).
func (l *ConvTranspose1d) ForwardOutputSize(x *ember.Tensor, outputSize []int) *ember.Tensor {
	o := l.Config.options()
	o.OutputPadding = outputPadding("nn.ConvTranspose1d", x, outputSize, l.KernelSize, l.Config)
	return traced(l, ember.ConvTranspose1d(x, l.Weight, l.Bias, o))
}

// ConvTranspose2d is a 2-D transposed convolution layer
// (torch.nn.ConvTranspose2d): input [N, Cin, H, W] or [Cin, H, W], output
// height (H-1)·stride - 2·padding + dilation·(kh-1) + output_padding + 1.
type ConvTranspose2d struct {
	Weight *ember.Tensor // [in_channels, out_channels/groups, kh, kw]
	Bias   *ember.Tensor // [out_channels], or nil

	InChannels, OutChannels int
	KernelSize              []int
	Config                  ConvConfig
}

// NewConvTranspose2d returns a ConvTranspose2d layer initialised as
// PyTorch does (weight and bias uniform in ±1/√(out/groups·kh·kw), the
// weight's fan-in). Only zeros padding and numeric padding are accepted.
func NewConvTranspose2d(in, out int, kernel []int, cfg ConvConfig, opts ...ember.Option) *ConvTranspose2d {
	ks, cfg, shape := convKind{"nn.ConvTranspose2d", 2, true}.setup(in, out, kernel, cfg)
	l := &ConvTranspose2d{InChannels: in, OutChannels: out, KernelSize: ks, Config: cfg}
	l.Weight, l.Bias = newConvParams(shape, out, cfg.NoBias, opts)
	return l
}

// Forward applies the transposed convolution.
func (l *ConvTranspose2d) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, ember.ConvTranspose2d(x, l.Weight, l.Bias, l.Config.options()))
}

// ForwardOutputSize applies the transposed convolution choosing the output
// padding so that the output's spatial size is outputSize (one value per
// spatial dimension; PyTorch's forward(input, output_size)).
func (l *ConvTranspose2d) ForwardOutputSize(x *ember.Tensor, outputSize []int) *ember.Tensor {
	o := l.Config.options()
	o.OutputPadding = outputPadding("nn.ConvTranspose2d", x, outputSize, l.KernelSize, l.Config)
	return traced(l, ember.ConvTranspose2d(x, l.Weight, l.Bias, o))
}

// outputPadding returns the output padding that gives the requested output
// size, as PyTorch's _ConvTransposeNd._output_padding: each size must lie
// between the smallest output and that plus stride-1.
func outputPadding(op string, x *ember.Tensor, size, kernel []int, c ConvConfig) []int {
	nd := len(kernel)
	if len(size) != nd {
		panic(valueErr(op, fmt.Sprintf("output_size must have %d elements (got %d)", nd, len(size))))
	}
	if x.Dim() < nd+1 {
		panic(valueErr(op, fmt.Sprintf("expected an input with at least %d dimensions, got input of size %v", nd+1, x.Shape())))
	}
	get := func(v []int, i, def int) int {
		if v = perDim(op, "option", v, nd); v == nil {
			return def
		}
		return v[i]
	}
	out := make([]int, nd)
	for i := range nd {
		in := x.Size(x.Dim() - nd + i)
		s := get(c.Stride, i, 1)
		minSize := (in-1)*s - 2*get(c.Padding, i, 0) + get(c.Dilation, i, 1)*(kernel[i]-1) + 1
		maxSize := minSize + s - 1
		if size[i] < minSize || size[i] > maxSize {
			panic(valueErr(op, fmt.Sprintf("requested an output size of %v, but valid sizes range from %d to %d (for an input of %v)", size, minSize, maxSize, x.Shape()[x.Dim()-nd:])))
		}
		out[i] = size[i] - minSize
	}
	return out
}
