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

// convFilterBiaser is implemented by backends that compute a convolution's
// bias gradient in the pass that computes its weight gradient (the CPU
// backend's Conv2dBackwardFilterBias), while the output gradient is in
// cache, instead of a reduction of their own.
type convFilterBiaser interface {
	Conv2dBackwardFilterBias(dw, db, x, dy backend.View, p backend.ConvParams)
}

// convFilterBias computes the weight gradient [O, C/g, kh, kw] of a
// convolution and its bias gradient [O] (dy summed over images and
// positions) in one backend call where the backend has one, no graph is
// being recorded (CreateGraph) and x and dy share a dtype the kernels
// compute in; ok is false otherwise, and the caller computes them apart.
func convFilterBias(x, dy *Tensor, p backend.ConvParams, kh, kw int) (gw, gb *Tensor, ok bool) {
	k, can := x.be().(convFilterBiaser)
	if !can || track(x, dy) != nil || x.dtype != dy.dtype || x.computeDType() != x.dtype {
		return nil, nil, false
	}
	gw = x.alloc(x.dtype, []int{dy.shape[1], x.shape[1] / max(1, p.Groups), kh, kw})
	gb = x.alloc(x.dtype, []int{dy.shape[1]})
	k.Conv2dBackwardFilterBias(gw.view(), gb.view(), x.view(), dy.view(), p)
	return gw, gb, true
}
