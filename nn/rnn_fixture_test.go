package nn

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/emberdl/ember"
)

// The fixtures under testdata/rnn_*.json are written by
// testdata/gen/nn_rnn.py and nn_attention.py (PyTorch 1.13).

func readFixture(t *testing.T, name string, into any) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, into); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// maxAbsDiffFx returns the largest |got - want| (NaN where they disagree on
// NaN), after checking shapes.
func maxAbsDiffFx(t *testing.T, what string, got *ember.Tensor, want fixTensor) float64 {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: missing (nil)", what)
	}
	shape := want.Shape
	if shape == nil {
		shape = []int{}
	}
	if !slices.Equal(got.Shape(), shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), shape)
	}
	g, w := got.Float64s(), want.Values()
	worst := 0.0
	for i := range g {
		if math.IsNaN(w[i]) != math.IsNaN(g[i]) {
			return math.NaN()
		}
		if !math.IsNaN(w[i]) {
			worst = math.Max(worst, math.Abs(g[i]-w[i]))
		}
	}
	return worst
}

// expectClose fails when got differs from want by more than tol anywhere.
// With FXDEBUG set in the environment it logs every error, to see the
// margins.
func expectClose(t *testing.T, what string, got *ember.Tensor, want fixTensor, tol float64) {
	t.Helper()
	d := maxAbsDiffFx(t, what, got, want)
	if os.Getenv("FXDEBUG") != "" {
		t.Logf("%s: %.3g", what, d)
	}
	if !(d <= tol) {
		t.Errorf("%s: max abs error %.3g > %.3g", what, d, tol)
	}
}

// stateOf converts a fixture state dict.
func stateOf(fx map[string]fixTensor) map[string]*ember.Tensor {
	sd := map[string]*ember.Tensor{}
	for k, v := range fx {
		sd[k] = fixtureTensor(v)
	}
	return sd
}

// keysOf lists a module's state-dict keys in order.
func keysOf(m Module) []string {
	var keys []string
	for _, n := range StateDict(m) {
		keys = append(keys, n.Name)
	}
	return keys
}

// loadFixtureState checks that m has exactly PyTorch's keys, in PyTorch's
// order, and loads the fixture's values strictly.
func loadFixtureState(t *testing.T, m Module, keys []string, state map[string]fixTensor) {
	t.Helper()
	if got := keysOf(m); !slices.Equal(got, keys) {
		t.Fatalf("state-dict keys\n got %v\nwant %v", got, keys)
	}
	if _, err := LoadStateDict(m, stateOf(state), true); err != nil {
		t.Fatal(err)
	}
}

// weightedSum returns Σ sum(out_k * g_k) over the named results, the loss
// whose gradients the fixtures record.
func weightedSum(outs map[string]*ember.Tensor, gouts map[string]fixTensor) *ember.Tensor {
	var loss *ember.Tensor
	for k, g := range gouts {
		o, ok := outs[k]
		if !ok || o == nil {
			panic("fixture has an output gradient for missing result " + k)
		}
		term := o.Mul(fixtureTensor(g)).Sum()
		if loss == nil {
			loss = term
		} else {
			loss = loss.Add(term)
		}
	}
	return loss
}
