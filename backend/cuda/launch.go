package cuda

import (
	"fmt"
	"runtime"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// kdt maps a backend dtype to the kernels' spelling.
func kdt(d backend.DType) kernels.DType {
	switch d {
	case backend.Float32:
		return kernels.F32
	case backend.Float64:
		return kernels.F64
	case backend.BFloat16:
		return kernels.BF16
	case backend.Float16:
		return kernels.F16
	case backend.Int64:
		return kernels.I64
	case backend.Int32:
		return kernels.I32
	case backend.Uint8:
		return kernels.U8
	case backend.Bool:
		return kernels.Bool
	}
	misuse("dtype", "unknown dtype %v", d)
	return 0
}

// bdt maps the kernels' dtype back to the backend's.
func bdt(d kernels.DType) backend.DType {
	switch d {
	case kernels.F32:
		return backend.Float32
	case kernels.F64:
		return backend.Float64
	case kernels.BF16:
		return backend.BFloat16
	case kernels.F16:
		return backend.Float16
	case kernels.I64:
		return backend.Int64
	case kernels.I32:
		return backend.Int32
	case kernels.U8:
		return backend.Uint8
	}
	return backend.Bool
}

// accDType is the dtype of the kernels' statistics and optimizer state for
// elements of d (kernels.DType.AccSize): float64 for float64, else float32.
func accDType(d backend.DType) backend.DType {
	if d == backend.Float64 {
		return backend.Float64
	}
	return backend.Float32
}

// launch packs the parameters of kernel k with pack and queues it on the
// compute stream; a failure panics with an *OpError naming op.
func (b *Backend) launch(op string, k kernels.Kernel, l kernels.Launch, pack func(a *driver.Args) error) {
	b.check(op, b.launchErr(k, l, pack))
}

// launchErr is launch returning the error.
func (b *Backend) launchErr(k kernels.Kernel, l kernels.Launch, pack func(a *driver.Args) error) error {
	f, err := b.fn(k)
	if err != nil {
		return err
	}
	a := b.args.Get().(*driver.Args)
	defer b.args.Put(a)
	if err := pack(a); err != nil {
		return err
	}
	return b.run(f, l, a)
}

// ewKind is the parameter list of an elementwise kernel.
type ewKind uint8

const (
	ewUnary     ewKind = iota // out, in; op, p0, p1 (unary and unary_int)
	ewUnaryBool               // out (bool), in; op
	ewBinary                  // out, x, y; op
	ewBinaryInt               // out, x, y; op (no error flag)
	ewCompare                 // out (bool), x, y; op
	ewCast                    // out, in
	ewFill                    // out; value p0
	ewWhere                   // out, cond, x, y
)

// ewCall is one elementwise kernel with its scalar parameters.
type ewCall struct {
	kind   ewKind
	k      kernels.Kernel
	op     int32
	p0, p1 float64
}

// pack packs the call for one launch over sh with the operands o.
func (c *ewCall) pack(a *driver.Args, sh *kernels.Shape, o *[maxOperands]kernels.Operand) error {
	switch c.kind {
	case ewUnary:
		return kernels.PackUnary(a, kernels.UnaryOp(c.op), &o[0], &o[1], sh, c.p0, c.p1)
	case ewUnaryBool:
		return kernels.PackUnaryBool(a, kernels.UnaryOp(c.op), &o[0], &o[1], sh)
	case ewBinary:
		return kernels.PackBinary(a, kernels.BinaryOp(c.op), &o[0], &o[1], &o[2], sh)
	case ewBinaryInt:
		return kernels.PackBinaryInt(a, kernels.BinaryOp(c.op), &o[0], &o[1], &o[2], sh, 0)
	case ewWhere:
		return kernels.PackWhere(a, &o[0], &o[1], &o[2], &o[3], sh)
	case ewCompare:
		return kernels.PackCompare(a, kernels.CompareOp(c.op), &o[0], &o[1], &o[2], sh)
	case ewCast:
		return kernels.PackCast(a, &o[0], &o[1], sh)
	case ewFill:
		return kernels.PackFill(a, &o[0], sh, c.p0)
	}
	return fmt.Errorf("unknown elementwise kind %d", c.kind)
}

// elementwise runs c over the iteration space shape of the operands (the
// output first). The common case, one launch, allocates nothing; larger or
// higher-dimensional spaces are split into launches the kernel accepts.
func (b *Backend) elementwise(name string, c ewCall, shape []int, ops ...operand) {
	var p ewPlan
	if p.build(shape, ops) {
		if p.numel == 0 {
			return
		}
		if p.single(kernelLimits) {
			var sh kernels.Shape
			var o [maxOperands]kernels.Operand
			p.kernelArgs(&sh, &o)
			b.check(name, b.launchEW(&c, &sh, &o))
			return
		}
	}
	b.check(name, b.elementwiseSplit(&c, shape, ops))
}

// elementwiseSplit is elementwise through the general planner.
func (b *Backend) elementwiseSplit(c *ewCall, shape []int, ops []operand) error {
	ptrs := make([]driver.DevicePtr, len(ops))
	for i, op := range ops {
		ptrs[i] = op.ptr
	}
	return forEachLaunch(kernelLimits, shape, ops, func(sh *kernels.Shape, st []kernels.Strides) error {
		var o [maxOperands]kernels.Operand
		for i := range st {
			o[i] = kernels.Operand{Ptr: ptrs[i], Strides: st[i]}
		}
		return b.launchEW(c, sh, &o)
	})
}

// launchEW queues one elementwise launch.
func (b *Backend) launchEW(c *ewCall, sh *kernels.Shape, o *[maxOperands]kernels.Operand) error {
	f, err := b.fn(c.k)
	if err != nil {
		return err
	}
	a := b.args.Get().(*driver.Args)
	defer b.args.Put(a)
	if err := c.pack(a, sh, o); err != nil {
		return err
	}
	return b.run(f, kernels.ElementwiseLaunch(sh.NumElements(), b.maxBlocks), a)
}

// keep holds views' buffers (and so their memory) alive until the work
// using them has been queued: a buffer's cleanup may run as soon as it is
// unreachable, and the allocator hands its memory only to work queued after
// that.
func keep(views ...backend.View) {
	for _, v := range views {
		runtime.KeepAlive(v.Buf)
	}
}
