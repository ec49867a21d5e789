package nn

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

// attnCase is one case of testdata/rnn_attention.json.
type attnCase struct {
	Name   string `json:"name"`
	Layer  string `json:"layer"`
	Config struct {
		EmbedDim           int     `json:"embed_dim"`
		NumHeads           int     `json:"num_heads"`
		Bias               *bool   `json:"bias"`
		KDim               int     `json:"kdim"`
		VDim               int     `json:"vdim"`
		BatchFirst         bool    `json:"batch_first"`
		NeedWeights        bool    `json:"need_weights"`
		AverageAttnWeights bool    `json:"average_attn_weights"`
		DModel             int     `json:"d_model"`
		NHead              int     `json:"nhead"`
		DimFeedforward     int     `json:"dim_feedforward"`
		Activation         string  `json:"activation"`
		LayerNormEps       float64 `json:"layer_norm_eps"`
		NormFirst          bool    `json:"norm_first"`
		NumLayers          int     `json:"num_layers"`
		FinalNorm          bool    `json:"final_norm"`
	} `json:"config"`
	State       map[string]fixTensor `json:"state"`
	Keys        []string             `json:"keys"`
	Inputs      map[string]fixTensor `json:"inputs"`
	Masks       map[string]fixTensor `json:"masks"`
	Outputs     map[string]fixTensor `json:"outputs"`
	GradOutputs map[string]fixTensor `json:"grad_outputs"`
	Grads       map[string]fixTensor `json:"grads"`
}

func (c *attnCase) transformerOptions() *TransformerOptions {
	o := DefaultTransformerOptions()
	o.DimFeedforward = c.Config.DimFeedforward
	if c.Config.Activation != "" {
		o.Activation = c.Config.Activation
	}
	if c.Config.LayerNormEps != 0 {
		o.LayerNormEps = c.Config.LayerNormEps
	}
	o.BatchFirst, o.NormFirst = c.Config.BatchFirst, c.Config.NormFirst
	return &o
}

// build makes the Ember layer of a case and a function running it.
func (c *attnCase) build() (Module, func(in, masks map[string]*ember.Tensor) map[string]*ember.Tensor) {
	cf := c.Config
	switch c.Layer {
	case "mha":
		m := NewMultiheadAttention(cf.EmbedDim, cf.NumHeads, &MultiheadAttentionOptions{
			NoBias: cf.Bias != nil && !*cf.Bias, KDim: cf.KDim, VDim: cf.VDim, BatchFirst: cf.BatchFirst})
		return m, func(in, masks map[string]*ember.Tensor) map[string]*ember.Tensor {
			q := in["query"]
			k, v := q, q
			if in["key"] != nil {
				k, v = in["key"], in["value"]
			}
			out, w := m.Forward(q, k, v, &AttentionOptions{KeyPaddingMask: masks["key_padding_mask"], AttnMask: masks["attn_mask"],
				NeedWeights: cf.NeedWeights, PerHeadWeights: !cf.AverageAttnWeights})
			res := map[string]*ember.Tensor{"out": out}
			if w != nil {
				res["weights"] = w
			}
			return res
		}
	case "encoder_layer":
		m := NewTransformerEncoderLayer(cf.DModel, cf.NHead, c.transformerOptions())
		return m, func(in, masks map[string]*ember.Tensor) map[string]*ember.Tensor {
			return map[string]*ember.Tensor{"out": m.ForwardMask(in["src"], masks["mask"], masks["src_key_padding_mask"])}
		}
	case "decoder_layer":
		m := NewTransformerDecoderLayer(cf.DModel, cf.NHead, c.transformerOptions())
		return m, func(in, masks map[string]*ember.Tensor) map[string]*ember.Tensor {
			return map[string]*ember.Tensor{"out": m.Forward(in["tgt"], in["src"], &DecoderMasks{TgtMask: masks["tgt_mask"],
				MemoryMask: masks["memory_mask"], TgtKeyPaddingMask: masks["tgt_key_padding_mask"], MemoryKeyPaddingMask: masks["memory_key_padding_mask"]})}
		}
	case "encoder":
		m := NewTransformerEncoder(NewTransformerEncoderLayer(cf.DModel, cf.NHead, c.transformerOptions()), cf.NumLayers, cf.FinalNorm)
		return m, func(in, masks map[string]*ember.Tensor) map[string]*ember.Tensor {
			return map[string]*ember.Tensor{"out": m.ForwardMask(in["src"], masks["mask"], masks["src_key_padding_mask"])}
		}
	}
	panic("unknown layer " + c.Layer)
}

// TestAttentionLayersGolden loads PyTorch's weights by state-dict key,
// runs MultiheadAttention and the transformer layers in evaluation mode and
// compares outputs (max abs error 1e-5, float32) and the gradients of the
// inputs and every parameter (2e-5).
func TestAttentionLayersGolden(t *testing.T) {
	var doc struct {
		Cases []attnCase `json:"cases"`
	}
	readFixture(t, "rnn_attention.json", &doc)
	if len(doc.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range doc.Cases {
		t.Run(c.Name, func(t *testing.T) {
			m, run := c.build()
			loadFixtureState(t, m, c.Keys, c.State)
			Eval(m)
			ins, masks := map[string]*ember.Tensor{}, map[string]*ember.Tensor{}
			for k, v := range c.Inputs {
				ins[k] = fixtureLeaf(v)
			}
			for k, v := range c.Masks {
				masks[k] = fixtureTensor(v)
			}
			outs := run(ins, masks)
			for k, want := range c.Outputs {
				expectClose(t, "output "+k, outs[k], want, 1e-5)
			}
			if _, ok := c.Outputs["weights"]; !ok && outs["weights"] != nil {
				t.Error("weights returned without being asked for")
			}
			weightedSum(outs, c.GradOutputs).Backward()
			for k, v := range ins {
				expectClose(t, "grad of "+k, v.Grad(), c.Grads[k], 2e-5)
			}
			for _, p := range NamedParameters(m) {
				expectClose(t, "grad of "+p.Name, p.Tensor.Grad(), c.Grads[p.Name], 2e-5)
			}
		})
	}
}

// TestMultiheadAttentionInit checks PyTorch's initialisation: Xavier
// uniform in_proj_weight (bound sqrt(6/(E+3E))), zero biases,
// out_proj.weight uniform in ±1/sqrt(E).
func TestMultiheadAttentionInit(t *testing.T) {
	const E = 64
	m := NewMultiheadAttention(E, 4, nil, ember.NewGenerator(1))
	checkUniform(t, "in_proj_weight", m.InProjWeight, math.Sqrt(6.0/(E+3*E)))
	checkUniform(t, "out_proj.weight", m.OutProj.Weight, 1/math.Sqrt(E))
	for _, b := range []*ember.Tensor{m.InProjBias, m.OutProj.Bias} {
		if slices.ContainsFunc(b.Float64s(), func(x float64) bool { return x != 0 }) {
			t.Error("biases must start at zero")
		}
	}
	sep := NewMultiheadAttention(E, 4, &MultiheadAttentionOptions{KDim: 32, VDim: 16}, ember.NewGenerator(2))
	if sep.InProjWeight != nil {
		t.Fatal("in_proj_weight with kdim != embed_dim")
	}
	checkUniform(t, "k_proj_weight", sep.KProjWeight, math.Sqrt(6.0/(E+32)))
	checkUniform(t, "v_proj_weight", sep.VProjWeight, math.Sqrt(6.0/(E+16)))
	if got := keysOf(sep); !slices.Equal(got, []string{"q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}) {
		t.Errorf("keys %v", got)
	}
	if got := keysOf(NewMultiheadAttention(8, 2, &MultiheadAttentionOptions{NoBias: true})); !slices.Equal(got, []string{"in_proj_weight", "out_proj.weight"}) {
		t.Errorf("no-bias keys %v", got)
	}
}

// TestMultiheadAttentionMaskForms checks that the equivalent forms of a
// mask (bool, additive float, and a float key-padding mask) give one
// result, and that dropout acts only in training mode.
func TestMultiheadAttentionMaskForms(t *testing.T) {
	m := NewMultiheadAttention(6, 2, &MultiheadAttentionOptions{Dropout: 0.5}, ember.NewGenerator(3))
	q := ember.Randn([]int{4, 2, 6}, ember.NewGenerator(4))
	kv := ember.Randn([]int{5, 2, 6}, ember.NewGenerator(5))
	pad := ember.FromSlice([]bool{false, false, false, true, true, false, false, false, false, true}, 2, 5)
	pairs := ember.FromSlice([]bool{false, true, false, false, false, false, false, true, false, false,
		false, false, false, false, true, true, false, false, false, false}, 4, 5)
	floatOf := func(b *ember.Tensor) *ember.Tensor { return ember.Zeros(b.Shape()).MaskedFill(b, math.Inf(-1)) }
	Eval(m)
	ref, refW := m.Forward(q, kv, kv, &AttentionOptions{KeyPaddingMask: pad, AttnMask: pairs, NeedWeights: true})
	forms := map[string]*AttentionOptions{
		"float attn":         {KeyPaddingMask: pad, AttnMask: floatOf(pairs)},
		"float padding":      {KeyPaddingMask: floatOf(pad), AttnMask: pairs},
		"both float":         {KeyPaddingMask: floatOf(pad), AttnMask: floatOf(pairs)},
		"3-D attention mask": {KeyPaddingMask: pad, AttnMask: pairs.Unsqueeze(0).Expand(4, 4, 5)},
	}
	for name, o := range forms {
		got, _ := m.Forward(q, kv, kv, o)
		if ok, msg := closeTo(got, ref, 1e-6); !ok {
			t.Errorf("%s: %s", name, msg)
		}
	}
	// Masked keys get zero weight.
	w := refW.Float64s() // [2, 4, 5]
	for i := range 4 {
		if w[0*20+i*5+3] != 0 || w[0*20+i*5+4] != 0 || w[1*20+i*5+4] != 0 {
			t.Fatalf("padded keys have weight: %v", w)
		}
	}
	Train(m)
	tr, _ := m.Forward(q, kv, kv, &AttentionOptions{KeyPaddingMask: pad, AttnMask: pairs})
	if ok, _ := closeTo(tr, ref, 1e-6); ok {
		t.Error("training mode applied no dropout")
	}
}

func closeTo(got, want *ember.Tensor, tol float64) (bool, string) {
	if !slices.Equal(got.Shape(), want.Shape()) {
		return false, fmt.Sprintf("shape %v, want %v", got.Shape(), want.Shape())
	}
	g, w := got.Float64s(), want.Float64s()
	for i := range g {
		if math.Abs(g[i]-w[i]) > tol || math.IsNaN(g[i]) != math.IsNaN(w[i]) {
			return false, fmt.Sprintf("element %d: %v, want %v", i, g[i], w[i])
		}
	}
	return true, ""
}

func TestMultiheadAttentionErrors(t *testing.T) {
	m := NewMultiheadAttention(8, 2, nil)
	x := ember.Zeros([]int{4, 2, 8})
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"divisible", func() { NewMultiheadAttention(8, 3, nil) }, "embed_dim must be divisible by num_heads (got 8 and 3)"},
		{"dropout", func() { NewMultiheadAttention(8, 2, &MultiheadAttentionOptions{Dropout: -1}) }, "dropout probability has to be between 0 and 1"},
		{"rank", func() { m.Forward(ember.Zeros([]int{8}), ember.Zeros([]int{8}), ember.Zeros([]int{8}), nil) }, "must all be 3-D (batched) or 2-D (unbatched)"},
		{"embed", func() { m.Forward(ember.Zeros([]int{4, 2, 6}), x, x, nil) }, "expected feature sizes (embed_dim 8, kdim 8, vdim 8), got 6, 8 and 8"},
		{"batch", func() { m.Forward(x, ember.Zeros([]int{4, 3, 8}), ember.Zeros([]int{4, 3, 8}), nil) }, "must have the query's batch size 2"},
		{"attn mask", func() { m.Forward(x, x, x, &AttentionOptions{AttnMask: ember.Zeros([]int{4, 5})}) }, "attn_mask of shape [4 5] should be [4 4] or [4 4 4]"},
		{"padding mask", func() { m.Forward(x, x, x, &AttentionOptions{KeyPaddingMask: ember.Zeros([]int{4, 2}, ember.Bool)}) }, "expecting key_padding_mask shape of [2 4], but got [4 2]"},
		{"mask dtype", func() { m.Forward(x, x, x, &AttentionOptions{AttnMask: ember.Zeros([]int{4, 4}, ember.Int64)}) }, "only bool and floating-point masks are supported, got int64"},
	}
	for _, c := range cases {
		err := ember.Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func ExampleMultiheadAttention() {
	mha := NewMultiheadAttention(16, 4, &MultiheadAttentionOptions{BatchFirst: true}, ember.NewGenerator(1))
	x := ember.Randn([]int{2, 5, 16}, ember.NewGenerator(2)) // 2 sequences of 5 tokens
	// A causal mask: true marks the keys a query may not attend to.
	causal := ember.Ones([]int{5, 5}, ember.Bool).Triu(1)
	out, w := mha.Forward(x, x, x, &AttentionOptions{AttnMask: causal, NeedWeights: true})
	fmt.Println(out.Shape(), w.Shape())
	fmt.Printf("%.2f\n", w.Select(0, 0).Select(0, 0).Float32s()) // the first query sees only itself
	// Output:
	// [2 5 16] [2 5 5]
	// [1.00 0.00 0.00 0.00 0.00]
}
