package nn

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

func init() {
	registerLayer("Dropout", func(a layerArgs, opts []ember.Option) built { return single(NewDropout(a.Float("p", 0.5))) })
	registerLayer("Dropout2d", func(a layerArgs, opts []ember.Option) built { return single(NewDropout2d(a.Float("p", 0.5))) })
}

// TestDropoutTrainEval checks the keep rate and scaling in training (a
// binomial bound of five standard deviations), identity in evaluation,
// reproducible masks from a seeded generator, and the gradient mask.
func TestDropoutTrainEval(t *testing.T) {
	const n, p = 20000, 0.3
	x := ember.Ones([]int{n}).SetRequiresGrad(true)
	d := NewDropout(p)
	d.Generator = ember.NewGenerator(42)
	y := d.Forward(x)
	kept := 0
	for _, v := range y.Float64s() {
		switch {
		case v == 0:
		case math.Abs(v-1/(1-p)) < 1e-6:
			kept++
		default:
			t.Fatalf("value %v is neither 0 nor 1/(1-p)", v)
		}
	}
	if sd := math.Sqrt(n * p * (1 - p)); math.Abs(float64(kept)-n*(1-p)) > 5*sd {
		t.Fatalf("kept %d of %d, want about %v", kept, n, n*(1-p))
	}
	y.Sum().Backward()
	if !slices.Equal(x.Grad().Float32s(), y.Detach().Float32s()) {
		t.Fatal("the gradient of sum(dropout(1)) must be the scaled mask")
	}
	d.Generator = ember.NewGenerator(42)
	if again := d.Forward(x); !slices.Equal(again.Float32s(), y.Float32s()) {
		t.Fatal("the same seed must give the same mask")
	}
	Eval(d)
	if d.Forward(x) != x {
		t.Fatal("evaluation mode must return the input itself")
	}
	Train(d)
	if !d.Training() {
		t.Fatal("Train did not switch back")
	}
}

func TestDropout2dDropsChannels(t *testing.T) {
	d := NewDropout2d(0.5)
	d.Generator = ember.NewGenerator(1)
	y := d.Forward(ember.Ones([]int{8, 16, 3, 3})).Float64s()
	zeroPlanes := 0
	for plane := range 8 * 16 {
		vals := y[plane*9 : (plane+1)*9]
		for _, v := range vals[1:] {
			if v != vals[0] {
				t.Fatalf("plane %d is partly dropped: %v", plane, vals)
			}
		}
		if vals[0] == 0 {
			zeroPlanes++
		} else if vals[0] != 2 {
			t.Fatalf("kept plane scaled to %v, want 2", vals[0])
		}
	}
	if zeroPlanes < 30 || zeroPlanes > 98 {
		t.Fatalf("%d of 128 planes dropped with p = 0.5", zeroPlanes)
	}
}

func TestDropoutErrors(t *testing.T) {
	for _, f := range []func(){func() { NewDropout(1.5) }, func() { NewDropout(-0.1) }, func() { NewDropout2d(math.NaN()) }} {
		if err := ember.Catch(f); err == nil || !strings.Contains(err.Error(), "dropout probability has to be between 0 and 1") {
			t.Errorf("error %v", err)
		}
	}
	d := NewDropout(0.1)
	d.Generator = ember.NewGenerator(1)
	if got := len(NamedModules(d)); got != 1 {
		t.Errorf("the generator field must not be a submodule (%d modules)", got)
	}
}
