package ember

import (
	"testing"

	"github.com/emberdl/ember/backend"
)

// Benchmarks of the memory-bound ops of a training step (everything but
// matrix products), at the shapes of the reference MLP and CNN. Each
// reports allocations; the "fwd+bwd" cases run the op and its backward.

func benchInput(shape ...int) *Tensor {
	return Uniform(shape, -1, 1, NewGenerator(1))
}

// benchFwdBwd times y = f(x) and the backward of y with a fixed gradient.
func benchFwdBwd(b *testing.B, x *Tensor, f func(x *Tensor) *Tensor) {
	x.SetRequiresGrad(true)
	g := OnesLike(f(x.Detach()))
	b.ReportAllocs()
	m := startCPU()
	for b.Loop() {
		x.SetGrad(nil)
		f(x).Backward(WithGradient(g))
	}
	m.report(b)
}

func benchFwd(b *testing.B, x *Tensor, f func(x *Tensor) *Tensor) {
	b.ReportAllocs()
	m := startCPU()
	for b.Loop() {
		f(x)
	}
	m.report(b)
}

func BenchmarkOps(b *testing.B) {
	bias := benchInput(512)
	cbias := benchInput(32)
	labels := RandInt(0, 10, []int{128}, NewGenerator(2))
	cases := []struct {
		name  string
		shape []int
		fwd   func(x *Tensor) *Tensor
		bwd   bool
	}{
		{"Tiny/Add", []int{4}, func(x *Tensor) *Tensor { return x.Add(x) }, false},
		{"Tiny/AddBwd", []int{4}, func(x *Tensor) *Tensor { return x.Add(x) }, true},
		{"Tiny/MulScalar", []int{4}, func(x *Tensor) *Tensor { return x.MulScalar(2) }, false},
		{"MLP/AddBias", []int{128, 512}, func(x *Tensor) *Tensor { return x.Add(bias) }, false},
		{"MLP/AddBiasBwd", []int{128, 512}, func(x *Tensor) *Tensor { return x.Add(bias) }, true},
		{"MLP/Relu", []int{128, 512}, func(x *Tensor) *Tensor { return x.Relu() }, false},
		{"MLP/ReluBwd", []int{128, 512}, func(x *Tensor) *Tensor { return x.Relu() }, true},
		{"MLP/CrossEntropy", []int{128, 10}, func(x *Tensor) *Tensor { return CrossEntropy(x, labels, nil) }, false},
		{"MLP/CrossEntropyBwd", []int{128, 10}, func(x *Tensor) *Tensor { return CrossEntropy(x, labels, nil) }, true},
		{"MLP/SumRows", []int{128, 512}, func(x *Tensor) *Tensor { return x.Sum(1) }, false},
		{"MLP/SumCols", []int{128, 512}, func(x *Tensor) *Tensor { return x.Sum(0) }, false},
		{"MLP/Exp", []int{128, 512}, func(x *Tensor) *Tensor { return x.Exp() }, false},
		{"MLP/Mul", []int{128, 512}, func(x *Tensor) *Tensor { return x.Mul(x) }, false},
		{"CNN/Relu", []int{128, 32, 28, 28}, func(x *Tensor) *Tensor { return x.Relu() }, false},
		{"CNN/ReluBwd", []int{128, 32, 28, 28}, func(x *Tensor) *Tensor { return x.Relu() }, true},
		{"CNN/AddBias", []int{128, 32, 28, 28}, func(x *Tensor) *Tensor { return x.Add(cbias.Reshape(1, -1, 1, 1)) }, false},
		{"CNN/BiasGrad", []int{128, 32, 28, 28}, func(x *Tensor) *Tensor { return x.Sum(0, 2, 3) }, false},
		{"CNN/MaxPool", []int{128, 32, 28, 28}, func(x *Tensor) *Tensor {
			v, _ := MaxPool2d(x, PoolOptions{Kernel: []int{2}})
			return v
		}, false},
		{"CNN/MaxPoolBwd", []int{128, 32, 28, 28}, func(x *Tensor) *Tensor {
			v, _ := MaxPool2d(x, PoolOptions{Kernel: []int{2}})
			return v
		}, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			x := benchInput(c.shape...)
			b.SetBytes(int64(x.Numel() * 4))
			if c.bwd {
				benchFwdBwd(b, x, c.fwd)
			} else {
				benchFwd(b, x, c.fwd)
			}
		})
	}
}

// BenchmarkAdamStep measures the fused Adam update of a 784×512 weight.
func BenchmarkAdamStep(b *testing.B) {
	p := benchInput(512, 784)
	g := benchInput(512, 784)
	m, v := ZerosLike(p), ZerosLike(p)
	h := backend.OptimHyper{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	b.SetBytes(int64(p.Numel() * 4 * 7))
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		h.Step++
		OptimStep(backend.OptAdam, p, g, []*Tensor{m, v}, h)
	}
	cpu.report(b)
}
