package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// The index kernels skip indices outside [0, size) and set their op's
// error flag, which the next waiting call reports (index_errors.go).

// indexViews converts the views of an index op to kernel operands; ok is
// false when one has more dims than the kernels take.
func (b *Backend) indexViews(op string, views ...backend.View) ([]kernels.Operand, bool) {
	out := make([]kernels.Operand, len(views))
	for i, v := range views {
		o, ok := b.kview(op, v)
		if !ok {
			return nil, false
		}
		out[i] = o
	}
	return out, true
}

// IndexSelect sets dst to src indexed along axis by the int64 1-D view idx.
func (b *Backend) IndexSelect(dst, src backend.View, axis int, idx backend.View) {
	const op = "IndexSelect"
	ops, ok := b.indexViews(op, dst, src, idx)
	if !ok || idx.DType() != backend.Int64 || dst.DType() != src.DType() {
		b.fallback(op, []hostArg{out(dst), in(src), in(idx)}, func(h []backend.View) {
			b.hostIndexCheck(op, h[2], src.Shape[axis])
			b.host.IndexSelect(h[0], h[1], axis, h[2])
		})
		return
	}
	b.bind(op)
	defer b.g.unbind()
	n := dst.Numel()
	if n == 0 {
		return
	}
	flag := b.indexFlag(op, slotIndexSelect)
	b.launch(op, indexSelectKernelOf(kdt(dst.DType())), kernels.ElementwiseLaunch(int64(n), b.maxBlocks), func(a *driver.Args) error {
		return kernels.PackIndexSelect(a, &ops[0], &ops[1], shape64(dst.Shape), axis, int64(src.Shape[axis]), &ops[2], flag)
	})
	b.armIndexFlags()
	keep(dst, src, idx)
}

// IndexAdd adds src into dst along axis at the positions of idx; repeated
// indices accumulate, with atomic adds: the order of float additions, and
// so the last bits of such sums, is not deterministic (as PyTorch's
// index_add_ on CUDA).
func (b *Backend) IndexAdd(dst backend.View, axis int, idx, src backend.View) {
	const op = "IndexAdd"
	ops, ok := b.indexViews(op, dst, idx, src)
	if !ok || idx.DType() != backend.Int64 || dst.DType() != src.DType() {
		b.fallback(op, []hostArg{inout(dst), in(idx), in(src)}, func(h []backend.View) {
			b.hostIndexCheck(op, h[1], dst.Shape[axis])
			b.host.IndexAdd(h[0], axis, h[1], h[2])
		})
		return
	}
	b.bind(op)
	defer b.g.unbind()
	n := src.Numel()
	if n == 0 {
		return
	}
	flag := b.indexFlag(op, slotIndexAdd)
	b.launch(op, indexAddKernelOf(kdt(dst.DType())), kernels.ElementwiseLaunch(int64(n), b.maxBlocks), func(a *driver.Args) error {
		return kernels.PackIndexAdd(a, &ops[0], axis, int64(dst.Shape[axis]), &ops[1], &ops[2], shape64(src.Shape), flag)
	})
	b.armIndexFlags()
	keep(dst, src, idx)
}

// Gather sets dst[i][j][k] = src[i][idx[i][j][k]][k] (for axis 1).
func (b *Backend) Gather(dst, src backend.View, axis int, idx backend.View) {
	const op = "Gather"
	ops, ok := b.indexViews(op, dst, src, idx)
	if !ok || idx.DType() != backend.Int64 || dst.DType() != src.DType() {
		b.fallback(op, []hostArg{out(dst), in(src), in(idx)}, func(h []backend.View) {
			b.hostIndexCheck(op, h[2], src.Shape[axis])
			b.host.Gather(h[0], h[1], axis, h[2])
		})
		return
	}
	b.bind(op)
	defer b.g.unbind()
	n := idx.Numel()
	if n == 0 {
		return
	}
	flag := b.indexFlag(op, slotGather)
	b.launch(op, gatherKernelOf(kdt(dst.DType())), kernels.ElementwiseLaunch(int64(n), b.maxBlocks), func(a *driver.Args) error {
		return kernels.PackGather(a, &ops[0], &ops[1], axis, int64(src.Shape[axis]), &ops[2], shape64(idx.Shape), flag)
	})
	b.armIndexFlags()
	keep(dst, src, idx)
}

// Scatter writes (or, with add, adds) src into dst at the positions of idx
// along axis. Adds are atomic (float sums not deterministic in their last
// bits); when an assignment writes one position twice, one of the values
// wins, unspecified which (the CPU keeps the last in row-major order).
func (b *Backend) Scatter(dst backend.View, axis int, idx, src backend.View, add bool) {
	const op = "Scatter"
	ops, ok := b.indexViews(op, dst, idx, src)
	if !ok || idx.DType() != backend.Int64 || dst.DType() != src.DType() {
		b.fallback(op, []hostArg{inout(dst), in(idx), in(src)}, func(h []backend.View) {
			b.hostIndexCheck(op, h[1], dst.Shape[axis])
			b.host.Scatter(h[0], axis, h[1], h[2], add)
		})
		return
	}
	b.bind(op)
	defer b.g.unbind()
	n := idx.Numel()
	if n == 0 {
		return
	}
	flag := b.indexFlag(op, slotScatter)
	b.launch(op, scatterKernelOf(kdt(dst.DType())), kernels.ElementwiseLaunch(int64(n), b.maxBlocks), func(a *driver.Args) error {
		return kernels.PackScatter(a, &ops[0], axis, int64(dst.Shape[axis]), &ops[1], &ops[2], shape64(idx.Shape), add, flag)
	})
	b.armIndexFlags()
	keep(dst, src, idx)
}

// Nonzero returns the row-major flat positions of the non-zero elements of
// v as a new int64 buffer, and their count. It runs on the device in three
// launches (counts per chunk, their prefix sum, the positions) and waits
// for the count in between.
func (b *Backend) Nonzero(v backend.View) (backend.Buffer, int) {
	const op = "Nonzero"
	var p ewPlan
	if !p.build(v.Shape, []operand{b.viewOperand(op, v)}) || !p.single(kernelLimits) {
		var hb backend.Buffer
		var count int
		b.fallback(op, []hostArg{in(v)}, func(h []backend.View) { hb, count = b.host.Nonzero(h[0]) })
		pos := make([]int64, count)
		b.host.ToHost(backend.Dense(hb, count), pos)
		return b.FromHost(backend.Int64, pos), count
	}
	b.bind(op)
	defer b.g.unbind()
	if p.numel == 0 {
		return b.FromHost(backend.Int64, []int64{}), 0
	}
	var sh kernels.Shape
	var o [maxOperands]kernels.Operand
	p.kernelArgs(&sh, &o)
	t := kdt(v.DType())
	z, err := kernels.NewNonzero(p.numel)
	b.check(op, err)
	counts := b.temp(op, backend.Int64, int(z.Blocks)+1) // the last element is the total
	defer counts.mem.release()
	total := counts.ptr() + driver.DevicePtr(8*z.Blocks)
	run := func(pass kernels.NonzeroPass, out driver.DevicePtr) {
		f, err := b.fn(nonzeroKernelOf(pass, t))
		if err == nil {
			a := b.args.Get().(*driver.Args)
			var l kernels.Launch
			if l, err = kernels.PackNonzero(a, pass, z, t, &o[0], &sh, counts.ptr(), total, out); err == nil {
				err = b.run(f, l, a)
			}
			b.args.Put(a)
		}
		b.check(op, err)
	}
	run(kernels.NonzeroCount, 0)
	run(kernels.NonzeroOffsets, 0)
	var n [1]int64
	b.check(op, b.down.download(int64Bytes(n[:]), total))
	b.checkIndexErrors(op)
	res, err := b.newBuffer(backend.Int64, int(n[0]))
	b.check(op, err)
	if n[0] > 0 {
		run(kernels.NonzeroWrite, res.ptr())
	}
	keep(v)
	return res, int(n[0])
}

// Sort sorts src along axis (stably; NaN largest, as the CPU) into values
// and the int64 indices of the original positions: rows of up to
// kernels.SortTile elements in shared memory in one launch, longer ones by
// sorted tiles and merge passes.
func (b *Backend) Sort(values, indices, src backend.View, axis int, descending bool) {
	const op = "Sort"
	ops, ok := b.indexViews(op, values, indices, src)
	if !ok || values.DType() != src.DType() || indices.DType() != backend.Int64 {
		b.fallback(op, []hostArg{out(values), out(indices), in(src)}, func(h []backend.View) {
			b.host.Sort(h[0], h[1], h[2], axis, descending)
		})
		return
	}
	b.bind(op)
	defer b.g.unbind()
	s, err := kernels.NewSort(shape64(src.Shape), axis, b.maxBlocks)
	b.check(op, err)
	if s.Elements() == 0 {
		return
	}
	var work *Buffer
	if n := s.WorkspaceBytes(); n > 0 {
		work = b.temp(op, backend.Uint8, int(n))
		defer work.mem.release()
	}
	t := kdt(src.DType())
	for step := range s.Steps() {
		a := b.args.Get().(*driver.Args)
		var wp driver.DevicePtr
		if work != nil {
			wp = work.ptr()
		}
		k, l, err := s.Pack(a, step, t, &ops[0], &ops[1], &ops[2], wp, descending)
		if err == nil {
			var f driver.Function
			if f, err = b.fn(k); err == nil {
				err = b.run(f, l, a)
			}
		}
		b.args.Put(a)
		b.check(op, err)
	}
	keep(values, indices, src)
}
