package nn

import (
	"fmt"
	"testing"

	"github.com/emberdl/ember"
)

// lstmModel is the Ember twin of the PyTorch model of
// testdata/gen/nn_rnn.py: embedding -> 2-layer LSTM -> linear.
type lstmModel struct {
	Embedding *tokenTable
	LSTM      *LSTM
	FC        *Linear
}

// tokenTable is an embedding table (key "weight"), enough for this test.
type tokenTable struct{ Weight *ember.Tensor }

func (m *lstmModel) Forward(ids *ember.Tensor) *ember.Tensor {
	out, _, _ := m.LSTM.Forward(ember.Embedding(ids, m.Embedding.Weight), nil, nil)
	return m.FC.Forward(out)
}

// TestLSTMModelFromPyTorch loads a PyTorch model's safetensors file by
// name (strict) and reproduces its output.
func TestLSTMModelFromPyTorch(t *testing.T) {
	var fx struct {
		Keys   []string  `json:"keys"`
		IDs    fixTensor `json:"ids"`
		Logits fixTensor `json:"logits"`
	}
	readFixture(t, "rnn_lstm_model.json", &fx)
	m := &lstmModel{
		Embedding: &tokenTable{Weight: ember.Zeros([]int{20, 8}).SetRequiresGrad(true)},
		LSTM:      NewLSTM(8, 16, &RNNOptions{NumLayers: 2, BatchFirst: true}),
		FC:        NewLinear(16, 5, true),
	}
	if got := keysOf(m); fmt.Sprint(got) != fmt.Sprint(fx.Keys) {
		t.Fatalf("keys\n got %v\nwant %v", got, fx.Keys)
	}
	meta, rep, err := Load("testdata/rnn_lstm_model.safetensors", m, true)
	if err != nil || !rep.OK() {
		t.Fatalf("load: %v (%v)", err, rep)
	}
	if meta["model"] != "embedding-lstm-linear" {
		t.Errorf("metadata %v", meta)
	}
	Eval(m)
	var logits *ember.Tensor
	ember.NoGrad(func() { logits = m.Forward(fixtureTensor(fx.IDs)) })
	expectClose(t, "logits", logits, fx.Logits, 1e-5)
}

func ExampleLSTM() {
	lstm := NewLSTM(10, 20, &RNNOptions{NumLayers: 2}, ember.NewGenerator(1))
	x := ember.Randn([]int{5, 3, 10}, ember.NewGenerator(2)) // 5 steps, batch of 3
	h0 := ember.Zeros([]int{2, 3, 20})
	c0 := ember.Zeros([]int{2, 3, 20})
	out, hN, cN := lstm.Forward(x, h0, c0)
	fmt.Println(out.Shape(), hN.Shape(), cN.Shape())
	// Output: [5 3 20] [2 3 20] [2 3 20]
}

func ExampleLSTMCell() {
	cell := NewLSTMCell(4, 8, true, ember.NewGenerator(1))
	var h, c *ember.Tensor // nil: zero states
	for range 3 {
		h, c = cell.Forward(ember.Ones([]int{2, 4}), h, c)
	}
	fmt.Println(h.Shape(), c.Shape())
	// Output: [2 8] [2 8]
}

// BenchmarkLSTM times the workload of /work/shared/bench/lstm.py: one
// layer, input 64, hidden 256, 50 steps, batch 64, float32, forward
// without gradients and forward+backward (driven by a fixed output
// gradient; the input needs none).
func BenchmarkLSTM(b *testing.B) {
	const T, B, I, H = 50, 64, 64, 256
	lstm := NewLSTM(I, H, nil, ember.NewGenerator(0))
	x := ember.Randn([]int{T, B, I}, ember.NewGenerator(1))
	gy := ember.Randn([]int{T, B, H}, ember.NewGenerator(2))
	flops := 2.0 * T * B * (I + H) * 4 * H
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			ember.NoGrad(func() { lstm.Forward(x, nil, nil) })
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "gate_GFLOP/s")
	})
	b.Run("forward_backward", func(b *testing.B) {
		for b.Loop() {
			ZeroGrad(lstm)
			out, _, _ := lstm.Forward(x, nil, nil)
			out.Backward(ember.WithGradient(gy))
		}
		b.ReportMetric(3*flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "gate_GFLOP/s")
	})
}
