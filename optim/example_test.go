package optim_test

import (
	"fmt"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/optim"
)

// Example trains a linear regression y = 2x - 1 with Adam and a cosine
// schedule, clipping the gradient norm on the way.
func Example() {
	x := ember.From([][]float32{{-1}, {-0.5}, {0}, {0.5}, {1}, {1.5}})
	y := x.MulScalar(2).AddScalar(-1)
	w := ember.Zeros([]int{1, 1}).SetRequiresGrad(true)
	b := ember.Zeros([]int{1}).SetRequiresGrad(true)

	opt := optim.NewAdam([]*ember.Tensor{w, b}, optim.AdamOptions{LR: 0.1})
	sched := optim.NewCosineAnnealingLR(opt, 300, 0.001)
	var loss *ember.Tensor
	for range 300 {
		opt.ZeroGrad()
		loss = ember.Linear(x, w, b).Sub(y).Square().Mean()
		loss.Backward()
		optim.ClipGradNorm(opt.Params(), 10, 2)
		opt.Step()
		sched.Step()
	}
	fmt.Printf("loss %.4f, w %.3f, b %.3f\n", loss.Item(), w.Item(), b.Item())
	// Output:
	// loss 0.0000, w 2.000, b -1.000
}

// ExampleNewAdamWGroups gives biases no weight decay, a common recipe.
func ExampleNewAdamWGroups() {
	w := ember.Ones([]int{2, 2}).SetRequiresGrad(true)
	b := ember.Ones([]int{2}).SetRequiresGrad(true)
	decay := optim.AdamOptions{LR: 0.01} // AdamW's default weight decay 0.01
	noDecay := decay
	noDecay.WeightDecay = optim.Zero // a literal zero, not the default
	opt := optim.NewAdamWGroups(optim.NewGroup([]*ember.Tensor{w}, decay), optim.NewGroup([]*ember.Tensor{b}, noDecay))
	fmt.Println(opt.Hyper(0).WeightDecay, opt.Hyper(1).WeightDecay)
	// Output:
	// 0.01 0
}

// ExampleNewWarmupCosine prints a warm-up then cosine schedule.
func ExampleNewWarmupCosine() {
	p := ember.Zeros([]int{1}).SetRequiresGrad(true)
	opt := optim.NewSGD([]*ember.Tensor{p}, optim.SGDOptions{LR: 1})
	sched := optim.NewWarmupCosine(opt, 3, 8, 0.25, 0)
	for range 8 {
		fmt.Printf("%.3f ", opt.LR(0))
		opt.Step()
		sched.Step()
	}
	fmt.Println()
	// Output:
	// 0.250 0.500 0.750 1.000 0.905 0.655 0.345 0.095
}
