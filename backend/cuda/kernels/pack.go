package kernels

import (
	"fmt"
	"math"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// The Pack functions append one kernel's parameters to a, in the order and
// layout of its C signature (documented at the top of its .cu file). They
// reset a first and allocate nothing; an error means the arguments are out
// of the kernel's range. A null optional pointer is 0.

func elementwiseCount(sh *Shape) (int64, error) {
	if sh.NDim < 0 || sh.NDim > MaxDims {
		return 0, fmt.Errorf("kernels: shape with %d dims", sh.NDim)
	}
	n := sh.NumElements()
	if n > MaxElementwise {
		return 0, fmt.Errorf("kernels: %d elements in one elementwise launch; split it below 2^31", n)
	}
	return n, nil
}

func operand(a *driver.Args, o *Operand) {
	a.Ptr(o.Ptr)
	driver.ArgStruct(a, &o.Strides)
}

// PackUnary packs ember::unary (float types) or ember::unary_int (integer
// types, which take the same parameters): out = op(in) over sh.
func PackUnary(a *driver.Args, op UnaryOp, out, in *Operand, sh *Shape, p0, p1 float64) error {
	n, err := elementwiseCount(sh)
	if err != nil {
		return err
	}
	a.Reset()
	operand(a, out)
	operand(a, in)
	driver.ArgStruct(a, sh)
	a.I64(n).I32(int32(op)).F64(p0).F64(p1)
	return a.Err()
}

// PackUnaryBool packs ember::unary_bool: out (bool) = op(in) over sh, op
// one of IsNan, IsInf, IsFinite, Not.
func PackUnaryBool(a *driver.Args, op UnaryOp, out, in *Operand, sh *Shape) error {
	n, err := elementwiseCount(sh)
	if err != nil {
		return err
	}
	a.Reset()
	operand(a, out)
	operand(a, in)
	driver.ArgStruct(a, sh)
	a.I64(n).I32(int32(op))
	return a.Err()
}

// PackBinary packs ember::binary (float types): out = op(x, y) over sh.
func PackBinary(a *driver.Args, op BinaryOp, out, x, y *Operand, sh *Shape) error {
	return packBinaryLike(a, int32(op), out, x, y, sh)
}

// PackBinaryInt packs ember::binary_int: out = op(x, y) over sh for
// integers; a division or remainder by zero sets error code 1 in the
// optional int32 errFlag (the CPU panics with a ZeroDivisionError there).
func PackBinaryInt(a *driver.Args, op BinaryOp, out, x, y *Operand, sh *Shape, errFlag driver.DevicePtr) error {
	if err := packBinaryLike(a, int32(op), out, x, y, sh); err != nil {
		return err
	}
	a.Ptr(errFlag)
	return a.Err()
}

// PackCompare packs ember::compare: out (bool) = op(x, y) over sh.
func PackCompare(a *driver.Args, op CompareOp, out, x, y *Operand, sh *Shape) error {
	return packBinaryLike(a, int32(op), out, x, y, sh)
}

func packBinaryLike(a *driver.Args, op int32, out, x, y *Operand, sh *Shape) error {
	n, err := elementwiseCount(sh)
	if err != nil {
		return err
	}
	a.Reset()
	operand(a, out)
	operand(a, x)
	operand(a, y)
	driver.ArgStruct(a, sh)
	a.I64(n).I32(op)
	return a.Err()
}

// PackFill packs ember::fill: every element of out over sh becomes value
// (converted to the kernel's type; integers truncate).
func PackFill(a *driver.Args, out *Operand, sh *Shape, value float64) error {
	n, err := elementwiseCount(sh)
	if err != nil {
		return err
	}
	a.Reset()
	operand(a, out)
	driver.ArgStruct(a, sh)
	a.I64(n).F64(value)
	return a.Err()
}

// PackWhere packs ember::where: out = cond ? x : y over sh (cond is bool).
func PackWhere(a *driver.Args, out, cond, x, y *Operand, sh *Shape) error {
	n, err := elementwiseCount(sh)
	if err != nil {
		return err
	}
	a.Reset()
	operand(a, out)
	operand(a, cond)
	operand(a, x)
	operand(a, y)
	driver.ArgStruct(a, sh)
	a.I64(n)
	return a.Err()
}

// PackArange packs ember::arange: out[offset + i*stride] = start + i*step
// for i in [0, n).
func PackArange(a *driver.Args, out driver.DevicePtr, stride, offset, n int64, start, step float64) error {
	if n < 0 {
		return fmt.Errorf("kernels: arange of %d elements", n)
	}
	a.Reset().Ptr(out).I64(stride).I64(offset).I64(n).F64(start).F64(step)
	return a.Err()
}

// PackCast packs ember::cast: out = convert(in) over sh.
func PackCast(a *driver.Args, out, in *Operand, sh *Shape) error {
	n, err := elementwiseCount(sh)
	if err != nil {
		return err
	}
	a.Reset()
	operand(a, out)
	operand(a, in)
	driver.ArgStruct(a, sh)
	a.I64(n)
	return a.Err()
}

// Axis describes a contiguous tensor viewed as [Outer, Len, Inner] and
// reduced over Len.
type Axis struct {
	Outer, Len, Inner int64
}

// PackReduce packs ember::reduce_last (when ax.Inner is 1) or
// ember::reduce_mid: out = scale * R over the axis. Pair it with
// ReduceKernel(op, t, ax.Inner == 1).
func PackReduce(a *driver.Args, out, in driver.DevicePtr, ax Axis, scale float64) error {
	if ax.Outer < 0 || ax.Len < 0 || ax.Inner < 1 {
		return fmt.Errorf("kernels: bad reduction axis %+v", ax)
	}
	a.Reset().Ptr(out).Ptr(in)
	if ax.Inner == 1 {
		a.I64(ax.Outer).I64(ax.Len)
	} else {
		a.I64(ax.Outer).I64(ax.Len).I64(ax.Inner)
	}
	a.F64(scale)
	return a.Err()
}

// PackArgReduce packs ember::arg_reduce_last or arg_reduce_mid; out holds
// i64 indices. Pair it with ArgReduceKernel(op, t, ax.Inner == 1).
func PackArgReduce(a *driver.Args, out, in driver.DevicePtr, ax Axis) error {
	if ax.Outer < 0 || ax.Len < 1 || ax.Inner < 1 {
		return fmt.Errorf("kernels: bad arg-reduction axis %+v", ax)
	}
	a.Reset().Ptr(out).Ptr(in)
	if ax.Inner == 1 {
		a.I64(ax.Outer).I64(ax.Len)
	} else {
		a.I64(ax.Outer).I64(ax.Len).I64(ax.Inner)
	}
	return a.Err()
}

// PackSoftmaxForward packs ember::softmax_fwd over [rows, cols].
func PackSoftmaxForward(a *driver.Args, out, in driver.DevicePtr, rows, cols int64) error {
	a.Reset().Ptr(out).Ptr(in).I64(rows).I64(cols)
	return a.Err()
}

// PackCausalSoftmax packs ember::softmax_causal_fwd over rows of cols
// scores, tq rows per matrix.
func PackCausalSoftmax(a *driver.Args, out, in driver.DevicePtr, rows, cols, tq int64, scale float64) error {
	if tq < 1 || rows%tq != 0 {
		return fmt.Errorf("kernels: causal softmax of %d rows in matrices of %d", rows, tq)
	}
	a.Reset().Ptr(out).Ptr(in).I64(rows).I64(cols).I64(tq).F64(scale)
	return a.Err()
}

// PackSoftmaxBackward packs ember::softmax_bwd; y is the forward output.
func PackSoftmaxBackward(a *driver.Args, dx, y, dy driver.DevicePtr, rows, cols int64) error {
	a.Reset().Ptr(dx).Ptr(y).Ptr(dy).I64(rows).I64(cols)
	return a.Err()
}

// CrossEntropy holds the buffers and settings of the fused cross-entropy.
// Loss, LSE and DLoss hold one value per row in the accumulation type
// (DType.AccSize bytes each); Target holds i64 class indices.
type CrossEntropy struct {
	Logits, Target   driver.DevicePtr
	Loss, LSE        driver.DevicePtr // forward outputs; LSE may be 0 if no backward follows
	DLogits, DLoss   driver.DevicePtr // backward; DLoss 0 means 1 for every row
	Err              driver.DevicePtr // optional int32 error flag
	Rows, Cols       int64
	IgnoreIndex      int64
	Smoothing, Scale float64 // Scale multiplies the backward gradient
}

// PackCrossEntropyForward packs ember::cross_entropy_fwd.
func PackCrossEntropyForward(a *driver.Args, c *CrossEntropy) error {
	a.Reset().Ptr(c.Loss).Ptr(c.LSE).Ptr(c.Logits).Ptr(c.Target).I64(c.Rows).I64(c.Cols).I64(c.IgnoreIndex).
		F64(c.Smoothing).Ptr(c.Err)
	return a.Err()
}

// PackCrossEntropyBackward packs ember::cross_entropy_bwd.
func PackCrossEntropyBackward(a *driver.Args, c *CrossEntropy) error {
	if c.LSE == 0 {
		return fmt.Errorf("kernels: cross-entropy backward needs the forward's LSE buffer")
	}
	a.Reset().Ptr(c.DLogits).Ptr(c.Logits).Ptr(c.Target).Ptr(c.LSE).Ptr(c.DLoss).I64(c.Rows).I64(c.Cols).
		I64(c.IgnoreIndex).F64(c.Smoothing).F64(c.Scale)
	return a.Err()
}

// LayerNorm holds the buffers of the layer-norm kernels over [Rows, Cols].
// Mean and RStd hold one accumulation-type value per row; W and B (and DW,
// DB) may be 0.
type LayerNorm struct {
	X, W, B, Out   driver.DevicePtr
	Mean, RStd     driver.DevicePtr
	DY, DX, DW, DB driver.DevicePtr
	Rows, Cols     int64
	Eps            float64
	// The parameter gradients' partial sums (accumulation type,
	// [Chunks, Cols] each) and the rows per chunk: see LayerNormParamsPlan.
	PartW, PartB  driver.DevicePtr
	Chunk, Chunks int64
}

// LayerNormParamsPlan chunks the rows of the layer-norm parameter
// gradients so that the first pass (LayerNormBackwardParams) has about
// maxBlocks blocks of threads, each summing at least 16 rows of a column,
// and returns the chunking and the launches of both passes.
func LayerNormParamsPlan(rows, cols int64, maxBlocks int) (chunk, chunks int64, first, sum Launch) {
	const block = 256
	colBlocks := max((cols+block-1)/block, 1)
	chunks = max(min(int64(maxBlocks)/colBlocks, (rows+15)/16, 65535), 1)
	chunk = max((rows+chunks-1)/chunks, 1)
	chunks = max((rows+chunk-1)/chunk, 1)
	first = Launch{Grid: driver.Dim3{X: uint32(min(colBlocks, int64(maxBlocks))), Y: uint32(chunks), Z: 1}, Block: driver.D1(block)}
	// The second pass: 32 columns a block of lnSumWarps warps.
	sum = Launch{Grid: driver.D1(uint32(max(min((cols+31)/32, int64(maxBlocks)), 1))), Block: driver.D1(32 * lnSumWarps)}
	return chunk, chunks, first, sum
}

// lnSumWarps is EMBER_LN_SUM_WARPS, the block of layernorm_bwd_params_sum.
const lnSumWarps = 8

// LayerNormLaunch sizes the launch of the layer-norm forward and backward
// (LayerNormForward, LayerNormBackward): a warp per row, eight rows a
// block, at most maxBlocks blocks (the kernels grid-stride).
func LayerNormLaunch(rows int64, maxBlocks int) Launch {
	const warps = 8
	return Launch{driver.D1(uint32(max(min((rows+warps-1)/warps, int64(maxBlocks)), 1))), driver.D1(32 * warps)}
}

// PackLayerNorm packs one of the layer-norm passes.
func PackLayerNorm(a *driver.Args, pass LayerNormPass, l *LayerNorm) error {
	a.Reset()
	switch pass {
	case LayerNormForward:
		a.Ptr(l.Out).Ptr(l.Mean).Ptr(l.RStd).Ptr(l.X).Ptr(l.W).Ptr(l.B).I64(l.Rows).I64(l.Cols).F64(l.Eps)
	case LayerNormBackward:
		a.Ptr(l.DX).Ptr(l.DY).Ptr(l.X).Ptr(l.W).Ptr(l.Mean).Ptr(l.RStd).I64(l.Rows).I64(l.Cols)
	case LayerNormBackwardParams:
		if l.Chunk < 1 {
			return fmt.Errorf("kernels: layer-norm parameter gradients need a chunking (LayerNormParamsPlan)")
		}
		a.Ptr(l.PartW).Ptr(l.PartB).Ptr(l.DY).Ptr(l.X).Ptr(l.Mean).Ptr(l.RStd).I64(l.Rows).I64(l.Cols).I64(l.Chunk)
	case LayerNormParamsSum:
		a.Ptr(l.DW).Ptr(l.DB).Ptr(l.PartW).Ptr(l.PartB).I64(l.Chunks).I64(l.Cols)
	default:
		return fmt.Errorf("kernels: unknown layer-norm pass %q", pass)
	}
	return a.Err()
}

// AdamW holds the hyperparameters of one AdamW step; Step counts from 1.
type AdamW struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	Step                               int
	GradScale                          float64 // 0 means 1
}

// PackAdamW packs ember::adamw over n parameters; m and v are
// accumulation-type state buffers.
func PackAdamW(a *driver.Args, p, g, m, v driver.DevicePtr, n int64, h AdamW) error {
	if h.Step < 1 {
		return fmt.Errorf("kernels: AdamW step %d, steps count from 1", h.Step)
	}
	bc1 := 1 - math.Pow(h.Beta1, float64(h.Step))
	bc2 := 1 - math.Pow(h.Beta2, float64(h.Step))
	a.Reset().Ptr(p).Ptr(g).Ptr(m).Ptr(v).I64(n).F64(h.LR).F64(h.Beta1).F64(h.Beta2).F64(h.Eps).
		F64(h.WeightDecay).F64(bc1).F64(bc2).F64(orOne(h.GradScale))
	return a.Err()
}

// SGD holds the hyperparameters of one SGD step.
type SGD struct {
	LR, Momentum, Dampening, WeightDecay float64
	Nesterov, FirstStep                  bool
	GradScale                            float64 // 0 means 1
}

// PackSGD packs ember::sgd over n parameters; buf is the momentum buffer
// (accumulation type), 0 without momentum.
func PackSGD(a *driver.Args, p, g, buf driver.DevicePtr, n int64, h SGD) error {
	if h.Momentum != 0 && buf == 0 {
		return fmt.Errorf("kernels: SGD with momentum needs a buffer")
	}
	a.Reset().Ptr(p).Ptr(g).Ptr(buf).I64(n).F64(h.LR).F64(h.Momentum).F64(h.Dampening).F64(h.WeightDecay).
		I32(boolInt(h.Nesterov)).I32(boolInt(h.FirstStep)).F64(orOne(h.GradScale))
	return a.Err()
}

// PackEmbedding packs ember::embedding_fwd (dst = out, src = weight) or
// ember::embedding_bwd (dst = dweight, src = dout): both take idx (i64),
// nIdx rows of dim values, a table of num rows and an optional error flag.
func PackEmbedding(a *driver.Args, dst, src, idx driver.DevicePtr, nIdx, dim, num int64, errFlag driver.DevicePtr) error {
	a.Reset().Ptr(dst).Ptr(src).Ptr(idx).I64(nIdx).I64(dim).I64(num).Ptr(errFlag)
	return a.Err()
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

func orOne(x float64) float64 {
	if x == 0 {
		return 1
	}
	return x
}
