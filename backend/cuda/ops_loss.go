package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// CrossEntropy runs the fused log-softmax cross-entropy over the rows of
// logits [N, C] (float32, bfloat16, float16 or float64) with the int64
// class targets target [N]: loss[r] = (1-smoothing)·(lse - logits[r, t]) +
// smoothing·(lse - mean(logits[r, :])), 0 where t is ignore, and lse[r]
// the row's log-sum-exp, which CrossEntropyBackward needs. loss and lse are
// contiguous [N] views of the accumulation type (float64 for float64
// logits, else float32). The log-probabilities are never stored: the
// logits are read twice. A target outside [0, C) other than ignore is
// reported by the next call that waits (ErrIndexOutOfRange, naming
// CrossEntropy). It reports false, having done nothing, for views it does
// not take.
func (b *Backend) CrossEntropy(loss, lse, logits, target backend.View, ignore int64, smoothing float64) bool {
	const op = "CrossEntropy"
	c, ok := b.crossEntropyArgs(logits, target, loss, lse)
	if !ok {
		return false
	}
	b.bind(op)
	defer b.g.unbind()
	dt := logits.DType()
	var relX, relT func()
	c.Logits, relX = b.denseIn(op, logits, dt)
	c.Target, relT = b.denseIn(op, target, backend.Int64)
	c.Loss = b.devBuf(op, loss).ptr() + elemOffset(loss)
	c.LSE = b.devBuf(op, lse).ptr() + elemOffset(lse)
	c.IgnoreIndex, c.Smoothing = ignore, smoothing
	c.Err = b.indexFlag(op, slotCrossEntropy)
	b.launch(op, crossEntropyKernelOf(kdt(dt), false), kernels.RowLaunch(c.Rows, c.Cols, b.maxBlocks),
		func(a *driver.Args) error { return kernels.PackCrossEntropyForward(a, c) })
	b.armIndexFlags()
	relX()
	relT()
	keep(loss, lse, logits, target)
	return true
}

// CrossEntropyBackward writes dlogits [N, C] (logits' dtype) of
// CrossEntropy from the logits, the targets, the forward's lse and dloss,
// the gradient of each row's loss (accumulation type, [N]): dlogits[r, j] =
// dloss[r]·(softmax(logits[r])[j] - (1-smoothing)·[j == t] - smoothing/C),
// zero for ignored rows. It reports false, having done nothing, where
// CrossEntropy does.
func (b *Backend) CrossEntropyBackward(dlogits, logits, target, lse, dloss backend.View, ignore int64, smoothing float64) bool {
	const op = "CrossEntropyBackward"
	c, ok := b.crossEntropyArgs(logits, target, lse, dloss)
	if !ok || dlogits.DType() != logits.DType() || len(dlogits.Shape) != 2 ||
		dlogits.Shape[0] != logits.Shape[0] || dlogits.Shape[1] != logits.Shape[1] {
		return false
	}
	b.bind(op)
	defer b.g.unbind()
	dt := logits.DType()
	acc := accDType(dt)
	var relX, relT, relL, relG, finish func()
	c.Logits, relX = b.denseIn(op, logits, dt)
	c.Target, relT = b.denseIn(op, target, backend.Int64)
	c.LSE, relL = b.denseIn(op, lse, acc)
	c.DLoss, relG = b.denseIn(op, dloss, acc)
	c.DLogits, finish = b.denseOut(op, dlogits, dt)
	c.IgnoreIndex, c.Smoothing, c.Scale = ignore, smoothing, 1
	b.launch(op, crossEntropyKernelOf(kdt(dt), true), kernels.RowLaunch(c.Rows, c.Cols, b.maxBlocks),
		func(a *driver.Args) error { return kernels.PackCrossEntropyBackward(a, c) })
	finish()
	for _, r := range []func(){relX, relT, relL, relG} {
		r()
	}
	keep(dlogits, logits, target, lse, dloss)
	return true
}

// crossEntropyArgs checks the shapes and dtypes of the fused cross-entropy
// (logits [N, C] of a float dtype, target int64 [N], and the per-row views
// rowViews [N] of the accumulation type) and returns its sizes.
func (b *Backend) crossEntropyArgs(logits, target backend.View, rowViews ...backend.View) (*kernels.CrossEntropy, bool) {
	dt := logits.DType()
	if !dt.IsFloat() || len(logits.Shape) != 2 || len(target.Shape) != 1 || target.DType() != backend.Int64 ||
		target.Shape[0] != logits.Shape[0] || logits.Shape[0] < 1 || logits.Shape[1] < 1 {
		return nil, false
	}
	for _, v := range rowViews {
		if v.DType() != accDType(dt) || len(v.Shape) != 1 || v.Shape[0] != logits.Shape[0] {
			return nil, false
		}
	}
	return &kernels.CrossEntropy{Rows: int64(logits.Shape[0]), Cols: int64(logits.Shape[1])}, true
}
