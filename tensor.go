package ember

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/emberdl/ember/backend"
)

// storage is device memory shared by a tensor and its views.
type storage struct {
	buf     backend.Buffer
	be      backend.Backend
	dev     Device
	version uint64 // bumped by every in-place write; saved tensors check it

	// Bookkeeping of the backward engine (autograd_engine.go).
	seq      uint64 // allocation sequence number
	refs     int32  // the engine's references during a backward pass
	escaped  bool   // seen outside the engine: never released by it
	released bool   // buf went back to the backend
	freed    bool   // Free was called: every use panics
}

// allocSeq numbers storages in allocation order.
var allocSeq atomic.Uint64

// release hands the memory back to the backend, when it can take it. Every
// tensor on st becomes unusable: only code that knows st is dead calls it.
func (st *storage) release() {
	if st.released {
		return
	}
	if r, ok := st.be.(releaser); ok {
		st.released = true
		r.Release(st.buf)
	}
}

// Tensor is an n-dimensional array on a device, with optional gradient
// tracking. Tensors are values produced by ops: an op never changes its
// inputs, except the in-place ops (named ...InPlace) which say so. Views
// (Reshape, Transpose, Slice, ...) share memory with the tensor they view.
//
// A Tensor may be read from several goroutines at once; in-place ops and
// Backward must not run concurrently with other uses of the same tensors.
type Tensor struct {
	st      *storage
	shape   []int
	strides []int
	offset  int
	dtype   DType
	wrapped bool // made from a Go number: takes part in dtype promotion last

	requiresGrad bool
	grad         *Tensor
	node         *node                   // the op that made this tensor; nil for leaves
	leafHooks    []func(*Tensor) *Tensor // gradient hooks of a leaf
	isView       bool                    // shares storage with a tensor it was derived from
	viewOfLeaf   *Tensor                 // the leaf requiring grad this tensor views, if any
}

func newTensor(st *storage, dtype DType, shape, strides []int, offset int) *Tensor {
	return &Tensor{st: st, dtype: dtype, shape: shape, strides: strides, offset: offset}
}

// empty allocates a contiguous tensor with undefined contents.
func empty(be backend.Backend, dev Device, dt DType, shape []int) *Tensor {
	// Shape and strides share one allocation.
	dims := make([]int, 2*len(shape))
	sh, strides := dims[:len(shape):len(shape)], dims[len(shape):]
	copy(sh, shape)
	acc := 1
	for i := len(sh) - 1; i >= 0; i-- {
		strides[i] = acc
		acc *= max(sh[i], 1)
	}
	n := backend.Numel(sh)
	st := &storage{buf: be.Alloc(dt, n), be: be, dev: dev, seq: allocSeq.Add(1)}
	return newTensor(st, dt, sh, strides, 0)
}

// emptyLike allocates a contiguous tensor of t's device with the given dtype
// and shape.
func (t *Tensor) alloc(dt DType, shape []int) *Tensor { return empty(t.st.be, t.st.dev, dt, shape) }

// view returns the backend view of t.
func (t *Tensor) view() backend.View {
	return backend.View{Buf: t.buf(), Shape: t.shape, Strides: t.strides, Offset: t.offset}
}

// buf returns the tensor's memory, panicking with a clear error when Free
// has returned it.
func (t *Tensor) buf() backend.Buffer {
	if t.st.freed {
		panic(&ValueError{Op: "tensor", Msg: fmt.Sprintf("use of a freed %v tensor of shape %v (Free was called on it or a tensor sharing its memory)", t.dtype, t.shape)})
	}
	return t.st.buf
}

// Free hands the tensor's memory back to its device now, instead of when
// the garbage collector finds the tensor unreachable: useful in loops that
// make large temporaries (evaluation in big batches, GPU work, where the
// collector does not see device memory). The tensor and every view sharing
// its memory become unusable; a later use panics with a *ValueError. Free
// does nothing on nil, on an already freed tensor, and on memory the
// backend did not allocate (tensors made from Go slices keep their
// slice). Do not free a tensor an autograd graph still needs for Backward.
func (t *Tensor) Free() {
	if t == nil || t.st == nil || t.st.freed {
		return
	}
	st := t.st
	st.freed = true
	st.release()
}

// SharesMemory reports whether t and u are views of the same memory (one
// was made from the other by a view op such as Reshape or Transpose, or
// both from a third).
func (t *Tensor) SharesMemory(u *Tensor) bool {
	return t != nil && u != nil && t.st == u.st
}

// Freed reports whether Free was called on t or on a tensor sharing its
// memory.
func (t *Tensor) Freed() bool { return t != nil && t.st != nil && t.st.freed }

func (t *Tensor) be() backend.Backend { return t.st.be }

// Shape returns a copy of the tensor's sizes.
func (t *Tensor) Shape() []int { return slices.Clone(t.shape) }

// Dim returns the number of dimensions (the rank).
func (t *Tensor) Dim() int { return len(t.shape) }

// Size returns the size of dimension axis (negative counts from the end).
func (t *Tensor) Size(axis int) int { return t.shape[normAxis("Size", axis, len(t.shape))] }

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return backend.Numel(t.shape) }

// DType returns the element type.
func (t *Tensor) DType() DType { return t.dtype }

// Device returns where the tensor lives.
func (t *Tensor) Device() Device { return t.st.dev }

// Strides returns a copy of the tensor's strides, in elements.
func (t *Tensor) Strides() []int { return slices.Clone(t.strides) }

// Offset returns the position of the first element in the shared storage.
func (t *Tensor) Offset() int { return t.offset }

// IsContiguous reports whether the elements are dense and row-major.
func (t *Tensor) IsContiguous() bool { return backend.IsContiguous(t.shape, t.strides) }

// SharesStorage reports whether t and u are views of the same memory.
func (t *Tensor) SharesStorage(u *Tensor) bool { return t.st == u.st }

// Version returns how many in-place writes the tensor's memory has seen.
func (t *Tensor) Version() uint64 { return t.st.version }

// RequiresGrad reports whether gradients flow to or through t.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf tensor as one whose gradient Backward should
// compute (like requires_grad_), and returns t. Only floating-point leaves
// can require gradients.
func (t *Tensor) SetRequiresGrad(on bool) *Tensor {
	if t.node != nil {
		panic(&AutogradError{Msg: "SetRequiresGrad: only leaf tensors can change requires_grad; use Detach() for a non-leaf"})
	}
	if on && !t.dtype.IsFloat() {
		panic(&DTypeError{Op: "SetRequiresGrad", Msg: "only floating-point tensors can require gradients, not " + t.dtype.String()})
	}
	t.requiresGrad = on
	return t
}

// IsLeaf reports whether t was not produced by a recorded op (user-created
// tensors, parameters, results computed without gradient tracking).
func (t *Tensor) IsLeaf() bool { return t.node == nil }

// Grad returns the gradient accumulated by Backward (nil if none yet).
func (t *Tensor) Grad() *Tensor { return t.grad }

// SetGrad replaces the accumulated gradient (nil clears it, like
// zero_grad(set_to_none=True)).
func (t *Tensor) SetGrad(g *Tensor) {
	if g != nil {
		checkSameShape("SetGrad", t, g)
	}
	t.grad = g
}

// GradFn returns the name of the op that made t ("MulBackward0"), or "" for
// a leaf.
func (t *Tensor) GradFn() string {
	if t.node == nil {
		return ""
	}
	return t.node.name
}

// Detach returns a view of t's memory that is cut off from the graph: it
// does not require gradients and has no history.
func (t *Tensor) Detach() *Tensor {
	return &Tensor{st: t.st, dtype: t.dtype, shape: t.shape, strides: t.strides, offset: t.offset, isView: true}
}

func checkSameShape(op string, a, b *Tensor) {
	if !slices.Equal(a.shape, b.shape) {
		panic(shapeErr(op, "shapes "+shapeStr(a.shape)+" and "+shapeStr(b.shape)+" differ", a.shape, b.shape))
	}
}

func sameDevice(op string, ts ...*Tensor) {
	for _, t := range ts[1:] {
		if t.st.dev != ts[0].st.dev {
			panic(&DeviceError{Op: op, Msg: "expected all tensors on one device, found " + ts[0].st.dev.String() + " and " + t.st.dev.String()})
		}
	}
}

// normAxis turns a possibly negative axis into an index, panicking with an
// *AxisError when out of range. Scalars accept axis 0 and -1.
func normAxis(op string, axis, rank int) int {
	r := max(rank, 1)
	if axis < -r || axis >= r {
		panic(&AxisError{Op: op, Axis: axis, Rank: rank})
	}
	if axis < 0 {
		axis += r
	}
	return axis
}

// SetData makes t hold src's memory, shape, dtype and device, keeping t's
// identity and autograd settings (like assigning param.data in PyTorch).
// Layers use it to move or convert parameters in place, so that optimizers
// holding the parameters see the change.
func (t *Tensor) SetData(src *Tensor) {
	if t.node != nil {
		panic(&AutogradError{Msg: "SetData: only leaf tensors can have their data replaced"})
	}
	if t.requiresGrad && !src.dtype.IsFloat() {
		panic(&DTypeError{Op: "SetData", Msg: "a tensor that requires grad must hold floating-point data, not " + src.dtype.String()})
	}
	t.st, t.dtype, t.offset = src.st, src.dtype, src.offset
	t.shape, t.strides = slices.Clone(src.shape), slices.Clone(src.strides)
	t.isView = src.isView
	if t.grad != nil && (t.grad.st.dev != t.st.dev || t.grad.dtype != t.dtype || !slices.Equal(t.grad.shape, t.shape)) {
		t.grad = nil
	}
}
