package nn

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

// cnn is the Go twin of the CNN in testdata/gen/nn_model.py: the same
// field names give the same state-dict keys.
type cnn struct {
	Conv1   *Conv2d
	BN1     *BatchNorm2d
	ReLU1   *ReLU `nn:"relu1"`
	Pool1   *MaxPool2d
	Conv2   *Conv2d
	BN2     *BatchNorm2d
	ReLU2   *ReLU `nn:"relu2"`
	Pool2   *MaxPool2d
	Flatten *Flatten
	FC1     *Linear
	ReLU3   *ReLU `nn:"relu3"`
	Drop    *Dropout
	FC2     *Linear
}

func newCNN() *cnn {
	pool := ember.PoolOptions{Kernel: []int{2}}
	return &cnn{
		Conv1: NewConv2d(1, 8, []int{3}, ConvConfig{Padding: []int{1}}),
		BN1:   NewBatchNorm2d(8, BatchNormOptions{}),
		ReLU1: NewReLU(),
		Pool1: NewMaxPool2d(pool),
		Conv2: NewConv2d(8, 16, []int{3}, ConvConfig{Padding: []int{1}}),
		BN2:   NewBatchNorm2d(16, BatchNormOptions{}),
		ReLU2: NewReLU(),
		Pool2: NewMaxPool2d(pool),
		// PyTorch's Flatten defaults: keep the batch axis.
		Flatten: NewFlatten(1, -1),
		FC1:     NewLinear(16*3*3, 32, true),
		ReLU3:   NewReLU(),
		Drop:    NewDropout(0.5),
		FC2:     NewLinear(32, 10, true),
	}
}

func (m *cnn) Forward(x *ember.Tensor) *ember.Tensor {
	x = m.Pool1.Forward(m.ReLU1.Forward(m.BN1.Forward(m.Conv1.Forward(x))))
	x = m.Pool2.Forward(m.ReLU2.Forward(m.BN2.Forward(m.Conv2.Forward(x))))
	x = m.Flatten.Forward(x)
	x = m.Drop.Forward(m.ReLU3.Forward(m.FC1.Forward(x)))
	return Traced(m, m.FC2.Forward(x))
}

// cnnFixture is nn/testdata/cnn.json.
type cnnFixture struct {
	Keys   []string  `json:"keys"`
	Input  fixTensor `json:"input"`
	Output fixTensor `json:"output"`
	Layers []struct {
		Name   string `json:"name"`
		Type   string `json:"type"`
		Shape  []int  `json:"shape"`
		Params int    `json:"params"`
	} `json:"layers"`
	TotalParams int `json:"total_params"`
}

// TestPyTorchCNN loads a PyTorch-trained CNN from safetensors by name
// (strict), reproduces its eval-mode output and checks the summary table.
func TestPyTorchCNN(t *testing.T) {
	raw, err := os.ReadFile("testdata/cnn.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx cnnFixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	m := newCNN()
	if got := stateKeys(m); !slices.Equal(got, fx.Keys) {
		t.Fatalf("state-dict keys\n got %v\nwant %v", got, fx.Keys)
	}
	meta, rep, err := Load("testdata/cnn.safetensors", m, true)
	if err != nil || !rep.OK() {
		t.Fatalf("strict load: %v (%v)", err, rep)
	}
	if meta["format"] != "pt" {
		t.Errorf("metadata %v", meta)
	}
	if n := m.BN1.NumBatchesTracked.ItemInt(); n != 3 {
		t.Errorf("bn1.num_batches_tracked = %d, want 3 (three training steps)", n)
	}
	Eval(m)
	x := fixtureTensor(fx.Input, ember.CPU)
	checkTensor(t, "eval output", m.Forward(x), &fx.Output, 1e-5)

	s, err := Summary(m, fx.Input.Shape...)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, " (") && strings.Contains(line, "[") {
			rows = append(rows, line)
		}
	}
	if len(rows) != len(fx.Layers) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(fx.Layers), s)
	}
	for i, l := range fx.Layers {
		r := rows[i]
		if !strings.HasPrefix(r, l.Name+" ("+l.Type+")") || !strings.Contains(r, fmt.Sprint(l.Shape)) || !strings.HasSuffix(strings.TrimSpace(r), " "+commas(l.Params)) {
			t.Errorf("row %d = %q, want %s (%s) %v with %d parameters", i, r, l.Name, l.Type, l.Shape, l.Params)
		}
	}
	if want := fmt.Sprintf("Total params: %s\n", commas(fx.TotalParams)); !strings.Contains(s, want) || fx.TotalParams != NumParams(m, false) {
		t.Errorf("summary lacks %q:\n%s", want, s)
	}
	checkTensor(t, "eval output after the summary", m.Forward(x), &fx.Output, 1e-5)
}
