package optim

import (
	"fmt"
	"testing"

	"github.com/emberdl/ember"
)

// benchParams returns n parameters of size elements, each with a gradient.
func benchParams(n, size int) []*ember.Tensor {
	ps := make([]*ember.Tensor, n)
	for i := range ps {
		ps[i] = ember.Full([]int{size}, 0.5).SetRequiresGrad(true)
		ps[i].SetGrad(ember.Full([]int{size}, 0.01))
	}
	return ps
}

// BenchmarkStep measures one Step of each optimizer over many small
// parameters (per-parameter overhead) and a few large ones (bandwidth);
// it reports allocations, which are zero in steady state for the small
// ones.
func BenchmarkStep(b *testing.B) {
	makers := []struct {
		name string
		mk   func([]*ember.Tensor) Optimizer
	}{
		{"SGD", func(ps []*ember.Tensor) Optimizer { return NewSGD(ps, SGDOptions{LR: 0.1, Momentum: 0.9}) }},
		{"Adam", func(ps []*ember.Tensor) Optimizer { return NewAdam(ps, AdamOptions{}) }},
		{"AdamW", func(ps []*ember.Tensor) Optimizer { return NewAdamW(ps, AdamOptions{}) }},
		{"RMSprop", func(ps []*ember.Tensor) Optimizer { return NewRMSprop(ps, RMSpropOptions{}) }},
		{"Adagrad", func(ps []*ember.Tensor) Optimizer { return NewAdagrad(ps, AdagradOptions{}) }},
		{"Lion", func(ps []*ember.Tensor) Optimizer { return NewLion(ps, LionOptions{}) }},
	}
	shapes := []struct{ n, size int }{{100, 1024}, {4, 1 << 20}}
	for _, m := range makers {
		for _, s := range shapes {
			b.Run(fmt.Sprintf("%s/%dx%d", m.name, s.n, s.size), func(b *testing.B) {
				opt := m.mk(benchParams(s.n, s.size))
				opt.Step()
				b.SetBytes(int64(s.n * s.size * 4))
				b.ReportAllocs()
				for b.Loop() {
					opt.Step()
				}
			})
		}
	}
}

// BenchmarkClipGradNorm measures clipping 100 gradients of 1024 elements.
func BenchmarkClipGradNorm(b *testing.B) {
	ps := benchParams(100, 1024)
	b.ReportAllocs()
	for b.Loop() {
		ClipGradNorm(ps, 0.5, 2)
	}
}
