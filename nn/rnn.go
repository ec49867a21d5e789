package nn

import (
	"fmt"
	"math"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn/initializer"
)

// RNNOptions configures RNN, LSTM and GRU; nil means PyTorch's defaults
// (one layer, biases, sequence-first, no dropout, one direction, tanh).
type RNNOptions struct {
	NumLayers     int     // stacked layers; 0 means 1
	NoBias        bool    // PyTorch's bias=False: no bias_ih/bias_hh parameters
	BatchFirst    bool    // input and output are [B, T, feature] instead of [T, B, feature]
	Dropout       float64 // dropout on the outputs of every layer but the last, in training mode
	Bidirectional bool    // add a reverse direction to every layer ("..._reverse" weights)
	Nonlinearity  string  // RNN only: "tanh" (the default, also for "") or "relu"
}

// RNNBase is what RNN, LSTM and GRU share, as PyTorch's nn.RNNBase: the
// configuration and the weights of every layer and direction.
type RNNBase struct {
	Mode
	// Params holds, for each layer k and direction, weight_ih_l{k},
	// weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (with a "_reverse" suffix
	// for the reverse direction), in PyTorch's order and shapes:
	// weight_ih [G*H, in], weight_hh [G*H, H], biases [G*H], where the
	// input of layer 0 has InputSize features and of the others
	// directions*H, and G is the number of gates (1, LSTM 4, GRU 3).
	Params []Named `nn:",inline"`

	Recurrence    ember.Recurrence
	InputSize     int
	HiddenSize    int
	NumLayers     int
	Bias          bool
	BatchFirst    bool
	Dropout       float64
	Bidirectional bool

	gen *ember.Generator // for dropout; nil: the default generator
}

// newRNNBase builds the weights and initialises them as PyTorch does:
// every parameter uniform in ±1/sqrt(hidden).
func newRNNBase(op string, mode ember.Recurrence, inputSize, hiddenSize int, o *RNNOptions, opts []ember.Option) RNNBase {
	if o == nil {
		o = &RNNOptions{}
	}
	layers := o.NumLayers
	if layers == 0 {
		layers = 1
	}
	switch {
	case inputSize < 0 || hiddenSize <= 0:
		panic(&ember.ValueError{Op: op, Msg: fmt.Sprintf("input_size must be >= 0 and hidden_size > 0, got %d and %d", inputSize, hiddenSize)})
	case layers < 0:
		panic(&ember.ValueError{Op: op, Msg: fmt.Sprintf("num_layers must be at least 1, got %d", o.NumLayers)})
	case o.Dropout < 0 || o.Dropout > 1 || math.IsNaN(o.Dropout):
		panic(&ember.ValueError{Op: op, Msg: fmt.Sprintf("dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got %v", o.Dropout)})
	}
	b := RNNBase{Recurrence: mode, InputSize: inputSize, HiddenSize: hiddenSize, NumLayers: layers, Bias: !o.NoBias,
		BatchFirst: o.BatchFirst, Dropout: o.Dropout, Bidirectional: o.Bidirectional}
	if g := genOf(opts); g != nil {
		b.gen = g[0]
	}
	gh := mode.Gates() * hiddenSize
	bound := 1 / math.Sqrt(float64(hiddenSize))
	for l := range layers {
		in := inputSize
		if l > 0 {
			in = b.directions() * hiddenSize
		}
		for d := range b.directions() {
			suffix := fmt.Sprintf("_l%d", l)
			if d == 1 {
				suffix += "_reverse"
			}
			shapes := [][]int{{gh, in}, {gh, hiddenSize}}
			names := []string{"weight_ih", "weight_hh"}
			if b.Bias {
				shapes = append(shapes, []int{gh}, []int{gh})
				names = append(names, "bias_ih", "bias_hh")
			}
			for i, s := range shapes {
				p := param(s, opts)
				initializer.Uniform(p, -bound, bound, genOf(opts)...)
				b.Params = append(b.Params, Named{names[i] + suffix, p})
			}
		}
	}
	return b
}

func (b *RNNBase) directions() int {
	if b.Bidirectional {
		return 2
	}
	return 1
}

// Param returns the parameter with the given state-dict key
// ("weight_ih_l0", "bias_hh_l1_reverse", ...), or nil.
func (b *RNNBase) Param(name string) *ember.Tensor {
	for _, p := range b.Params {
		if p.Name == name {
			return p.Tensor
		}
	}
	return nil
}

// Weights returns the parameters of one layer and direction.
func (b *RNNBase) Weights(layer int, reverse bool) ember.RecurrentWeights {
	suffix := fmt.Sprintf("_l%d", layer)
	if reverse {
		suffix += "_reverse"
	}
	return ember.RecurrentWeights{WeightIH: b.Param("weight_ih" + suffix), WeightHH: b.Param("weight_hh" + suffix),
		BiasIH: b.Param("bias_ih" + suffix), BiasHH: b.Param("bias_hh" + suffix)}
}

// run is the forward pass shared by the three layers: x is [T, B, in]
// ([B, T, in] with BatchFirst) or unbatched [T, in]; h0 and c0 are
// [layers*directions, B, H] (unbatched: [layers*directions, H]) or nil for
// zeros.
func (b *RNNBase) run(op string, x, h0, c0 *ember.Tensor) (out, hN, cN *ember.Tensor) {
	if x.Dim() != 2 && x.Dim() != 3 {
		panic(&ember.ShapeError{Op: op, Shapes: [][]int{x.Shape()}, Msg: fmt.Sprintf("Expected input to be 2D or 3D, got %dD instead", x.Dim())})
	}
	if x.Size(-1) != b.InputSize {
		panic(&ember.ShapeError{Op: op, Shapes: [][]int{x.Shape()}, Msg: fmt.Sprintf("input.size(-1) must be equal to input_size. Expected %d, got %d", b.InputSize, x.Size(-1))})
	}
	unbatched := x.Dim() == 2
	if unbatched {
		x = x.Unsqueeze(1)
	} else if b.BatchFirst {
		x = x.Transpose(0, 1)
	}
	lstm := b.Recurrence == ember.RecurrentLSTM
	if lstm && (h0 == nil) != (c0 == nil) {
		panic(&ember.ValueError{Op: op, Msg: "h0 and c0 must be given together (or both nil for zeros)"})
	}
	D := b.directions()
	want := []int{b.NumLayers * D, x.Size(1), b.HiddenSize}
	if unbatched {
		want = []int{b.NumLayers * D, b.HiddenSize}
	}
	h0 = b.checkState(op, "hidden", h0, want, unbatched)
	c0 = b.checkState(op, "cell", c0, want, unbatched)
	var hs, cs []*ember.Tensor
	input := x
	for l := range b.NumLayers {
		outs := make([]*ember.Tensor, D)
		for d := range D {
			var h, c *ember.Tensor
			if h0 != nil {
				h = h0.Select(0, l*D+d)
			}
			if c0 != nil {
				c = c0.Select(0, l*D+d)
			}
			o, hn, cn := ember.RecurrentLayer(b.Recurrence, input, h, c, b.Weights(l, d == 1), d == 1)
			outs[d] = o
			hs, cs = append(hs, hn), append(cs, cn)
		}
		input = outs[0]
		if D == 2 {
			input = ember.Cat(outs, 2)
		}
		if l < b.NumLayers-1 && b.Dropout > 0 && b.Training() {
			input = ember.Dropout(input, b.Dropout, true, b.gens()...)
		}
	}
	out, hN = input, ember.Stack(hs, 0)
	if lstm {
		cN = ember.Stack(cs, 0)
	}
	switch {
	case unbatched:
		out, hN = out.Select(1, 0), hN.Select(1, 0)
		if cN != nil {
			cN = cN.Select(1, 0)
		}
	case b.BatchFirst:
		out = out.Transpose(0, 1)
	}
	return out, hN, cN
}

// checkState checks an initial state's shape and returns it batched.
func (b *RNNBase) checkState(op, what string, s *ember.Tensor, want []int, unbatched bool) *ember.Tensor {
	if s == nil {
		return nil
	}
	shape := s.Shape()
	ok := len(shape) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = shape[i] == want[i]
	}
	if !ok {
		panic(&ember.ShapeError{Op: op, Shapes: [][]int{shape, want}, Msg: fmt.Sprintf("Expected %s size %v, got %v", what, want, shape)})
	}
	if unbatched {
		return s.Unsqueeze(1)
	}
	return s
}

func (b *RNNBase) gens() []*ember.Generator {
	if b.gen == nil {
		return nil
	}
	return []*ember.Generator{b.gen}
}

// RNN is a multi-layer Elman network (torch.nn.RNN): each layer computes
// h_t = act(W_ih·x_t + b_ih + W_hh·h_{t-1} + b_hh), act tanh or ReLU.
type RNN struct {
	RNNBase
}

// NewRNN returns an RNN initialised as PyTorch does. Options give the
// dtype, device and generator (also used for dropout).
func NewRNN(inputSize, hiddenSize int, o *RNNOptions, opts ...ember.Option) *RNN {
	mode := ember.RecurrentTanh
	if o != nil {
		switch o.Nonlinearity {
		case "", "tanh":
		case "relu":
			mode = ember.RecurrentRelu
		default:
			panic(&ember.ValueError{Op: "nn.NewRNN", Msg: fmt.Sprintf("Unknown nonlinearity '%s'. Select from 'tanh' or 'relu'.", o.Nonlinearity)})
		}
	}
	return &RNN{newRNNBase("nn.NewRNN", mode, inputSize, hiddenSize, o, opts)}
}

// Forward runs the network over x ([T, B, in], [B, T, in] with
// BatchFirst, or unbatched [T, in]) from the initial hidden state h0
// ([layers*directions, B, H] or unbatched [layers*directions, H]; nil for
// zeros). It returns the last layer's outputs at every step, [T, B,
// directions*H] (batch first with BatchFirst), and the final hidden state
// of every layer and direction, shaped as h0.
func (m *RNN) Forward(x, h0 *ember.Tensor) (out, hN *ember.Tensor) {
	out, hN, _ = m.run("rnn", x, h0, nil)
	return traced(m, out), hN
}

// newCellWeights makes the parameters of a cell, uniform in ±1/sqrt(hidden).
func newCellWeights(op string, mode ember.Recurrence, inputSize, hiddenSize int, bias bool, opts []ember.Option) ember.RecurrentWeights {
	if inputSize < 0 || hiddenSize <= 0 {
		panic(&ember.ValueError{Op: op, Msg: fmt.Sprintf("input_size must be >= 0 and hidden_size > 0, got %d and %d", inputSize, hiddenSize)})
	}
	gh := mode.Gates() * hiddenSize
	w := ember.RecurrentWeights{WeightIH: param([]int{gh, inputSize}, opts), WeightHH: param([]int{gh, hiddenSize}, opts)}
	if bias {
		w.BiasIH, w.BiasHH = param([]int{gh}, opts), param([]int{gh}, opts)
	}
	bound := 1 / math.Sqrt(float64(hiddenSize))
	for _, p := range []*ember.Tensor{w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH} {
		if p != nil {
			initializer.Uniform(p, -bound, bound, genOf(opts)...)
		}
	}
	return w
}

// RNNCell is one step of an Elman RNN (torch.nn.RNNCell), keys weight_ih,
// weight_hh, bias_ih, bias_hh.
type RNNCell struct {
	WeightIH *ember.Tensor // [H, in]
	WeightHH *ember.Tensor // [H, H]
	BiasIH   *ember.Tensor // [H], or nil
	BiasHH   *ember.Tensor // [H], or nil

	Nonlinearity string // "tanh" or "relu"
}

// NewRNNCell returns an RNN cell initialised as PyTorch does;
// nonlinearity is "tanh" (also for "") or "relu".
func NewRNNCell(inputSize, hiddenSize int, bias bool, nonlinearity string, opts ...ember.Option) *RNNCell {
	switch nonlinearity {
	case "":
		nonlinearity = "tanh"
	case "tanh", "relu":
	default:
		panic(&ember.ValueError{Op: "nn.NewRNNCell", Msg: fmt.Sprintf("Unknown nonlinearity: %s", nonlinearity)})
	}
	w := newCellWeights("nn.NewRNNCell", ember.RecurrentTanh, inputSize, hiddenSize, bias, opts)
	return &RNNCell{WeightIH: w.WeightIH, WeightHH: w.WeightHH, BiasIH: w.BiasIH, BiasHH: w.BiasHH, Nonlinearity: nonlinearity}
}

// Forward returns the next hidden state for x [B, in] (or unbatched [in])
// and h [B, H] (or [H]; nil for zeros).
func (c *RNNCell) Forward(x, h *ember.Tensor) *ember.Tensor {
	mode := ember.RecurrentTanh
	if c.Nonlinearity == "relu" {
		mode = ember.RecurrentRelu
	}
	out, _ := ember.RecurrentCell(mode, x, h, nil, ember.RecurrentWeights{WeightIH: c.WeightIH, WeightHH: c.WeightHH, BiasIH: c.BiasIH, BiasHH: c.BiasHH})
	return traced(c, out)
}
