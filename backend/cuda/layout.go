package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// operand is one view of an elementwise launch: its buffer's device
// address and the view's strides and offset (in elements) over the
// iteration shape.
type operand struct {
	ptr     driver.DevicePtr
	strides []int
	offset  int
}

// ewLimits are the limits of one elementwise launch: at most maxDims dims
// and maxElems elements (the kernels index with 32-bit arithmetic).
type ewLimits struct {
	maxDims  int
	maxElems int64
}

// kernelLimits are the elementwise kernels' limits.
var kernelLimits = ewLimits{maxDims: kernels.MaxDims, maxElems: kernels.MaxElementwise}

// coalesce drops size-1 dims and merges neighbouring dims that are
// contiguous with each other in every operand. It returns nil dims (and
// ok == false) for an empty iteration space.
func coalesce(shape []int, strides [][]int) (dims []int, st [][]int, ok bool) {
	st = make([][]int, len(strides))
	for d, n := range shape {
		if n == 0 {
			return nil, nil, false
		}
		if n == 1 {
			continue
		}
		if k := len(dims) - 1; k >= 0 {
			merge := true
			for o := range strides {
				if st[o][k] != strides[o][d]*n {
					merge = false
					break
				}
			}
			if merge {
				dims[k] *= n
				for o := range strides {
					st[o][k] = strides[o][d]
				}
				continue
			}
		}
		dims = append(dims, n)
		for o := range strides {
			st[o] = append(st[o], strides[o][d])
		}
	}
	return dims, st, true
}

// forEachLaunch splits the iteration space shape over ops into pieces
// that one elementwise launch can take and calls fn for each, with the
// kernel shape and each operand's kernel strides. Pieces beyond the
// limits split the outermost dims, so a piece is a sub-box of shape.
func forEachLaunch(lim ewLimits, shape []int, ops []operand, fn func(sh *kernels.Shape, st []kernels.Strides) error) error {
	strides := make([][]int, len(ops))
	offs := make([]int, len(ops))
	for i, o := range ops {
		strides[i], offs[i] = o.strides, o.offset
	}
	dims, st, ok := coalesce(shape, strides)
	if !ok {
		return nil
	}
	return splitLaunch(lim, dims, st, offs, fn)
}

func splitLaunch(lim ewLimits, dims []int, st [][]int, offs []int, fn func(sh *kernels.Shape, st []kernels.Strides) error) error {
	n := int64(1)
	for _, d := range dims {
		n *= int64(d)
	}
	if len(dims) <= lim.maxDims && n <= lim.maxElems {
		return fn(launchShape(dims, st, offs))
	}
	rest := n / int64(dims[0])
	step := 1
	if len(dims) <= lim.maxDims && rest <= lim.maxElems {
		step = int(lim.maxElems / rest)
	}
	sub := make([]int, len(offs))
	for i := 0; i < dims[0]; i += step {
		c := min(step, dims[0]-i)
		for k := range offs {
			sub[k] = offs[k] + i*st[k][0]
		}
		var err error
		if step == 1 {
			inner := make([][]int, len(st))
			for k := range st {
				inner[k] = st[k][1:]
			}
			err = splitLaunch(lim, dims[1:], inner, sub, fn)
		} else {
			d := append([]int{c}, dims[1:]...)
			err = splitLaunch(lim, d, st, sub, fn)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// launchShape builds the kernel structs of one piece. A piece with no dims
// is a single element.
func launchShape(dims []int, st [][]int, offs []int) (*kernels.Shape, []kernels.Strides) {
	sh := &kernels.Shape{}
	out := make([]kernels.Strides, len(offs))
	if len(dims) == 0 {
		sh.Dim[0], sh.NDim, sh.Flat = 1, 1, 1
		for k := range out {
			out[k].S[0], out[k].Offset = 1, int64(offs[k])
		}
		return sh, out
	}
	sh.NDim = int32(len(dims))
	for i, d := range dims {
		sh.Dim[i] = int64(d)
	}
	flat := len(dims) == 1
	for k := range out {
		out[k].Offset = int64(offs[k])
		for i, s := range st[k] {
			out[k].S[i] = int64(s)
		}
		if st[k][0] != 1 {
			flat = false
		}
	}
	if flat {
		sh.Flat = 1
	}
	return sh, out
}

// viewOperand is a view's operand for elementwise launches.
func (b *Backend) viewOperand(op string, v backend.View) operand {
	return operand{ptr: b.devBuf(op, v).ptr(), strides: v.Strides, offset: v.Offset}
}

// sameShape panics unless every view has shape.
func sameShape(op string, shape []int, views ...backend.View) {
	for _, v := range views {
		if len(v.Shape) != len(shape) || len(v.Strides) != len(shape) {
			misuse(op, "views of shapes %v and %v", shape, v.Shape)
		}
		for i := range shape {
			if v.Shape[i] != shape[i] {
				misuse(op, "views of shapes %v and %v", shape, v.Shape)
			}
		}
	}
}

// maxOperands is the most views an elementwise kernel takes (where: dst,
// cond, x, y).
const maxOperands = 4

// planDims bounds the dims the fast planner holds after dropping size-1
// dims; views with more go through forEachLaunch.
const planDims = 16

// ewPlan is the coalesced iteration space of up to maxOperands views, in
// fixed arrays so that planning the common launch allocates nothing.
type ewPlan struct {
	nops  int
	nd    int
	numel int64
	dims  [planDims]int
	st    [maxOperands][planDims]int
	offs  [maxOperands]int
	ptrs  [maxOperands]driver.DevicePtr
}

// build coalesces shape over the views (as coalesce does). It reports
// false when the views have more than planDims non-trivial dims that do
// not merge; p.numel is 0 for an empty iteration space.
func (p *ewPlan) build(shape []int, ops []operand) bool {
	p.nops, p.nd, p.numel = len(ops), 0, 1
	for o, op := range ops {
		p.offs[o], p.ptrs[o] = op.offset, op.ptr
	}
	for d, n := range shape {
		if n == 0 {
			p.numel = 0
			return true
		}
		p.numel *= int64(n)
		if n == 1 {
			continue
		}
		if k := p.nd - 1; k >= 0 {
			merge := true
			for o := range ops {
				if p.st[o][k] != ops[o].strides[d]*n {
					merge = false
					break
				}
			}
			if merge {
				p.dims[k] *= n
				for o := range ops {
					p.st[o][k] = ops[o].strides[d]
				}
				continue
			}
		}
		if p.nd == planDims {
			return false
		}
		p.dims[p.nd] = n
		for o := range ops {
			p.st[o][p.nd] = ops[o].strides[d]
		}
		p.nd++
	}
	return true
}

// single reports whether one launch covers the plan.
func (p *ewPlan) single(lim ewLimits) bool { return p.nd <= lim.maxDims && p.numel <= lim.maxElems }

// kernelArgs fills the kernel shape and operands of a single-launch plan.
func (p *ewPlan) kernelArgs(sh *kernels.Shape, o *[maxOperands]kernels.Operand) {
	*sh = kernels.Shape{}
	if p.nd == 0 {
		sh.Dim[0], sh.NDim, sh.Flat = 1, 1, 1
		for k := range p.nops {
			o[k] = kernels.Operand{Ptr: p.ptrs[k]}
			o[k].Strides.S[0], o[k].Strides.Offset = 1, int64(p.offs[k])
		}
		return
	}
	sh.NDim = int32(p.nd)
	for i := range p.nd {
		sh.Dim[i] = int64(p.dims[i])
	}
	flat := p.nd == 1
	for k := range p.nops {
		o[k] = kernels.Operand{Ptr: p.ptrs[k]}
		o[k].Strides.Offset = int64(p.offs[k])
		for i := range p.nd {
			o[k].Strides.S[i] = int64(p.st[k][i])
		}
		if p.st[k][0] != 1 {
			flat = false
		}
	}
	if flat {
		sh.Flat = 1
	}
}
