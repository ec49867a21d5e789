package cuda

import (
	"os"
	"slices"
	"sync/atomic"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// flashAttention is the setting of SetFlashAttention.
var flashAttention atomic.Bool

// FlashAttentionEnv, set to 0, starts a process with the fused attention
// kernels off (SetFlashAttention(false)).
const FlashAttentionEnv = "EMBER_CUDA_FLASH_ATTENTION"

func init() { flashAttention.Store(os.Getenv(FlashAttentionEnv) != "0") }

// SetFlashAttention turns the fused (flash-attention style) kernels of
// ember.ScaledDotProductAttention on or off for every CUDA device; off,
// the attention is composed of matmuls and a softmax, which stores the
// [L, S] scores (torch.backends.cuda.enable_flash_sdp). It is on by
// default, unless $EMBER_CUDA_FLASH_ATTENTION is 0.
func SetFlashAttention(on bool) { flashAttention.Store(on) }

// FlashAttention reports the setting of SetFlashAttention.
func FlashAttention() bool { return flashAttention.Load() }

// flashMaxKeys and flashScoreBytes decide when the float32 fused kernels
// run (the tensor-core kernels for bfloat16 and float16 on sm_80 and newer
// always run, see tensorCoreAttention). They compute in float32 on CUDA
// cores, so against the composed path (tensor-core GEMMs and a softmax
// over stored scores) they win for short key sequences and lose for long
// ones: measured on an H200, 1.21× the composed path's training throughput
// at 128 keys (char-GPT) and 0.78× at 1024 (GPT-2 small, 8×12 heads). Past
// flashMaxKeys keys that attention is composed, unless its scores would
// take more than flashScoreBytes, where not storing them is what counts.
const (
	flashMaxKeys    = 256
	flashScoreBytes = 2 << 30
)

// flashPays reports whether the fused kernels should run the attention at.
func flashPays(at kernels.Attention) bool {
	return at.Tk <= flashMaxKeys || 4*at.B*at.H*at.Tq*at.Tk > flashScoreBytes
}

// ScaledDotProductAttention runs the fused (flash-attention style) kernel:
// out = softmax(scale·q·kᵀ, causal) · v for q [..., Tq, D], k [..., Tk, D],
// v [..., Tk, Dv] and out [..., Tq, Dv] with equal batch axes, writing the
// log-sum-exp of each query row's scores into lse (float32 [..., Tq],
// contiguous), which ScaledDotProductAttentionBackward needs. The scores
// never reach global memory. It reports false, having done nothing, for
// what the kernels do not take (dtypes other than float32, bfloat16 and
// float16, head dims over 128, an empty key sequence, more than 65535
// heads), when SetFlashAttention is off, and, unless the tensor-core
// kernels take it (bfloat16 or float16 with equal head dims of 32, 64 or
// 128 on sm_80 or newer), for long key sequences whose scores fit in
// memory (flashPays), so that the caller composes the attention from
// other ops.
func (b *Backend) ScaledDotProductAttention(out, lse, q, k, v backend.View, causal bool, scale float64) bool {
	const op = "ScaledDotProductAttention"
	at, ok := attnShape(q, k, v, out, lse)
	t := kdt(q.DType())
	tc := ok && b.tensorCoreAttention(at, t)
	if !ok || !FlashAttention() || !(tc || flashPays(at)) {
		return false
	}
	b.bind(op)
	defer b.g.unbind()
	rel := b.attnInputs(op, &at, q, k, v, causal, scale)
	var finish func()
	at.Out, at.OutSt, finish = b.attnOut(op, out)
	at.LSE = b.devBuf(op, lse).ptr() + elemOffset(lse)
	if tc && kernels.TensorCoreAttention(&at, t) {
		b.launchAttention(op, kernels.AttentionTCForward, t, &at)
	} else {
		b.launchAttention(op, kernels.AttentionForward, t, &at)
	}
	finish()
	for _, r := range rel {
		r()
	}
	keep(out, lse, q, k, v)
	return true
}

// ScaledDotProductAttentionBackward writes the gradients dq, dk, dv (shaped
// as q, k, v) of ScaledDotProductAttention from its inputs, its output,
// the lse it saved and the output gradient dout. It recomputes the
// attention probabilities from lse instead of storing them; no atomics, so
// the result is deterministic. It reports false, having done nothing, in
// the cases where ScaledDotProductAttention does.
func (b *Backend) ScaledDotProductAttentionBackward(dq, dk, dv, q, k, v, out, lse, dout backend.View, causal bool, scale float64) bool {
	const op = "ScaledDotProductAttentionBackward"
	at, ok := attnShape(q, k, v, out, lse)
	t := kdt(q.DType())
	if !ok || !slices.Equal(dout.Shape, out.Shape) || dout.DType() != out.DType() ||
		!slices.Equal(dq.Shape, q.Shape) || !slices.Equal(dk.Shape, k.Shape) || !slices.Equal(dv.Shape, v.Shape) ||
		dq.DType() != q.DType() || dk.DType() != q.DType() || dv.DType() != q.DType() {
		return false
	}
	b.bind(op)
	defer b.g.unbind()
	rel := b.attnInputs(op, &at, q, k, v, causal, scale)
	at.Out, at.OutSt = b.attnIn(op, out, &rel)
	at.DOut, at.DOutSt = b.attnIn(op, dout, &rel)
	at.LSE = b.devBuf(op, lse).ptr() + elemOffset(lse)
	delta := b.temp(op, backend.Float32, int(at.B*at.H*at.Tq))
	at.Delta = delta.ptr()
	var fq, fk, fv func()
	at.DQ, at.DQSt, fq = b.attnOut(op, dq)
	at.DK, at.DKSt, fk = b.attnOut(op, dk)
	at.DV, at.DVSt, fv = b.attnOut(op, dv)
	passes := []kernels.AttentionPass{kernels.AttentionBackwardPre, kernels.AttentionBackwardDQ, kernels.AttentionBackwardKV}
	if b.tensorCoreAttention(at, t) && kernels.TensorCoreAttention(&at, t) {
		passes = []kernels.AttentionPass{kernels.AttentionBackwardPre, kernels.AttentionTCBackwardDQ, kernels.AttentionTCBackwardKV}
	}
	for _, pass := range passes {
		b.launchAttention(op, pass, t, &at)
	}
	fq()
	fk()
	fv()
	delta.mem.release()
	for _, r := range rel {
		r()
	}
	keep(dq, dk, dv, q, k, v, out, lse, dout)
	return true
}

// attnShape checks the operands of the fused attention and returns its
// sizes, or false when the kernels do not take them.
func attnShape(q, k, v, out, lse backend.View) (kernels.Attention, bool) {
	var at kernels.Attention
	n := len(q.Shape)
	dt := q.DType()
	switch dt {
	case backend.Float32, backend.BFloat16, backend.Float16:
	default:
		return at, false
	}
	if n < 2 || len(k.Shape) != n || len(v.Shape) != n || len(out.Shape) != n || len(lse.Shape) != n-1 ||
		k.DType() != dt || v.DType() != dt || out.DType() != dt || lse.DType() != backend.Float32 || !lse.IsContiguous() {
		return at, false
	}
	batch := q.Shape[:n-2]
	if !slices.Equal(k.Shape[:n-2], batch) || !slices.Equal(v.Shape[:n-2], batch) || !slices.Equal(out.Shape[:n-2], batch) ||
		!slices.Equal(lse.Shape, q.Shape[:n-1]) {
		return at, false
	}
	at.Tq, at.D = int64(q.Shape[n-2]), int64(q.Shape[n-1])
	at.Tk, at.Dv = int64(k.Shape[n-2]), int64(v.Shape[n-1])
	if k.Shape[n-1] != q.Shape[n-1] || v.Shape[n-2] != k.Shape[n-2] || out.Shape[n-2] != q.Shape[n-2] || out.Shape[n-1] != v.Shape[n-1] {
		return at, false
	}
	heads := int64(backend.Numel(batch))
	if at.D < 1 || at.Dv < 1 || at.D > kernels.AttentionMaxHeadDim || at.Dv > kernels.AttentionMaxHeadDim ||
		at.Tq < 1 || at.Tk < 1 || heads < 1 || heads > 65535 {
		return at, false
	}
	// The batch axes run as B·H heads: H is the last of them, B the others.
	at.B, at.H, at.KVGroup = 1, 1, 1
	if len(batch) > 0 {
		at.H = int64(batch[len(batch)-1])
		at.B = heads / at.H
	}
	return at, true
}

// attnStrides returns the kernels' strides of v, a view [..., T, D] read
// as [B, H, T, D] (H the last batch axis, B the others collapsed), or false
// when its last axis is not contiguous or its outer batch axes do not
// collapse into one.
func attnStrides(v backend.View) ([3]int64, bool) {
	var st [3]int64
	n := len(v.Shape)
	if v.Shape[n-1] > 1 && v.Strides[n-1] != 1 {
		return st, false
	}
	st[2] = int64(v.Strides[n-2])
	if n == 2 {
		return st, true
	}
	st[1] = int64(v.Strides[n-3])
	// Collapse the axes before H, innermost first: each must step over
	// the whole of the axes inside it.
	inner := -1 // the innermost outer axis of size > 1 seen so far
	for i := n - 4; i >= 0; i-- {
		if v.Shape[i] == 1 {
			continue
		}
		if inner < 0 {
			st[0] = int64(v.Strides[i])
		} else if v.Strides[i] != v.Strides[inner]*v.Shape[inner] {
			return st, false
		}
		inner = i
	}
	return st, true
}

// attnInputs sets the scale, the causal flag and the addresses and strides
// of q, k and v in at, and returns the releases of any dense copies made.
func (b *Backend) attnInputs(op string, at *kernels.Attention, q, k, v backend.View, causal bool, scale float64) []func() {
	at.Scale, at.Causal = scale, causal
	var rel []func()
	at.Q, at.QSt = b.attnIn(op, q, &rel)
	at.K, at.KSt = b.attnIn(op, k, &rel)
	at.V, at.VSt = b.attnIn(op, v, &rel)
	return rel
}

// attnIn returns the address and strides of an input view, through a
// dense copy when its layout does not fit the kernels (the copy's release
// is appended to rel).
func (b *Backend) attnIn(op string, v backend.View, rel *[]func()) (driver.DevicePtr, [3]int64) {
	if st, ok := attnStrides(v); ok {
		return b.devBuf(op, v).ptr() + elemOffset(v), st
	}
	p, r := b.denseIn(op, v, v.DType())
	*rel = append(*rel, r)
	st, _ := attnStrides(backend.View{Shape: v.Shape, Strides: backend.ContiguousStrides(v.Shape)})
	return p, st
}

// attnOut returns where a kernel writes an output view and the function
// that, once the kernel is queued, copies a temporary back into it.
func (b *Backend) attnOut(op string, v backend.View) (driver.DevicePtr, [3]int64, func()) {
	if st, ok := attnStrides(v); ok {
		return b.devBuf(op, v).ptr() + elemOffset(v), st, func() {}
	}
	p, finish := b.denseOut(op, v, v.DType())
	st, _ := attnStrides(backend.View{Shape: v.Shape, Strides: backend.ContiguousStrides(v.Shape)})
	return p, st, finish
}

// tensorCoreAttention reports whether the tensor-core kernels can run the
// attention at on this device, as far as its sizes tell (the layout is
// checked by kernels.TensorCoreAttention once the operands are placed):
// bfloat16 or float16, D == Dv of kernels.AttentionTCHeadDims, sm_80 or
// newer. They beat the composed attention at every length, so they run
// whatever flashPays says.
func (b *Backend) tensorCoreAttention(at kernels.Attention, t kernels.DType) bool {
	if b.props.Major < 8 || (t != kernels.BF16 && t != kernels.F16) || at.D != at.Dv {
		return false
	}
	return slices.Contains(kernels.AttentionTCHeadDims, int(at.D))
}

// launchAttention queues one pass of the fused attention.
func (b *Backend) launchAttention(op string, pass kernels.AttentionPass, t kernels.DType, at *kernels.Attention) {
	k := attentionKernelOf(pass, t)
	switch pass {
	case kernels.AttentionTCForward, kernels.AttentionTCBackwardDQ, kernels.AttentionTCBackwardKV:
		k = attentionTCKernelOf(pass, t, int(at.D))
	}
	f, err := b.fn(k)
	b.check(op, err)
	a := b.args.Get().(*driver.Args)
	defer b.args.Put(a)
	l, err := kernels.PackAttention(a, pass, at, b.maxBlocks)
	b.check(op, err)
	b.check(op, b.run(f, l, a))
}
