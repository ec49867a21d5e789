package models

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn"
)

func TestRegistry(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		input     []int
		params    int
		outShape  []int
		firstKeys []string
	}{
		// Parameter counts as PyTorch reports them for the reference scripts.
		{"mlp", Config{}, []int{784}, 784*512 + 512 + 512*256 + 256 + 256*10 + 10, []int{2, 10}, []string{"0.weight", "0.bias", "2.weight"}},
		{"cnn", Config{}, []int{1, 28, 28}, 32*9 + 32 + 64*32*9 + 64 + 3136*128 + 128 + 128*10 + 10, []int{2, 10}, []string{"0.weight", "0.bias", "3.weight"}},
		{"CNN", Config{InChannels: 3, Height: 32, Width: 32, NumClasses: 4}, []int{3, 32, 32}, 32*27 + 32 + 64*32*9 + 64 + 4096*128 + 128 + 128*4 + 4, []int{2, 4}, []string{"0.weight"}},
		{"resnet", Config{Depth: 8, Width0: 4}, []int{1, 28, 28}, resnetParams(1, 4, 1, 10), []int{2, 10}, []string{"conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean"}},
		{"resnet", Config{Depth: 20, Width0: 2, InChannels: 3, Height: 8, Width: 8}, []int{3, 8, 8}, resnetParams(3, 2, 3, 10), []int{2, 10}, []string{"conv1.weight"}},
		{"gpt", Config{GPT: GPTConfig{Layers: 1, Heads: 2, Embd: 8, BlockSize: 6}}, []int{6}, 256*8 + 6*8 + (8 + 8 + 8*24 + 24 + 8*8 + 8 + 8 + 8 + 8*32 + 32 + 32*8 + 8) + 16, []int{2, 6, 256}, []string{"wte.weight", "wpe.weight", "h.0.ln_1.weight"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := New(tc.name, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			in, err := InputShape(tc.name, tc.cfg)
			if err != nil || !slices.Equal(in, tc.input) {
				t.Fatalf("InputShape = %v, %v; want %v", in, err, tc.input)
			}
			if got := nn.NumParams(m, false); got != tc.params {
				t.Errorf("%d parameters, want %d", got, tc.params)
			}
			var keys []string
			for _, e := range nn.StateDict(m) {
				keys = append(keys, e.Name)
			}
			if !slices.Equal(keys[:len(tc.firstKeys)], tc.firstKeys) {
				t.Errorf("keys start %v, want %v", keys[:len(tc.firstKeys)], tc.firstKeys)
			}
			var out *ember.Tensor
			nn.Eval(m)
			ember.NoGrad(func() { out = m.Forward(ember.Zeros(append([]int{2}, in...))) })
			if !slices.Equal(out.Shape(), tc.outShape) {
				t.Errorf("output shape %v, want %v", out.Shape(), tc.outShape)
			}
			s, err := nn.Summary(m, append([]int{1}, in...)...)
			if err != nil || !strings.Contains(s, "Total params: ") {
				t.Errorf("summary: %v\n%s", err, s)
			}
		})
	}
}

// resnetParams counts a CIFAR ResNet's parameters: convolutions without
// bias, two per BatchNorm channel, projections where the shape changes.
func resnetParams(in, w, n, classes int) int {
	total := w*in*9 + 2*w
	cin := in
	cin = w
	for s, c := range []int{w, 2 * w, 4 * w} {
		for i := 0; i < n; i++ {
			total += c*cin*9 + 2*c + c*c*9 + 2*c
			if i == 0 && (s > 0 || cin != c) {
				total += c*cin + 2*c
			}
			cin = c
		}
	}
	return total + 4*w*classes + classes
}

func TestRegistryErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"vgg", Config{}, `unknown model "vgg" (known: mlp, cnn, resnet, gpt-char)`},
		{"resnet", Config{Depth: 10}, "ResNet depth must be 6n+2"},
		{"gpt-char", Config{GPT: GPTConfig{Embd: 10, Heads: 4}}, "n_embd 10 is not divisible by n_head 4"},
		{"cnn", Config{Height: 3}, "at least 4×4"},
		{"mlp", Config{NumClasses: -1}, "num_classes must be positive"},
	}
	for _, tc := range tests {
		_, err := New(tc.name, tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%s) error = %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := InputShape("nope", Config{}); err == nil {
		t.Error("InputShape of an unknown model gave no error")
	}
	if _, err := Lookup("GPT_CHAR"); err != nil {
		t.Errorf("Lookup(GPT_CHAR): %v", err)
	}
}

// moments returns the mean, standard deviation and largest magnitude.
func moments(x *ember.Tensor) (mean, std, maxAbs float64) {
	v := x.Detach().To(ember.Float64).Reshape(-1).Float64s()
	for _, a := range v {
		mean += a
		maxAbs = max(maxAbs, math.Abs(a))
	}
	mean /= float64(len(v))
	for _, a := range v {
		std += (a - mean) * (a - mean)
	}
	return mean, math.Sqrt(std / float64(len(v))), maxAbs
}

func TestInitDistributions(t *testing.T) {
	g := ember.NewGenerator(7)
	cnn := NewCNN(Config{Generator: g})
	res := NewResNet(Config{Depth: 8, Width0: 16, Generator: g})
	gpt := NewGPTChar(GPTConfig{}, g)
	uniform := func(bound float64) func(string, float64, float64, float64) bool {
		// U(-b, b): |x| ≤ b, close to b at the extremes, std b/√3.
		return func(_ string, mean, std, maxAbs float64) bool {
			return maxAbs <= bound && maxAbs > 0.95*bound && math.Abs(std-bound/math.Sqrt(3)) < 0.05*bound/math.Sqrt(3) && math.Abs(mean) < 0.05*bound
		}
	}
	normal := func(sd float64) func(string, float64, float64, float64) bool {
		return func(_ string, mean, std, _ float64) bool {
			return math.Abs(std-sd) < 0.05*sd && math.Abs(mean) < 0.05*sd
		}
	}
	constant := func(c float64) func(string, float64, float64, float64) bool {
		return func(_ string, mean, std, maxAbs float64) bool { return mean == c && std == 0 }
	}
	tests := []struct {
		what string
		t    *ember.Tensor
		ok   func(string, float64, float64, float64) bool
	}{
		{"cnn conv1 weight", cnn.Conv1.Weight, uniform(1 / 3.0)},
		{"cnn conv2 weight", cnn.Conv2.Weight, uniform(1 / math.Sqrt(288))},
		{"cnn conv2 bias", cnn.Conv2.Bias, func(_ string, _, _, m float64) bool { return m <= 1/math.Sqrt(288) }},
		{"cnn fc1 weight", cnn.FC1.Weight, uniform(1 / math.Sqrt(3136))},
		{"resnet layer1 conv1 (fan_out 16·9)", res.Layer1[0].Conv1.Weight, normal(math.Sqrt(2.0 / (16 * 9)))},
		{"resnet layer3 conv2 (fan_out 64·9)", res.Layer3[0].Conv2.Weight, normal(math.Sqrt(2.0 / (64 * 9)))},
		{"resnet bn weight", res.Layer2[0].BN1.Weight, constant(1)},
		{"resnet bn bias", res.Layer2[0].BN1.Bias, constant(0)},
		{"gpt wte", gpt.WTE.Weight, normal(0.02)},
		{"gpt wpe", gpt.WPE.Weight, normal(0.02)},
		{"gpt c_attn", gpt.H[0].Attn.CAttn.Weight, normal(0.02)},
		{"gpt c_proj", gpt.H[1].Attn.CProj.Weight, normal(0.02 / math.Sqrt(8))},
		{"gpt mlp.2", gpt.H[2].MLP.Proj.Weight, normal(0.02 / math.Sqrt(8))},
		{"gpt mlp.0 bias", gpt.H[3].MLP.FC.Bias, constant(0)},
		{"gpt ln_1 weight", gpt.H[0].Ln1.Weight, constant(1)},
	}
	for _, tc := range tests {
		mean, std, maxAbs := moments(tc.t)
		if !tc.ok(tc.what, mean, std, maxAbs) {
			t.Errorf("%s: mean %.4g std %.4g max|x| %.4g", tc.what, mean, std, maxAbs)
		}
	}
	mask := gpt.H[0].Attn.Mask
	if mask.DType() != ember.Bool || !slices.Equal(mask.Shape(), []int{128, 128}) {
		t.Fatalf("mask %v %v", mask.DType(), mask.Shape())
	}
	b := mask.Bools()
	if !b[0] || b[1] || !b[128*127+127] || b[128*5+6] || !b[128*6+5] {
		t.Error("mask is not the lower triangle")
	}
}

func TestSeededModelsRepeat(t *testing.T) {
	a := NewResNet(Config{Generator: ember.NewGenerator(3)})
	b := NewResNet(Config{Generator: ember.NewGenerator(3)})
	if !slices.Equal(a.Layer2[0].Conv1.Weight.Float32s(), b.Layer2[0].Conv1.Weight.Float32s()) {
		t.Error("the same seed gave different weights")
	}
}

func TestGenerateErrors(t *testing.T) {
	m := NewGPTChar(GPTConfig{Layers: 1, Heads: 1, Embd: 4, BlockSize: 4}, ember.NewGenerator(1))
	if _, err := m.Generate(nil, 3, true); err == nil {
		t.Error("empty prompt accepted")
	}
	if _, err := m.Generate([]byte("a"), -1, true); err == nil {
		t.Error("negative length accepted")
	}
	small := NewGPTChar(GPTConfig{Layers: 1, Heads: 1, Embd: 4, BlockSize: 4, Vocab: 10}, nil)
	if _, err := small.Generate([]byte("a"), 1, false); err == nil || !strings.Contains(err.Error(), "outside the vocabulary") {
		t.Errorf("byte outside the vocabulary: %v", err)
	}
	// A long prompt is cut to the block; both decoders agree across cache
	// rebuilds.
	x, err := m.Generate([]byte("hello, world"), 9, false)
	if err != nil {
		t.Fatal(err)
	}
	y, err := m.Generate([]byte("hello, world"), 9, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(x) != 9 || len(y) != 9 || x[0] != y[0] {
		t.Errorf("generated %v and %v", x, y)
	}
}

func TestChainFreesIntermediatesOnlyUnderNoGrad(t *testing.T) {
	g := ember.NewGenerator(3)
	m := NewCNN(Config{Generator: g})
	x := ember.Randn([]int{4, 1, 28, 28}, g)
	want := m.Forward(x) // records a graph: nothing may be freed
	var got *ember.Tensor
	ember.NoGrad(func() { got = m.Forward(x) })
	if x.Freed() {
		t.Fatal("the input was freed")
	}
	if d := got.Sub(want.Detach()).Abs().Max().Item(); d != 0 {
		t.Fatalf("NoGrad forward differs by %v", d)
	}
	mlp := NewMLP(Config{Generator: g})
	ember.NoGrad(func() { got = mlp.Forward(x) }) // flattens x: a view of the input
	if x.Freed() {
		t.Fatal("the MLP freed its input's memory through the flattened view")
	}
	if s := got.Shape(); s[0] != 4 || s[1] != 10 {
		t.Fatalf("MLP output shape %v", s)
	}
	want.Sum().Backward() // the graph recorded with grad on is intact
	if m.Conv1.Weight.Grad() == nil {
		t.Fatal("no gradient after backward")
	}
}

// TestCNNPoolBeforeReLUIsExact checks that running ReLU after the pooling
// (as CNN.Forward does) gives the script's conv-ReLU-pool values and
// gradients exactly, ties and zeros included.
func TestCNNPoolBeforeReLUIsExact(t *testing.T) {
	g := ember.NewGenerator(11)
	m := NewCNN(Config{Generator: g})
	// Inputs with exact zeros and ties, so that windows of equal values
	// and of non-positive values occur.
	x := ember.Randn([]int{3, 1, 28, 28}, g).Round().MulScalar(0.5)
	pool := func(x *ember.Tensor, o ember.PoolOptions) *ember.Tensor {
		v, _ := ember.MaxPool2d(x, o)
		return v
	}
	script := func(x *ember.Tensor) *ember.Tensor {
		h := pool(m.Conv1.Forward(x).Relu(), m.Pool1.Options)
		h = pool(m.Conv2.Forward(h).Relu(), m.Pool2.Options)
		return m.FC2.Forward(m.FC1.Forward(h.Flatten(1, -1)).Relu())
	}
	want := script(x)
	r := ember.Randn(want.Shape(), g)
	wantG := ember.Grad([]*ember.Tensor{want.Mul(r).Sum()}, []*ember.Tensor{m.Conv1.Weight, m.Conv2.Weight, m.FC1.Weight})
	got := m.Forward(x)
	gotG := ember.Grad([]*ember.Tensor{got.Mul(r).Sum()}, []*ember.Tensor{m.Conv1.Weight, m.Conv2.Weight, m.FC1.Weight})
	if d := got.Sub(want).Abs().Max().Item(); d != 0 {
		t.Fatalf("outputs differ by %g", d)
	}
	for i := range wantG {
		if d := gotG[i].Sub(wantG[i]).Abs().Max().Item(); d != 0 {
			t.Fatalf("gradient %d differs by %g", i, d)
		}
	}
}

// TestKVCacheChunks: running a sequence through the cache in pieces (a
// prompt, one position, then three at once) gives the logits of one
// uncached pass, through each of the attention's three paths (causal, a
// single query over all cached keys, several queries at the end of the
// keys with the mask's bottom rows).
func TestKVCacheChunks(t *testing.T) {
	m := NewGPTChar(GPTConfig{Layers: 2, Heads: 2, Embd: 8, BlockSize: 16}, ember.NewGenerator(5))
	nn.Eval(m)
	seq := []int64{104, 101, 108, 108, 111, 44, 32, 119, 111}
	ids := func(v []int64) *ember.Tensor { return ember.FromSlice(v, 1, len(v)) }
	ember.NoGrad(func() {
		want := m.forward(ids(seq), nil, 0).Float32s()
		caches := []*kvCache{{}, {}}
		var got []float32
		for _, span := range [][2]int{{0, 5}, {5, 6}, {6, 9}} {
			out := m.forward(ids(seq[span[0]:span[1]]), caches, span[0])
			got = append(got, out.Float32s()...)
		}
		if len(got) != len(want) {
			t.Fatalf("%d logits, want %d", len(got), len(want))
		}
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("logit %d (position %d): %v with the cache, %v without", i, i/256, got[i], want[i])
			}
		}
	})
}
