package cpu

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/internal/parallel"
)

// MaxPool2dBackward sets dx [N, C, H, W] to the gradient of MaxPool2d with
// respect to its input: zero, plus each element of dy [N, C, OH, OW] added
// at the in-plane position (h*W + w) that the int64 view indices (dy's
// shape) holds for it, so that windows sharing a maximum add up. Indices
// must lie in [0, H*W), as MaxPool2d writes them.
//
// It is not part of backend.Backend: the ember package uses it, where a
// backend has it, instead of a zero fill and a scatter-add.
func (c *Backend) MaxPool2dBackward(dx, dy, indices backend.View) {
	if dx.Numel() == 0 {
		return
	}
	switch buf(dx).dt {
	case backend.Float32:
		maxPoolBackward(dx, dy, indices, buf(dx).F32, buf(dy).F32)
	case backend.Float64:
		maxPoolBackward(dx, dy, indices, buf(dx).F64, buf(dy).F64)
	default:
		panic("cpu.MaxPool2dBackward of " + buf(dx).dt.String())
	}
}

func maxPoolBackward[T float](dx, dy, indices backend.View, dxs, dys []T) {
	n, ch, h, w := dx.Shape[0], dx.Shape[1], dx.Shape[2], dx.Shape[3]
	oh, ow := dy.Shape[2], dy.Shape[3]
	ix := buf(indices).I64
	dense := dx.Strides[3] == 1 && dx.Strides[2] == w
	parallel.For(n*ch, max(1, 8192/max(1, h*w)), func(lo, hi int) {
		for plane := lo; plane < hi; plane++ {
			ni, ci := plane/ch, plane%ch
			xo := dx.Offset + ni*dx.Strides[0] + ci*dx.Strides[1]
			yo := dy.Offset + ni*dy.Strides[0] + ci*dy.Strides[1]
			io := indices.Offset + ni*indices.Strides[0] + ci*indices.Strides[1]
			if dense && dy.Strides[3] == 1 && dy.Strides[2] == ow && indices.Strides[3] == 1 && indices.Strides[2] == ow {
				// Everything contiguous (the usual case): flat loops.
				p := dxs[xo : xo+h*w]
				clear(p)
				src := dys[yo : yo+oh*ow]
				at := ix[io : io+oh*ow]
				at = at[:len(src)]
				for j, v := range src {
					p[at[j]] += v
				}
				continue
			}
			if dense {
				p := dxs[xo : xo+h*w]
				clear(p)
				for oy := range oh {
					for ox := range ow {
						p[ix[io+oy*indices.Strides[2]+ox*indices.Strides[3]]] += dys[yo+oy*dy.Strides[2]+ox*dy.Strides[3]]
					}
				}
				continue
			}
			for iy := range h {
				for jx := range w {
					dxs[xo+iy*dx.Strides[2]+jx*dx.Strides[3]] = 0
				}
			}
			for oy := range oh {
				for ox := range ow {
					k := int(ix[io+oy*indices.Strides[2]+ox*indices.Strides[3]])
					dxs[xo+(k/w)*dx.Strides[2]+(k%w)*dx.Strides[3]] += dys[yo+oy*dy.Strides[2]+ox*dy.Strides[3]]
				}
			}
		}
	})
}
