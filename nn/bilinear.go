package nn

import (
	"fmt"
	"slices"

	"github.com/emberdl/ember"
)

// Bilinear applies y = x1ᵀ·A·x2 + b to the last axes of two inputs
// (torch.nn.Bilinear): x1 [..., in1] and x2 [..., in2] with the same
// leading dimensions give [..., out]. It takes two inputs, so it is not a
// single-input Layer.
type Bilinear struct {
	Weight *ember.Tensor // [out, in1, in2]
	Bias   *ember.Tensor // [out], or nil
}

// NewBilinear returns a Bilinear layer initialised as PyTorch does
// (weight and bias uniform in ±1/√in1). Options give the dtype, device
// and generator.
func NewBilinear(in1, in2, out int, bias bool, opts ...ember.Option) *Bilinear {
	if in1 < 0 || in2 < 0 || out < 0 {
		panic(valueErr("nn.NewBilinear", fmt.Sprintf("negative size: in1 %d, in2 %d, out %d", in1, in2, out)))
	}
	l := &Bilinear{Weight: param([]int{out, in1, in2}, opts)}
	uniformBound(l.Weight, in1, opts)
	if bias {
		l.Bias = param([]int{out}, opts)
		uniformBound(l.Bias, in1, opts)
	}
	return l
}

// Forward computes x1ᵀ·A·x2 + b for every leading position.
func (l *Bilinear) Forward(x1, x2 *ember.Tensor) *ember.Tensor {
	const op = "bilinear"
	ws := l.Weight.Shape()
	out, in1, in2 := ws[0], ws[1], ws[2]
	shapes := [][]int{x1.Shape(), x2.Shape(), ws}
	if x1.Dim() == 0 || x2.Dim() == 0 || !slices.Equal(x1.Shape()[:x1.Dim()-1], x2.Shape()[:x2.Dim()-1]) {
		panic(&ember.ShapeError{Op: op, Msg: fmt.Sprintf("bilinear(): input batch dimensions do not match: got %v and %v", x1.Shape(), x2.Shape()), Shapes: shapes})
	}
	if x1.Size(-1) != in1 {
		panic(&ember.ShapeError{Op: op, Msg: fmt.Sprintf("bilinear(): input1 size does not match weight size: got %d but expected %d", x1.Size(-1), in1), Shapes: shapes})
	}
	if x2.Size(-1) != in2 {
		panic(&ember.ShapeError{Op: op, Msg: fmt.Sprintf("bilinear(): input2 size does not match weight size: got %d but expected %d", x2.Size(-1), in2), Shapes: shapes})
	}
	lead := x1.Shape()[:x1.Dim()-1]
	a := x1.Reshape(-1, in1)
	b := x2.Reshape(-1, in2)
	// (x1·A) as [B, out, in2], then contracted with x2.
	t := a.Matmul(l.Weight.Permute(1, 0, 2).Reshape(in1, out*in2)).Reshape(-1, out, in2)
	y := t.Bmm(b.Unsqueeze(2)).Squeeze(2)
	if l.Bias != nil {
		y = y.Add(l.Bias)
	}
	return traced(l, y.Reshape(append(lead, out)...))
}
