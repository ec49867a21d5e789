package nn

import (
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

func init() {
	reg := func(name string, f func(a layerArgs) Layer) {
		registerLayer(name, func(a layerArgs, opts []ember.Option) built { return single(f(a)) })
	}
	reg("ReLU", func(a layerArgs) Layer { return NewReLU() })
	reg("LeakyReLU", func(a layerArgs) Layer { return NewLeakyReLU(a.Float("slope", 0.01)) })
	reg("ELU", func(a layerArgs) Layer { return NewELU(a.Float("alpha", 1)) })
	reg("SELU", func(a layerArgs) Layer { return NewSELU() })
	reg("GELU", func(a layerArgs) Layer { return NewGELU(GELUApproximation(a.String("approximate", "none"))) })
	reg("SiLU", func(a layerArgs) Layer { return NewSiLU() })
	reg("Softplus", func(a layerArgs) Layer { return NewSoftplus(a.Float("beta", 1), a.Float("threshold", 20)) })
	reg("Mish", func(a layerArgs) Layer { return NewMish() })
	reg("Hardtanh", func(a layerArgs) Layer { return NewHardtanh(a.Float("min", -1), a.Float("max", 1)) })
	reg("Sigmoid", func(a layerArgs) Layer { return NewSigmoid() })
	reg("Tanh", func(a layerArgs) Layer { return NewTanh() })
	reg("Softmax", func(a layerArgs) Layer { return NewSoftmax(a.Int("dim", -1)) })
	reg("LogSoftmax", func(a layerArgs) Layer { return NewLogSoftmax(a.Int("dim", -1)) })
}

// TestStatelessLayersAreDistinct checks that two instances of a stateless
// layer are told apart (they would share an address if they had zero
// size, and the second would vanish from module walks and summaries).
func TestStatelessLayersAreDistinct(t *testing.T) {
	s := NewSequential(NewReLU(), NewReLU(), NewTanh(), NewTanh(), NewIdentity(), NewIdentity(), NewSELU(), NewSELU(),
		NewSiLU(), NewSiLU(), NewMish(), NewMish(), NewSigmoid(), NewSigmoid())
	if got := len(NamedModules(s)); got != 15 {
		t.Fatalf("%d modules found, want 15 (the Sequential and its 14 layers)", got)
	}
	sum, err := Summary(s, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"0 (ReLU)", "1 (ReLU)", "12 (Sigmoid)", "13 (Sigmoid)"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
}

func TestActivationErrors(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"gelu approximate", func() { NewGELU("fast") }, `approximate argument must be either none or tanh, got "fast"`},
		{"gelu field", func() { (&GELU{Approximate: "erf"}).Forward(ember.Zeros([]int{2})) }, "approximate argument"},
		{"hardtanh order", func() { NewHardtanh(1, -1) }, "max_val (-1) must be greater than or equal to min_val (1)"},
		{"softmax axis", func() { NewSoftmax(2).Forward(ember.Zeros([]int{2, 3})) }, "out of range"},
	}
	for _, c := range cases {
		err := ember.Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
	if NewGELU("").Approximate != GELUExact {
		t.Error(`NewGELU("") must mean the exact GELU`)
	}
}
