package nn

import (
	"fmt"
	"math"

	"github.com/emberdl/ember"
)

// TransformerOptions configures the transformer layers. Start from
// DefaultTransformerOptions (PyTorch's defaults) and change what differs;
// a nil *TransformerOptions means the defaults.
type TransformerOptions struct {
	DimFeedforward int     // width of the feed-forward block (PyTorch: 2048)
	Dropout        float64 // dropout after attention, inside and after the feed-forward block, in training (0.1)
	Activation     string  // "relu" (the default) or "gelu" (exact, erf-based)
	LayerNormEps   float64 // epsilon of the layer norms (1e-5)
	BatchFirst     bool    // inputs and outputs are [B, L, E] instead of [L, B, E]
	NormFirst      bool    // pre-norm: normalise before each block instead of after the residual sum
}

// DefaultTransformerOptions returns PyTorch's defaults: feed-forward width
// 2048, dropout 0.1, ReLU, layer-norm epsilon 1e-5, sequence-first,
// post-norm.
func DefaultTransformerOptions() TransformerOptions {
	return TransformerOptions{DimFeedforward: 2048, Dropout: 0.1, Activation: "relu", LayerNormEps: 1e-5}
}

func (o *TransformerOptions) resolve(op string) TransformerOptions {
	r := DefaultTransformerOptions()
	if o != nil {
		r = *o
	}
	switch {
	case r.Activation == "":
		r.Activation = "relu"
	case r.Activation != "relu" && r.Activation != "gelu":
		panic(&ember.ValueError{Op: op, Msg: fmt.Sprintf("activation should be relu/gelu, not %s", r.Activation)})
	}
	switch {
	case r.DimFeedforward <= 0:
		panic(&ember.ValueError{Op: op, Msg: fmt.Sprintf("DimFeedforward must be positive, got %d", r.DimFeedforward)})
	case r.Dropout < 0 || r.Dropout > 1 || math.IsNaN(r.Dropout):
		panic(&ember.ValueError{Op: op, Msg: fmt.Sprintf("dropout probability has to be between 0 and 1, but got %v", r.Dropout)})
	case !(r.LayerNormEps > 0):
		panic(&ember.ValueError{Op: op, Msg: fmt.Sprintf("LayerNormEps must be positive, got %v", r.LayerNormEps)})
	}
	return r
}

// feedForward is the position-wise block linear2(dropout(act(linear1(x)))).
type feedForward struct {
	activation string
	dropout    float64
	training   bool
	gen        []*ember.Generator
}

func (f feedForward) apply(l1, l2 *Linear, x *ember.Tensor) *ember.Tensor {
	h := l1.Forward(x)
	if f.activation == "gelu" {
		h = h.Gelu()
	} else {
		h = h.Relu()
	}
	return l2.Forward(f.drop(h))
}

func (f feedForward) drop(x *ember.Tensor) *ember.Tensor {
	if f.dropout == 0 || !f.training {
		return x
	}
	return ember.Dropout(x, f.dropout, true, f.gen...)
}

// TransformerEncoderLayer is torch.nn.TransformerEncoderLayer: self-
// attention and a feed-forward block, each with a residual connection and
// a layer norm (after the sum, or before the block with NormFirst). Keys:
// self_attn.*, linear1.*, linear2.*, norm1.*, norm2.*.
type TransformerEncoderLayer struct {
	Mode
	SelfAttn *MultiheadAttention
	Linear1  *Linear // [DimFeedforward, d_model]
	Linear2  *Linear // [d_model, DimFeedforward]
	Norm1    *LayerNorm
	Norm2    *LayerNorm

	DModel, NHead int
	Options       TransformerOptions

	gen *ember.Generator
}

// NewTransformerEncoderLayer returns the layer initialised as PyTorch does
// (the attention as MultiheadAttention, the linear layers as Linear, the
// norms to ones and zeros). opts give the dtype, device and generator
// (also used for dropout); o nil means DefaultTransformerOptions.
func NewTransformerEncoderLayer(dModel, nhead int, o *TransformerOptions, opts ...ember.Option) *TransformerEncoderLayer {
	r := o.resolve("nn.NewTransformerEncoderLayer")
	l := &TransformerEncoderLayer{
		SelfAttn: NewMultiheadAttention(dModel, nhead, &MultiheadAttentionOptions{Dropout: r.Dropout, BatchFirst: r.BatchFirst}, opts...),
		Linear1:  NewLinear(dModel, r.DimFeedforward, true, opts...),
		Linear2:  NewLinear(r.DimFeedforward, dModel, true, opts...),
		Norm1:    NewLayerNorm([]int{dModel}, r.LayerNormEps, true, opts...),
		Norm2:    NewLayerNorm([]int{dModel}, r.LayerNormEps, true, opts...),
		DModel:   dModel, NHead: nhead, Options: r,
	}
	if g := genOf(opts); g != nil {
		l.gen = g[0]
	}
	return l
}

// Forward runs the layer on src [L, B, d_model] ([B, L, d_model] with
// BatchFirst, or unbatched [L, d_model]) without masks.
func (l *TransformerEncoderLayer) Forward(src *ember.Tensor) *ember.Tensor {
	return l.ForwardMask(src, nil, nil)
}

// ForwardMask runs the layer with an attention mask ([L, L] or
// [B*nhead, L, L]) and a key padding mask ([B, L]), either nil, with
// MultiheadAttention's conventions (true = left out, or added floats).
func (l *TransformerEncoderLayer) ForwardMask(src, mask, keyPaddingMask *ember.Tensor) *ember.Tensor {
	ff := l.ff()
	sa := func(x *ember.Tensor) *ember.Tensor {
		out, _ := l.SelfAttn.Forward(x, x, x, &AttentionOptions{AttnMask: mask, KeyPaddingMask: keyPaddingMask})
		return ff.drop(out)
	}
	block := func(x *ember.Tensor) *ember.Tensor { return ff.drop(ff.apply(l.Linear1, l.Linear2, x)) }
	x := src
	if l.Options.NormFirst {
		x = x.Add(sa(l.Norm1.Forward(x)))
		x = x.Add(block(l.Norm2.Forward(x)))
	} else {
		x = l.Norm1.Forward(x.Add(sa(x)))
		x = l.Norm2.Forward(x.Add(block(x)))
	}
	return traced(l, x)
}

func (l *TransformerEncoderLayer) ff() feedForward { return ffOf(l.Options, l.Training(), l.gen) }

func ffOf(o TransformerOptions, training bool, gen *ember.Generator) feedForward {
	f := feedForward{activation: o.Activation, dropout: o.Dropout, training: training}
	if gen != nil {
		f.gen = []*ember.Generator{gen}
	}
	return f
}

// TransformerDecoderLayer is torch.nn.TransformerDecoderLayer: self-
// attention, attention over the encoder's output (memory) and a
// feed-forward block, each with a residual connection and a layer norm.
// Keys: self_attn.*, multihead_attn.*, linear1.*, linear2.*, norm1.*,
// norm2.*, norm3.*.
type TransformerDecoderLayer struct {
	Mode
	SelfAttn      *MultiheadAttention
	MultiheadAttn *MultiheadAttention
	Linear1       *Linear
	Linear2       *Linear
	Norm1         *LayerNorm
	Norm2         *LayerNorm
	Norm3         *LayerNorm

	DModel, NHead int
	Options       TransformerOptions

	gen *ember.Generator
}

// NewTransformerDecoderLayer returns the layer initialised as PyTorch
// does; o nil means DefaultTransformerOptions.
func NewTransformerDecoderLayer(dModel, nhead int, o *TransformerOptions, opts ...ember.Option) *TransformerDecoderLayer {
	r := o.resolve("nn.NewTransformerDecoderLayer")
	mha := &MultiheadAttentionOptions{Dropout: r.Dropout, BatchFirst: r.BatchFirst}
	l := &TransformerDecoderLayer{
		SelfAttn:      NewMultiheadAttention(dModel, nhead, mha, opts...),
		MultiheadAttn: NewMultiheadAttention(dModel, nhead, mha, opts...),
		Linear1:       NewLinear(dModel, r.DimFeedforward, true, opts...),
		Linear2:       NewLinear(r.DimFeedforward, dModel, true, opts...),
		Norm1:         NewLayerNorm([]int{dModel}, r.LayerNormEps, true, opts...),
		Norm2:         NewLayerNorm([]int{dModel}, r.LayerNormEps, true, opts...),
		Norm3:         NewLayerNorm([]int{dModel}, r.LayerNormEps, true, opts...),
		DModel:        dModel, NHead: nhead, Options: r,
	}
	if g := genOf(opts); g != nil {
		l.gen = g[0]
	}
	return l
}

// DecoderMasks are the optional masks of TransformerDecoderLayer (nil
// fields: none), with MultiheadAttention's conventions.
type DecoderMasks struct {
	TgtMask              *ember.Tensor // [T, T] or [B*nhead, T, T], e.g. a causal mask
	MemoryMask           *ember.Tensor // [T, S] or [B*nhead, T, S]
	TgtKeyPaddingMask    *ember.Tensor // [B, T]
	MemoryKeyPaddingMask *ember.Tensor // [B, S]
}

// Forward runs the layer on tgt [T, B, d_model] attending to memory [S,
// B, d_model] ([B, ·, d_model] with BatchFirst; unbatched without B);
// masks may be nil.
func (l *TransformerDecoderLayer) Forward(tgt, memory *ember.Tensor, masks *DecoderMasks) *ember.Tensor {
	if masks == nil {
		masks = &DecoderMasks{}
	}
	f := ffOf(l.Options, l.Training(), l.gen)
	sa := func(x *ember.Tensor) *ember.Tensor {
		out, _ := l.SelfAttn.Forward(x, x, x, &AttentionOptions{AttnMask: masks.TgtMask, KeyPaddingMask: masks.TgtKeyPaddingMask})
		return f.drop(out)
	}
	mha := func(x *ember.Tensor) *ember.Tensor {
		out, _ := l.MultiheadAttn.Forward(x, memory, memory, &AttentionOptions{AttnMask: masks.MemoryMask, KeyPaddingMask: masks.MemoryKeyPaddingMask})
		return f.drop(out)
	}
	block := func(x *ember.Tensor) *ember.Tensor { return f.drop(f.apply(l.Linear1, l.Linear2, x)) }
	x := tgt
	if l.Options.NormFirst {
		x = x.Add(sa(l.Norm1.Forward(x)))
		x = x.Add(mha(l.Norm2.Forward(x)))
		x = x.Add(block(l.Norm3.Forward(x)))
	} else {
		x = l.Norm1.Forward(x.Add(sa(x)))
		x = l.Norm2.Forward(x.Add(mha(x)))
		x = l.Norm3.Forward(x.Add(block(x)))
	}
	return traced(l, x)
}

// TransformerEncoder is torch.nn.TransformerEncoder: a stack of encoder
// layers, optionally followed by a layer norm. Keys: layers.0.*, ...,
// norm.weight, norm.bias.
type TransformerEncoder struct {
	Layers []*TransformerEncoderLayer
	Norm   *LayerNorm // nil without a final norm
}

// NewTransformerEncoder stacks numLayers copies of layer (each with its
// own copy of layer's current weights, as PyTorch's deep copies), with a
// final layer norm over d_model (epsilon from the layer's options) when
// finalNorm is set.
func NewTransformerEncoder(layer *TransformerEncoderLayer, numLayers int, finalNorm bool) *TransformerEncoder {
	if numLayers < 1 {
		panic(&ember.ValueError{Op: "nn.NewTransformerEncoder", Msg: fmt.Sprintf("num_layers must be at least 1, got %d", numLayers)})
	}
	w := layer.Linear1.Weight
	opts := []ember.Option{w.DType(), w.Device()}
	e := &TransformerEncoder{}
	for range numLayers {
		c := &TransformerEncoderLayer{
			SelfAttn: NewMultiheadAttention(layer.DModel, layer.NHead, &MultiheadAttentionOptions{
				Dropout: layer.SelfAttn.Dropout, BatchFirst: layer.SelfAttn.BatchFirst, NoBias: layer.SelfAttn.InProjBias == nil}, opts...),
			Linear1: NewLinear(layer.DModel, layer.Options.DimFeedforward, true, opts...),
			Linear2: NewLinear(layer.Options.DimFeedforward, layer.DModel, true, opts...),
			Norm1:   NewLayerNorm([]int{layer.DModel}, layer.Options.LayerNormEps, true, opts...),
			Norm2:   NewLayerNorm([]int{layer.DModel}, layer.Options.LayerNormEps, true, opts...),
			DModel:  layer.DModel, NHead: layer.NHead, Options: layer.Options, gen: layer.gen,
		}
		c.SelfAttn.gen = layer.SelfAttn.gen
		setTraining(c, layer.Training())
		if _, err := LoadStateDict(c, StateMap(layer), true); err != nil {
			panic(err) // same architecture: cannot happen
		}
		e.Layers = append(e.Layers, c)
	}
	if finalNorm {
		e.Norm = NewLayerNorm([]int{layer.DModel}, layer.Options.LayerNormEps, true, opts...)
	}
	return e
}

// Forward runs the stack on src without masks.
func (e *TransformerEncoder) Forward(src *ember.Tensor) *ember.Tensor {
	return e.ForwardMask(src, nil, nil)
}

// ForwardMask runs every layer with the same masks (see
// TransformerEncoderLayer.ForwardMask), then the final norm.
func (e *TransformerEncoder) ForwardMask(src, mask, keyPaddingMask *ember.Tensor) *ember.Tensor {
	x := src
	for _, l := range e.Layers {
		x = l.ForwardMask(x, mask, keyPaddingMask)
	}
	if e.Norm != nil {
		x = e.Norm.Forward(x)
	}
	return traced(e, x)
}
