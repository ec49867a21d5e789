package ember

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func init() {
	maskOf := func(a goldenArgs, in []*Tensor, n int) *Tensor {
		if a.Bool("mask", false) {
			return in[n]
		}
		return nil
	}
	registerGolden("sdpa", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return ScaledDotProductAttention(in[0], in[1], in[2], maskOf(a, in, 3), 0, a.Bool("causal", false), a.Float("scale", 0), nil)
	}))
	registerGolden("attention_weights", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return AttentionWeights(in[0], in[1], maskOf(a, in, 2), a.Bool("causal", false), a.Float("scale", 0))
	}))

	type variant struct {
		name   string
		q, k   []int
		v      []int
		mask   func() *Tensor
		causal bool
		scale  float64
	}
	boolMask := func() *Tensor {
		return FromSlice([]bool{true, false, true, true, true, false, false, true, true}, 3, 3)
	}
	variants := []variant{
		{name: "plain", q: []int{2, 3, 4}, k: []int{2, 5, 4}, v: []int{2, 5, 3}},
		{name: "causal", q: []int{1, 4, 3}, k: []int{1, 4, 3}, v: []int{1, 4, 2}, causal: true},
		{name: "bool_mask", q: []int{2, 3, 2}, k: []int{2, 3, 2}, v: []int{2, 3, 2}, mask: boolMask},
		{name: "scale_heads", q: []int{1, 2, 3, 2}, k: []int{1, 2, 3, 2}, v: []int{1, 2, 3, 2}, scale: 0.7},
	}
	seed := uint64(7300)
	for _, vr := range variants {
		vr, sd := vr, seed
		seed += 10
		addGradCheck(gradCase{name: "sdpa/" + vr.name, secondOrder: true,
			inputs: func() []*Tensor {
				return []*Tensor{randT(sd, -1, 1, vr.q...), randT(sd+1, -1, 1, vr.k...), randT(sd+2, -1, 1, vr.v...)}
			},
			f: func(in []*Tensor) *Tensor {
				var m *Tensor
				if vr.mask != nil {
					m = vr.mask()
				}
				return ScaledDotProductAttention(in[0], in[1], in[2], m, 0, vr.causal, vr.scale, nil)
			}})
	}
	// A float mask receives a gradient too.
	addGradCheck(gradCase{name: "attention_weights/float_mask", secondOrder: true,
		inputs: func() []*Tensor {
			return []*Tensor{randT(7400, -1, 1, 2, 3, 2), randT(7401, -1, 1, 2, 4, 2), randT(7402, -1, 1, 3, 4)}
		},
		f: func(in []*Tensor) *Tensor { return AttentionWeights(in[0], in[1], in[2], false, 0) }})
}

// TestAttentionNaive compares ScaledDotProductAttention with a naive
// float64 loop.
func TestAttentionNaive(t *testing.T) {
	const L, S, E, Ev = 5, 7, 4, 3
	q, k, v := randT(1, -2, 2, L, E).Detach(), randT(2, -2, 2, S, E).Detach(), randT(3, -2, 2, S, Ev).Detach()
	for _, causal := range []bool{false, true} {
		got := ScaledDotProductAttention(q, k, v, nil, 0, causal, 0, nil).Float64s()
		qs, ks, vs := q.Float64s(), k.Float64s(), v.Float64s()
		for i := range L {
			scores := make([]float64, S)
			m := math.Inf(-1)
			for j := range S {
				scores[j] = math.Inf(-1)
				if causal && j > i {
					continue
				}
				s := 0.0
				for e := range E {
					s += qs[i*E+e] * ks[j*E+e]
				}
				scores[j] = s / math.Sqrt(E)
				m = math.Max(m, scores[j])
			}
			z := 0.0
			for j := range scores {
				scores[j] = math.Exp(scores[j] - m)
				z += scores[j]
			}
			for c := range Ev {
				want := 0.0
				for j := range S {
					want += scores[j] / z * vs[j*Ev+c]
				}
				if g := got[i*Ev+c]; math.Abs(g-want) > 1e-12 {
					t.Fatalf("causal=%v: out[%d,%d] = %v, want %v", causal, i, c, g, want)
				}
			}
		}
	}
}

// TestAttentionDropout checks that dropout draws from the given
// generator: the result equals the attention weights, dropped out with a
// generator in the same state, times v.
func TestAttentionDropout(t *testing.T) {
	q, k, v := randT(10, -1, 1, 2, 6, 4).Detach(), randT(11, -1, 1, 2, 6, 4).Detach(), randT(12, -1, 1, 2, 6, 3).Detach()
	got := ScaledDotProductAttention(q, k, v, nil, 0.4, false, 0, NewGenerator(5))
	want := Dropout(AttentionWeights(q, k, nil, false, 0), 0.4, true, NewGenerator(5)).Matmul(v)
	assertClose(t, "dropout", got, want.Shape(), want.Float64s(), 0, 0)
	plain := ScaledDotProductAttention(q, k, v, nil, 0, false, 0, nil)
	if ok, _ := approxEqual(got, plain.Float64s(), 1e-9, 1e-9); ok {
		t.Fatal("dropout 0.4 left the result unchanged")
	}
	zero := ScaledDotProductAttention(q, k, v, nil, 1, false, 0, NewGenerator(5))
	assertClose(t, "p=1", zero, []int{2, 6, 3}, make([]float64, 36), 0, 0)
}

func TestAttentionErrors(t *testing.T) {
	q := Zeros([]int{2, 3, 4})
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"embedding", func() {
			ScaledDotProductAttention(q, Zeros([]int{2, 3, 5}), Zeros([]int{2, 3, 5}), nil, 0, false, 0, nil)
		},
			"scaled_dot_product_attention: expected query and key to have the same embedding size, got shapes query [2 3 4], key [2 3 5], value [2 3 5]"},
		{"sequence", func() { ScaledDotProductAttention(q, q, Zeros([]int{2, 4, 4}), nil, 0, false, 0, nil) },
			"expected key and value to have the same sequence length"},
		{"rank", func() { AttentionWeights(Zeros([]int{4}), q, nil, false, 0) }, "must have at least 2 dimensions"},
		{"dtype", func() { ScaledDotProductAttention(q, q.To(Float64), q, nil, 0, false, 0, nil) },
			"expected query, key and value to have one floating-point dtype, got query float32, key float64, value float32"},
		{"integer", func() { AttentionWeights(q.To(Int64), q.To(Int64), nil, false, 0) }, "one floating-point dtype"},
		{"mask and causal", func() { AttentionWeights(q, q, Ones([]int{3, 3}, Bool), true, 0) }, "explicit attn_mask should not be set when is_causal=True"},
		{"mask dtype", func() { AttentionWeights(q, q, Ones([]int{3, 3}, Int64), false, 0) }, "expected attn_mask to be bool or floating point, got int64"},
		{"mask shape", func() { AttentionWeights(q, q, Ones([]int{3, 2}, Bool), false, 0) }, "attention_weights: attn_mask of shape [3 2] does not broadcast to the attention scores' shape [2 3 3]"},
		{"dropout", func() { ScaledDotProductAttention(q, q, q, nil, 1.5, false, 0, nil) }, "dropout probability has to be between 0 and 1, but got 1.5"},
	}
	for _, c := range cases {
		err := Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func ExampleScaledDotProductAttention() {
	// One query attending over three keys; the causal mask lets row i see
	// keys 0..i only, so the first row copies the first value.
	q := FromSlice([]float32{1, 0, 0, 1}, 2, 2)
	k := FromSlice([]float32{1, 0, 0, 1, 1, 1}, 3, 2)
	v := FromSlice([]float32{10, 20, 30}, 3, 1)
	out := ScaledDotProductAttention(q, k, v, nil, 0, true, 0, nil)
	fmt.Printf("%.3f\n", out.Float32s())
	// Output: [10.000 16.698]
}
