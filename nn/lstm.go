package nn

import "github.com/emberdl/ember"

// LSTM is a multi-layer long short-term memory network (torch.nn.LSTM).
// Each layer computes, with gates stacked i, f, g, o in its weights:
//
//	i = σ(W_ii·x + b_ii + W_hi·h + b_hi)   f = σ(W_if·x + b_if + W_hf·h + b_hf)
//	g = tanh(W_ig·x + b_ig + W_hg·h + b_hg) o = σ(W_io·x + b_io + W_ho·h + b_ho)
//	c' = f·c + i·g                          h' = o·tanh(c')
//
// Each layer and direction runs as one fused op (ember.RecurrentLayer).
type LSTM struct {
	RNNBase
}

// NewLSTM returns an LSTM initialised as PyTorch does (every parameter
// uniform in ±1/sqrt(hidden)). Options give the dtype, device and
// generator (also used for dropout). RNNOptions.Nonlinearity must be empty.
func NewLSTM(inputSize, hiddenSize int, o *RNNOptions, opts ...ember.Option) *LSTM {
	checkNoNonlinearity("nn.NewLSTM", o)
	return &LSTM{newRNNBase("nn.NewLSTM", ember.RecurrentLSTM, inputSize, hiddenSize, o, opts)}
}

// Forward runs the network over x ([T, B, in], [B, T, in] with
// BatchFirst, or unbatched [T, in]) from the initial states h0 and c0
// ([layers*directions, B, H], unbatched [layers*directions, H]; both nil
// for zeros). It returns the last layer's outputs at every step [T, B,
// directions*H] (batch first with BatchFirst) and the final hidden and
// cell states of every layer and direction, shaped as h0.
func (m *LSTM) Forward(x, h0, c0 *ember.Tensor) (out, hN, cN *ember.Tensor) {
	out, hN, cN = m.run("lstm", x, h0, c0)
	return traced(m, out), hN, cN
}

// checkNoNonlinearity refuses a nonlinearity for LSTM and GRU.
func checkNoNonlinearity(op string, o *RNNOptions) {
	if o != nil && o.Nonlinearity != "" {
		panic(&ember.ValueError{Op: op, Msg: "Nonlinearity is an option of RNN only, got " + o.Nonlinearity})
	}
}

// LSTMCell is one LSTM step (torch.nn.LSTMCell), keys weight_ih,
// weight_hh, bias_ih, bias_hh, gates stacked i, f, g, o.
type LSTMCell struct {
	WeightIH *ember.Tensor // [4H, in]
	WeightHH *ember.Tensor // [4H, H]
	BiasIH   *ember.Tensor // [4H], or nil
	BiasHH   *ember.Tensor // [4H], or nil
}

// NewLSTMCell returns an LSTM cell initialised as PyTorch does.
func NewLSTMCell(inputSize, hiddenSize int, bias bool, opts ...ember.Option) *LSTMCell {
	w := newCellWeights("nn.NewLSTMCell", ember.RecurrentLSTM, inputSize, hiddenSize, bias, opts)
	return &LSTMCell{WeightIH: w.WeightIH, WeightHH: w.WeightHH, BiasIH: w.BiasIH, BiasHH: w.BiasHH}
}

// Forward returns the next hidden and cell states for x [B, in] (or
// unbatched [in]) and the states h, c [B, H] (or [H]; nil for zeros).
func (c *LSTMCell) Forward(x, h, cell *ember.Tensor) (hNext, cNext *ember.Tensor) {
	hNext, cNext = ember.RecurrentCell(ember.RecurrentLSTM, x, h, cell, ember.RecurrentWeights{WeightIH: c.WeightIH, WeightHH: c.WeightHH, BiasIH: c.BiasIH, BiasHH: c.BiasHH})
	return traced(c, hNext), cNext
}
