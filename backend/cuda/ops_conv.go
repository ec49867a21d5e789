package cuda

import "github.com/emberdl/ember/backend"

// Conv2d computes the 2-D cross-correlation of x [N, C, H, W] with w
// [O, C/groups, KH, KW] into dst [N, O, OH, OW].
func (b *Backend) Conv2d(dst, x, w backend.View, p backend.ConvParams) {
	b.fallback("Conv2d", []hostArg{out(dst), in(x), in(w)}, func(h []backend.View) { b.host.Conv2d(h[0], h[1], h[2], p) })
}

// Conv2dBackwardData computes the input gradient of Conv2d.
func (b *Backend) Conv2dBackwardData(dx, dy, w backend.View, p backend.ConvParams) {
	b.fallback("Conv2dBackwardData", []hostArg{out(dx), in(dy), in(w)}, func(h []backend.View) {
		b.host.Conv2dBackwardData(h[0], h[1], h[2], p)
	})
}

// Conv2dBackwardFilter computes the weight gradient of Conv2d.
func (b *Backend) Conv2dBackwardFilter(dw, x, dy backend.View, p backend.ConvParams) {
	b.fallback("Conv2dBackwardFilter", []hostArg{out(dw), in(x), in(dy)}, func(h []backend.View) {
		b.host.Conv2dBackwardFilter(h[0], h[1], h[2], p)
	})
}

// MaxPool2d writes the window maxima of x into dst and the in-plane
// positions of the maxima into the int64 view indices.
func (b *Backend) MaxPool2d(dst, indices, x backend.View, p backend.PoolParams) {
	b.fallback("MaxPool2d", []hostArg{out(dst), out(indices), in(x)}, func(h []backend.View) {
		b.host.MaxPool2d(h[0], h[1], h[2], p)
	})
}
