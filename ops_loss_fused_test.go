package ember

import (
	"fmt"
	"testing"
)

func init() {
	// The fused cross-entropy's gradient against finite differences, in
	// float32 on a device that has the kernels (on the CPU this checks the
	// composed loss again); see TestFusedCrossEntropyMatchesComposed for
	// the kernels' own backward.
	addGradCheck(gradCase{name: "cross_entropy/fused_float32", eps: 1e-2, atol: 2e-3, rtol: 2e-2,
		inputs: func() []*Tensor {
			return []*Tensor{randT(9800, -2, 2, 5, 7)}
		},
		f: func(in []*Tensor) *Tensor {
			dev := CPU
			if ds := crossEntropyDevices(); len(ds) > 0 {
				dev = ds[0]
			}
			x := in[0].To(Float32, dev)
			return CrossEntropy(x, FromSlice([]int64{0, 6, -100, 3, 1}).To(dev), &CrossEntropyOptions{LabelSmoothing: 0.1}).To(Float64, CPU)
		}})
}

// crossEntropyDevices are the test devices with a fused cross-entropy.
func crossEntropyDevices() []Device { return devicesWith[crossEntropyFuser]() }

// TestFusedCrossEntropyMatchesComposed compares the fused cross-entropy's
// loss and input gradient with the composed ops on the same device, over
// reductions, ignored targets, label smoothing, dtypes and autocast.
func TestFusedCrossEntropyMatchesComposed(t *testing.T) {
	for _, dev := range crossEntropyDevices() {
		for _, c := range []struct {
			name     string
			dt       DType
			autocast bool
			o        CrossEntropyOptions
			tol      float64
		}{
			{"mean", Float32, false, CrossEntropyOptions{}, 1e-5},
			{"sum smoothed", Float32, false, CrossEntropyOptions{Reduction: ReductionSum, LabelSmoothing: 0.2}, 1e-5},
			{"none", Float32, false, CrossEntropyOptions{Reduction: ReductionNone}, 1e-5},
			{"ignore 3", Float64, false, CrossEntropyOptions{IgnoreIndex: ptrInt(3)}, 1e-12},
			{"bfloat16", BFloat16, false, CrossEntropyOptions{}, 2e-2},
			{"autocast bfloat16", BFloat16, true, CrossEntropyOptions{LabelSmoothing: 0.1}, 1e-5},
		} {
			t.Run(fmt.Sprintf("%s/%s", dev, c.name), func(t *testing.T) {
				targets := []int64{0, 6, -100, 3, 1, 6, 2, 0}
				if c.o.IgnoreIndex != nil {
					targets[2] = int64(*c.o.IgnoreIndex) // -100 is a class out of range then
				}
				run := func(fused bool) (*Tensor, *Tensor) {
					x := randT(9900, -3, 3, len(targets), 7).To(c.dt, dev).Detach().SetRequiresGrad(true)
					tg := FromSlice(targets).To(dev)
					var y *Tensor
					f := func() {
						if fused {
							y = CrossEntropy(x, tg, &c.o)
						} else {
							y = crossEntropyComposed(x, tg, c.o)
						}
					}
					if c.autocast {
						Autocast(BFloat16, f)
					} else {
						f()
					}
					if fused && y.GradFn() != "CrossEntropyLossBackward0" {
						t.Fatalf("the fused kernels were not used: grad_fn %q", y.GradFn())
					}
					y.Backward(WithGradient(OnesLike(y).MulScalar(0.5)))
					return y, x.Grad()
				}
				y, g := run(true)
				wy, wg := run(false)
				if y.DType() != wy.DType() || g.DType() != wg.DType() {
					t.Fatalf("dtypes: loss %v (composed %v), gradient %v (composed %v)", y.DType(), wy.DType(), g.DType(), wg.DType())
				}
				assertClose(t, "loss", y, wy.Shape(), wy.Float64s(), c.tol, c.tol)
				assertClose(t, "gradient", g, wg.Shape(), wg.Float64s(), c.tol, c.tol)
			})
		}
	}
}

func ptrInt(v int) *int { return &v }
