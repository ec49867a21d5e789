package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/internal/fixture"
)

// Golden layer fixtures written by testdata/gen/nn_<family>.py with
// PyTorch (see testdata/gen/nn_fixture.py for the format). Every case is
// built by a registered builder, loaded with the fixture's state dict
// (strict, so the state-dict keys and shapes must match PyTorch's), run
// forward and backward, and compared: outputs to 1e-5 and gradients to
// 1e-4 (absolute, float32) unless the case says otherwise; float64 cases
// to 1e-10 and 1e-9.

// fixTensor is a tensor of a fixture.
type fixTensor = fixture.Tensor

// fixtureTensor builds the fixture tensor f in its dtype, on the device
// given, if any.
func fixtureTensor(f fixTensor, dev ...ember.Option) *ember.Tensor {
	dt, err := ember.ParseDType(f.DType)
	if err != nil {
		panic(err)
	}
	return ember.FromSlice(f.Values()).Reshape(f.Shape...).To(append([]ember.Option{dt}, dev...)...)
}

// fixtureLeaf is fixtureTensor as a leaf requiring gradients.
func fixtureLeaf(f fixTensor) *ember.Tensor { return fixtureTensor(f).SetRequiresGrad(true) }

// layerCase is one fixture case.
type layerCase struct {
	Name       string               `json:"name"`
	Layer      string               `json:"layer"`
	Args       layerArgs            `json:"args"`
	Train      bool                 `json:"train"`
	State      map[string]fixTensor `json:"state"`
	Inputs     []fixTensor          `json:"inputs"`
	Output     fixTensor            `json:"output"`
	Extra      []fixTensor          `json:"extra"`
	GradOutput *fixTensor           `json:"grad_output"`
	Grads      map[string]fixTensor `json:"grads"`
	StateAfter map[string]fixTensor `json:"state_after"`
	ATol       float64              `json:"atol"`
	GradATol   float64              `json:"grad_atol"`
}

// layerArgs are the constructor arguments of a case.
type layerArgs = fixture.Args

// built is a layer made for a case, with how to run it on the inputs.
type built struct {
	module  Module
	forward func(in []*ember.Tensor) []*ember.Tensor
}

// layerBuilder makes the layer of a case; opts hold the dtype and device.
type layerBuilder func(a layerArgs, opts []ember.Option) built

var (
	buildersMu sync.Mutex
	builders   = map[string]layerBuilder{}
)

// registerLayer makes a layer available to fixtures (from init in the
// families' test files).
func registerLayer(name string, b layerBuilder) {
	buildersMu.Lock()
	defer buildersMu.Unlock()
	if _, dup := builders[name]; dup {
		panic("duplicate layer builder " + name)
	}
	builders[name] = b
}

// single adapts a one-input layer.
func single(l Layer) built {
	return built{l, func(in []*ember.Tensor) []*ember.Tensor { return []*ember.Tensor{l.Forward(in[0])} }}
}

// pair adapts a two-input module (losses, Bilinear).
func pair(m Module, f func(a, b *ember.Tensor) *ember.Tensor) built {
	return built{m, func(in []*ember.Tensor) []*ember.Tensor { return []*ember.Tensor{f(in[0], in[1])} }}
}

// fixtureFile is a parsed fixture.
type fixtureFile struct {
	Generator string      `json:"generator"`
	Cases     []layerCase `json:"cases"`
}

func loadFixtures(t *testing.T) map[string]fixtureFile {
	t.Helper()
	paths, err := filepath.Glob("testdata/*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures in nn/testdata: %v", err)
	}
	out := map[string]fixtureFile{}
	for _, p := range paths {
		if strings.HasPrefix(filepath.Base(p), "rnn_") {
			continue // the recurrent and attention fixtures have their own loader
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var f fixtureFile
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if len(f.Cases) == 0 || f.Cases[0].Layer == "" {
			continue // another kind of fixture (the model's)
		}
		out[strings.TrimSuffix(filepath.Base(p), ".json")] = f
	}
	return out
}

// testDevices are the devices the fixtures run on: the CPU, and CUDA when
// it is available on this machine.
func testDevices() []ember.Device {
	devs := []ember.Device{ember.CPU}
	if ember.Available(ember.CUDA) == nil {
		devs = append(devs, ember.CUDA)
	}
	return devs
}

// maxAbsDiff compares values; NaN must match NaN and infinities exactly.
func maxAbsDiff(got, want []float64) (float64, int) {
	worst, at := 0.0, -1
	for i := range want {
		a, b := got[i], want[i]
		var d float64
		switch {
		case math.IsNaN(b) || math.IsInf(b, 0):
			if !(math.IsNaN(a) && math.IsNaN(b)) && a != b {
				d = math.Inf(1)
			}
		default:
			d = math.Abs(a - b)
			if math.IsNaN(d) {
				d = math.Inf(1)
			}
		}
		if d > worst || at < 0 {
			worst, at = d, i
		}
	}
	return worst, at
}

// checkTensor fails unless got has want's shape and values within atol.
func checkTensor(t *testing.T, what string, got *ember.Tensor, want *fixTensor, atol float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: got no tensor", what)
		return
	}
	if !slices.Equal(got.Shape(), want.Shape) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape(), want.Shape)
		return
	}
	if got.DType().String() != want.DType {
		t.Errorf("%s: dtype %v, want %s", what, got.DType(), want.DType)
	}
	w := want.Values()
	if d, i := maxAbsDiff(got.Float64s(), w); d > atol {
		t.Errorf("%s: max abs error %.3g at element %d (got %.9g, want %.9g), tolerance %.3g", what, d, i, got.Float64s()[i], w[i], atol)
	}
}

func (c *layerCase) tolerances() (out, grad float64) {
	out, grad = 1e-5, 1e-4
	if c.Output.DType == "float64" {
		out, grad = 1e-10, 1e-9
	}
	if c.ATol > 0 {
		out = c.ATol
	}
	if c.GradATol > 0 {
		grad = c.GradATol
	}
	return out, grad
}

// runCase builds, loads, runs and checks one case on dev.
func runCase(t *testing.T, c *layerCase, dev ember.Device) {
	b, ok := builders[c.Layer]
	if !ok {
		t.Fatalf("no builder for layer %q", c.Layer)
	}
	opts := []ember.Option{dev}
	if dt := c.Args.String("dtype", ""); dt != "" {
		d, err := ember.ParseDType(dt)
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, d)
	}
	l := b(c.Args, opts)
	sd := map[string]*ember.Tensor{}
	for k, v := range c.State {
		sd[k] = fixtureTensor(v, dev)
	}
	if rep, err := LoadStateDict(l.module, sd, true); err != nil {
		t.Fatalf("loading PyTorch's state dict: %v (%v)", err, rep)
	}
	if c.Train {
		Train(l.module)
	} else {
		Eval(l.module)
	}
	in := make([]*ember.Tensor, len(c.Inputs))
	for i := range c.Inputs {
		in[i] = fixtureTensor(c.Inputs[i], dev)
		if _, ok := c.Grads[fmt.Sprintf("input%d", i)]; ok {
			in[i].SetRequiresGrad(true)
		}
	}
	outs := l.forward(in)
	atol, gatol := c.tolerances()
	checkTensor(t, "output", outs[0], &c.Output, atol)
	for i := range c.Extra {
		checkTensor(t, fmt.Sprintf("result %d", i+1), outs[i+1], &c.Extra[i], 0)
	}
	for k, want := range c.StateAfter {
		checkTensor(t, "state after the forward pass: "+k, StateMap(l.module)[k], &want, atol)
	}
	if c.GradOutput == nil {
		return
	}
	outs[0].Mul(fixtureTensor(*c.GradOutput, dev)).Sum().Backward()
	params := map[string]*ember.Tensor{}
	for _, p := range NamedParameters(l.module) {
		if p.Tensor.RequiresGrad() {
			params[p.Name] = p.Tensor
		}
	}
	for k := range params {
		if _, ok := c.Grads[k]; !ok {
			t.Errorf("parameter %s requires a gradient but PyTorch has no such trainable parameter", k)
		}
	}
	keys := make([]string, 0, len(c.Grads))
	for k := range c.Grads {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want := c.Grads[k]
		var got *ember.Tensor
		if strings.HasPrefix(k, "input") {
			var i int
			fmt.Sscanf(k, "input%d", &i)
			got = in[i].Grad()
		} else if p, ok := params[k]; ok {
			got = p.Grad()
		} else {
			t.Errorf("PyTorch has a trainable parameter %s that the Ember layer lacks", k)
			continue
		}
		if got == nil {
			got = ember.ZerosLike(ember.FromSlice(want.Values()).Reshape(want.Shape...).To(outs[0].DType()))
		}
		checkTensor(t, "gradient of "+k, got, &want, gatol)
	}
}

func TestGoldenLayers(t *testing.T) {
	files := loadFixtures(t)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, fam := range names {
		for i := range files[fam].Cases {
			c := &files[fam].Cases[i]
			for _, dev := range testDevices() {
				t.Run(fmt.Sprintf("%s/%s/%v", fam, c.Name, dev), func(t *testing.T) {
					if err := ember.Catch(func() { runCase(t, c, dev) }); err != nil {
						t.Fatalf("panic: %v", err)
					}
				})
			}
		}
	}
}

// TestGoldenLayerCoverage fails when a registered builder has no fixture
// case, or a fixture names a layer nobody registered.
func TestGoldenLayerCoverage(t *testing.T) {
	seen := map[string]bool{}
	for fam, f := range loadFixtures(t) {
		for _, c := range f.Cases {
			if _, ok := builders[c.Layer]; !ok {
				t.Errorf("%s: case %s uses unregistered layer %q", fam, c.Name, c.Layer)
			}
			seen[c.Layer] = true
		}
	}
	for name := range builders {
		if !seen[name] {
			t.Errorf("layer %q is registered but no fixture exercises it", name)
		}
	}
}
