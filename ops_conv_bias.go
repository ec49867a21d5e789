package ember

import "github.com/emberdl/ember/backend"

// convBiaser is implemented by backends whose convolution kernel can add
// a bias as it writes its output (the CPU backend's Conv2dBias). It is not
// part of backend.Backend: other backends run Conv2d, then add the bias.
type convBiaser interface {
	Conv2dBias(dst, x, w, b backend.View, p backend.ConvParams)
}

// convForward runs the forward convolution kernel of out = conv(x, w),
// all three of dtype dt, adding b (nil for none) in the kernel where the
// backend can; it reports whether it did, else the caller adds b.
func convForward(out, x, w, b *Tensor, dt DType, p backend.ConvParams) (biased bool) {
	if k, ok := x.be().(convBiaser); ok && b != nil {
		k.Conv2dBias(out.view(), x.view(), w.view(), b.castNoGrad(dt).view(), p)
		return true
	}
	x.be().Conv2d(out.view(), x.view(), w.view(), p)
	return false
}
