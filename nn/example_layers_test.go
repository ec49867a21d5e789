package nn_test

import (
	"fmt"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn"
)

// A small CNN as a struct of layers: its state-dict keys are PyTorch's
// ("conv.weight", "bn.running_mean", "fc.bias", ...).
type smallCNN struct {
	Conv *nn.Conv2d
	BN   *nn.BatchNorm2d
	Pool *nn.MaxPool2d
	FC   *nn.Linear
}

func (m *smallCNN) Forward(x *ember.Tensor) *ember.Tensor {
	x = m.Pool.Forward(m.BN.Forward(m.Conv.Forward(x)).Relu())
	return nn.Traced(m, m.FC.Forward(x.Flatten(1, -1)))
}

func ExampleConv2d() {
	g := ember.NewGenerator(1)
	m := &smallCNN{
		Conv: nn.NewConv2d(1, 4, []int{3}, nn.ConvConfig{PaddingPreset: ember.PaddingSame}, g),
		BN:   nn.NewBatchNorm2d(4, nn.BatchNormOptions{}),
		Pool: nn.NewMaxPool2d(ember.PoolOptions{Kernel: []int{2}}),
		FC:   nn.NewLinear(4*4*4, 10, true, g),
	}
	for _, n := range nn.StateDict(m) {
		fmt.Println(n.Name, n.Tensor.Shape())
	}
	nn.Eval(m)
	fmt.Println(m.Forward(ember.Zeros([]int{2, 1, 8, 8})).Shape())
	// Output:
	// conv.weight [4 1 3 3]
	// conv.bias [4]
	// bn.weight [4]
	// bn.bias [4]
	// bn.running_mean [4]
	// bn.running_var [4]
	// bn.num_batches_tracked []
	// fc.weight [10 64]
	// fc.bias [10]
	// [2 10]
}

func ExampleMaxPool2d_ForwardWithIndices() {
	pool := nn.NewMaxPool2d(ember.PoolOptions{Kernel: []int{2}})
	x := ember.From([][][][]float32{{{{1, 5, 2, 0}, {3, 4, 8, 1}}}})
	v, idx := pool.ForwardWithIndices(x)
	fmt.Println(v.Float32s(), idx.Int64s())
	// Output:
	// [5 8] [1 6]
}

func ExampleBatchNorm1d() {
	bn := nn.NewBatchNorm1d(2, nn.BatchNormOptions{Momentum: new(0.5)}, ember.Float64)
	x := ember.From([][]float64{{1, 10}, {3, 30}}, ember.Float64)
	fmt.Println(bn.Forward(x).Float64s())
	// Running mean 0.5·0 + 0.5·[2 20]; variance 0.5·1 + 0.5·[2 200] (unbiased).
	fmt.Println(bn.RunningMean.Float64s(), bn.RunningVar.Float64s(), bn.NumBatchesTracked.ItemInt())
	nn.Eval(bn) // use the running statistics from now on
	fmt.Printf("%.3f\n", bn.Forward(x).Float64s())
	// Output:
	// [-0.9999950000374997 -0.9999999500000036 0.9999950000374997 0.9999999500000036]
	// [1 10] [1.5 100.5] 1
	// [0.000 0.000 1.633 1.995]
}

func ExampleLayerNorm() {
	ln := nn.NewLayerNorm([]int{3}, 1e-5, true)
	y := ln.Forward(ember.From([][]float32{{1, 2, 3}}))
	fmt.Printf("%.3f\n", y.Float32s())
	// Output:
	// [-1.225 0.000 1.225]
}

func ExampleEmbedding() {
	emb := nn.NewEmbeddingFromPretrained(ember.From([][]float32{{0, 0}, {1, 2}, {3, 4}}), false, nn.EmbeddingOptions{PaddingIdx: new(0)})
	out := emb.Forward(ember.From([][]int64{{2, 0, 1}}))
	fmt.Println(out.Shape(), out.Float32s())
	out.Sum().Backward()
	fmt.Println(emb.Weight.Grad().Float32s()) // the padding row gets no gradient
	// Output:
	// [1 3 2] [3 4 0 0 1 2]
	// [0 0 1 1 1 1]
}

func ExampleSequential_activations() {
	mlp := nn.NewSequential(
		nn.NewLinear(4, 8, true, ember.NewGenerator(2)),
		nn.NewGELU(nn.GELUTanh),
		nn.NewDropout(0.1),
		nn.NewLinear(8, 3, true, ember.NewGenerator(3)),
		nn.NewLogSoftmax(-1),
	)
	nn.Eval(mlp) // dropout off
	s, _ := nn.Summary(mlp, 5, 4)
	fmt.Print(s)
	// Output:
	// Layer (type)     Output Shape   Param #
	// =======================================
	// 0 (Linear)       [5 8]               40
	// 1 (GELU)         [5 8]                0
	// 2 (Dropout)      [5 8]                0
	// 3 (Linear)       [5 3]               27
	// 4 (LogSoftmax)   [5 3]                0
	// =======================================
	// Total params: 67
	// Trainable params: 67
	// Non-trainable params: 0
}

func ExampleCrossEntropyLoss() {
	loss := nn.NewCrossEntropyLoss(ember.CrossEntropyOptions{LabelSmoothing: 0.1})
	logits := ember.From([][]float32{{2, 0, -1}, {0.5, 0.5, 3}}, ember.RequiresGrad)
	target := ember.From([]int64{0, 2})
	l := loss.Forward(logits, target)
	l.Backward()
	fmt.Printf("%.4f %v\n", l.Item(), logits.Grad().Shape())
	// Output:
	// 0.3276 [2 3]
}

func ExampleBilinear() {
	bl := nn.NewBilinear(3, 2, 4, true, ember.NewGenerator(0))
	y := bl.Forward(ember.Ones([]int{5, 3}), ember.Ones([]int{5, 2}))
	fmt.Println(y.Shape())
	// Output:
	// [5 4]
}
