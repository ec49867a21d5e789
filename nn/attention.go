package nn

import (
	"fmt"
	"math"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn/initializer"
)

// MultiheadAttentionOptions configures MultiheadAttention; nil means
// PyTorch's defaults (no dropout, biases, kdim = vdim = embed_dim,
// sequence-first).
type MultiheadAttentionOptions struct {
	Dropout    float64 // dropout on the attention weights, in training mode
	NoBias     bool    // PyTorch's bias=False: no in_proj_bias, no out_proj.bias
	KDim, VDim int     // feature sizes of key and value; 0 means embed_dim
	BatchFirst bool    // inputs and output are [B, L, E] instead of [L, B, E]
}

// MultiheadAttention is torch.nn.MultiheadAttention: query, key and value
// are projected, split into NumHeads heads that attend independently
// (scaled dot products, softmax), and the heads' outputs are joined and
// projected. State-dict keys are PyTorch's: in_proj_weight [3E, E] (or
// q_proj_weight, k_proj_weight, v_proj_weight when kdim or vdim differ
// from E), in_proj_bias [3E], out_proj.weight, out_proj.bias.
type MultiheadAttention struct {
	Mode
	InProjWeight *ember.Tensor `nn:"name=in_proj_weight"` // [3E, E]; nil when kdim or vdim differ from E
	QProjWeight  *ember.Tensor `nn:"name=q_proj_weight"`  // [E, E], only when kdim or vdim differ from E
	KProjWeight  *ember.Tensor `nn:"name=k_proj_weight"`  // [E, kdim]
	VProjWeight  *ember.Tensor `nn:"name=v_proj_weight"`  // [E, vdim]
	InProjBias   *ember.Tensor `nn:"name=in_proj_bias"`   // [3E], or nil
	OutProj      *Linear       // [E, E] weight, [E] bias (or none)

	EmbedDim, NumHeads, KDim, VDim int
	Dropout                        float64
	BatchFirst                     bool

	gen *ember.Generator // for dropout; nil: the default generator
}

// NewMultiheadAttention returns the layer initialised as PyTorch does:
// Xavier-uniform projection weights, zero biases, and out_proj.weight as a
// Linear layer's (uniform in ±1/sqrt(E)). Options give the dtype, device
// and generator (also used for dropout).
func NewMultiheadAttention(embedDim, numHeads int, o *MultiheadAttentionOptions, opts ...ember.Option) *MultiheadAttention {
	const op = "nn.NewMultiheadAttention"
	if o == nil {
		o = &MultiheadAttentionOptions{}
	}
	switch {
	case embedDim <= 0 || numHeads <= 0:
		panic(&ember.ValueError{Op: op, Msg: fmt.Sprintf("embed_dim and num_heads must be positive, got %d and %d", embedDim, numHeads)})
	case embedDim%numHeads != 0:
		panic(&ember.ValueError{Op: op, Msg: fmt.Sprintf("embed_dim must be divisible by num_heads (got %d and %d)", embedDim, numHeads)})
	case o.Dropout < 0 || o.Dropout > 1 || math.IsNaN(o.Dropout):
		panic(&ember.ValueError{Op: op, Msg: fmt.Sprintf("dropout probability has to be between 0 and 1, but got %v", o.Dropout)})
	case o.KDim < 0 || o.VDim < 0:
		panic(&ember.ValueError{Op: op, Msg: fmt.Sprintf("kdim and vdim must not be negative, got %d and %d", o.KDim, o.VDim)})
	}
	m := &MultiheadAttention{EmbedDim: embedDim, NumHeads: numHeads, KDim: o.KDim, VDim: o.VDim, Dropout: o.Dropout, BatchFirst: o.BatchFirst}
	if m.KDim == 0 {
		m.KDim = embedDim
	}
	if m.VDim == 0 {
		m.VDim = embedDim
	}
	if g := genOf(opts); g != nil {
		m.gen = g[0]
	}
	xavier := func(shape ...int) *ember.Tensor {
		p := param(shape, opts)
		if _, err := initializer.XavierUniform(p, 1, genOf(opts)...); err != nil {
			panic(err) // 2-D weights always have fans
		}
		return p
	}
	if m.KDim == embedDim && m.VDim == embedDim {
		m.InProjWeight = xavier(3*embedDim, embedDim)
	} else {
		m.QProjWeight, m.KProjWeight, m.VProjWeight = xavier(embedDim, embedDim), xavier(embedDim, m.KDim), xavier(embedDim, m.VDim)
	}
	m.OutProj = NewLinear(embedDim, embedDim, !o.NoBias, opts...)
	if !o.NoBias {
		m.InProjBias = param([]int{3 * embedDim}, opts)
		initializer.Zeros(m.OutProj.Bias)
	}
	return m
}

// AttentionOptions are the optional arguments of MultiheadAttention's
// Forward; nil means none. The masks follow nn.MultiheadAttention's
// convention, the opposite of ember.AttentionWeights': true marks what is
// left out.
type AttentionOptions struct {
	// KeyPaddingMask [B, S] (unbatched [S]): true marks keys to ignore
	// (padding); a float mask is added to the scores instead.
	KeyPaddingMask *ember.Tensor
	// AttnMask [L, S] or [B*NumHeads, L, S]: true marks query-key pairs
	// that may not attend; a float mask is added to the scores.
	AttnMask *ember.Tensor
	// NeedWeights asks for the attention weights (PyTorch's default is
	// need_weights=True; here the zero value skips them).
	NeedWeights bool
	// PerHeadWeights returns the weights of every head, [B, NumHeads, L,
	// S], instead of their average [B, L, S] (average_attn_weights=False).
	PerHeadWeights bool
}

// Forward attends from query [L, B, E] to key [S, B, kdim] and value [S,
// B, vdim] ([B, ·, ·] with BatchFirst; unbatched [L, E], [S, kdim], [S,
// vdim]) and returns the output [L, B, E] (as the query's layout) and,
// when asked for, the attention weights (nil otherwise). Dropout acts on
// the weights in training mode only.
func (m *MultiheadAttention) Forward(query, key, value *ember.Tensor, o *AttentionOptions) (out, weights *ember.Tensor) {
	const op = "multi_head_attention"
	if o == nil {
		o = &AttentionOptions{}
	}
	selfAttn := query == key && key == value
	batched := query.Dim() == 3
	if !batched && query.Dim() != 2 || key.Dim() != query.Dim() || value.Dim() != query.Dim() {
		panic(&ember.ShapeError{Op: op, Shapes: [][]int{query.Shape(), key.Shape(), value.Shape()},
			Msg: fmt.Sprintf("query, key and value must all be 3-D (batched) or 2-D (unbatched), got %v, %v and %v", query.Shape(), key.Shape(), value.Shape())})
	}
	kpm := o.KeyPaddingMask
	switch {
	case !batched:
		query, key, value = query.Unsqueeze(1), key.Unsqueeze(1), value.Unsqueeze(1)
		if kpm != nil {
			kpm = kpm.Unsqueeze(0)
		}
	case m.BatchFirst:
		query, key, value = query.Transpose(0, 1), key.Transpose(0, 1), value.Transpose(0, 1)
	}
	L, B, E := query.Size(0), query.Size(1), query.Size(2)
	S := key.Size(0)
	if E != m.EmbedDim || key.Size(2) != m.KDim || value.Size(2) != m.VDim {
		panic(&ember.ShapeError{Op: op, Shapes: [][]int{query.Shape(), key.Shape(), value.Shape()},
			Msg: fmt.Sprintf("expected feature sizes (embed_dim %d, kdim %d, vdim %d), got %d, %d and %d", m.EmbedDim, m.KDim, m.VDim, E, key.Size(2), value.Size(2))})
	}
	if key.Size(1) != B || value.Size(1) != B || value.Size(0) != S {
		panic(&ember.ShapeError{Op: op, Shapes: [][]int{query.Shape(), key.Shape(), value.Shape()},
			Msg: fmt.Sprintf("key and value must have the query's batch size %d and one sequence length, got key %v and value %v", B, key.Shape(), value.Shape())})
	}
	q, k, v := m.project(query, key, value, selfAttn)
	h, hd := m.NumHeads, E/m.NumHeads
	heads := func(t *ember.Tensor, n int) *ember.Tensor { return t.Reshape(n, B*h, hd).Transpose(0, 1) }
	q, k, v = heads(q, L), heads(k, S), heads(v, S)
	mask := m.mask(op, o.AttnMask, kpm, B, L, S, q.DType())
	w := ember.AttentionWeights(q, k, mask, false, 0) // [B*h, L, S]
	if m.Dropout > 0 && m.Training() {
		w = ember.Dropout(w, m.Dropout, true, m.gens()...)
	}
	out = m.OutProj.Forward(w.Matmul(v).Transpose(0, 1).Reshape(L, B, E))
	if o.NeedWeights {
		weights = w.Reshape(B, h, L, S)
		if !o.PerHeadWeights {
			weights = weights.Mean(1)
		}
	}
	switch {
	case !batched:
		out = out.Select(1, 0)
		if weights != nil {
			weights = weights.Select(0, 0)
		}
	case m.BatchFirst:
		out = out.Transpose(0, 1)
	}
	return traced(m, out), weights
}

// project applies the input projections ([L, B, E] and [S, B, E] results).
func (m *MultiheadAttention) project(query, key, value *ember.Tensor, selfAttn bool) (q, k, v *ember.Tensor) {
	var bq, bk, bv *ember.Tensor
	if m.InProjBias != nil {
		bs := m.InProjBias.Chunk(3, 0)
		bq, bk, bv = bs[0], bs[1], bs[2]
	}
	if m.InProjWeight == nil {
		return ember.Linear(query, m.QProjWeight, bq), ember.Linear(key, m.KProjWeight, bk), ember.Linear(value, m.VProjWeight, bv)
	}
	if selfAttn {
		// One product for the three projections.
		qkv := ember.Linear(query, m.InProjWeight, m.InProjBias).Chunk(3, -1)
		return qkv[0], qkv[1], qkv[2]
	}
	ws := m.InProjWeight.Chunk(3, 0)
	return ember.Linear(query, ws[0], bq), ember.Linear(key, ws[1], bk), ember.Linear(value, ws[2], bv)
}

// mask turns the attention and key-padding masks (true = left out, or
// additive floats) into one mask for ember.AttentionWeights (true = takes
// part, or additive), broadcasting to [B*heads, L, S].
func (m *MultiheadAttention) mask(op string, attn, kpm *ember.Tensor, B, L, S int, dt ember.DType) *ember.Tensor {
	h := m.NumHeads
	if attn != nil {
		switch {
		case attn.Dim() == 2 && attn.Size(0) == L && attn.Size(1) == S:
		case attn.Dim() == 3 && attn.Size(0) == B*h && attn.Size(1) == L && attn.Size(2) == S:
		default:
			panic(&ember.ShapeError{Op: op, Shapes: [][]int{attn.Shape()},
				Msg: fmt.Sprintf("attn_mask of shape %v should be [%d %d] or [%d %d %d]", attn.Shape(), L, S, B*h, L, S)})
		}
	}
	if kpm != nil {
		if kpm.Dim() != 2 || kpm.Size(0) != B || kpm.Size(1) != S {
			panic(&ember.ShapeError{Op: op, Shapes: [][]int{kpm.Shape()},
				Msg: fmt.Sprintf("expecting key_padding_mask shape of [%d %d], but got %v", B, S, kpm.Shape())})
		}
		kpm = kpm.Reshape(B, 1, 1, S).Expand(B, h, 1, S).Reshape(B*h, 1, S)
	}
	for _, t := range []*ember.Tensor{attn, kpm} {
		if t != nil && t.DType() != ember.Bool && !t.DType().IsFloat() {
			panic(&ember.DTypeError{Op: op, Msg: "only bool and floating-point masks are supported, got " + t.DType().String()})
		}
	}
	switch {
	case attn == nil && kpm == nil:
		return nil
	case kpm == nil:
		return keepMask(attn, dt)
	case attn == nil:
		return keepMask(kpm, dt)
	case attn.DType() == ember.Bool && kpm.DType() == ember.Bool:
		return attn.LogicalOr(kpm).LogicalNot()
	}
	return additiveMask(attn, dt).Add(additiveMask(kpm, dt))
}

// keepMask converts a left-out mask to AttentionWeights' convention.
func keepMask(t *ember.Tensor, dt ember.DType) *ember.Tensor {
	if t.DType() == ember.Bool {
		return t.LogicalNot()
	}
	return t.To(dt)
}

// additiveMask turns a bool left-out mask into 0 / -Inf in dtype dt.
func additiveMask(t *ember.Tensor, dt ember.DType) *ember.Tensor {
	if t.DType() == ember.Bool {
		return ember.Zeros(t.Shape(), dt, t.Device()).MaskedFill(t, math.Inf(-1))
	}
	return t.To(dt)
}

func (m *MultiheadAttention) gens() []*ember.Generator {
	if m.gen == nil {
		return nil
	}
	return []*ember.Generator{m.gen}
}
