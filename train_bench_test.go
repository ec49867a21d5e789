package ember_test

import (
	"math"
	"testing"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/optim"
)

// The training steps of the reference workloads in ../shared/bench
// (mlp_fmnist.py, cnn_fmnist.py): batch 128, cross-entropy, Adam 1e-3,
// PyTorch's default initialisation. Inputs are random (timing does not
// depend on the pixel values); batches are gathered from a larger set by
// index, as the reference loop does.

// linearParams returns a weight [out, in] and bias [out] initialised
// uniformly in ±1/sqrt(in), as torch.nn.Linear.
func linearParams(g *ember.Generator, in, out int) (w, b *ember.Tensor) {
	bound := 1 / math.Sqrt(float64(in))
	w = ember.Uniform([]int{out, in}, -bound, bound, g).SetRequiresGrad(true)
	b = ember.Uniform([]int{out}, -bound, bound, g).SetRequiresGrad(true)
	return w, b
}

// convParams returns a weight [out, in, k, k] and bias [out] as
// torch.nn.Conv2d initialises them.
func convParams(g *ember.Generator, in, out, k int) (w, b *ember.Tensor) {
	bound := 1 / math.Sqrt(float64(in*k*k))
	w = ember.Uniform([]int{out, in, k, k}, -bound, bound, g).SetRequiresGrad(true)
	b = ember.Uniform([]int{out}, -bound, bound, g).SetRequiresGrad(true)
	return w, b
}

// trainData is a set of inputs and labels from which batches are gathered.
type trainData struct {
	x, y    *ember.Tensor
	batches []*ember.Tensor // int64 index vectors of 128
	next    int
}

func newTrainData(g *ember.Generator, n int, sample ...int) *trainData {
	d := &trainData{
		x: ember.Rand(append([]int{n}, sample...), g),
		y: ember.RandInt(0, 10, []int{n}, g),
	}
	perm := ember.Randperm(n, g)
	for s := 0; s+128 <= n; s += 128 {
		d.batches = append(d.batches, perm.Narrow(0, s, 128).Contiguous())
	}
	return d
}

func (d *trainData) batch() (x, y *ember.Tensor) {
	idx := d.batches[d.next%len(d.batches)]
	d.next++
	return d.x.IndexSelect(0, idx), d.y.IndexSelect(0, idx)
}

// mlpStep returns one training step of the MLP 784-512-256-10.
func mlpStep() func() {
	g := ember.NewGenerator(0)
	w1, b1 := linearParams(g, 784, 512)
	w2, b2 := linearParams(g, 512, 256)
	w3, b3 := linearParams(g, 256, 10)
	opt := optim.NewAdam([]*ember.Tensor{w1, b1, w2, b2, w3, b3}, optim.AdamOptions{LR: 1e-3})
	data := newTrainData(g, 1024, 784)
	return func() {
		x, y := data.batch()
		h := ember.Linear(x, w1, b1).Relu()
		h = ember.Linear(h, w2, b2).Relu()
		loss := ember.CrossEntropy(ember.Linear(h, w3, b3), y, nil)
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
	}
}

// cnnStep returns one training step of the CNN
// conv(1→32)-ReLU-pool-conv(32→64)-ReLU-pool-fc(3136→128)-ReLU-fc(128→10).
func cnnStep() func() {
	g := ember.NewGenerator(0)
	cw1, cb1 := convParams(g, 1, 32, 3)
	cw2, cb2 := convParams(g, 32, 64, 3)
	fw1, fb1 := linearParams(g, 3136, 128)
	fw2, fb2 := linearParams(g, 128, 10)
	opt := optim.NewAdam([]*ember.Tensor{cw1, cb1, cw2, cb2, fw1, fb1, fw2, fb2}, optim.AdamOptions{LR: 1e-3})
	data := newTrainData(g, 512, 1, 28, 28)
	pad := ember.ConvOptions{Padding: []int{1}}
	pool := ember.PoolOptions{Kernel: []int{2}}
	return func() {
		x, y := data.batch()
		h := ember.Conv2d(x, cw1, cb1, pad).Relu()
		h, _ = ember.MaxPool2d(h, pool)
		h = ember.Conv2d(h, cw2, cb2, pad).Relu()
		h, _ = ember.MaxPool2d(h, pool)
		h = ember.Linear(h.Flatten(1, -1), fw1, fb1).Relu()
		loss := ember.CrossEntropy(ember.Linear(h, fw2, fb2), y, nil)
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
	}
}

// BenchmarkTrainStep measures whole training steps (forward, backward,
// Adam) of the reference MLP and CNN with their allocations.
func BenchmarkTrainStep(b *testing.B) {
	for _, c := range []struct {
		name string
		mk   func() func()
	}{{"MLP", mlpStep}, {"CNN", cnnStep}} {
		b.Run(c.name, func(b *testing.B) {
			step := c.mk()
			for range 3 {
				step()
			}
			b.ReportAllocs()
			cpu0, f0 := ember.ProcessCPU(), ember.MinorFaults()
			for b.Loop() {
				step()
			}
			b.ReportMetric(float64(ember.ProcessCPU()-cpu0)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(ember.MinorFaults()-f0)/float64(b.N), "faults/op")
			b.ReportMetric(float64(128*b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
