package ember

import (
	"fmt"
	"slices"
)

// Recurrence selects the cell of a recurrent layer, with PyTorch's
// equations and gate orders.
type Recurrence int

// The recurrences. For an input x and previous hidden state h, with
// W_ih·x + b_ih split into gate blocks x_* and W_hh·h + b_hh into h_*:
//
//	RecurrentTanh: h' = tanh(x + h)
//	RecurrentRelu: h' = relu(x + h)
//	RecurrentLSTM: gates i, f, g, o (in that order);
//	               c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c')
//	RecurrentGRU:  gates r, z, n; r = σ(x_r + h_r), z = σ(x_z + h_z),
//	               n = tanh(x_n + r·h_n), h' = (1 - z)·n + z·h
const (
	RecurrentTanh Recurrence = iota
	RecurrentRelu
	RecurrentLSTM
	RecurrentGRU
)

// String returns PyTorch's mode name ("RNN_TANH", "RNN_RELU", "LSTM", "GRU").
func (m Recurrence) String() string {
	switch m {
	case RecurrentTanh:
		return "RNN_TANH"
	case RecurrentRelu:
		return "RNN_RELU"
	case RecurrentLSTM:
		return "LSTM"
	case RecurrentGRU:
		return "GRU"
	}
	return fmt.Sprintf("Recurrence(%d)", int(m))
}

// Gates returns how many gate blocks the weights stack: 1 for the plain
// RNNs, 4 for LSTM, 3 for GRU. Weight matrices have Gates()*hidden rows.
func (m Recurrence) Gates() int {
	switch m {
	case RecurrentLSTM:
		return 4
	case RecurrentGRU:
		return 3
	}
	return 1
}

func (m Recurrence) valid() bool { return m >= RecurrentTanh && m <= RecurrentGRU }

// gradName is the grad_fn name of the fused layer op.
func (m Recurrence) gradName() string {
	return [...]string{"RnnTanhLayerBackward0", "RnnReluLayerBackward0", "LstmLayerBackward0", "GruLayerBackward0"}[m]
}

// RecurrentWeights are the parameters of one direction of one recurrent
// layer, shaped as PyTorch's: WeightIH [G*H, I], WeightHH [G*H, H],
// BiasIH and BiasHH [G*H] (either may be nil), where G is the
// recurrence's Gates() and the gate blocks are stacked in PyTorch's order.
type RecurrentWeights struct {
	WeightIH, WeightHH, BiasIH, BiasHH *Tensor
}

// tensors lists the weights in input order (wIH, wHH, bIH, bHH).
func (w RecurrentWeights) tensors() []*Tensor {
	return []*Tensor{w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH}
}

// recGeom is what the argument checks learn: sizes and the compute dtype.
type recGeom struct {
	mode       Recurrence
	in, hidden int
	gates      int
	dtype      DType // of every input and of the results
	comp       DType // what the kernels compute in
}

// checkWeights validates w for mode and returns the geometry.
func checkWeights(op string, mode Recurrence, w RecurrentWeights) recGeom {
	if !mode.valid() {
		panic(&ValueError{Op: op, Msg: fmt.Sprintf("unknown recurrence %d", int(mode))})
	}
	if w.WeightIH == nil || w.WeightHH == nil {
		panic(&ValueError{Op: op, Msg: "WeightIH and WeightHH are required"})
	}
	if w.WeightIH.Dim() != 2 || w.WeightHH.Dim() != 2 {
		panic(shapeErr(op, fmt.Sprintf("weights must be 2-D, got weight_ih %v and weight_hh %v", w.WeightIH.shape, w.WeightHH.shape), w.WeightIH.shape, w.WeightHH.shape))
	}
	g := recGeom{mode: mode, gates: mode.Gates(), hidden: w.WeightHH.shape[1], in: w.WeightIH.shape[1], dtype: w.WeightIH.dtype}
	gh := g.gates * g.hidden
	if w.WeightHH.shape[0] != gh || w.WeightIH.shape[0] != gh {
		panic(shapeErr(op, fmt.Sprintf("%v weights need %d*hidden_size rows: weight_hh %v gives hidden_size %d, so weight_ih and weight_hh need %d rows, got %d and %d",
			mode, g.gates, w.WeightHH.shape, g.hidden, gh, w.WeightIH.shape[0], w.WeightHH.shape[0]), w.WeightIH.shape, w.WeightHH.shape))
	}
	for _, b := range []*Tensor{w.BiasIH, w.BiasHH} {
		if b != nil && (b.Dim() != 1 || b.shape[0] != gh) {
			panic(shapeErr(op, fmt.Sprintf("biases must have shape [%d], got %v", gh, b.shape), b.shape))
		}
	}
	if !g.dtype.IsFloat() {
		panic(&DTypeError{Op: op, Msg: "recurrent weights must be floating point, got " + g.dtype.String()})
	}
	g.comp = w.WeightIH.computeDType()
	return g
}

// checkOperands checks that every tensor has the weights' dtype and device.
func (g recGeom) checkOperands(op string, names []string, ts []*Tensor) {
	var first *Tensor
	for i, t := range ts {
		if t == nil {
			continue
		}
		if first == nil {
			first = t
		}
		sameDevice(op, first, t)
		if t.dtype != g.dtype {
			panic(&DTypeError{Op: op, Msg: fmt.Sprintf("expected %s to have dtype %v (the weights' dtype), got %v", names[i], g.dtype, t.dtype)})
		}
	}
}

// checkState checks a hidden or cell state of shape [batch..., hidden].
func (g recGeom) checkState(op, name string, s *Tensor, batch []int) {
	want := append(append([]int(nil), batch...), g.hidden)
	if s != nil && !slices.Equal(s.shape, want) {
		panic(shapeErr(op, fmt.Sprintf("expected %s of size %v, got %v", name, want, s.shape), s.shape, want))
	}
}

// RecurrentCell runs one step of a recurrent cell (torch.rnn_tanh_cell,
// rnn_relu_cell, lstm_cell, gru_cell): x is [B, I] (or unbatched [I]), h
// and, for LSTM, c are [B, H] (or [H]); nil states are zeros. It returns
// the next hidden state and, for LSTM, the next cell state (nil
// otherwise). It is composed of Ember ops, so gradients of any order
// flow.
func RecurrentCell(mode Recurrence, x, h, c *Tensor, w RecurrentWeights) (hNext, cNext *Tensor) {
	op := "recurrent_cell"
	g := checkWeights(op, mode, w)
	g.checkOperands(op, []string{"input", "hx", "cx", "weight_ih", "weight_hh", "bias_ih", "bias_hh"}, []*Tensor{x, h, c, w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH})
	if x.Dim() != 1 && x.Dim() != 2 {
		panic(shapeErr(op, fmt.Sprintf("%v cell: expected input to be 1-D or 2-D, got %d-D tensor", mode, x.Dim()), x.shape))
	}
	if x.shape[x.Dim()-1] != g.in {
		panic(shapeErr(op, fmt.Sprintf("input has inconsistent input_size: got %d expected %d", x.shape[x.Dim()-1], g.in), x.shape, w.WeightIH.shape))
	}
	batch := x.shape[:x.Dim()-1]
	g.checkState(op, "hx", h, batch)
	if mode == RecurrentLSTM {
		g.checkState(op, "cx", c, batch)
	} else if c != nil {
		panic(&ValueError{Op: op, Msg: fmt.Sprintf("a cell state is only used by LSTM, not %v", mode)})
	}
	state := append(append([]int(nil), batch...), g.hidden)
	if h == nil {
		h = Zeros(state, x.dtype, x.Device())
	}
	if mode == RecurrentLSTM && c == nil {
		c = Zeros(state, x.dtype, x.Device())
	}
	return cellStep(mode, Linear(x, w.WeightIH, w.BiasIH), h, c, w)
}

// cellStep advances one step from the input projection xp = W_ih·x + b_ih,
// with Ember ops (the reference for the fused layer, and its
// differentiable form).
func cellStep(mode Recurrence, xp, h, c *Tensor, w RecurrentWeights) (hNext, cNext *Tensor) {
	hp := Linear(h, w.WeightHH, w.BiasHH)
	switch mode {
	case RecurrentTanh:
		return xp.Add(hp).Tanh(), nil
	case RecurrentRelu:
		return xp.Add(hp).Relu(), nil
	case RecurrentLSTM:
		gs := xp.Add(hp).Chunk(4, -1)
		i, f, gg, o := gs[0].Sigmoid(), gs[1].Sigmoid(), gs[2].Tanh(), gs[3].Sigmoid()
		cNext = f.Mul(c).Add(i.Mul(gg))
		return o.Mul(cNext.Tanh()), cNext
	}
	xs, hs := xp.Chunk(3, -1), hp.Chunk(3, -1)
	r := xs[0].Add(hs[0]).Sigmoid()
	z := xs[1].Add(hs[1]).Sigmoid()
	n := xs[2].Add(r.Mul(hs[2])).Tanh()
	return n.Add(z.Mul(h.Sub(n))), nil
}

// RecurrentLayer runs one direction of one recurrent layer over a
// sequence (what torch.nn.RNN, LSTM and GRU do per layer and direction):
// x is [T, B, I], h0 and, for LSTM, c0 are [B, H] (nil: zeros). With
// reverse the sequence is read from its last step to its first (the
// "_reverse" half of a bidirectional layer); out[t] is still the state
// after reading step t. It returns out [T, B, H], the final hidden state
// hN [B, H] and, for LSTM, the final cell state cN [B, H] (nil
// otherwise).
//
// The layer is one fused op: the input projection of all steps is one
// matrix product, each step one [B, H]·[H, G*H] product plus in-place
// element-wise kernels, and the backward pass runs the recurrence in
// reverse with the weight gradients as single products over all steps.
// When the backward pass is itself recorded (CreateGraph), it recomputes
// the layer with RecurrentCell's ops instead, so higher derivatives flow.
func RecurrentLayer(mode Recurrence, x, h0, c0 *Tensor, w RecurrentWeights, reverse bool) (out, hN, cN *Tensor) {
	op := "recurrent_layer"
	g := checkWeights(op, mode, w)
	g.checkOperands(op, []string{"input", "h0", "c0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"}, []*Tensor{x, h0, c0, w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH})
	if x.Dim() != 3 {
		panic(shapeErr(op, fmt.Sprintf("input must have 3 dimensions [T, B, I], got %d", x.Dim()), x.shape))
	}
	if x.shape[2] != g.in {
		panic(shapeErr(op, fmt.Sprintf("input.size(-1) must be equal to input_size. Expected %d, got %d", g.in, x.shape[2]), x.shape, w.WeightIH.shape))
	}
	if x.shape[0] == 0 {
		panic(&ValueError{Op: op, Msg: "Expected sequence length to be larger than 0 in RNN"})
	}
	batch := x.shape[1:2]
	g.checkState(op, "h0", h0, batch)
	if mode == RecurrentLSTM {
		g.checkState(op, "c0", c0, batch)
	} else if c0 != nil {
		panic(&ValueError{Op: op, Msg: fmt.Sprintf("a cell state is only used by LSTM, not %v", mode)})
	}
	steps := x.shape[0]
	packed := recurrentFused(g, x, h0, c0, w, reverse)
	out = packed
	if mode == RecurrentLSTM {
		out = packed.Narrow(0, 0, steps)
		cN = packed.Select(0, steps)
	}
	last := steps - 1
	if reverse {
		last = 0
	}
	return out, out.Select(0, last), cN
}

// recurrentComposed computes the packed result of RecurrentLayer with
// Ember ops: the outputs [T, B, H], followed for LSTM by the final cell
// state as one more step.
func recurrentComposed(mode Recurrence, x, h0, c0 *Tensor, w RecurrentWeights, reverse bool) *Tensor {
	steps := x.shape[0]
	xp := Linear(x, w.WeightIH, w.BiasIH)
	outs := make([]*Tensor, steps)
	h, c := h0, c0
	for s := range steps {
		t := s
		if reverse {
			t = steps - 1 - s
		}
		h, c = cellStep(mode, xp.Select(0, t), h, c, w)
		outs[t] = h
	}
	if mode == RecurrentLSTM {
		outs = append(outs, c)
	}
	return Stack(outs, 0)
}
