package ember

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/emberdl/ember/backend"
)

// AttentionWeights returns softmax(q·kᵀ·scale + mask) over the last axis:
// the attention probabilities of ScaledDotProductAttention, [..., L, S]
// for q [..., L, E] and k [..., S, E] (batch axes broadcast).
//
// mask (may be nil) broadcasts to [..., L, S]: a bool mask marks with true
// the positions that take part (PyTorch 2's convention; the others get
// -Inf), a float mask is added to the scores. causal keeps only the
// positions j <= i (the lower triangle anchored at the top left, as
// PyTorch's is_causal) and cannot be combined with a mask. scale 0 means
// the default 1/sqrt(E). A row with no position taking part is NaN, as in
// PyTorch's math kernel. The result is composed of Ember ops (matmul,
// masking, softmax), so gradients of any order flow; on the CPU the causal
// case without a mask runs scale, mask and softmax as one kernel, with the
// same gradients.
func AttentionWeights(q, k, mask *Tensor, causal bool, scale float64) *Tensor {
	checkAttention("attention_weights", q, k, nil, mask, causal)
	if scale == 0 {
		scale = 1 / math.Sqrt(float64(q.shape[q.Dim()-1]))
	}
	if causal && mask == nil {
		if w := causalSoftmax(q.Matmul(k.MT()), scale); w != nil {
			return w
		}
	}
	scores := q.Matmul(k.MT()).MulScalar(scale)
	if mask != nil && !broadcastsTo(mask.shape, scores.shape) {
		panic(shapeErr("attention_weights", fmt.Sprintf("attn_mask of shape %v does not broadcast to the attention scores' shape %v", mask.shape, scores.shape), mask.shape, scores.shape))
	}
	if causal {
		scores = scores.MaskedFill(scores.triMask(0, false).LogicalNot(), math.Inf(-1))
	}
	if mask != nil {
		if mask.dtype == Bool {
			scores = scores.MaskedFill(mask.LogicalNot(), math.Inf(-1))
		} else {
			scores = scores.Add(mask)
		}
	}
	return scores.Softmax(-1)
}

// causalSoftmaxer is implemented by backends with a one-pass scaled causal
// softmax (the CPU's and CUDA's CausalSoftmax); it reports false for views
// or dtypes it does not take.
type causalSoftmaxer interface {
	CausalSoftmax(dst, src backend.View, scale float64) bool
}

// causalSoftmax returns softmax(masked_fill(scale·scores, j > i, -Inf)) over
// the last axis in one kernel when the backend has one for scores' dtype,
// else nil. The weights have the scores' dtype, or float32 for 16-bit
// scores inside an Autocast scope (softmax's policy). Its gradient is
// softmax's, times scale (masked positions have weight 0, so they get
// none), built from differentiable ops.
func causalSoftmax(scores *Tensor, scale float64) *Tensor {
	cs, ok := scores.be().(causalSoftmaxer)
	if !ok || !scores.dtype.IsFloat() || scores.dtype == Float64 {
		return nil
	}
	y := scores.alloc(autocastResultDType("softmax", scores), scores.shape)
	if !cs.CausalSoftmax(y.view(), scores.view(), scale) {
		y.Free()
		return nil
	}
	if r := track(scores); r != nil {
		a := scores.Dim() - 1
		r.record(y, "SoftmaxBackward0", func(g *Tensor) []*Tensor {
			gs := softmaxBackwardData(y, g, a, false).MulScalar(scale)
			if gs.dtype != scores.dtype {
				gs = gs.To(scores.dtype)
			}
			return []*Tensor{gs}
		}, y)
	}
	return y
}

// ScaledDotProductAttention returns softmax(q·kᵀ·scale + mask)·v, with
// dropout of probability dropoutP on the attention weights
// (torch.nn.functional.scaled_dot_product_attention of PyTorch 2): q is
// [..., L, E], k [..., S, E], v [..., S, Ev], the result [..., L, Ev].
// mask, causal and scale are as for AttentionWeights. Dropout is applied
// whenever dropoutP > 0 (pass 0 in evaluation), drawing from gen (nil: the
// default generator). Inside an Autocast scope q, k and v run in the
// autocast dtype, as PyTorch's autocast does.
//
// On a backend with fused attention kernels the case without a mask and
// without dropout, with equal batch axes, runs flash-attention style: the
// [L, S] scores are never stored whole, and the backward recomputes them
// from each row's saved log-sum-exp. CUDA's kernels take head sizes up to
// 128 in float32, bfloat16 and float16; the CPU's take float32 and, with
// the causal mask, skip the key blocks above the diagonal. Its gradient
// is a kernel too; when the backward pass is itself recorded (CreateGraph)
// the gradient is taken through the composed ops instead, so gradients of
// any order still flow.
func ScaledDotProductAttention(q, k, v, mask *Tensor, dropoutP float64, causal bool, scale float64, gen *Generator) *Tensor {
	checkAttention("scaled_dot_product_attention", q, k, v, mask, causal)
	if dropoutP < 0 || dropoutP > 1 || math.IsNaN(dropoutP) {
		panic(&ValueError{Op: "scaled_dot_product_attention", Msg: fmt.Sprintf("dropout probability has to be between 0 and 1, but got %v", dropoutP)})
	}
	q, k, v = autocast3("scaled_dot_product_attention", q, k, v)
	if mask == nil && dropoutP == 0 {
		if y := fusedAttention(q, k, v, causal, scale); y != nil {
			return y
		}
	}
	w := AttentionWeights(q, k, mask, causal, scale)
	if dropoutP > 0 {
		var gens []*Generator
		if gen != nil {
			gens = []*Generator{gen}
		}
		w = Dropout(w, dropoutP, true, gens...)
	}
	return w.Matmul(v)
}

// fusedAttentioner is implemented by backends with fused attention kernels
// (CUDA's and the CPU's): each method reports false, having done nothing, for operands
// its kernels do not take.
type fusedAttentioner interface {
	ScaledDotProductAttention(out, lse, q, k, v backend.View, causal bool, scale float64) bool
	ScaledDotProductAttentionBackward(dq, dk, dv, q, k, v, out, lse, dout backend.View, causal bool, scale float64) bool
}

// fusedAttention is ScaledDotProductAttention without mask and dropout
// through the backend's fused kernels, or nil when it has none for these
// operands.
func fusedAttention(q, k, v *Tensor, causal bool, scale float64) *Tensor {
	fa, ok := q.be().(fusedAttentioner)
	if !ok || k.be() != q.be() || v.be() != q.be() {
		return nil
	}
	n := q.Dim()
	if k.Dim() != n || v.Dim() != n || !slices.Equal(k.shape[:n-2], q.shape[:n-2]) || !slices.Equal(v.shape[:n-2], q.shape[:n-2]) {
		return nil
	}
	if scale == 0 {
		scale = 1 / math.Sqrt(float64(q.shape[n-1]))
	}
	out := allocLike(q, append(slices.Clone(q.shape[:n-1]), v.shape[n-1]))
	lse := q.alloc(Float32, q.shape[:n-1])
	if !fa.ScaledDotProductAttention(out.view(), lse.view(), q.view(), k.view(), v.view(), causal, scale) {
		out.Free() // the composed path runs instead (long key sequences on CUDA, say)
		lse.Free()
		return nil
	}
	if r := track(q, k, v); r != nil {
		r.record(out, "ScaledDotProductFlashAttentionBackward0", func(g *Tensor) []*Tensor {
			if !GradEnabled() {
				// In their inputs' layouts: GPT's heads then go back to
				// [B, T, C] without a copy.
				dq, dk, dv := allocLike(q, q.shape), allocLike(k, k.shape), allocLike(v, v.shape)
				if fa.ScaledDotProductAttentionBackward(dq.view(), dk.view(), dv.view(), q.view(), k.view(), v.view(),
					out.view(), lse.view(), g.view(), causal, scale) {
					return []*Tensor{dq, dk, dv}
				}
			}
			// The backward pass is being recorded (or the kernel declined
			// g): the gradient from differentiable ops.
			return attentionGradComposed(q, k, v, g, causal, scale)
		}, q, k, v, out)
	}
	return out
}

// allocLike allocates a tensor of like's dtype with the given shape (of
// like's rank) whose axes lie in memory in the order of like's, outermost
// first by decreasing stride (as torch.empty_like keeps a permuted layout).
// The last axis must be like's innermost, else (and for an already
// row-major order) the tensor is contiguous. An attention output for heads
// seen as [B, H, T, E] through a transpose of a [B, T, H, E] buffer is thus
// laid out [B, T, H, E]: transposing it back gives a contiguous tensor, and
// the merge of the heads before the output projection copies nothing.
func allocLike(like *Tensor, shape []int) *Tensor {
	n := len(shape)
	order := make([]int, n) // axes, outermost first
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return like.strides[order[a]] > like.strides[order[b]] })
	if n == 0 || order[n-1] != n-1 || slices.IsSorted(order) {
		return like.alloc(like.dtype, shape)
	}
	phys := make([]int, n)
	for i, a := range order {
		phys[i] = shape[a]
	}
	t := like.alloc(like.dtype, phys)
	strides := make([]int, n)
	for i, a := range order {
		strides[a] = t.strides[i]
	}
	return newTensor(t.st, t.dtype, slices.Clone(shape), strides, t.offset)
}

// attentionGradComposed returns the gradients of q, k and v of
// softmax(scale·q·kᵀ, causal)·v for the output gradient g, from ops that
// record their own graph (for gradients of the gradient): with P the
// attention weights, dv = Pᵀg, dS = P ⊙ (g·vᵀ − rowsum(g·vᵀ ⊙ P)),
// dq = scale·dS·k and dk = scale·dSᵀ·q. It runs no nested backward pass,
// whose bookkeeping would clash with the pass calling it.
func attentionGradComposed(q, k, v, g *Tensor, causal bool, scale float64) []*Tensor {
	p := AttentionWeights(q, k, nil, causal, scale)
	dp := g.Matmul(v.MT())
	ds := p.Mul(dp.Sub(dp.Mul(p).SumKeep(-1)))
	return []*Tensor{ds.Matmul(k).MulScalar(scale), ds.MT().Matmul(q).MulScalar(scale), p.MT().Matmul(g)}
}

// checkAttention validates the operands of the attention ops (v may be nil).
func checkAttention(op string, q, k, v, mask *Tensor, causal bool) {
	qkv := []*Tensor{q, k}
	if v != nil {
		qkv = append(qkv, v)
	}
	all := qkv
	if mask != nil {
		all = append(qkv[:len(qkv):len(qkv)], mask)
	}
	sameDevice(op, all...)
	for _, t := range qkv {
		if t.Dim() < 2 {
			panic(shapeErr(op, fmt.Sprintf("query, key and value must have at least 2 dimensions [..., L, E], got shapes %s", attnShapes(q, k, v)), t.shape))
		}
		if !t.dtype.IsFloat() || t.dtype != q.dtype {
			panic(&DTypeError{Op: op, Msg: fmt.Sprintf("expected query, key and value to have one floating-point dtype, got %s", attnDTypes(q, k, v))})
		}
	}
	if q.shape[q.Dim()-1] != k.shape[k.Dim()-1] {
		panic(shapeErr(op, fmt.Sprintf("expected query and key to have the same embedding size, got shapes %s", attnShapes(q, k, v)), q.shape, k.shape))
	}
	if v != nil && k.shape[k.Dim()-2] != v.shape[v.Dim()-2] {
		panic(shapeErr(op, fmt.Sprintf("expected key and value to have the same sequence length, got shapes %s", attnShapes(q, k, v)), k.shape, v.shape))
	}
	if mask != nil {
		if causal {
			panic(&ValueError{Op: op, Msg: "explicit attn_mask should not be set when is_causal=True"})
		}
		if mask.dtype != Bool && !mask.dtype.IsFloat() {
			panic(&DTypeError{Op: op, Msg: "expected attn_mask to be bool or floating point, got " + mask.dtype.String()})
		}
	}
}

func attnShapes(q, k, v *Tensor) string {
	s := fmt.Sprintf("query %v, key %v", q.shape, k.shape)
	if v != nil {
		s += fmt.Sprintf(", value %v", v.shape)
	}
	return s
}

func attnDTypes(q, k, v *Tensor) string {
	s := fmt.Sprintf("query %v, key %v", q.dtype, k.dtype)
	if v != nil {
		s += fmt.Sprintf(", value %v", v.dtype)
	}
	return s
}

// broadcastsTo reports whether shape from broadcasts to exactly shape to.
func broadcastsTo(from, to []int) bool {
	if len(from) > len(to) {
		return false
	}
	lead := len(to) - len(from)
	for i, s := range from {
		if s != 1 && s != to[lead+i] {
			return false
		}
	}
	return true
}
