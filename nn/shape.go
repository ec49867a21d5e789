package nn

import (
	"slices"

	"github.com/emberdl/ember"
)

// Identity returns its input unchanged (torch.nn.Identity); it is a
// placeholder where an architecture expects a layer.
type Identity struct {
	_ byte // non-zero size: distinct layers have distinct addresses
}

// NewIdentity returns an Identity layer.
func NewIdentity() *Identity { return &Identity{} }

// Forward returns x.
func (l *Identity) Forward(x *ember.Tensor) *ember.Tensor { return traced(l, x) }

// Flatten merges the axes StartDim..EndDim (inclusive; negative counts from
// the end) into one (torch.nn.Flatten; PyTorch's defaults are 1 and -1,
// which keep the batch axis).
type Flatten struct {
	StartDim, EndDim int
}

// NewFlatten returns a Flatten layer over the axes startDim..endDim.
func NewFlatten(startDim, endDim int) *Flatten { return &Flatten{StartDim: startDim, EndDim: endDim} }

// Forward flattens x.
func (l *Flatten) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, x.Flatten(l.StartDim, l.EndDim))
}

// Unflatten splits axis Dim into Sizes (one of which may be -1)
// (torch.nn.Unflatten).
type Unflatten struct {
	Dim   int
	Sizes []int
}

// NewUnflatten returns an Unflatten layer.
func NewUnflatten(dim int, sizes ...int) *Unflatten {
	if len(sizes) == 0 {
		panic(valueErr("nn.NewUnflatten", "unflattened_size must be non-empty"))
	}
	return &Unflatten{Dim: dim, Sizes: slices.Clone(sizes)}
}

// Forward unflattens x.
func (l *Unflatten) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, x.Unflatten(l.Dim, l.Sizes...))
}
