package nn

import (
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

// poolOptionsOf reads pooling options from fixture arguments.
func poolOptionsOf(a layerArgs) ember.PoolOptions {
	return ember.PoolOptions{
		Kernel:          a.Ints("kernel"),
		Stride:          a.Ints("stride"),
		Padding:         a.Ints("padding"),
		Dilation:        a.Ints("dilation"),
		CeilMode:        a.Bool("ceil_mode", false),
		ExcludePad:      a.Bool("exclude_pad", false),
		DivisorOverride: a.Int("divisor_override", 0),
	}
}

// withIndices runs ForwardWithIndices when the case asks for indices.
func withIndices(a layerArgs, l Layer, f func(*ember.Tensor) (*ember.Tensor, *ember.Tensor)) built {
	if !a.Bool("indices", false) {
		return single(l)
	}
	return built{l, func(in []*ember.Tensor) []*ember.Tensor {
		v, i := f(in[0])
		return []*ember.Tensor{v, i}
	}}
}

func init() {
	registerLayer("MaxPool2d", func(a layerArgs, opts []ember.Option) built {
		l := NewMaxPool2d(poolOptionsOf(a))
		return withIndices(a, l, l.ForwardWithIndices)
	})
	registerLayer("MaxPool1d", func(a layerArgs, opts []ember.Option) built {
		l := NewMaxPool1d(poolOptionsOf(a))
		return withIndices(a, l, l.ForwardWithIndices)
	})
	registerLayer("AvgPool2d", func(a layerArgs, opts []ember.Option) built { return single(NewAvgPool2d(poolOptionsOf(a))) })
	registerLayer("AvgPool1d", func(a layerArgs, opts []ember.Option) built { return single(NewAvgPool1d(poolOptionsOf(a))) })
	registerLayer("AdaptiveAvgPool2d", func(a layerArgs, opts []ember.Option) built {
		return single(NewAdaptiveAvgPool2d(a.Int("h", 1), a.Int("w", 1)))
	})
	registerLayer("AdaptiveAvgPool1d", func(a layerArgs, opts []ember.Option) built {
		return single(NewAdaptiveAvgPool1d(a.Int("out", 1)))
	})
}

func TestPoolErrors(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"no kernel", func() { NewMaxPool2d(ember.PoolOptions{}) }, "nn.NewMaxPool2d: kernel_size must be given"},
		{"no kernel avg", func() { NewAvgPool1d(ember.PoolOptions{Stride: []int{2}}) }, "kernel_size must be given"},
		{"adaptive size", func() { NewAdaptiveAvgPool2d(-2, 1) }, "output_size must be non-negative"},
		{"adaptive 1d size", func() { NewAdaptiveAvgPool1d(-1) }, "output_size must be non-negative"},
		{"pad too large", func() {
			NewMaxPool2d(ember.PoolOptions{Kernel: []int{2}, Padding: []int{2}}).Forward(ember.Zeros([]int{1, 1, 4, 4}))
		}, "pad should be at most half of kernel size"},
		{"rank", func() { NewAvgPool2d(ember.PoolOptions{Kernel: []int{2}}).Forward(ember.Zeros([]int{4, 4})) }, "Expected 3D (unbatched) or 4D (batched) input"},
	}
	for _, c := range cases {
		err := ember.Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
	// The layer keeps its own copy of the options.
	k := []int{2}
	l := NewMaxPool2d(ember.PoolOptions{Kernel: k})
	k[0] = 5
	if l.Options.Kernel[0] != 2 {
		t.Error("the layer shares the caller's kernel slice")
	}
}
