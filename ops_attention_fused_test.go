package ember

import (
	"fmt"
	"slices"
	"testing"

	"github.com/emberdl/ember/backend/cpu"
)

func init() {
	// The fused kernels' gradient against finite differences, in float32
	// on a device that has them (CUDA when there is one, else the CPU's
	// blocked kernels). The check's Grad records the
	// backward pass, which then runs through the composed ops; the kernels'
	// own backward is compared with those in
	// TestFusedAttentionMatchesComposed.
	addGradCheck(gradCase{name: "sdpa/fused_float32", eps: 1e-2, atol: 2e-3, rtol: 2e-2,
		inputs: func() []*Tensor {
			return []*Tensor{randT(9600, -1, 1, 1, 2, 5, 4), randT(9601, -1, 1, 1, 2, 6, 4), randT(9602, -1, 1, 1, 2, 6, 3)}
		},
		f: func(in []*Tensor) *Tensor {
			dev := CPU
			if ds := fusedDevices(); len(ds) > 0 {
				dev = ds[0]
			}
			q, k, v := in[0].To(Float32, dev), in[1].To(Float32, dev), in[2].To(Float32, dev)
			return ScaledDotProductAttention(q, k, v, nil, 0, false, 0, nil).To(Float64, CPU)
		}})
}

// deviceOnlyGrads are grad_fn names of ops that only devices absent from
// this test run record: TestGradcheck does not ask for their checks then.
func deviceOnlyGrads() []string {
	var out []string
	if len(fusedDevices()) == 0 {
		out = append(out, "ScaledDotProductFlashAttentionBackward0")
	}
	if len(crossEntropyDevices()) == 0 {
		out = append(out, "CrossEntropyLossBackward0")
	}
	return out
}

// fusedDevices are the test devices whose backend has fused attention
// kernels: the CPU, and CUDA (the emulator in CI, a GPU where there is one).
func fusedDevices() []Device { return devicesWith[fusedAttentioner]() }

// devicesWith lists the test devices whose backend implements I.
func devicesWith[I any]() []Device {
	var out []Device
	for _, d := range testDevices() {
		if _, ok := Zeros([]int{1}, d).be().(I); ok {
			out = append(out, d)
		}
	}
	return out
}

// composedAttention is ScaledDotProductAttention built from its ops, the
// reference for the fused kernels.
func composedAttention(q, k, v *Tensor, causal bool, scale float64) *Tensor {
	return AttentionWeights(q, k, nil, causal, scale).Matmul(v)
}

// TestFusedAttentionMatchesComposed runs ScaledDotProductAttention through
// the fused kernels and compares its output and the gradients of q, k and
// v with the composed ops on the same device, over layouts the kernels
// read in place (GPT's transposed heads, collapsed batch axes) and ones
// they copy.
func TestFusedAttentionMatchesComposed(t *testing.T) {
	devs := fusedDevices()
	if len(devs) == 0 {
		t.Fatal("no device with fused attention: the CPU has them")
	}
	type tc struct {
		name         string
		q, k, v      []int
		heads        bool // q, k, v are [B, T, H, D] transposed to [B, H, T, D]
		causal       bool
		scale        float64
		dt           DType
		atol, rtol   float64
		transposedKV bool // k given as kᵀ transposed back (last axis strided: copied)
	}
	cases := []tc{
		{name: "gpt_heads_causal", q: []int{2, 5, 3, 8}, k: []int{2, 5, 3, 8}, v: []int{2, 5, 3, 8}, heads: true, causal: true, dt: Float32, atol: 2e-5, rtol: 1e-4},
		{name: "cross_lengths", q: []int{2, 3, 16}, k: []int{2, 6, 16}, v: []int{2, 6, 5}, scale: 0.3, dt: Float32, atol: 2e-5, rtol: 1e-4},
		{name: "matrix", q: []int{4, 16}, k: []int{7, 16}, v: []int{7, 5}, dt: Float32, atol: 2e-5, rtol: 1e-4},
		{name: "collapsed_batch", q: []int{2, 1, 2, 33, 4}, k: []int{2, 1, 2, 40, 4}, v: []int{2, 1, 2, 40, 4}, causal: true, dt: Float32, atol: 2e-5, rtol: 1e-4},
		{name: "strided_last_axis", q: []int{2, 9, 8}, k: []int{2, 9, 8}, v: []int{2, 9, 8}, transposedKV: true, dt: Float32, atol: 2e-5, rtol: 1e-4},
		{name: "bfloat16", q: []int{1, 70, 2, 64}, k: []int{1, 70, 2, 64}, v: []int{1, 70, 2, 64}, heads: true, causal: true, dt: BFloat16, atol: 2e-2, rtol: 2e-2},
		{name: "float16", q: []int{2, 3, 40, 32}, k: []int{2, 3, 50, 32}, v: []int{2, 3, 50, 32}, dt: Float16, atol: 5e-3, rtol: 5e-3},
		// Past 256 keys CUDA's float32 kernels give way to the composed
		// path; its tensor-core kernels (16-bit, D == Dv) do not.
		{name: "bfloat16_long_keys", q: []int{1, 2, 20, 32}, k: []int{1, 2, 300, 32}, v: []int{1, 2, 300, 32}, dt: BFloat16, atol: 2e-2, rtol: 2e-2},
	}
	for _, dev := range devs {
		for i, c := range cases {
			t.Run(fmt.Sprintf("%s/%s", dev, c.name), func(t *testing.T) {
				seed := uint64(9100 + 10*i)
				mk := func(s uint64, shape []int) *Tensor {
					x := randT(s, -1, 1, shape...).To(c.dt, dev)
					if c.heads {
						x = x.Transpose(1, 2)
					}
					return x
				}
				q, k, v := mk(seed, c.q), mk(seed+1, c.k), mk(seed+2, c.v)
				if c.transposedKV {
					k = k.MT().Contiguous().MT()
				}
				gy := randT(seed+3, -1, 1, composedAttention(q, k, v, c.causal, c.scale).Shape()...).To(c.dt, dev)

				run := func(f func(q, k, v *Tensor) *Tensor) (*Tensor, []*Tensor, string) {
					ql, kl, vl := q.Detach().SetRequiresGrad(true), k.Detach().SetRequiresGrad(true), v.Detach().SetRequiresGrad(true)
					y := f(ql, kl, vl)
					fn := y.GradFn()
					y.Backward(WithGradient(gy))
					return y, []*Tensor{ql.Grad(), kl.Grad(), vl.Grad()}, fn
				}
				y, gs, fn := run(func(q, k, v *Tensor) *Tensor {
					return ScaledDotProductAttention(q, k, v, nil, 0, c.causal, c.scale, nil)
				})
				// The CPU's kernels take float32 only: 16-bit attention is
				// composed there, and checked against the same reference.
				if fused := dev.Type == CUDAType || c.dt == Float32; fused != (fn == "ScaledDotProductFlashAttentionBackward0") {
					t.Fatalf("fused kernels expected: %v; got grad_fn %q", fused, fn)
				}
				// The output and the gradients keep their inputs' layout:
				// heads transposed back are contiguous, so merging them
				// copies nothing.
				if fn == "ScaledDotProductFlashAttentionBackward0" && c.heads {
					for j, u := range append([]*Tensor{y}, gs...) {
						if !u.Transpose(1, 2).IsContiguous() {
							t.Fatalf("%s strides %v for q strides %v: heads transposed back are not contiguous",
								[]string{"output", "dq", "dk", "dv"}[j], u.strides, q.strides)
						}
					}
				}
				wy, wgs, _ := run(func(q, k, v *Tensor) *Tensor { return composedAttention(q, k, v, c.causal, c.scale) })
				for j, pair := range [][2]*Tensor{{y, wy}, {gs[0], wgs[0]}, {gs[1], wgs[1]}, {gs[2], wgs[2]}} {
					what := []string{"output", "dq", "dk", "dv"}[j]
					if pair[0].DType() != c.dt {
						t.Fatalf("%s has dtype %v, want %v", what, pair[0].DType(), c.dt)
					}
					assertClose(t, what, pair[0], pair[1].Shape(), pair[1].Float64s(), c.rtol, c.atol)
				}
			})
		}
	}
}

// TestFusedAttentionSecondOrder checks that gradients of the gradient flow
// through the fused path (it differentiates the composed ops when the
// backward pass is recorded).
func TestFusedAttentionSecondOrder(t *testing.T) {
	for _, dev := range fusedDevices() {
		q0 := randT(9300, -1, 1, 2, 6, 8).To(Float32, dev)
		k0 := randT(9301, -1, 1, 2, 6, 8).To(Float32, dev)
		v0 := randT(9302, -1, 1, 2, 6, 8).To(Float32, dev)
		secondOrder := func(f func(q, k, v *Tensor) *Tensor) *Tensor {
			q, k, v := q0.Detach().SetRequiresGrad(true), k0.Detach().SetRequiresGrad(true), v0.Detach().SetRequiresGrad(true)
			y := f(q, k, v)
			g := Grad([]*Tensor{y.Mul(y).Sum()}, []*Tensor{q}, CreateGraph())
			g[0].Sum().Backward()
			return k.Grad()
		}
		got := secondOrder(func(q, k, v *Tensor) *Tensor { return ScaledDotProductAttention(q, k, v, nil, 0, true, 0, nil) })
		want := secondOrder(func(q, k, v *Tensor) *Tensor { return composedAttention(q, k, v, true, 0) })
		assertClose(t, fmt.Sprintf("%s: d/dk of sum(d sum(y²)/dq)", dev), got, want.Shape(), want.Float64s(), 1e-4, 1e-5)
	}
}

// TestFusedAttentionAutocast: inside Autocast(BFloat16) the attention runs
// in bfloat16 (PyTorch's lower_precision_fp policy for it).
func TestFusedAttentionAutocast(t *testing.T) {
	for _, dev := range testDevices() {
		q := randT(9400, -1, 1, 1, 2, 4, 8).To(Float32, dev)
		var y *Tensor
		Autocast(BFloat16, func() { y = ScaledDotProductAttention(q, q, q, nil, 0, true, 0, nil) })
		if y.DType() != BFloat16 {
			t.Errorf("%s: autocast attention gave %v, want bfloat16", dev, y.DType())
		}
		want := composedAttention(q, q, q, true, 0)
		assertClose(t, fmt.Sprint(dev), y, want.Shape(), want.Float64s(), 2e-2, 2e-2)
	}
}

// TestFlashAttentionSwitch: with the fused kernels off the attention is
// composed (and gives the same numbers).
func TestFlashAttentionSwitch(t *testing.T) {
	for _, dev := range fusedDevices() {
		q := randT(9500, -1, 1, 2, 5, 8).To(Float32, dev).Detach().SetRequiresGrad(true)
		fused := ScaledDotProductAttention(q, q, q, nil, 0, true, 0, nil)
		setFlashAttention(t, false)
		composed := ScaledDotProductAttention(q, q, q, nil, 0, true, 0, nil)
		setFlashAttention(t, true)
		if fused.GradFn() != "ScaledDotProductFlashAttentionBackward0" || composed.GradFn() == fused.GradFn() {
			t.Fatalf("%s: grad_fn %q with the kernels on, %q off", dev, fused.GradFn(), composed.GradFn())
		}
		assertClose(t, fmt.Sprint(dev), fused, composed.Shape(), composed.Float64s(), 1e-4, 2e-5)
	}
}

// TestFusedAttentionLongKeysComposed: past the crossover where CUDA's fused
// kernels stop paying (cuda's flashPays), the attention is composed there.
// (The CPU's kernels pay at every length: they skip the masked key blocks
// and keep the scores in cache.)
func TestFusedAttentionLongKeysComposed(t *testing.T) {
	for _, dev := range fusedDevices() {
		if dev.Type != CUDAType {
			continue
		}
		q := randT(9700, -1, 1, 1, 2, 4, 8).To(Float32, dev).Detach().SetRequiresGrad(true)
		k := randT(9701, -1, 1, 1, 2, 300, 8).To(Float32, dev)
		v := randT(9702, -1, 1, 1, 2, 300, 8).To(Float32, dev)
		y := ScaledDotProductAttention(q, k, v, nil, 0, false, 0, nil)
		if y.GradFn() == "ScaledDotProductFlashAttentionBackward0" {
			t.Errorf("%s: 300 keys ran the fused kernels", dev)
		}
		want := composedAttention(q.Detach(), k, v, false, 0)
		assertClose(t, dev.String(), y, want.Shape(), want.Float64s(), 1e-5, 1e-6)
	}
}

// setCPUFlashAttention switches the CPU's fused attention kernels for the
// rest of the test.
func setCPUFlashAttention(t *testing.T, on bool) {
	prev := cpu.FlashAttention()
	cpu.SetFlashAttention(on)
	t.Cleanup(func() { cpu.SetFlashAttention(prev) })
}

// TestAllocLike checks the layouts allocLike gives: like's axis order when
// its innermost axis is the last, row-major otherwise.
func TestAllocLike(t *testing.T) {
	base := Zeros([]int{2, 5, 3, 4})
	for _, c := range []struct {
		name    string
		like    *Tensor
		shape   []int
		strides []int
	}{
		{"contiguous", base, []int{2, 5, 3, 6}, []int{90, 18, 6, 1}},
		{"heads", base.Transpose(1, 2), []int{2, 3, 5, 6}, []int{90, 6, 18, 1}},
		{"last axis strided", base.Transpose(2, 3), []int{2, 5, 4, 3}, []int{60, 12, 3, 1}},
		{"scalar", Scalar(1.0), []int{}, []int{}},
	} {
		got := allocLike(c.like, c.shape)
		if !slices.Equal(got.shape, c.shape) || !slices.Equal(got.strides, c.strides) || got.dtype != c.like.dtype {
			t.Errorf("%s: allocLike gave shape %v strides %v %v, want %v %v %v", c.name, got.shape, got.strides, got.dtype, c.shape, c.strides, c.like.dtype)
		}
	}
}
