package nn

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

// convConfigOf reads a ConvConfig from fixture arguments.
func convConfigOf(a layerArgs) ConvConfig {
	return ConvConfig{
		Stride:        a.Ints("stride"),
		Padding:       a.Ints("padding"),
		Dilation:      a.Ints("dilation"),
		PaddingPreset: ember.ConvPadding(a.String("padding_preset", "")),
		Groups:        a.Int("groups", 1),
		OutputPadding: a.Ints("output_padding"),
		NoBias:        !a.Bool("bias", true),
		PaddingMode:   PaddingMode(a.String("padding_mode", "zeros")),
	}
}

func init() {
	registerLayer("Conv1d", func(a layerArgs, opts []ember.Option) built {
		return single(NewConv1d(a.Int("in", 0), a.Int("out", 0), a.Ints("kernel"), convConfigOf(a), opts...))
	})
	registerLayer("Conv2d", func(a layerArgs, opts []ember.Option) built {
		return single(NewConv2d(a.Int("in", 0), a.Int("out", 0), a.Ints("kernel"), convConfigOf(a), opts...))
	})
	registerLayer("ConvTranspose1d", func(a layerArgs, opts []ember.Option) built {
		return single(NewConvTranspose1d(a.Int("in", 0), a.Int("out", 0), a.Ints("kernel"), convConfigOf(a), opts...))
	})
	registerLayer("ConvTranspose2d", func(a layerArgs, opts []ember.Option) built {
		l := NewConvTranspose2d(a.Int("in", 0), a.Int("out", 0), a.Ints("kernel"), convConfigOf(a), opts...)
		if size := a.Ints("output_size"); size != nil {
			return built{l, func(in []*ember.Tensor) []*ember.Tensor { return []*ember.Tensor{l.ForwardOutputSize(in[0], size)} }}
		}
		return single(l)
	})
}

// TestConvInit checks shapes and PyTorch's default initialisation:
// weight and bias uniform in ±1/√fan_in, fan_in = size(1)·prod(kernel)
// (testdata/init_layers.json checks the same against PyTorch's formulas).
func TestConvInit(t *testing.T) {
	g := ember.NewGenerator(7)
	type params struct{ w, b *ember.Tensor }
	cases := []struct {
		name  string
		make  func() params
		shape []int
		fanIn int
		bias  int
	}{
		{"conv2d", func() params {
			l := NewConv2d(6, 32, []int{3, 5}, ConvConfig{Groups: 2}, g)
			return params{l.Weight, l.Bias}
		}, []int{32, 3, 3, 5}, 45, 32},
		{"conv1d", func() params { l := NewConv1d(4, 64, []int{3}, ConvConfig{}, g); return params{l.Weight, l.Bias} }, []int{64, 4, 3}, 12, 64},
		// Transposed: weight [in, out/groups, k...], fan_in = out/groups·prod(k).
		{"convtranspose2d", func() params {
			l := NewConvTranspose2d(40, 8, []int{2}, ConvConfig{Groups: 2}, g)
			return params{l.Weight, l.Bias}
		}, []int{40, 4, 2, 2}, 16, 8},
		{"convtranspose1d", func() params {
			l := NewConvTranspose1d(30, 9, []int{4}, ConvConfig{}, g)
			return params{l.Weight, l.Bias}
		}, []int{30, 9, 4}, 36, 9},
	}
	for _, c := range cases {
		p := c.make()
		if !slices.Equal(p.w.Shape(), c.shape) {
			t.Errorf("%s: weight shape %v, want %v", c.name, p.w.Shape(), c.shape)
			continue
		}
		bound := 1 / math.Sqrt(float64(c.fanIn))
		checkUniform(t, c.name+" weight", p.w, bound)
		if p.b == nil || p.b.Numel() != c.bias {
			t.Errorf("%s: bias %v", c.name, p.b)
			continue
		}
		checkBounded(t, c.name+" bias", p.b, bound)
	}
	if l := NewConv2d(2, 3, []int{3}, ConvConfig{NoBias: true}); l.Bias != nil || len(StateDict(l)) != 1 {
		t.Error("NoBias must leave the bias out of the state dict")
	}
	a, b := NewConv2d(2, 3, []int{3}, ConvConfig{}, ember.NewGenerator(1)), NewConv2d(2, 3, []int{3}, ConvConfig{}, ember.NewGenerator(1))
	if !slices.Equal(a.Weight.Float32s(), b.Weight.Float32s()) {
		t.Error("the same seed must give the same weights")
	}
	if d := NewConv2d(2, 3, []int{3}, ConvConfig{}, ember.Float64); d.Weight.DType() != ember.Float64 || d.Bias.DType() != ember.Float64 {
		t.Error("the dtype option must reach the parameters")
	}
}

func TestConvErrors(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"in groups", func() { NewConv2d(3, 4, []int{3}, ConvConfig{Groups: 2}) }, "in_channels must be divisible by groups"},
		{"out groups", func() { NewConv2d(4, 3, []int{3}, ConvConfig{Groups: 2}) }, "out_channels must be divisible by groups"},
		{"negative groups", func() { NewConv1d(4, 4, []int{3}, ConvConfig{Groups: -1}) }, "groups must be a positive integer"},
		{"same strided", func() { NewConv2d(1, 1, []int{3}, ConvConfig{PaddingPreset: ember.PaddingSame, Stride: []int{2}}) }, "padding='same' is not supported for strided convolutions"},
		{"bad preset", func() { NewConv2d(1, 1, []int{3}, ConvConfig{PaddingPreset: "full"}) }, `Invalid padding string "full"`},
		{"bad mode", func() { NewConv2d(1, 1, []int{3}, ConvConfig{PaddingMode: "mirror"}) }, `padding_mode must be one of zeros, reflect, replicate, circular, but got padding_mode="mirror"`},
		{"transposed mode", func() { NewConvTranspose2d(1, 1, []int{3}, ConvConfig{PaddingMode: PaddingReflect}) }, `Only "zeros" padding mode is supported for nn.ConvTranspose2d`},
		{"transposed preset", func() { NewConvTranspose1d(1, 1, []int{3}, ConvConfig{PaddingPreset: ember.PaddingSame}) }, "string padding is not supported"},
		{"output padding", func() { NewConv2d(1, 1, []int{3}, ConvConfig{OutputPadding: []int{1}}) }, "output_padding is only supported by transposed convolutions"},
		{"kernel", func() { NewConv2d(1, 1, []int{0}, ConvConfig{}) }, "kernel_size must be positive"},
		{"kernel dims", func() { NewConv2d(1, 1, []int{1, 2, 3}, ConvConfig{}) }, "expected kernel_size to be a single integer value or a list of 2 values"},
		{"channels", func() { NewConv2d(3, 2, []int{3}, ConvConfig{}).Forward(ember.Zeros([]int{1, 2, 5, 5})) }, "expected input[1 2 5 5] to have 3 channels, but got 2 channels instead"},
		{"output size", func() {
			NewConvTranspose2d(1, 1, []int{3}, ConvConfig{Stride: []int{2}}).ForwardOutputSize(ember.Zeros([]int{1, 1, 3, 3}), []int{9, 9})
		}, "valid sizes range from 7 to 8"},
		{"output size rank", func() {
			NewConvTranspose2d(1, 1, []int{3}, ConvConfig{}).ForwardOutputSize(ember.Zeros([]int{1, 1, 3, 3}), []int{5})
		}, "output_size must have 2 elements"},
	}
	for _, c := range cases {
		err := ember.Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}
