// Package nn holds Ember's neural-network building blocks: layers, losses,
// initialisers, and the functions that treat any struct of layers as a
// module (parameters, state dicts, train/eval mode, moving to a device,
// summaries).
//
// A module is a pointer to a struct. Its exported fields are found by
// reflection, so a model needs no registration code:
//
//	type MLP struct {
//		FC1 *nn.Linear // parameters "fc1.weight", "fc1.bias"
//		FC2 *nn.Linear
//	}
//
//	func (m *MLP) Forward(x *ember.Tensor) *ember.Tensor {
//		return m.FC2.Forward(m.FC1.Forward(x).Relu())
//	}
//
// Field rules: an exported *ember.Tensor field is a parameter, or a buffer
// when tagged `nn:"buffer"` (like BatchNorm's running statistics); a field
// holding a pointer to a struct, a slice or array of them, a map with string
// keys, or an interface holding one, is a submodule. Names are the field
// names in snake_case ("RunningMean" → "running_mean", "FC1" → "fc1"),
// or the name given in the tag (`nn:"name=in_proj_weight"`); a field tagged
// `nn:",inline"` adds no name segment (Sequential's layers are "0", "1", ...),
// and `nn:"-"` hides a field. A field of type []nn.Named holds tensors
// under their own names, in order (after the field's name unless inline):
// this is how the recurrent layers name their per-layer weights
// "weight_ih_l0", "weight_hh_l0_reverse", ... as PyTorch does. These
// rules make state-dict keys match PyTorch's for the same architecture, so
// safetensors files written from PyTorch load by name.
//
// The layers carry PyTorch's names and defaults: Linear, Bilinear,
// Conv1d/Conv2d and their transposes, MaxPool/AvgPool/AdaptiveAvgPool,
// BatchNorm1d/2d/3d, LayerNorm, RMSNorm, GroupNorm, Dropout, Embedding,
// the activations (ReLU, GELU, SiLU, Softmax, ...), Identity, Flatten and
// Unflatten, the recurrent layers (RNN, LSTM, GRU and their cells),
// MultiheadAttention and the Transformer encoder and decoder layers. Each
// is made by NewXxx with its sizes, an options value whose zero value means
// PyTorch's defaults, and creation options (dtype, device, a
// *ember.Generator for the initial values), and is initialised with the
// distributions of PyTorch's reset_parameters. The losses
// (CrossEntropyLoss, MSELoss, BCEWithLogitsLoss, ...) are modules too,
// with Forward(input, target).
package nn
