package amp

import (
	"math"
	"testing"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn"
	"github.com/emberdl/ember/optim"
)

// trainResult is what a training run reports.
type trainResult struct {
	first, last float64 // loss of the first and last iteration
	skipped     int     // steps the scaler skipped
	maxScale    float64
}

// trainClassifier trains an MLP on a fixed synthetic 3-class problem with
// the forward pass under Autocast(dt) and the scaler s.
func trainClassifier(dt ember.DType, s *GradScaler, iters int) trainResult {
	gen := ember.NewGenerator(7)
	x := ember.Randn([]int{256, 10}, gen)
	y := x.Matmul(ember.Randn([]int{10, 3}, gen)).Argmax(1)
	model := nn.NewSequential(nn.NewLinear(10, 32, true, gen), nn.NewReLU(), nn.NewLinear(32, 3, true, gen))
	opt := optim.NewAdam(nn.Parameters(model), optim.AdamOptions{LR: 1e-2})
	var r trainResult
	for it := range iters {
		opt.ZeroGrad()
		var loss *ember.Tensor
		ember.Autocast(dt, func() { loss = ember.CrossEntropy(model.Forward(x), y, nil) })
		if it == 0 {
			r.first = loss.Item()
		}
		r.last = loss.Item()
		s.Scale(loss).Backward()
		if !s.Step(opt) {
			r.skipped++
		}
		s.Update()
		r.maxScale = max(r.maxScale, s.CurrentScale())
	}
	return r
}

// TestMixedPrecisionTraining trains the same MLP in float32, in bfloat16
// autocast without scaling and in float16 autocast with a scaler that
// grows quickly enough to overflow float16 now and then: all three reach
// nearly the same loss, and the float16 run skips a few steps.
func TestMixedPrecisionTraining(t *testing.T) {
	const iters = 120
	ref := trainClassifier(ember.Float32, NewGradScaler(ScalerOptions{Disabled: true}), iters)
	if ref.last > 0.3*ref.first {
		t.Fatalf("float32 training did not learn: loss %.4f -> %.4f", ref.first, ref.last)
	}
	bf := trainClassifier(ember.BFloat16, NewGradScaler(ScalerOptions{Disabled: true}), iters)
	fp := trainClassifier(ember.Float16, NewGradScaler(ScalerOptions{GrowthInterval: 10}), iters)
	for _, c := range []struct {
		name string
		r    trainResult
	}{{"bfloat16", bf}, {"float16", fp}} {
		if math.Abs(c.r.last-ref.last) > 0.15*ref.last+0.01 {
			t.Errorf("%s: final loss %.4f, float32 %.4f", c.name, c.r.last, ref.last)
		}
	}
	if fp.skipped == 0 || fp.skipped > iters/10 {
		t.Errorf("float16: %d of %d steps skipped, want a few", fp.skipped, iters)
	}
	if fp.maxScale <= 65536 {
		t.Errorf("float16: the scale never grew (max %v)", fp.maxScale)
	}
}
