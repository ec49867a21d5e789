package data

import (
	"fmt"

	"github.com/emberdl/ember"
)

// BatchTransform changes a batch of images [N, C, H, W]; random transforms
// draw from g, a different draw per image.
type BatchTransform func(x *ember.Tensor, g *ember.Generator) *ember.Tensor

// Compose applies transforms in order.
func Compose(ts ...BatchTransform) BatchTransform {
	return func(x *ember.Tensor, g *ember.Generator) *ember.Tensor {
		for _, t := range ts {
			x = t(x, g)
		}
		return x
	}
}

// OnInputs makes a Loader.Transform that applies t to field 0 of each batch
// (the inputs) and leaves the other fields (targets) alone.
func OnInputs(t BatchTransform) func([]*ember.Tensor, *ember.Generator) ([]*ember.Tensor, error) {
	return func(b []*ember.Tensor, g *ember.Generator) ([]*ember.Tensor, error) {
		if len(b) == 0 {
			return b, fmt.Errorf("data: empty batch")
		}
		out := append([]*ember.Tensor(nil), b...)
		out[0] = t(b[0], g)
		return out, nil
	}
}

// ToFloat converts integer pixels to floats scaled by 1/scale (ToTensor's
// division by 255 for scale 255).
func ToFloat(scale float64) BatchTransform {
	return func(x *ember.Tensor, _ *ember.Generator) *ember.Tensor {
		return x.To(ember.Float32).MulScalar(1 / scale)
	}
}

// Normalize subtracts a per-channel mean and divides by a per-channel
// standard deviation (one value each, or one per channel).
func Normalize(mean, std []float64) BatchTransform {
	return func(x *ember.Tensor, _ *ember.Generator) *ember.Tensor {
		c := x.Size(1)
		shape := []int{1, c, 1, 1}
		if x.Dim() == 2 { // flat features
			shape = []int{1, c}
		}
		m := perChannel(mean, c, x).Reshape(shape...)
		s := perChannel(std, c, x).Reshape(shape...)
		return x.Sub(m).Div(s)
	}
}

func perChannel(v []float64, c int, like *ember.Tensor) *ember.Tensor {
	vals := make([]float64, c)
	for i := range vals {
		if len(v) == 1 {
			vals[i] = v[0]
		} else {
			vals[i] = v[i]
		}
	}
	if len(v) != 1 && len(v) != c {
		panic(&ember.ValueError{Op: "data.Normalize", Msg: fmt.Sprintf("%d values for %d channels", len(v), c)})
	}
	return ember.FromSlice(vals).To(like.DType(), like.Device())
}

// HorizontalFlip mirrors each image left-right with probability p.
func HorizontalFlip(p float64) BatchTransform {
	return func(x *ember.Tensor, g *ember.Generator) *ember.Tensor {
		n := x.Size(0)
		flip := ember.BernoulliP([]int{n, 1, 1, 1}, p, g, ember.Bool, x.Device())
		return ember.Where(flip, x.Flip(3), x)
	}
}

// RandomCrop pads each image by pad pixels on every side (with zeros) and
// crops it back to its size at a random offset, like torchvision's
// RandomCrop(size, padding=pad).
func RandomCrop(pad int) BatchTransform {
	return shift(pad, true)
}

// RandomShift moves each image by up to maxShift pixels in each direction,
// filling with zeros (a light random affine: translation only).
func RandomShift(maxShift int) BatchTransform {
	return shift(maxShift, false)
}

func shift(pad int, _ bool) BatchTransform {
	return func(x *ember.Tensor, g *ember.Generator) *ember.Tensor {
		if pad <= 0 {
			return x
		}
		n, h, w := x.Size(0), x.Size(2), x.Size(3)
		padded := x.Pad([]int{pad, pad, pad, pad}, ember.PadConstant, 0)
		offs := ember.RandInt(0, int64(2*pad+1), []int{n, 2}, g).Ints()
		parts := make([]*ember.Tensor, n)
		for i := 0; i < n; i++ {
			parts[i] = padded.Narrow(0, i, 1).Narrow(2, offs[2*i], h).Narrow(3, offs[2*i+1], w)
		}
		return ember.Cat(parts, 0)
	}
}
