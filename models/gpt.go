package models

import (
	"math"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn"
	"github.com/emberdl/ember/nn/initializer"
)

// GPTChar is gpt_char.py's byte-level GPT-2-style decoder: token and
// learned position embeddings, pre-LayerNorm blocks of causal
// self-attention and a GELU (erf) MLP, a final LayerNorm, and output
// logits through the token embedding (tied weights). Keys are those of the
// script's GPT module: "wte.weight", "wpe.weight", "h.0.ln_1.weight",
// "h.0.attn.c_attn.weight", "h.0.attn.mask" (the causal mask buffer),
// "h.0.mlp.0.weight", ..., "ln_f.weight". The script's "lm_head.weight" is
// the same tensor as "wte.weight" and is not listed again (safetensors
// files written from PyTorch store shared tensors once, too).
type GPTChar struct {
	Config GPTConfig `nn:"-"`
	WTE    *nn.Embedding
	WPE    *nn.Embedding
	H      []*GPTBlock
	LnF    *nn.LayerNorm
}

// GPTBlock is one transformer block: x + attn(ln_1(x)), then
// x + mlp(ln_2(x)).
type GPTBlock struct {
	Ln1  *nn.LayerNorm `nn:"ln_1"`
	Attn *CausalSelfAttention
	Ln2  *nn.LayerNorm `nn:"ln_2"`
	MLP  *gptMLP
}

// CausalSelfAttention is multi-head attention over earlier positions, as
// plain matmul, mask and softmax (gpt_char.py's Attention).
type CausalSelfAttention struct {
	CAttn *nn.Linear    `nn:"c_attn"` // [3C, C]: queries, keys, values
	CProj *nn.Linear    `nn:"c_proj"`
	Mask  *ember.Tensor `nn:"mask,buffer"` // bool lower triangle [block, block]
	heads int
}

// gptMLP is Linear(C, 4C)-GELU-Linear(4C, C), keyed as the script's
// nn.Sequential ("mlp.0", "mlp.2").
type gptMLP struct {
	FC   *nn.Linear `nn:"0"`
	Act  *nn.GELU   `nn:"1"` // exact (erf) form
	Proj *nn.Linear `nn:"2"`
}

// Forward runs the MLP.
func (m *gptMLP) Forward(x *ember.Tensor) *ember.Tensor {
	return nn.Traced(m, m.Proj.Forward(m.Act.Forward(m.FC.Forward(x))))
}

// NewGPTChar returns the model with gpt_char.py's initialisation: weights
// of 2-D parameters from N(0, 0.02²), the residual projections
// ("c_proj.weight", "mlp.2.weight") from N(0, (0.02/sqrt(2·n_layer))²),
// biases zero, LayerNorm weights one. Zero config fields take the
// script's sizes; g, when not nil, draws the weights.
func NewGPTChar(cfg GPTConfig, g *ember.Generator) *GPTChar {
	cfg = cfg.withDefaults()
	c := cfg.Embd
	m := &GPTChar{
		Config: cfg,
		WTE:    nn.NewEmbedding(cfg.Vocab, c, nn.EmbeddingOptions{}, genOpts(g)...),
		WPE:    nn.NewEmbedding(cfg.BlockSize, c, nn.EmbeddingOptions{}, genOpts(g)...),
		LnF:    nn.NewLayerNorm([]int{c}, 1e-5, true),
	}
	mask := make([]bool, cfg.BlockSize*cfg.BlockSize)
	for i := 0; i < cfg.BlockSize; i++ {
		for j := 0; j <= i; j++ {
			mask[i*cfg.BlockSize+j] = true
		}
	}
	maskT := ember.FromSlice(mask, cfg.BlockSize, cfg.BlockSize)
	for range cfg.Layers {
		m.H = append(m.H, &GPTBlock{
			Ln1: nn.NewLayerNorm([]int{c}, 1e-5, true),
			Attn: &CausalSelfAttention{
				CAttn: nn.NewLinear(c, 3*c, true, genOpts(g)...), CProj: nn.NewLinear(c, c, true, genOpts(g)...),
				Mask: maskT.Clone(), heads: cfg.Heads,
			},
			Ln2: nn.NewLayerNorm([]int{c}, 1e-5, true),
			MLP: &gptMLP{FC: nn.NewLinear(c, 4*c, true, genOpts(g)...), Act: nn.NewGELU(nn.GELUExact), Proj: nn.NewLinear(4*c, c, true, genOpts(g)...)},
		})
	}
	resid := 0.02 / math.Sqrt(2*float64(cfg.Layers))
	for _, p := range nn.NamedParameters(m) {
		switch {
		case hasSuffix(p.Name, "c_proj.weight") || hasSuffix(p.Name, "mlp.2.weight"):
			initializer.Normal(p.Tensor, 0, resid, gens(g)...)
		case p.Tensor.Dim() == 2:
			initializer.Normal(p.Tensor, 0, 0.02, gens(g)...)
		case hasSuffix(p.Name, "bias"):
			initializer.Zeros(p.Tensor)
		}
	}
	return m
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}

// kvCache holds one block's keys and values [B, heads, T, head_dim] of the
// positions seen so far.
type kvCache struct{ k, v *ember.Tensor }

// Forward maps token ids [B, T] (T ≤ block size; any dtype holding whole
// numbers) to next-token logits [B, T, vocab].
func (m *GPTChar) Forward(ids *ember.Tensor) *ember.Tensor {
	return nn.Traced(m, m.forward(ids, nil, 0))
}

// forward runs the model on ids at positions pos0, pos0+1, ..., appending
// keys and values to caches when given (one per block).
func (m *GPTChar) forward(ids *ember.Tensor, caches []*kvCache, pos0 int) *ember.Tensor {
	ids = asIDs(ids)
	t := ids.Size(1)
	pos := ember.Arange(float64(pos0), float64(pos0+t), 1, ember.Int64, ids.Device())
	x := m.WTE.Forward(ids).Add(m.WPE.Forward(pos))
	for i, b := range m.H {
		var c *kvCache
		if caches != nil {
			c = caches[i]
		}
		x = b.forward(x, c)
	}
	return ember.Linear(m.LnF.Forward(x), m.WTE.Weight, nil)
}

// Forward runs the block without a cache.
func (b *GPTBlock) Forward(x *ember.Tensor) *ember.Tensor { return b.forward(x, nil) }

func (b *GPTBlock) forward(x *ember.Tensor, c *kvCache) *ember.Tensor {
	x = x.Add(b.Attn.forward(b.Ln1.Forward(x), c))
	return nn.Traced(b, x.Add(b.MLP.Forward(b.Ln2.Forward(x))))
}

// Forward attends over x [B, T, C] causally.
func (a *CausalSelfAttention) Forward(x *ember.Tensor) *ember.Tensor { return a.forward(x, nil) }

func (a *CausalSelfAttention) forward(x *ember.Tensor, c *kvCache) *ember.Tensor {
	bsz, t, ch := x.Size(0), x.Size(1), x.Size(2)
	hd := ch / a.heads
	qkv := a.CAttn.Forward(x).Split(ch, 2)
	heads := func(u *ember.Tensor) *ember.Tensor { return u.Reshape(bsz, t, a.heads, hd).Transpose(1, 2) }
	q, k, v := heads(qkv[0]), heads(qkv[1]), heads(qkv[2])
	if c != nil {
		if c.k != nil {
			k, v = ember.Cat([]*ember.Tensor{c.k, k}, 2), ember.Cat([]*ember.Tensor{c.v, v}, 2)
		}
		c.k, c.v = k, v
	}
	var y *ember.Tensor
	switch tk := k.Size(2); {
	case tk == t:
		// The mask buffer is the lower triangle: plain causal attention,
		// which the CPU computes with a one-pass scaled causal softmax
		// and CUDA with its fused (flash) attention kernels.
		y = ember.ScaledDotProductAttention(q, k, v, nil, 0, true, 0, nil)
	case t == 1:
		// One query after the cached keys (a generation step) sees every
		// key: attention without a mask, one fused call instead of the
		// eight operations below (on a GPU, each a kernel launch).
		y = ember.ScaledDotProductAttention(q, k, v, nil, 0, false, 0, nil)
	default:
		// Queries at the end of a longer (cached) key sequence: the
		// bottom rows of the mask.
		att := q.Matmul(k.Transpose(-2, -1)).MulScalar(1 / math.Sqrt(float64(hd)))
		keep := a.Mask.Narrow(0, tk-t, t).Narrow(1, 0, tk)
		y = att.MaskedFill(keep.LogicalNot(), math.Inf(-1)).Softmax(-1).Matmul(v)
	}
	y = y.Transpose(1, 2).Reshape(bsz, t, ch)
	return nn.Traced(a, a.CProj.Forward(y))
}
