package cuda_test

import (
	"math"
	"testing"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda"
	"github.com/emberdl/ember/optim"
)

// useEmulatedCUDA makes ember's CUDA device the kernel emulator for one
// test.
func useEmulatedCUDA(t *testing.T) {
	t.Setenv(cuda.EmulatorEnv, "1")
	open := func(i int) (backend.Backend, error) { return cuda.Open(i) }
	ember.RegisterBackend(ember.CUDAType, open) // forgets earlier results
	t.Cleanup(func() { ember.RegisterBackend(ember.CUDAType, open) })
	if err := ember.Available(ember.CUDA); err != nil {
		t.Fatal(err)
	}
}

// trainMLP trains a two-layer MLP with AdamW on dev and returns the loss
// of every step and the final first-layer weights.
func trainMLP(t *testing.T, dev ember.Device) (losses, w1 []float64) {
	gen := ember.NewGenerator(11)
	x := ember.Randn([]int{32, 6}, gen)
	y := ember.RandInt(0, 3, []int{32}, gen)
	params := []*ember.Tensor{
		ember.Randn([]int{6, 16}, gen).MulScalar(0.4),
		ember.Zeros([]int{16}),
		ember.Randn([]int{16, 3}, gen).MulScalar(0.25),
		ember.Zeros([]int{3}),
	}
	for i, p := range params {
		params[i] = p.To(dev).SetRequiresGrad(true)
	}
	x, y = x.To(dev), y.To(dev)
	opt := optim.NewAdamW(params, optim.AdamOptions{LR: 0.05, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01})
	for range 15 {
		opt.ZeroGrad()
		h := x.Matmul(params[0]).Add(params[1]).Relu()
		logits := h.Matmul(params[2]).Add(params[3])
		loss := ember.CrossEntropy(logits, y, nil)
		loss.Backward()
		opt.Step()
		losses = append(losses, loss.Item())
	}
	return losses, params[0].Float64s()
}

// TestTrainingOnCUDAMatchesTheCPU trains the same model from the same
// start on the CPU and on the (emulated) CUDA device: the losses and the
// weights must agree to float32 rounding.
func TestTrainingOnCUDAMatchesTheCPU(t *testing.T) {
	useEmulatedCUDA(t)
	cpuLoss, cpuW := trainMLP(t, ember.CPU)
	gpuLoss, gpuW := trainMLP(t, ember.CUDA)
	if b, err := cuda.OpenDevice(0); err == nil {
		t.Log(b.Info())
	}
	if cpuLoss[len(cpuLoss)-1] > 0.8*cpuLoss[0] {
		t.Fatalf("the model does not learn on the CPU: %v", cpuLoss)
	}
	for i := range cpuLoss {
		if math.Abs(cpuLoss[i]-gpuLoss[i]) > 1e-4*(1+math.Abs(cpuLoss[i])) {
			t.Fatalf("step %d: loss %v on CUDA, %v on the CPU\ncuda %v\ncpu  %v", i, gpuLoss[i], cpuLoss[i], gpuLoss, cpuLoss)
		}
	}
	for i := range cpuW {
		if math.Abs(cpuW[i]-gpuW[i]) > 1e-4*(1+math.Abs(cpuW[i])) {
			t.Fatalf("weight %d: %v on CUDA, %v on the CPU", i, gpuW[i], cpuW[i])
		}
	}
}
