package ember

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Mixed precision: the autocast scope.
//
// Inside Autocast(dt, f), each op of a fixed list converts its floating
// inputs before it runs, following torch.autocast's CUDA op lists (see
// autocastPolicies). The conversions are ordinary recorded casts
// (ToCopyBackward0), so gradients reach float32 parameters in float32.
// Ops call autocast1 (or its siblings) on their inputs first thing; when no
// scope is open that is one atomic load.

// castPolicy says how an op treats its floating inputs inside an autocast
// scope (PyTorch's CastPolicy).
type castPolicy uint8

const (
	// castLower converts to the autocast dtype (matrix products and
	// convolutions: lower_precision_fp).
	castLower castPolicy = iota + 1
	// castFloat32 converts to float32 (ops whose range or accuracy
	// suffers in 16 bits: fp32 and fp32_set_opt_dtype).
	castFloat32
	// castPromote converts to the widest floating dtype among the inputs
	// (ops that need equal input dtypes: promote).
	castPromote
)

// autocastPolicies lists the ops autocast changes, by PyTorch name. Ops
// that are not listed run in the dtype of their inputs. Float64 inputs,
// integer and bool inputs, and Go numbers (Scalar) are never converted.
var autocastPolicies = map[string]castPolicy{
	// lower_precision_fp (Mm runs through matmul).
	"matmul": castLower, "bmm": castLower, "linear": castLower, "einsum": castLower,
	"conv1d": castLower, "conv2d": castLower, "conv_transpose1d": castLower, "conv_transpose2d": castLower,
	"scaled_dot_product_attention": castLower,

	// fp32: pointwise ops with a wide range or poor 16-bit accuracy.
	"exp": castFloat32, "expm1": castFloat32, "log": castFloat32, "log2": castFloat32,
	"log1p": castFloat32, "reciprocal": castFloat32, "rsqrt": castFloat32, "tan": castFloat32,
	"pow": castFloat32, "pow_scalar": castFloat32, "rpow_scalar": castFloat32, "softplus": castFloat32,
	// fp32: normalisations (batch_norm and rms_norm too, as on MPS and in
	// later PyTorch releases, so every norm computes its statistics in
	// float32).
	"layer_norm": castFloat32, "group_norm": castFloat32, "batch_norm": castFloat32, "rms_norm": castFloat32,
	// fp32: losses. binary_cross_entropy, which PyTorch's CUDA autocast
	// refuses, runs in float32 as on PyTorch's CPU autocast.
	"mse_loss": castFloat32, "l1_loss": castFloat32, "smooth_l1_loss": castFloat32, "huber_loss": castFloat32,
	"binary_cross_entropy": castFloat32, "binary_cross_entropy_with_logits": castFloat32,
	"kl_div": castFloat32, "margin_ranking_loss": castFloat32, "cosine_embedding_loss": castFloat32,
	"nll_loss": castFloat32, "cross_entropy": castFloat32,
	// fp32: reductions and resampling.
	"logsumexp": castFloat32, "interpolate": castFloat32,
	// fp32_set_opt_dtype and fp32_append_dtype: reductions whose result is
	// float32.
	"sum": castFloat32, "prod": castFloat32, "cumsum": castFloat32, "cumprod": castFloat32,
	"softmax": castFloat32, "log_softmax": castFloat32, "norm": castFloat32,

	// promote.
	"dot": castPromote, "scatter_add": castPromote,
}

// autocastMode holds the autocast dtype plus one while a scope is enabled,
// and 0 outside scopes or inside Autocast(Float32).
var autocastMode atomic.Uint32

// autocastPaused counts running backward passes, during which autocast is
// off. A counter, not a saved-and-restored mode, so that a backward pass
// ending after a scope on another goroutine closed cannot turn autocast
// back on.
var autocastPaused atomic.Int64

// autocastNesting counts open Autocast calls (enabled or not); the cast
// cache is emptied when the outermost one returns.
var autocastNesting atomic.Int64

// Autocast runs f with automatic mixed precision, like torch.autocast.
// With dt BFloat16 or Float16, the ops of PyTorch's CUDA autocast lists
// that Ember has convert their floating inputs first:
//
//   - to dt, returning dt: Matmul, Mm, Bmm, Linear, Einsum, Conv1d, Conv2d,
//     ConvTranspose1d, ConvTranspose2d;
//   - to float32, returning float32: Exp, Expm1, Log, Log2, Log1p,
//     Reciprocal, Rsqrt, Tan, Pow, PowScalar, RPowScalar, Softplus,
//     Softmax, LogSoftmax, Sum, Prod, Cumsum, Cumprod, Norm, LogSumExp,
//     Interpolate, LayerNorm, GroupNorm, BatchNorm, RMSNorm and every loss;
//   - to the widest of their input dtypes: Dot, ScatterAdd.
//
// Every other op runs in its inputs' dtype (a Relu of a bfloat16 tensor is
// bfloat16; adding a bfloat16 and a float32 tensor gives float32). Float64,
// integer and bool tensors are never converted. Casts are recorded, so
// gradients flow back through them (ToCopyBackward0) and float32
// parameters get float32 gradients.
//
// Within one scope (counting nested ones), the lower-precision copy of a
// float32 leaf that requires a gradient (a parameter) is made once and
// reused while the parameter is unchanged, so a weight used by several ops
// is converted once; the copies are dropped when the outermost scope
// returns.
//
// dt Float32 turns autocast off inside f (torch.autocast(enabled=False)),
// for a region that must run in full precision. Scopes nest: the inner
// dtype applies until it returns. Backward always runs with autocast off,
// so call it inside or after the scope: gradients come back in each
// forward op's dtype either way.
//
// Like NoGrad, the autocast state is process-wide: while f runs, ops on
// every goroutine are converted. Do not run models that need different
// autocast settings on different goroutines at once.
func Autocast(dt DType, f func()) {
	var mode uint32
	switch dt {
	case BFloat16, Float16:
		mode = uint32(dt) + 1
	case Float32:
	default:
		panic(&DTypeError{Op: "Autocast", Msg: "the autocast dtype must be bfloat16 or float16 (or float32 to disable autocast), not " + dt.String()})
	}
	prev := autocastMode.Swap(mode)
	autocastNesting.Add(1)
	defer func() {
		autocastMode.Store(prev)
		if autocastNesting.Add(-1) == 0 {
			autocastCache.clear()
		}
	}()
	f()
}

// AutocastDType returns the dtype that matrix products and convolutions
// run in under the current Autocast scope, or Float32 when autocast is off.
func AutocastDType() DType {
	if dt, on := autocastOn(); on {
		return dt
	}
	return Float32
}

// autocastOn returns the autocast dtype and whether autocast applies now:
// a scope is open and no backward pass is running.
func autocastOn() (DType, bool) {
	m := autocastMode.Load()
	if m == 0 || autocastPaused.Load() != 0 {
		return 0, false
	}
	return DType(m - 1), true
}

// autocast1 returns t converted as op's policy says when an autocast scope
// is open, else t itself. Ops call it (or autocast2, autocast3, autocast4,
// autocastSlice) on their inputs first thing:
//
//	x, w, b = autocast3("linear", x, w, b)
//
// An op whose inputs are captured by its backward closure instead runs
// again on the converted inputs (reassigning a captured parameter would
// move it to the heap on every call):
//
//	if c := autocast1("exp", t); c != t {
//		return c.Exp()
//	}
func autocast1(op string, t *Tensor) *Tensor {
	if _, on := autocastOn(); !on {
		return t
	}
	return autocastSlice(op, []*Tensor{t})[0]
}

// autocast2 is autocast1 for two inputs.
func autocast2(op string, a, b *Tensor) (*Tensor, *Tensor) {
	if _, on := autocastOn(); !on {
		return a, b
	}
	r := autocastSlice(op, []*Tensor{a, b})
	return r[0], r[1]
}

// autocast3 is autocast1 for three inputs (nil ones stay nil).
func autocast3(op string, a, b, c *Tensor) (*Tensor, *Tensor, *Tensor) {
	if _, on := autocastOn(); !on {
		return a, b, c
	}
	r := autocastSlice(op, []*Tensor{a, b, c})
	return r[0], r[1], r[2]
}

// autocast4 is autocast1 for four inputs (nil ones stay nil).
func autocast4(op string, a, b, c, d *Tensor) (*Tensor, *Tensor, *Tensor, *Tensor) {
	if _, on := autocastOn(); !on {
		return a, b, c, d
	}
	r := autocastSlice(op, []*Tensor{a, b, c, d})
	return r[0], r[1], r[2], r[3]
}

// autocastSlice is autocast1 for a list of operands; it never modifies ts.
func autocastSlice(op string, ts []*Tensor) []*Tensor {
	lower, on := autocastOn()
	if !on {
		return ts
	}
	p, ok := autocastPolicies[op]
	if !ok {
		return ts
	}
	target := autocastTarget(p, lower, ts)
	out := make([]*Tensor, len(ts))
	for i, t := range ts {
		out[i] = autocastCast(t, target, p == castLower)
	}
	return out
}

// autocastResultDType is the dtype op's policy would give t now: t's own
// when no scope applies, op has no policy or t is not eligible. Fused
// kernels that read t as it is and write what the converted op would use
// it for their output.
func autocastResultDType(op string, t *Tensor) DType {
	lower, on := autocastOn()
	if !on || !autocastEligible(t) {
		return t.dtype
	}
	p, ok := autocastPolicies[op]
	if !ok {
		return t.dtype
	}
	return autocastTarget(p, lower, []*Tensor{t})
}

// autocastEligible reports whether autocast may convert t: a floating
// tensor other than float64, and not a Go number.
func autocastEligible(t *Tensor) bool {
	return t != nil && t.dtype.IsFloat() && t.dtype != Float64 && !t.wrapped
}

// autocastTarget returns the dtype a policy converts eligible inputs to.
func autocastTarget(p castPolicy, lower DType, inputs []*Tensor) DType {
	switch p {
	case castLower:
		return lower
	case castFloat32:
		return Float32
	}
	// Promote: float32 if any input is float32 or the inputs disagree.
	var dt DType
	seen := false
	for _, t := range inputs {
		if !autocastEligible(t) {
			continue
		}
		if !seen {
			dt, seen = t.dtype, true
		} else if t.dtype != dt {
			dt = Float32
		}
	}
	if !seen {
		return lower
	}
	return dt
}

// autocastCast converts an eligible t to dt (recorded); lower-precision
// copies of parameters go through the cache.
func autocastCast(t *Tensor, dt DType, cacheable bool) *Tensor {
	if !autocastEligible(t) || t.dtype == dt {
		return t
	}
	// PyTorch's rule: cache casts of float32 leaves that require grad
	// (parameters), whose copies several ops of one forward pass share.
	if cacheable && t.dtype == Float32 && t.requiresGrad && t.node == nil && !t.isView {
		return autocastCache.get(t, dt)
	}
	return t.To(dt)
}

// castCache holds the lower-precision copies of parameters made inside the
// current outermost Autocast scope.
type castCache struct {
	mu      sync.Mutex
	entries map[*Tensor]castEntry
}

// castEntry is one cached copy and what its source looked like when the
// copy was made.
type castEntry struct {
	st      *storage
	offset  int
	strides []int
	version uint64
	out     *Tensor
}

var autocastCache castCache

// get returns the cached dt copy of t, making it when missing or stale: t
// holds other memory or layout (SetData), its memory was written in place
// (an optimizer step), the copy has another dtype, or gradients are on but
// the copy's graph is gone (made under NoGrad, or freed by a Backward).
func (c *castCache) get(t *Tensor, dt DType) *Tensor {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[t]; ok && e.fresh(t, dt) {
		return e.out
	}
	out := t.To(dt)
	if c.entries == nil {
		c.entries = map[*Tensor]castEntry{}
	}
	c.entries[t] = castEntry{st: t.st, offset: t.offset, strides: slices.Clone(t.strides), version: t.st.version, out: out}
	return out
}

// fresh reports whether the entry is a usable dt copy of t now.
func (e castEntry) fresh(t *Tensor, dt DType) bool {
	if e.st != t.st || e.offset != t.offset || e.version != t.st.version || e.out.dtype != dt ||
		!slices.Equal(e.out.shape, t.shape) || !slices.Equal(e.strides, t.strides) {
		return false
	}
	return !GradEnabled() || (e.out.node != nil && e.out.node.backward != nil)
}

// clear drops every cached copy.
func (c *castCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = nil
}
