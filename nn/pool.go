package nn

import (
	"fmt"
	"slices"

	"github.com/emberdl/ember"
)

// clonePool copies the slices of pooling options and checks that a kernel
// is given.
func clonePool(op string, o ember.PoolOptions) ember.PoolOptions {
	if len(o.Kernel) == 0 {
		panic(valueErr(op, "kernel_size must be given"))
	}
	o.Kernel, o.Stride, o.Padding, o.Dilation = slices.Clone(o.Kernel), slices.Clone(o.Stride), slices.Clone(o.Padding), slices.Clone(o.Dilation)
	return o
}

// MaxPool1d takes the maximum over sliding windows of [N, C, L] (or
// [C, L]) inputs (torch.nn.MaxPool1d). Options: Kernel (required),
// Stride (default: the kernel), Padding, Dilation, CeilMode.
type MaxPool1d struct{ Options ember.PoolOptions }

// NewMaxPool1d returns a MaxPool1d layer.
func NewMaxPool1d(o ember.PoolOptions) *MaxPool1d {
	return &MaxPool1d{Options: clonePool("nn.NewMaxPool1d", o)}
}

// Forward returns the window maxima (in inference, without storing the
// indices: ember.MaxPool1dValues).
func (l *MaxPool1d) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, ember.MaxPool1dValues(x, l.Options))
}

// ForwardWithIndices returns the window maxima and their int64 positions
// along L (PyTorch's return_indices=True).
func (l *MaxPool1d) ForwardWithIndices(x *ember.Tensor) (values, indices *ember.Tensor) {
	v, i := ember.MaxPool1d(x, l.Options)
	return traced(l, v), i
}

// MaxPool2d takes the maximum over sliding windows of [N, C, H, W] (or
// [C, H, W]) inputs (torch.nn.MaxPool2d). Options: Kernel (required),
// Stride (default: the kernel), Padding, Dilation, CeilMode.
type MaxPool2d struct{ Options ember.PoolOptions }

// NewMaxPool2d returns a MaxPool2d layer.
func NewMaxPool2d(o ember.PoolOptions) *MaxPool2d {
	return &MaxPool2d{Options: clonePool("nn.NewMaxPool2d", o)}
}

// Forward returns the window maxima (in inference, without storing the
// indices: ember.MaxPool2dValues).
func (l *MaxPool2d) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, ember.MaxPool2dValues(x, l.Options))
}

// ForwardWithIndices returns the window maxima and the int64 flat position
// h*W + w of each within its plane (PyTorch's return_indices=True).
func (l *MaxPool2d) ForwardWithIndices(x *ember.Tensor) (values, indices *ember.Tensor) {
	v, i := ember.MaxPool2d(x, l.Options)
	return traced(l, v), i
}

// AvgPool1d averages sliding windows of [N, C, L] (or [C, L]) inputs
// (torch.nn.AvgPool1d). Options: Kernel (required), Stride, Padding,
// CeilMode, ExcludePad (count_include_pad=False).
type AvgPool1d struct{ Options ember.PoolOptions }

// NewAvgPool1d returns an AvgPool1d layer.
func NewAvgPool1d(o ember.PoolOptions) *AvgPool1d {
	return &AvgPool1d{Options: clonePool("nn.NewAvgPool1d", o)}
}

// Forward returns the window averages.
func (l *AvgPool1d) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, ember.AvgPool1d(x, l.Options))
}

// AvgPool2d averages sliding windows of [N, C, H, W] (or [C, H, W])
// inputs (torch.nn.AvgPool2d). Options: Kernel (required), Stride,
// Padding, CeilMode, ExcludePad (count_include_pad=False),
// DivisorOverride.
type AvgPool2d struct{ Options ember.PoolOptions }

// NewAvgPool2d returns an AvgPool2d layer.
func NewAvgPool2d(o ember.PoolOptions) *AvgPool2d {
	return &AvgPool2d{Options: clonePool("nn.NewAvgPool2d", o)}
}

// Forward returns the window averages.
func (l *AvgPool2d) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, ember.AvgPool2d(x, l.Options))
}

// AdaptiveAvgPool1d averages [N, C, L] (or [C, L]) inputs into OutputSize
// windows (torch.nn.AdaptiveAvgPool1d).
type AdaptiveAvgPool1d struct{ OutputSize int }

// NewAdaptiveAvgPool1d returns an AdaptiveAvgPool1d layer.
func NewAdaptiveAvgPool1d(outputSize int) *AdaptiveAvgPool1d {
	if outputSize < 0 {
		panic(valueErr("nn.NewAdaptiveAvgPool1d", fmt.Sprintf("output_size must be non-negative, got %d", outputSize)))
	}
	return &AdaptiveAvgPool1d{OutputSize: outputSize}
}

// Forward pools x.
func (l *AdaptiveAvgPool1d) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, ember.AdaptiveAvgPool1d(x, l.OutputSize))
}

// AdaptiveAvgPool2d averages [N, C, H, W] (or [C, H, W]) inputs into an
// OutputSize (height, width) grid of windows (torch.nn.AdaptiveAvgPool2d).
// A size of -1 keeps the input's size in that dimension (PyTorch's None).
type AdaptiveAvgPool2d struct{ OutputSize [2]int }

// NewAdaptiveAvgPool2d returns an AdaptiveAvgPool2d layer with output
// height h and width w (-1 keeps the input's size).
func NewAdaptiveAvgPool2d(h, w int) *AdaptiveAvgPool2d {
	if h < -1 || w < -1 {
		panic(valueErr("nn.NewAdaptiveAvgPool2d", fmt.Sprintf("output_size must be non-negative (or -1 for the input's size), got [%d %d]", h, w)))
	}
	return &AdaptiveAvgPool2d{OutputSize: [2]int{h, w}}
}

// Forward pools x.
func (l *AdaptiveAvgPool2d) Forward(x *ember.Tensor) *ember.Tensor {
	h, w := l.OutputSize[0], l.OutputSize[1]
	if x.Dim() >= 2 {
		if h == -1 {
			h = x.Size(-2)
		}
		if w == -1 {
			w = x.Size(-1)
		}
	}
	return traced(l, ember.AdaptiveAvgPool2d(x, h, w))
}
