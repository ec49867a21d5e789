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
