package nn

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

// batchNormOptionsOf reads BatchNormOptions from fixture arguments
// (momentum null is PyTorch's momentum=None).
func batchNormOptionsOf(a layerArgs) BatchNormOptions {
	o := BatchNormOptions{Eps: a.Float("eps", 1e-5), NoAffine: !a.Bool("affine", true), NoTrackRunningStats: !a.Bool("track", true)}
	var m *float64
	a.Get("momentum", &m)
	if m == nil {
		o.CumulativeAverage = true
	} else {
		o.Momentum = m
	}
	return o
}

func init() {
	registerLayer("BatchNorm1d", func(a layerArgs, opts []ember.Option) built {
		return single(NewBatchNorm1d(a.Int("features", 0), batchNormOptionsOf(a), opts...))
	})
	registerLayer("BatchNorm2d", func(a layerArgs, opts []ember.Option) built {
		return single(NewBatchNorm2d(a.Int("features", 0), batchNormOptionsOf(a), opts...))
	})
	registerLayer("BatchNorm3d", func(a layerArgs, opts []ember.Option) built {
		return single(NewBatchNorm3d(a.Int("features", 0), batchNormOptionsOf(a), opts...))
	})
	registerLayer("LayerNorm", func(a layerArgs, opts []ember.Option) built {
		return single(NewLayerNorm(a.Ints("shape"), a.Float("eps", 1e-5), a.Bool("affine", true), opts...))
	})
	registerLayer("RMSNorm", func(a layerArgs, opts []ember.Option) built {
		return single(NewRMSNorm(a.Ints("shape"), a.Float("eps", 0), a.Bool("affine", true), opts...))
	})
	registerLayer("GroupNorm", func(a layerArgs, opts []ember.Option) built {
		return single(NewGroupNorm(a.Int("groups", 1), a.Int("channels", 0), a.Float("eps", 1e-5), a.Bool("affine", true), opts...))
	})
}

// stateKeys lists a module's state-dict keys in order.
func stateKeys(m Module) []string {
	var keys []string
	for _, n := range StateDict(m) {
		keys = append(keys, n.Name)
	}
	return keys
}

func TestNormStateAndInit(t *testing.T) {
	bn := NewBatchNorm2d(3, BatchNormOptions{}, ember.Float64)
	if got, want := stateKeys(bn), []string{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}; !slices.Equal(got, want) {
		t.Fatalf("BatchNorm2d keys %v, want %v", got, want)
	}
	if len(NamedBuffers(bn)) != 3 || NumParams(bn, false) != 6 {
		t.Fatalf("BatchNorm2d: %d buffers, %d parameters", len(NamedBuffers(bn)), NumParams(bn, false))
	}
	for _, c := range []struct {
		name string
		t    *ember.Tensor
		want float64
	}{{"weight", bn.Weight, 1}, {"bias", bn.Bias, 0}, {"running_mean", bn.RunningMean, 0}, {"running_var", bn.RunningVar, 1}} {
		for _, v := range c.t.Float64s() {
			if v != c.want {
				t.Fatalf("%s initialised to %v, want %v", c.name, c.t.Float64s(), c.want)
			}
		}
		if c.t.DType() != ember.Float64 {
			t.Fatalf("%s has dtype %v, want float64", c.name, c.t.DType())
		}
	}
	if bn.NumBatchesTracked.DType() != ember.Int64 || bn.NumBatchesTracked.Dim() != 0 || bn.NumBatchesTracked.ItemInt() != 0 {
		t.Fatalf("num_batches_tracked: %v %v", bn.NumBatchesTracked.DType(), bn.NumBatchesTracked.Shape())
	}
	if bn.RunningMean.RequiresGrad() || !bn.Weight.RequiresGrad() {
		t.Fatal("buffers must not require gradients; parameters must")
	}
	if bn.Eps != 1e-5 || bn.Momentum != 0.1 {
		t.Fatalf("defaults eps %v momentum %v", bn.Eps, bn.Momentum)
	}
	if got := stateKeys(NewBatchNorm1d(3, BatchNormOptions{NoTrackRunningStats: true, NoAffine: true})); len(got) != 0 {
		t.Fatalf("BatchNorm1d without affine and tracking has keys %v", got)
	}
	if got := stateKeys(NewBatchNorm1d(3, BatchNormOptions{NoAffine: true})); !slices.Equal(got, []string{"running_mean", "running_var", "num_batches_tracked"}) {
		t.Fatalf("BatchNorm1d without affine: keys %v", got)
	}
	if got := stateKeys(NewLayerNorm([]int{2, 3}, 1e-5, true)); !slices.Equal(got, []string{"weight", "bias"}) {
		t.Fatalf("LayerNorm keys %v", got)
	}
	if got := stateKeys(NewRMSNorm([]int{4}, 0, true)); !slices.Equal(got, []string{"weight"}) {
		t.Fatalf("RMSNorm keys %v", got)
	}
	if got := stateKeys(NewGroupNorm(2, 4, 1e-5, false)); len(got) != 0 {
		t.Fatalf("GroupNorm without affine: keys %v", got)
	}
	ln := NewLayerNorm([]int{2, 3}, 1e-5, true)
	if !slices.Equal(ln.Weight.Shape(), []int{2, 3}) || !slices.Equal(ln.Weight.Float32s(), []float32{1, 1, 1, 1, 1, 1}) || !slices.Equal(ln.Bias.Float32s(), make([]float32, 6)) {
		t.Fatal("LayerNorm must start with weight ones and bias zeros")
	}
	gn := NewGroupNorm(2, 4, 1e-5, true)
	if !slices.Equal(gn.Weight.Float32s(), []float32{1, 1, 1, 1}) || !slices.Equal(gn.Bias.Float32s(), make([]float32, 4)) {
		t.Fatal("GroupNorm must start with weight ones and bias zeros")
	}
}

// TestBatchNormRunningStats follows PyTorch's update rules over several
// batches against a float64 reference: momentum and the cumulative average
// (momentum=None), the batch counter, and evaluation with the running
// statistics.
func TestBatchNormRunningStats(t *testing.T) {
	for _, cumulative := range []bool{false, true} {
		bn := NewBatchNorm1d(2, BatchNormOptions{CumulativeAverage: cumulative, Momentum: new(0.25)}, ember.Float64)
		mean, vr := []float64{0, 0}, []float64{1, 1}
		g := ember.NewGenerator(5)
		for step := 1; step <= 4; step++ {
			x := ember.Normal([]int{6, 2}, float64(step), float64(step), ember.Float64, g)
			bn.Forward(x)
			f := 0.25
			if cumulative {
				f = 1 / float64(step)
			}
			xs := x.Float64s()
			for c := range 2 {
				m, sq := 0.0, 0.0
				for n := range 6 {
					m += xs[n*2+c]
				}
				m /= 6
				for n := range 6 {
					sq += (xs[n*2+c] - m) * (xs[n*2+c] - m)
				}
				mean[c] = (1-f)*mean[c] + f*m
				vr[c] = (1-f)*vr[c] + f*sq/5
			}
			if got := bn.NumBatchesTracked.ItemInt(); got != int64(step) {
				t.Fatalf("after %d batches num_batches_tracked = %d", step, got)
			}
			for c := range 2 {
				if math.Abs(bn.RunningMean.Float64s()[c]-mean[c]) > 1e-12 || math.Abs(bn.RunningVar.Float64s()[c]-vr[c]) > 1e-12 {
					t.Fatalf("cumulative=%v step %d: running %v %v, want %v %v", cumulative, step, bn.RunningMean.Float64s(), bn.RunningVar.Float64s(), mean, vr)
				}
			}
		}
		Eval(bn)
		x := ember.FromSlice([]float64{1, 2, 3, 4}, 2, 2)
		y := bn.Forward(x).Float64s()
		for i, v := range x.Float64s() {
			c := i % 2
			want := (v - mean[c]) / math.Sqrt(vr[c]+1e-5)
			if math.Abs(y[i]-want) > 1e-12 {
				t.Fatalf("eval output %v, want element %d = %v", y, i, want)
			}
		}
		if bn.NumBatchesTracked.ItemInt() != 4 {
			t.Fatal("evaluation must not count batches")
		}
		bn.ResetRunningStats()
		if !slices.Equal(bn.RunningMean.Float64s(), []float64{0, 0}) || !slices.Equal(bn.RunningVar.Float64s(), []float64{1, 1}) || bn.NumBatchesTracked.ItemInt() != 0 {
			t.Fatal("ResetRunningStats did not reset")
		}
	}
}

func TestNormErrors(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"bn1d rank", func() { NewBatchNorm1d(3, BatchNormOptions{}).Forward(ember.Zeros([]int{2, 3, 4, 5})) }, "expected 2D or 3D input (got 4D input)"},
		{"bn2d rank", func() { NewBatchNorm2d(3, BatchNormOptions{}).Forward(ember.Zeros([]int{2, 3})) }, "expected 4D input (got 2D input)"},
		{"bn3d rank", func() { NewBatchNorm3d(3, BatchNormOptions{}).Forward(ember.Zeros([]int{2, 3, 4, 4})) }, "expected 5D input (got 4D input)"},
		{"bn channels", func() { NewBatchNorm2d(3, BatchNormOptions{}).Forward(ember.Zeros([]int{2, 4, 2, 2})) }, "batch_norm"},
		{"bn one value", func() { NewBatchNorm1d(3, BatchNormOptions{}).Forward(ember.Zeros([]int{1, 3})) }, "Expected more than 1 value per channel when training"},
		{"bn negative", func() { NewBatchNorm2d(-1, BatchNormOptions{}) }, "num_features must be non-negative"},
		{"group divisible", func() { NewGroupNorm(3, 4, 1e-5, true) }, "num_channels must be divisible by num_groups"},
		{"group zero", func() { NewGroupNorm(0, 4, 1e-5, true) }, "num_groups must be positive"},
		{"layernorm empty", func() { NewLayerNorm(nil, 1e-5, true) }, "normalized_shape must have at least one dimension"},
		{"layernorm size", func() { NewLayerNorm([]int{0}, 1e-5, true) }, "normalized_shape must be positive"},
		{"layernorm input", func() { NewLayerNorm([]int{4}, 1e-5, true).Forward(ember.Zeros([]int{2, 3})) }, "Given normalized_shape=[4], expected input with shape"},
		{"rmsnorm eps", func() { NewRMSNorm([]int{4}, -1, true) }, "eps must be non-negative"},
	}
	for _, c := range cases {
		err := ember.Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}
