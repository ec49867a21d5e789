package ember

import (
	"fmt"
	"math"

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
// softmax (the CPU's CausalSoftmax); it reports false for views it does not
// take.
type causalSoftmaxer interface {
	CausalSoftmax(dst, src backend.View, scale float64) bool
}

// causalSoftmax returns softmax(masked_fill(scale·scores, j > i, -Inf)) over
// the last axis in one kernel when the backend has one for scores' dtype,
// else nil. Its gradient is softmax's, times scale (masked positions have
// weight 0, so they get none), built from differentiable ops.
func causalSoftmax(scores *Tensor, scale float64) *Tensor {
	cs, ok := scores.be().(causalSoftmaxer)
	if !ok || scores.dtype != Float32 || !scores.IsContiguous() {
		return nil
	}
	y := scores.alloc(Float32, scores.shape)
	if !cs.CausalSoftmax(y.view(), scores.view(), scale) {
		return nil
	}
	if r := track(scores); r != nil {
		a := scores.Dim() - 1
		r.record(y, "SoftmaxBackward0", func(g *Tensor) []*Tensor {
			return []*Tensor{softmaxBackwardData(y, g, a, false).MulScalar(scale)}
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
// default generator).
func ScaledDotProductAttention(q, k, v, mask *Tensor, dropoutP float64, causal bool, scale float64, gen *Generator) *Tensor {
	checkAttention("scaled_dot_product_attention", q, k, v, mask, causal)
	if dropoutP < 0 || dropoutP > 1 || math.IsNaN(dropoutP) {
		panic(&ValueError{Op: "scaled_dot_product_attention", Msg: fmt.Sprintf("dropout probability has to be between 0 and 1, but got %v", dropoutP)})
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
