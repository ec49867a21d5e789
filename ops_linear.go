package ember

import "fmt"

// Linear returns x·wᵀ + b (torch.nn.functional.linear): x is [..., in], w
// [out, in], b [out] or nil.
func Linear(x, w, b *Tensor) *Tensor {
	x, w, b = autocast3("linear", x, w, b)
	if w.Dim() != 2 {
		panic(shapeErr("linear", fmt.Sprintf("weight must be 2-D [out, in], got %v", w.shape), w.shape))
	}
	if x.Dim() == 0 || x.shape[x.Dim()-1] != w.shape[1] {
		panic(shapeErr("linear", fmt.Sprintf("mat1 and mat2 shapes cannot be multiplied (%v and %v)", x.shape, []int{w.shape[1], w.shape[0]}), x.shape, w.shape))
	}
	y := x.Matmul(w.T())
	if b != nil {
		y = y.Add(b)
	}
	return y
}
