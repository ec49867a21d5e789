package nn

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

// rnnCase is one case of testdata/rnn_layers.json.
type rnnCase struct {
	Name   string `json:"name"`
	Layer  string `json:"layer"`
	Config struct {
		InputSize     int     `json:"input_size"`
		HiddenSize    int     `json:"hidden_size"`
		NumLayers     int     `json:"num_layers"`
		Bias          *bool   `json:"bias"`
		BatchFirst    bool    `json:"batch_first"`
		Bidirectional bool    `json:"bidirectional"`
		Dropout       float64 `json:"dropout"`
		Nonlinearity  string  `json:"nonlinearity"`
	} `json:"config"`
	State       map[string]fixTensor `json:"state"`
	Keys        []string             `json:"keys"`
	Inputs      map[string]fixTensor `json:"inputs"`
	Outputs     map[string]fixTensor `json:"outputs"`
	GradOutputs map[string]fixTensor `json:"grad_outputs"`
	Grads       map[string]fixTensor `json:"grads"`
}

// build makes the Ember layer of a case and a function running it.
func (c *rnnCase) build() (Module, func(in map[string]*ember.Tensor) map[string]*ember.Tensor) {
	cf := c.Config
	bias := cf.Bias == nil || *cf.Bias
	o := &RNNOptions{NumLayers: cf.NumLayers, NoBias: !bias, BatchFirst: cf.BatchFirst, Dropout: cf.Dropout, Bidirectional: cf.Bidirectional}
	switch c.Layer {
	case "rnn":
		o.Nonlinearity = cf.Nonlinearity
		m := NewRNN(cf.InputSize, cf.HiddenSize, o)
		return m, func(in map[string]*ember.Tensor) map[string]*ember.Tensor {
			out, hn := m.Forward(in["x"], in["h0"])
			return map[string]*ember.Tensor{"out": out, "hn": hn}
		}
	case "lstm":
		m := NewLSTM(cf.InputSize, cf.HiddenSize, o)
		return m, func(in map[string]*ember.Tensor) map[string]*ember.Tensor {
			out, hn, cn := m.Forward(in["x"], in["h0"], in["c0"])
			return map[string]*ember.Tensor{"out": out, "hn": hn, "cn": cn}
		}
	case "gru":
		m := NewGRU(cf.InputSize, cf.HiddenSize, o)
		return m, func(in map[string]*ember.Tensor) map[string]*ember.Tensor {
			out, hn := m.Forward(in["x"], in["h0"])
			return map[string]*ember.Tensor{"out": out, "hn": hn}
		}
	case "rnn_cell":
		m := NewRNNCell(cf.InputSize, cf.HiddenSize, bias, cf.Nonlinearity)
		return m, func(in map[string]*ember.Tensor) map[string]*ember.Tensor {
			return map[string]*ember.Tensor{"hn": m.Forward(in["x"], in["h0"])}
		}
	case "lstm_cell":
		m := NewLSTMCell(cf.InputSize, cf.HiddenSize, bias)
		return m, func(in map[string]*ember.Tensor) map[string]*ember.Tensor {
			h, c := m.Forward(in["x"], in["h0"], in["c0"])
			return map[string]*ember.Tensor{"hn": h, "cn": c}
		}
	case "gru_cell":
		m := NewGRUCell(cf.InputSize, cf.HiddenSize, bias)
		return m, func(in map[string]*ember.Tensor) map[string]*ember.Tensor {
			return map[string]*ember.Tensor{"hn": m.Forward(in["x"], in["h0"])}
		}
	}
	panic("unknown layer " + c.Layer)
}

// TestRecurrentLayersGolden loads PyTorch's weights into each layer by
// state-dict key, runs it in evaluation mode and compares the outputs
// (max abs error 1e-5, float32) and the gradients of the inputs and of
// every parameter (2e-5).
func TestRecurrentLayersGolden(t *testing.T) {
	var doc struct {
		Cases []rnnCase `json:"cases"`
	}
	readFixture(t, "rnn_layers.json", &doc)
	if len(doc.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range doc.Cases {
		t.Run(c.Name, func(t *testing.T) {
			m, run := c.build()
			loadFixtureState(t, m, c.Keys, c.State)
			Eval(m)
			ins := map[string]*ember.Tensor{}
			for k, v := range c.Inputs {
				ins[k] = fixtureLeaf(v)
			}
			outs := run(ins)
			for k, want := range c.Outputs {
				expectClose(t, "output "+k, outs[k], want, 1e-5)
			}
			weightedSum(outs, c.GradOutputs).Backward()
			for k, v := range ins {
				expectClose(t, "grad of "+k, v.Grad(), c.Grads[k], 2e-5)
			}
			for _, p := range NamedParameters(m) {
				expectClose(t, "grad of "+p.Name, p.Tensor.Grad(), c.Grads[p.Name], 2e-5)
			}
		})
	}
}

func TestRecurrentKeysAndShapes(t *testing.T) {
	m := NewGRU(3, 5, &RNNOptions{NumLayers: 2, Bidirectional: true})
	want := []string{}
	for l := range 2 {
		for _, sfx := range []string{"", "_reverse"} {
			for _, n := range []string{"weight_ih", "weight_hh", "bias_ih", "bias_hh"} {
				want = append(want, fmt.Sprintf("%s_l%d%s", n, l, sfx))
			}
		}
	}
	if got := keysOf(m); !slices.Equal(got, want) {
		t.Fatalf("keys %v", got)
	}
	shapes := map[string][]int{"weight_ih_l0": {15, 3}, "weight_hh_l0_reverse": {15, 5}, "weight_ih_l1": {15, 10}, "bias_hh_l1_reverse": {15}}
	for k, s := range shapes {
		if got := m.Param(k).Shape(); !slices.Equal(got, s) {
			t.Errorf("%s: shape %v, want %v", k, got, s)
		}
	}
	if w := m.Weights(1, true); w.WeightIH != m.Param("weight_ih_l1_reverse") || w.BiasHH != m.Param("bias_hh_l1_reverse") {
		t.Error("Weights(1, reverse) does not return the layer's parameters")
	}
	if got := NumParams(m, false); got != 2*(15*3+15*5+30)+2*(15*10+15*5+30) {
		t.Errorf("NumParams %d", got)
	}
	nb := NewLSTM(2, 3, &RNNOptions{NoBias: true})
	if got := keysOf(nb); !slices.Equal(got, []string{"weight_ih_l0", "weight_hh_l0"}) {
		t.Errorf("no-bias keys %v", got)
	}
	s, err := Summary(&lstmSummaryNet{LSTM: NewLSTM(4, 6, nil)}, 5, 2, 4)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprint(4*6*4 + 4*6*6 + 2*4*6); !strings.Contains(s, "lstm (LSTM)") || !strings.Contains(s, want) || !strings.Contains(s, "[5 2 6]") {
		t.Errorf("summary lacks the LSTM row with %s parameters:\n%s", want, s)
	}
}

type lstmSummaryNet struct{ LSTM *LSTM }

func (n *lstmSummaryNet) Forward(x *ember.Tensor) *ember.Tensor {
	out, _, _ := n.LSTM.Forward(x, nil, nil)
	return out
}

// TestRecurrentInit checks PyTorch's initialisation: every parameter
// uniform in ±1/sqrt(hidden): within the bound and reaching it, with mean
// 0 and variance bound²/3.
func TestRecurrentInit(t *testing.T) {
	const hidden = 64
	bound := 1 / math.Sqrt(hidden)
	layers := map[string]Module{
		"lstm":      NewLSTM(32, hidden, &RNNOptions{NumLayers: 2}, ember.NewGenerator(1)),
		"gru":       NewGRU(32, hidden, nil, ember.NewGenerator(2)),
		"rnn":       NewRNN(32, hidden, &RNNOptions{Bidirectional: true}, ember.NewGenerator(3)),
		"lstm_cell": NewLSTMCell(32, hidden, true, ember.NewGenerator(4)),
		"gru_cell":  NewGRUCell(32, hidden, true, ember.NewGenerator(5)),
		"rnn_cell":  NewRNNCell(32, hidden, true, "relu", ember.NewGenerator(6)),
	}
	for name, m := range layers {
		var all []float64
		for _, p := range Parameters(m) {
			all = append(all, p.Float64s()...)
		}
		checkUniform(t, name, ember.FromSlice(all), bound)
	}
	a, b := NewLSTM(3, 4, nil, ember.NewGenerator(9)), NewLSTM(3, 4, nil, ember.NewGenerator(9))
	if !slices.Equal(a.Param("weight_hh_l0").Float32s(), b.Param("weight_hh_l0").Float32s()) {
		t.Error("one seed gave two initialisations")
	}
}

// TestRecurrentDropout checks that dropout between layers acts in
// training mode only, with the layer's generator.
func TestRecurrentDropout(t *testing.T) {
	x := ember.Rand([]int{5, 3, 4}, ember.NewGenerator(3))
	newNet := func() *LSTM {
		return NewLSTM(4, 6, &RNNOptions{NumLayers: 2, Dropout: 0.5}, ember.NewGenerator(11))
	}
	m := newNet()
	Eval(m)
	evalOut, _, _ := m.Forward(x, nil, nil)
	noDrop := NewLSTM(4, 6, &RNNOptions{NumLayers: 2}, ember.NewGenerator(11))
	ref, _, _ := noDrop.Forward(x, nil, nil)
	if !slices.Equal(evalOut.Float32s(), ref.Float32s()) {
		t.Fatal("evaluation mode is not dropout-free")
	}
	Train(m)
	tr1, _, _ := m.Forward(x, nil, nil)
	if slices.Equal(tr1.Float32s(), ref.Float32s()) {
		t.Fatal("training mode applied no dropout")
	}
	// The same generator state gives the same masks: a fresh twin repeats it.
	twin := newNet()
	tr2, _, _ := twin.Forward(x, nil, nil)
	if !slices.Equal(tr1.Float32s(), tr2.Float32s()) {
		t.Fatal("dropout is not reproducible from the layer's generator")
	}
	// Layer 1's input is layer 0's output with dropout: recompute it.
	g := ember.NewGenerator(11)
	_ = NewLSTM(4, 6, &RNNOptions{NumLayers: 2, Dropout: 0.5}, g) // advance g past initialisation as newNet does
	l0, _, _ := ember.RecurrentLayer(ember.RecurrentLSTM, x, nil, nil, m.Weights(0, false), false)
	l1, _, _ := ember.RecurrentLayer(ember.RecurrentLSTM, ember.Dropout(l0, 0.5, true, g), nil, nil, m.Weights(1, false), false)
	if !slices.Equal(l1.Float32s(), tr2.Float32s()) {
		t.Fatal("training output is not layer 1 applied to the dropped-out output of layer 0")
	}
}

// TestRecurrentBatchFirstMatches runs one LSTM batch-first and
// sequence-first.
func TestRecurrentBatchFirstMatches(t *testing.T) {
	seqFirst := NewLSTM(3, 4, &RNNOptions{Bidirectional: true}, ember.NewGenerator(1))
	batchFirst := NewLSTM(3, 4, &RNNOptions{Bidirectional: true, BatchFirst: true}, ember.NewGenerator(1))
	x := ember.Rand([]int{6, 2, 3}, ember.NewGenerator(2))
	a, ha, ca := seqFirst.Forward(x, nil, nil)
	b, hb, cb := batchFirst.Forward(x.Transpose(0, 1), nil, nil)
	if !slices.Equal(a.Transpose(0, 1).Contiguous().Float32s(), b.Contiguous().Float32s()) ||
		!slices.Equal(ha.Float32s(), hb.Float32s()) || !slices.Equal(ca.Float32s(), cb.Float32s()) {
		t.Fatal("batch-first and sequence-first runs differ")
	}
}

func TestRecurrentErrors(t *testing.T) {
	lstm := NewLSTM(3, 4, &RNNOptions{NumLayers: 2})
	gru := NewGRU(3, 4, nil)
	x := ember.Zeros([]int{5, 2, 3})
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"rank", func() { lstm.Forward(ember.Zeros([]int{1, 5, 2, 3}), nil, nil) }, "lstm: Expected input to be 2D or 3D, got 4D instead"},
		{"input size", func() { gru.Forward(ember.Zeros([]int{5, 2, 4}), nil) }, "gru: input.size(-1) must be equal to input_size. Expected 3, got 4"},
		{"hidden size", func() { gru.Forward(x, ember.Zeros([]int{2, 2, 4})) }, "gru: Expected hidden size [1 2 4], got [2 2 4]"},
		{"cell size", func() { lstm.Forward(x, ember.Zeros([]int{2, 2, 4}), ember.Zeros([]int{2, 3, 4})) }, "lstm: Expected cell size [2 2 4], got [2 3 4]"},
		{"half state", func() { lstm.Forward(x, ember.Zeros([]int{2, 2, 4}), nil) }, "h0 and c0 must be given together"},
		{"nonlinearity", func() { NewRNN(3, 4, &RNNOptions{Nonlinearity: "sigmoid"}) }, "Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'."},
		{"lstm nonlinearity", func() { NewLSTM(3, 4, &RNNOptions{Nonlinearity: "relu"}) }, "Nonlinearity is an option of RNN only"},
		{"hidden", func() { NewGRU(3, 0, nil) }, "input_size must be >= 0 and hidden_size > 0, got 3 and 0"},
		{"layers", func() { NewGRU(3, 2, &RNNOptions{NumLayers: -1}) }, "num_layers must be at least 1, got -1"},
		{"dropout", func() { NewLSTM(3, 2, &RNNOptions{Dropout: 2}) }, "dropout should be a number in range [0, 1]"},
		{"cell nonlinearity", func() { NewRNNCell(3, 2, true, "gelu") }, "Unknown nonlinearity: gelu"},
		{"cell input", func() { NewGRUCell(3, 2, true).Forward(ember.Zeros([]int{2, 4}), nil) }, "input has inconsistent input_size: got 4 expected 3"},
	}
	for _, c := range cases {
		err := ember.Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func ExampleGRU() {
	gru := NewGRU(8, 16, &RNNOptions{NumLayers: 2, BatchFirst: true}, ember.NewGenerator(1))
	x := ember.Randn([]int{4, 10, 8}, ember.NewGenerator(2)) // 4 sequences of 10 steps
	out, hN := gru.Forward(x, nil)
	fmt.Println(out.Shape(), hN.Shape())
	// Output: [4 10 16] [2 4 16]
}

func ExampleRNNCell() {
	cell := NewRNNCell(3, 5, true, "tanh", ember.NewGenerator(1))
	h := ember.Zeros([]int{2, 5})
	for range 4 { // run the cell by hand over 4 steps
		h = cell.Forward(ember.Ones([]int{2, 3}), h)
	}
	fmt.Println(h.Shape())
	// Output: [2 5]
}

// TestRecurrentToAndSave converts an LSTM's []Named parameters in place
// and round-trips them through a safetensors file.
func TestRecurrentToAndSave(t *testing.T) {
	m := NewLSTM(3, 4, &RNNOptions{Bidirectional: true}, ember.NewGenerator(1))
	w := m.Param("weight_hh_l0_reverse")
	if err := To(m, ember.Float64); err != nil {
		t.Fatal(err)
	}
	if w.DType() != ember.Float64 || m.Param("weight_hh_l0_reverse") != w || !w.RequiresGrad() {
		t.Fatalf("To(Float64): dtype %v, same tensor %v", w.DType(), m.Param("weight_hh_l0_reverse") == w)
	}
	x := ember.Rand([]int{2, 1, 3}, ember.Float64, ember.NewGenerator(2))
	out, _, _ := m.Forward(x, nil, nil)
	if out.DType() != ember.Float64 {
		t.Fatalf("output dtype %v", out.DType())
	}
	path := t.TempDir() + "/lstm.safetensors"
	if err := Save(path, m, nil); err != nil {
		t.Fatal(err)
	}
	back := NewLSTM(3, 4, &RNNOptions{Bidirectional: true}, ember.Float64, ember.NewGenerator(7))
	if _, rep, err := Load(path, back, true); err != nil || !rep.OK() {
		t.Fatalf("load: %v %v", err, rep)
	}
	for _, p := range m.Params {
		if !slices.Equal(back.Param(p.Name).Float64s(), p.Tensor.Float64s()) {
			t.Fatalf("%s differs after a round trip", p.Name)
		}
	}
}
