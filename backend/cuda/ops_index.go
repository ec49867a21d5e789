package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// IndexSelect sets dst to src indexed along axis by the int64 1-D view idx.
// Along axis 0 of a float tensor it is the embedding lookup kernel (rows
// of src copied to rows of dst).
func (b *Backend) IndexSelect(dst, src backend.View, axis int, idx backend.View) {
	const op = "IndexSelect"
	dt := src.DType()
	if axis == 0 && dt.IsFloat() && dst.DType() == dt && idx.DType() == backend.Int64 {
		b.bind(op)
		defer b.g.unbind()
		nIdx, num := idx.Shape[0], src.Shape[0]
		dim := backend.Numel(src.Shape[1:])
		if nIdx*dim == 0 {
			return
		}
		sp, relS := b.denseIn(op, src, dt)
		ip, relI := b.denseIn(op, idx, backend.Int64)
		dp, fin := b.denseOut(op, dst, dt)
		b.launch(op, embeddingKernelOf(kdt(dt), false), kernels.ElementwiseLaunch(int64(nIdx*dim), b.maxBlocks),
			func(a *driver.Args) error {
				return kernels.PackEmbedding(a, dp, sp, ip, int64(nIdx), int64(dim), int64(num), 0)
			})
		fin()
		relS()
		relI()
		keep(dst, src, idx)
		return
	}
	b.fallback(op, []hostArg{out(dst), in(src), in(idx)}, func(h []backend.View) { b.host.IndexSelect(h[0], h[1], axis, h[2]) })
}

// IndexAdd adds src into dst along axis at the positions of idx (repeated
// indices accumulate). Along axis 0 of a float tensor it is the embedding
// gradient kernel: atomic adds, so the order of float additions, and the
// last bits of the sums, are not deterministic (as PyTorch's index_add_ on
// CUDA).
func (b *Backend) IndexAdd(dst backend.View, axis int, idx, src backend.View) {
	const op = "IndexAdd"
	dt := dst.DType()
	if axis == 0 && dt.IsFloat() && src.DType() == dt && idx.DType() == backend.Int64 {
		b.bind(op)
		defer b.g.unbind()
		nIdx, num := idx.Shape[0], dst.Shape[0]
		dim := backend.Numel(dst.Shape[1:])
		if nIdx*dim == 0 {
			return
		}
		sp, relS := b.denseIn(op, src, dt)
		ip, relI := b.denseIn(op, idx, backend.Int64)
		dp, fin := b.inoutAcc(op, dst, dt)
		b.launch(op, embeddingKernelOf(kdt(dt), true), kernels.ElementwiseLaunch(int64(nIdx*dim), b.maxBlocks),
			func(a *driver.Args) error {
				return kernels.PackEmbedding(a, dp, sp, ip, int64(nIdx), int64(dim), int64(num), 0)
			})
		fin()
		relS()
		relI()
		keep(dst, src, idx)
		return
	}
	b.fallback(op, []hostArg{inout(dst), in(idx), in(src)}, func(h []backend.View) { b.host.IndexAdd(h[0], axis, h[1], h[2]) })
}

// Gather sets dst[i][j][k] = src[i][idx[i][j][k]][k] (for axis 1).
func (b *Backend) Gather(dst, src backend.View, axis int, idx backend.View) {
	b.fallback("Gather", []hostArg{out(dst), in(src), in(idx)}, func(h []backend.View) { b.host.Gather(h[0], h[1], axis, h[2]) })
}

// Scatter writes (or adds) src into dst at the positions of idx along axis.
func (b *Backend) Scatter(dst backend.View, axis int, idx, src backend.View, add bool) {
	b.fallback("Scatter", []hostArg{inout(dst), in(idx), in(src)}, func(h []backend.View) { b.host.Scatter(h[0], axis, h[1], h[2], add) })
}

// Nonzero returns the row-major flat positions of the non-zero elements of
// v as a new int64 buffer, and their count. It runs on the host (the count
// decides the result's size, so it waits for the device anyway).
func (b *Backend) Nonzero(v backend.View) (backend.Buffer, int) {
	var hb backend.Buffer
	var count int
	b.fallback("Nonzero", []hostArg{in(v)}, func(h []backend.View) { hb, count = b.host.Nonzero(h[0]) })
	b.bind("Nonzero")
	defer b.g.unbind()
	pos := make([]int64, count)
	b.host.ToHost(backend.Dense(hb, count), pos)
	return b.FromHost(backend.Int64, pos), count
}

// Sort sorts src along axis (stably; NaN largest) into values and the
// int64 indices of the original positions.
func (b *Backend) Sort(values, indices, src backend.View, axis int, descending bool) {
	b.fallback("Sort", []hostArg{out(values), out(indices), in(src)}, func(h []backend.View) {
		b.host.Sort(h[0], h[1], h[2], axis, descending)
	})
}
