package nn

import "github.com/emberdl/ember"

// GRU is a multi-layer gated recurrent unit network (torch.nn.GRU). Each
// layer computes, with gates stacked r, z, n in its weights:
//
//	r = σ(W_ir·x + b_ir + W_hr·h + b_hr)   z = σ(W_iz·x + b_iz + W_hz·h + b_hz)
//	n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn))
//	h' = (1 - z)·n + z·h
//
// Each layer and direction runs as one fused op (ember.RecurrentLayer).
type GRU struct {
	RNNBase
}

// NewGRU returns a GRU initialised as PyTorch does (every parameter
// uniform in ±1/sqrt(hidden)). Options give the dtype, device and
// generator (also used for dropout). RNNOptions.Nonlinearity must be empty.
func NewGRU(inputSize, hiddenSize int, o *RNNOptions, opts ...ember.Option) *GRU {
	checkNoNonlinearity("nn.NewGRU", o)
	return &GRU{newRNNBase("nn.NewGRU", ember.RecurrentGRU, inputSize, hiddenSize, o, opts)}
}

// Forward runs the network over x ([T, B, in], [B, T, in] with
// BatchFirst, or unbatched [T, in]) from the initial hidden state h0
// ([layers*directions, B, H] or unbatched [layers*directions, H]; nil for
// zeros). It returns the last layer's outputs at every step [T, B,
// directions*H] (batch first with BatchFirst) and the final hidden state
// of every layer and direction, shaped as h0.
func (m *GRU) Forward(x, h0 *ember.Tensor) (out, hN *ember.Tensor) {
	out, hN, _ = m.run("gru", x, h0, nil)
	return traced(m, out), hN
}

// GRUCell is one GRU step (torch.nn.GRUCell), keys weight_ih, weight_hh,
// bias_ih, bias_hh, gates stacked r, z, n.
type GRUCell struct {
	WeightIH *ember.Tensor // [3H, in]
	WeightHH *ember.Tensor // [3H, H]
	BiasIH   *ember.Tensor // [3H], or nil
	BiasHH   *ember.Tensor // [3H], or nil
}

// NewGRUCell returns a GRU cell initialised as PyTorch does.
func NewGRUCell(inputSize, hiddenSize int, bias bool, opts ...ember.Option) *GRUCell {
	w := newCellWeights("nn.NewGRUCell", ember.RecurrentGRU, inputSize, hiddenSize, bias, opts)
	return &GRUCell{WeightIH: w.WeightIH, WeightHH: w.WeightHH, BiasIH: w.BiasIH, BiasHH: w.BiasHH}
}

// Forward returns the next hidden state for x [B, in] (or unbatched [in])
// and h [B, H] (or [H]; nil for zeros).
func (c *GRUCell) Forward(x, h *ember.Tensor) *ember.Tensor {
	out, _ := ember.RecurrentCell(ember.RecurrentGRU, x, h, nil, ember.RecurrentWeights{WeightIH: c.WeightIH, WeightHH: c.WeightHH, BiasIH: c.BiasIH, BiasHH: c.BiasHH})
	return traced(c, out)
}
