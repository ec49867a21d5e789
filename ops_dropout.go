package ember

import (
	"fmt"
	"math"

	"github.com/emberdl/ember/backend"
)

// Dropout zeroes each element of x with probability p and scales the
// others by 1/(1-p), when training; otherwise (or with p == 0) it returns
// x itself. The mask comes from gen (the default generator when none is
// given), so a seeded generator gives the same mask on every run. p == 1
// gives x*0.
func Dropout(x *Tensor, p float64, training bool, gen ...*Generator) *Tensor {
	return dropout("dropout", x, x.shape, p, training, gen)
}

// Dropout2d zeroes whole channels: each [H, W] plane of x [N, C, H, W]
// (or of unbatched [C, H, W]) is kept with probability 1-p and scaled by
// 1/(1-p), when training. Unlike PyTorch 1.13, which reads a 3-D input as
// [N, C, L], a 3-D input here is one unbatched image, as PyTorch's
// documentation says it will become.
func Dropout2d(x *Tensor, p float64, training bool, gen ...*Generator) *Tensor {
	if x.Dim() != 3 && x.Dim() != 4 {
		panic(shapeErr("dropout2d", fmt.Sprintf("expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got input of size %v", x.shape), x.shape))
	}
	mask := x.Shape()
	for i := x.Dim() - 2; i < x.Dim(); i++ {
		mask[i] = 1
	}
	return dropout("dropout2d", x, mask, p, training, gen)
}

// dropout multiplies x by a scaled Bernoulli mask of shape maskShape
// (broadcast over x).
func dropout(op string, x *Tensor, maskShape []int, p float64, training bool, gens []*Generator) *Tensor {
	if p < 0 || p > 1 || math.IsNaN(p) {
		panic(&ValueError{Op: op, Msg: fmt.Sprintf("dropout probability has to be between 0 and 1, but got %v", p)})
	}
	if len(gens) > 1 {
		panic(&ValueError{Op: op, Msg: fmt.Sprintf("at most one generator, got %d", len(gens))})
	}
	if !x.dtype.IsFloat() {
		panic(&DTypeError{Op: op, Msg: "dropout needs a floating-point input, got " + x.dtype.String()})
	}
	if !training || p == 0 || x.Numel() == 0 {
		return x
	}
	gen := defaultGen
	if len(gens) == 1 && gens[0] != nil {
		gen = gens[0]
	}
	dt := x.computeDType()
	mask := x.alloc(dt, maskShape)
	if p == 1 {
		x.be().Fill(mask.view(), 0)
	} else {
		seed, off := gen.reserve(mask.Numel())
		x.be().Random(mask.view(), backend.Bernoulli, seed, off, 1-p, 0)
	}
	var out *Tensor
	if p < 1 {
		mask = mask.MulScalar(1 / (1 - p))
	}
	mask = mask.castNoGrad(x.dtype)
	out = x.Detach().Mul(mask)
	if r := track(x); r != nil {
		r.record(out, "NativeDropoutBackward0", func(g *Tensor) []*Tensor {
			return []*Tensor{g.Mul(mask)}
		})
	}
	return out
}
