package ember

import (
	"fmt"
	"slices"

	"github.com/emberdl/ember/backend"
)

// Matmul is the matrix product with torch.matmul's rules: 1-D·1-D is a dot
// product, 2-D·2-D a matrix product, a 1-D operand is treated as a row
// (left) or column (right) vector and that axis removed afterwards, and
// leading batch axes broadcast.
func (t *Tensor) Matmul(u *Tensor) *Tensor {
	t, u = autocast2("matmul", t, u)
	return t.matmul(u)
}

// matmul is Matmul without autocast, for ops with a policy of their own.
func (t *Tensor) matmul(u *Tensor) *Tensor {
	sameDevice("matmul", t, u)
	if t.Dim() == 0 || u.Dim() == 0 {
		panic(shapeErr("matmul", fmt.Sprintf("both arguments to matmul need to be at least 1D, but they are %dD and %dD", t.Dim(), u.Dim()), t.shape, u.shape))
	}
	a, b := t, u
	if a.Dim() == 1 {
		a = a.Unsqueeze(0)
	}
	if b.Dim() == 1 {
		b = b.Unsqueeze(1)
	}
	m, k := a.shape[a.Dim()-2], a.shape[a.Dim()-1]
	k2, n := b.shape[b.Dim()-2], b.shape[b.Dim()-1]
	if k != k2 {
		msg := fmt.Sprintf("shapes %v and %v are not aligned: %d != %d", shapeStr(t.shape), shapeStr(u.shape), k, k2)
		if t.Dim() == 1 && u.Dim() == 1 {
			msg = fmt.Sprintf("inconsistent tensor size, expected tensors %v and %v to have the same number of elements, but got %d and %d elements respectively", t.shape, u.shape, k, k2)
		}
		panic(shapeErr("matmul", msg, t.shape, u.shape))
	}
	// A batch of rows times one matrix is a single large product.
	if b.Dim() == 2 && a.Dim() > 2 {
		flat := a.Reshape(backend.Numel(a.shape[:a.Dim()-1]), k) // explicit: -1 is ambiguous when k == 0
		out := bmm(flat, b)
		shape := slices.Clone(a.shape[:a.Dim()-1])
		if u.Dim() > 1 {
			shape = append(shape, n)
		}
		return reshapeIfNeeded(out, shape)
	}
	batch := broadcastShapes("matmul", a.shape[:a.Dim()-2], b.shape[:b.Dim()-2])
	out := bmm(a.Expand(append(slices.Clone(batch), m, k)...), b.Expand(append(slices.Clone(batch), k, n)...))
	shape := slices.Clone(batch)
	if t.Dim() > 1 {
		shape = append(shape, m)
	}
	if u.Dim() > 1 {
		shape = append(shape, n)
	}
	return reshapeIfNeeded(out, shape)
}

// reshapeIfNeeded reshapes t unless it already has the shape (so a plain
// matrix product keeps its own grad_fn).
func reshapeIfNeeded(t *Tensor, shape []int) *Tensor {
	if slices.Equal(t.shape, shape) {
		return t
	}
	return t.Reshape(shape...)
}

// Bmm multiplies batches of matrices: [B, M, K]·[B, K, N] → [B, M, N].
func (t *Tensor) Bmm(u *Tensor) *Tensor {
	t, u = autocast2("bmm", t, u)
	if t.Dim() != 3 || u.Dim() != 3 {
		panic(shapeErr("bmm", fmt.Sprintf("batch1 and batch2 must be 3D tensors, got %dD and %dD", t.Dim(), u.Dim()), t.shape, u.shape))
	}
	if t.shape[0] != u.shape[0] {
		panic(shapeErr("bmm", fmt.Sprintf("batch1 and batch2 must have the same batch size, got %v and %v", t.shape, u.shape), t.shape, u.shape))
	}
	if t.shape[2] != u.shape[1] {
		panic(shapeErr("bmm", fmt.Sprintf("expected size for first two dimensions of batch2 tensor to be: [%d, %d] but got: [%d, %d]", t.shape[0], t.shape[2], u.shape[0], u.shape[1]), t.shape, u.shape))
	}
	return bmm(t, u)
}

// Mm multiplies two matrices.
func (t *Tensor) Mm(u *Tensor) *Tensor {
	if t.Dim() != 2 || u.Dim() != 2 {
		panic(shapeErr("mm", fmt.Sprintf("both arguments must be 2D, got %dD and %dD", t.Dim(), u.Dim()), t.shape, u.shape))
	}
	return t.Matmul(u)
}

// Dot returns the inner product of two 1-D tensors.
func (t *Tensor) Dot(u *Tensor) *Tensor {
	if t.Dim() != 1 || u.Dim() != 1 {
		panic(shapeErr("dot", fmt.Sprintf("1D tensors expected, but got %dD and %dD tensors", t.Dim(), u.Dim()), t.shape, u.shape))
	}
	t, u = autocast2("dot", t, u)
	return t.matmul(u)
}

// Outer returns the outer product of two 1-D tensors.
func (t *Tensor) Outer(u *Tensor) *Tensor {
	if t.Dim() != 1 || u.Dim() != 1 {
		panic(shapeErr("outer", "outer expects 1D tensors", t.shape, u.shape))
	}
	return t.Unsqueeze(1).Mul(u.Unsqueeze(0))
}

// bmm multiplies equally-batched operands [..., M, K]·[..., K, N] (batch
// axes already broadcast; strides may be anything, zero included).
func bmm(a, b *Tensor) *Tensor {
	dt := promoteTypes(a.dtype, b.dtype)
	if !dt.IsFloat() {
		panic(&DTypeError{Op: "matmul", Msg: "integer and bool matrix products are not supported; convert to a float dtype"})
	}
	comp := dt
	if !a.be().SupportsMath(comp) {
		comp = Float32
	}
	x, y := a.castNoGrad(comp), b.castNoGrad(comp)
	r := a.Dim()
	m, k, n := a.shape[r-2], a.shape[r-1], b.shape[r-1]
	batch := a.shape[:r-2]
	nb := 1
	for _, s := range batch {
		nb *= s
	}
	outShape := append(slices.Clone(batch), m, n)
	out := a.alloc(comp, outShape)
	if out.Numel() > 0 {
		xv, ok1 := x.batchView(nb)
		yv, ok2 := y.batchView(nb)
		if !ok1 {
			x = x.Contiguous()
			xv, _ = x.batchView(nb)
		}
		if !ok2 {
			y = y.Contiguous()
			yv, _ = y.batchView(nb)
		}
		ov, _ := out.batchView(nb)
		if k == 0 {
			a.be().Fill(out.view(), 0)
		} else {
			a.be().Matmul(ov, xv, yv, 0)
		}
	}
	out = out.castNoGrad(dt)
	if rr := track(a, b); rr != nil {
		name := "BmmBackward0"
		if r == 2 {
			name = "MmBackward0"
		}
		rr.record(out, name, func(g *Tensor) []*Tensor {
			var ga, gb *Tensor
			// A gradient takes its operand's layout (as PyTorch's
			// mm_mat2_backward): for a transposed operand (x·wᵀ in Linear)
			// the product is computed transposed, so that the gradient of
			// the untransposed tensor comes out contiguous.
			if rr.needs(0) {
				if colMajor(a) {
					ga = bmm(b, g.Transpose(-1, -2)).Transpose(-1, -2)
				} else {
					ga = bmm(g, b.Transpose(-1, -2))
				}
				ga = sumTo(ga, a.shape)
			}
			if rr.needs(1) {
				if colMajor(b) {
					gb = bmm(g.Transpose(-1, -2), a).Transpose(-1, -2)
				} else {
					gb = bmm(a.Transpose(-1, -2), g)
				}
				gb = sumTo(gb, b.shape)
			}
			return []*Tensor{ga, gb}
		}, a, b)
	}
	return out
}

// batchView returns the [nb, rows, cols] backend view of a tensor whose
// leading axes are batch axes, when they collapse into one stride.
func (t *Tensor) batchView(nb int) (backend.View, bool) {
	r := t.Dim()
	stride := 0
	ok := true
	first := true
	prev := 0
	for i := r - 3; i >= 0; i-- {
		s, st := t.shape[i], t.strides[i]
		if s == 1 {
			continue
		}
		if first {
			stride, prev, first = st, st*s, false
			continue
		}
		if st != prev {
			ok = false
			break
		}
		prev = st * s
	}
	v := backend.View{Buf: t.buf(), Shape: []int{nb, t.shape[r-2], t.shape[r-1]}, Strides: []int{stride, t.strides[r-2], t.strides[r-1]}, Offset: t.offset}
	return v, ok
}

// colMajor reports whether a matrix (a 2-D tensor) is the transpose of a
// dense row-major one, with more than one row and column.
func colMajor(t *Tensor) bool {
	if t.Dim() != 2 || t.shape[0] < 2 || t.shape[1] < 2 {
		return false
	}
	return t.strides[0] == 1 && t.strides[1] == t.shape[0]
}
