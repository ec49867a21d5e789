package amp_test

import (
	"fmt"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/amp"
	"github.com/emberdl/ember/nn"
	"github.com/emberdl/ember/optim"
)

// Example trains a linear model with float16 autocast and a loss scaler.
// The first scale is too large for float16: the gradients overflow, the
// scaler skips that step and backs off, then training proceeds, and the
// scale doubles after every GrowthInterval clean steps.
func Example() {
	gen := ember.NewGenerator(1)
	x := ember.Randn([]int{64, 4}, gen)
	y := x.Matmul(ember.From([][]float32{{1}, {-2}, {0.5}, {3}}))
	model := nn.NewLinear(4, 1, true, gen)
	opt := optim.NewSGD(nn.Parameters(model), optim.SGDOptions{LR: 0.1})
	scaler := amp.NewGradScaler(amp.ScalerOptions{InitScale: 1 << 14, GrowthInterval: 3})
	for it := range 10 {
		opt.ZeroGrad()
		var loss *ember.Tensor
		ember.Autocast(ember.Float16, func() {
			loss = ember.MSELoss(model.Forward(x), y, ember.ReductionMean)
		})
		scaler.Scale(loss).Backward()
		stepped := scaler.Step(opt)
		scaler.Update()
		fmt.Printf("iteration %d: loss %.1f, stepped=%v, scale %g\n", it, loss.Item(), stepped, scaler.CurrentScale())
	}
	// Output:
	// iteration 0: loss 12.9, stepped=false, scale 8192
	// iteration 1: loss 12.9, stepped=true, scale 8192
	// iteration 2: loss 8.9, stepped=true, scale 8192
	// iteration 3: loss 6.2, stepped=true, scale 16384
	// iteration 4: loss 4.4, stepped=true, scale 16384
	// iteration 5: loss 3.2, stepped=true, scale 16384
	// iteration 6: loss 2.3, stepped=true, scale 32768
	// iteration 7: loss 1.7, stepped=true, scale 32768
	// iteration 8: loss 1.2, stepped=true, scale 32768
	// iteration 9: loss 0.9, stepped=true, scale 65536
}
