package nn

import (
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

func init() {
	registerLayer("Identity", func(a layerArgs, opts []ember.Option) built { return single(NewIdentity()) })
	registerLayer("Flatten", func(a layerArgs, opts []ember.Option) built {
		return single(NewFlatten(a.Int("start", 1), a.Int("end", -1)))
	})
	registerLayer("Unflatten", func(a layerArgs, opts []ember.Option) built {
		return single(NewUnflatten(a.Int("dim", 0), a.Ints("sizes")...))
	})
	registerLayer("Bilinear", func(a layerArgs, opts []ember.Option) built {
		l := NewBilinear(a.Int("in1", 0), a.Int("in2", 0), a.Int("out", 0), a.Bool("bias", true), opts...)
		return pair(l, l.Forward)
	})
}

func TestBilinearInit(t *testing.T) {
	l := NewBilinear(16, 8, 40, true, ember.NewGenerator(3))
	if got := l.Weight.Shape(); got[0] != 40 || got[1] != 16 || got[2] != 8 {
		t.Fatalf("weight shape %v, want [40 16 8]", got)
	}
	checkUniform(t, "bilinear weight", l.Weight, 0.25)
	checkBounded(t, "bilinear bias", l.Bias, 0.25)
	if !l.Weight.RequiresGrad() || !l.Bias.RequiresGrad() {
		t.Fatal("parameters must require gradients")
	}
}

func TestShapeLayerErrors(t *testing.T) {
	bl := NewBilinear(3, 4, 2, true)
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"bilinear batch", func() { bl.Forward(ember.Zeros([]int{2, 3}), ember.Zeros([]int{3, 4})) }, "input batch dimensions do not match"},
		{"bilinear in1", func() { bl.Forward(ember.Zeros([]int{2, 5}), ember.Zeros([]int{2, 4})) }, "input1 size does not match weight size: got 5 but expected 3"},
		{"bilinear in2", func() { bl.Forward(ember.Zeros([]int{2, 3}), ember.Zeros([]int{2, 1})) }, "input2 size does not match weight size: got 1 but expected 4"},
		{"bilinear negative", func() { NewBilinear(-1, 2, 3, true) }, "negative size"},
		{"unflatten empty", func() { NewUnflatten(1) }, "unflattened_size must be non-empty"},
		{"unflatten mismatch", func() { NewUnflatten(1, 4, 2).Forward(ember.Zeros([]int{2, 6})) }, "unflatten"},
		{"flatten order", func() { NewFlatten(2, 1).Forward(ember.Zeros([]int{2, 3, 4})) }, "start_dim cannot come after end_dim"},
	}
	for _, c := range cases {
		err := ember.Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}
