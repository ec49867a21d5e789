package nn

import (
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

type block struct {
	Mode
	FC   *Linear
	Norm *ember.Tensor `nn:"buffer"`
}

type net struct {
	Features *Sequential
	Blocks   []*block
	Heads    map[string]*Linear
	InProj   *ember.Tensor `nn:"name=in_proj_weight"`
	Skip     *Linear       `nn:"-"`
	scratch  *ember.Tensor
}

func (n *net) Forward(x *ember.Tensor) *ember.Tensor { return n.Features.Forward(x) }

func newNet() *net {
	return &net{
		Features: NewSequential(NewLinear(4, 3, true), NewLinear(3, 2, false)),
		Blocks:   []*block{{FC: NewLinear(2, 2, true), Norm: ember.Ones([]int{2})}},
		Heads:    map[string]*Linear{"b": NewLinear(2, 1, true), "a": NewLinear(2, 1, false)},
		InProj:   ember.Zeros([]int{3}).SetRequiresGrad(true),
		Skip:     NewLinear(1, 1, true),
	}
}

func TestStateDictKeysMatchPyTorch(t *testing.T) {
	var keys []string
	for _, n := range StateDict(newNet()) {
		keys = append(keys, n.Name)
	}
	want := []string{"in_proj_weight", "features.0.weight", "features.0.bias", "features.1.weight",
		"blocks.0.norm", "blocks.0.fc.weight", "blocks.0.fc.bias", "heads.a.weight", "heads.b.weight", "heads.b.bias"}
	if !slices.Equal(keys, want) {
		t.Fatalf("keys\n got %v\nwant %v", keys, want)
	}
	if got := len(NamedBuffers(newNet())); got != 1 {
		t.Fatalf("%d buffers, want 1", got)
	}
	if got := NumParams(newNet(), false); got != 3+(12+3)+6+(4+2)+(2+1)+2 {
		t.Fatalf("NumParams = %d", got)
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{"RunningMean": "running_mean", "FC1": "fc1", "BN1": "bn1",
		"InProjWeight": "in_proj_weight", "Weight": "weight", "LSTM": "lstm", "WeightIH": "weight_ih", "HTTPServer": "http_server"} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTrainEvalAndFreeze(t *testing.T) {
	n := newNet()
	Eval(n)
	if n.Blocks[0].Training() {
		t.Fatal("Eval did not reach a nested module")
	}
	Train(n)
	if !n.Blocks[0].Training() {
		t.Fatal("Train did not reach a nested module")
	}
	Freeze(n.Features)
	if got, all := NumParams(n, true), NumParams(n, false); got != all-(15+6) {
		t.Fatalf("trainable %d of %d after freezing features", got, all)
	}
}

func TestLoadStateDict(t *testing.T) {
	src, dst := newNet(), newNet()
	sd := StateMap(src)
	w := dst.Features.Layers[0].(*Linear).Weight
	if _, err := LoadStateDict(dst, sd, true); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(w.Float32s(), src.Features.Layers[0].(*Linear).Weight.Float32s()) {
		t.Fatal("weights not copied")
	}
	if w != dst.Features.Layers[0].(*Linear).Weight {
		t.Fatal("loading replaced the parameter tensor instead of copying into it")
	}
	delete(sd, "heads.b.bias")
	sd["extra"] = ember.Zeros([]int{1})
	rep, err := LoadStateDict(dst, sd, true)
	if err == nil || !strings.Contains(err.Error(), "missing keys: heads.b.bias") || !strings.Contains(err.Error(), "unexpected keys: extra") {
		t.Fatalf("strict load: err %v", err)
	}
	if _, err := LoadStateDict(dst, sd, false); err != nil {
		t.Fatalf("non-strict load: %v (report %v)", err, rep)
	}
	sd["features.0.bias"] = ember.Zeros([]int{5})
	if _, err := LoadStateDict(dst, sd, false); err == nil || !strings.Contains(err.Error(), "features.0.bias: checkpoint has shape [5], module has [3]") {
		t.Fatalf("shape mismatch: err %v", err)
	}
}

func TestToKeepsIdentity(t *testing.T) {
	n := newNet()
	w := n.Features.Layers[0].(*Linear).Weight
	if err := To(n, ember.Float64); err != nil {
		t.Fatal(err)
	}
	if w.DType() != ember.Float64 || n.Features.Layers[0].(*Linear).Weight != w || !w.RequiresGrad() {
		t.Fatalf("after To(Float64): dtype %v, same tensor %v", w.DType(), n.Features.Layers[0].(*Linear).Weight == w)
	}
	if n.Blocks[0].Norm.DType() != ember.Float64 {
		t.Fatal("buffer not converted")
	}
	if err := To(n, ember.CUDADevice(7)); err == nil {
		t.Fatal("moving to a missing GPU must fail")
	}
}

func TestSummary(t *testing.T) {
	n := newNet()
	s, err := Summary(n, 5, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"features.0 (Linear)", "[5 3]", "features.1 (Linear)", "[5 2]", "Total params: 35", "Trainable params: 35"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	src, dst := newNet(), newNet()
	path := t.TempDir() + "/net.safetensors"
	if err := Save(path, src, map[string]string{"arch": "net"}); err != nil {
		t.Fatal(err)
	}
	meta, rep, err := Load(path, dst, true)
	if err != nil || !rep.OK() || meta["arch"] != "net" {
		t.Fatalf("load: %v %v %v", err, rep, meta)
	}
	for _, n := range StateDict(src) {
		got := StateMap(dst)[n.Name]
		if !slices.Equal(got.Float32s(), n.Tensor.Float32s()) {
			t.Fatalf("%s differs after a round trip", n.Name)
		}
	}
	if _, _, err := Load(t.TempDir()+"/missing.safetensors", dst, true); err == nil {
		t.Fatal("loading a missing file must fail")
	}
}

func TestSummaryLeavesRunningStatsAndModes(t *testing.T) {
	bn := NewBatchNorm2d(3, BatchNormOptions{})
	m := NewSequential(NewConv2d(1, 3, []int{3}, ConvConfig{}), bn)
	before := bn.RunningMean.Float32s()
	if _, err := Summary(m, 2, 1, 8, 8); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, bn.RunningMean.Float32s()) {
		t.Fatal("Summary changed BatchNorm's running statistics")
	}
	if !bn.Training() {
		t.Fatal("Summary left the model in evaluation mode")
	}
}
