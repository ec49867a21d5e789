package cpu

import (
	"cmp"
	"fmt"
	"slices"
	"sort"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/internal/parallel"
)

// laneView returns v with dimension axis fixed at position i.
func laneView(v backend.View, axis, i int) backend.View {
	shape := slices.Clone(v.Shape)
	st := slices.Clone(v.Strides)
	shape = append(shape[:axis], shape[axis+1:]...)
	st = append(st[:axis], st[axis+1:]...)
	return backend.View{Buf: v.Buf, Shape: shape, Strides: st, Offset: v.Offset + i*v.Strides[axis]}
}

func int64s(v backend.View) []int64 {
	b := buf(v)
	if b.dt != backend.Int64 {
		panic("cpu: index view must be int64, got " + b.dt.String())
	}
	return b.I64
}

// IndexSelect sets dst to src indexed along axis by idx.
func (c *Backend) IndexSelect(dst, src backend.View, axis int, idx backend.View) {
	ix := int64s(idx)
	n := idx.Shape[0]
	if dst.IsContiguous() && src.IsContiguous() {
		indexSelectDense(dst, src, axis, idx, ix)
		return
	}
	parallel.For(n, max(1, grainElems/max(1, dst.Numel()/max(n, 1))), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			j := int(ix[idx.Offset+i*idx.Strides[0]])
			c.Copy(laneView(dst, axis, i), laneView(src, axis, j))
		}
	})
}

// IndexAdd adds src into dst along axis at the positions of idx.
func (c *Backend) IndexAdd(dst backend.View, axis int, idx, src backend.View) {
	ix := int64s(idx)
	n := idx.Shape[0]
	// Sequential over i: repeated indices must accumulate without races.
	for i := 0; i < n; i++ {
		j := int(ix[idx.Offset+i*idx.Strides[0]])
		d := laneView(dst, axis, j)
		c.Binary(backend.Add, d, d, laneView(src, axis, i))
	}
}

// gatherLoop walks every position of idx's shape, giving the offsets of
// idx, of the other view (src for gather, dst for scatter) with the axis
// stride removed, and of the view indexed directly.
func gatherLoop(idx, direct, other backend.View, axis int, fn func(io, do, oo int)) {
	ost := slices.Clone(other.Strides)
	ost[axis] = 0
	l := newLoop(idx.Shape, []int{idx.Offset, direct.Offset, other.Offset}, idx.Strides, direct.Strides, ost)
	defer l.free()
	l.run(2, func(off [maxOps]int, m int) {
		for i := 0; i < m; i++ {
			fn(off[0]+i*l.inner[0], off[1]+i*l.inner[1], off[2]+i*l.inner[2])
		}
	})
}

// Gather sets dst[...] = src[... idx[...] ...] along axis.
func (c *Backend) Gather(dst, src backend.View, axis int, idx backend.View) {
	ix := int64s(idx)
	d, s := buf(dst), buf(src)
	if lastAxisDense(axis, src, idx, dst) {
		switch d.dt {
		case backend.Float32:
			gatherLast(src, idx, dst, s.F32, ix, d.F32)
			return
		case backend.Float64:
			gatherLast(src, idx, dst, s.F64, ix, d.F64)
			return
		}
	}
	st := src.Strides[axis]
	switch d.dt {
	case backend.Float32:
		gatherLoop(idx, dst, src, axis, func(io, do, so int) { d.F32[do] = s.F32[so+int(ix[io])*st] })
	case backend.Float64:
		gatherLoop(idx, dst, src, axis, func(io, do, so int) { d.F64[do] = s.F64[so+int(ix[io])*st] })
	case backend.BFloat16, backend.Float16:
		gatherLoop(idx, dst, src, axis, func(io, do, so int) { d.U16[do] = s.U16[so+int(ix[io])*st] })
	case backend.Int64:
		gatherLoop(idx, dst, src, axis, func(io, do, so int) { d.I64[do] = s.I64[so+int(ix[io])*st] })
	case backend.Int32:
		gatherLoop(idx, dst, src, axis, func(io, do, so int) { d.I32[do] = s.I32[so+int(ix[io])*st] })
	case backend.Uint8:
		gatherLoop(idx, dst, src, axis, func(io, do, so int) { d.U8[do] = s.U8[so+int(ix[io])*st] })
	case backend.Bool:
		gatherLoop(idx, dst, src, axis, func(io, do, so int) { d.B[do] = s.B[so+int(ix[io])*st] })
	}
}

// Scatter writes (or adds) src into dst at idx along axis. Positions may
// repeat within a lane along axis, so a lane is written by one goroutine;
// dense views scattered along their last axis split the lanes across the
// pool.
func (c *Backend) Scatter(dst backend.View, axis int, idx, src backend.View, add bool) {
	ix := int64s(idx)
	d, s := buf(dst), buf(src)
	if lastAxisDense(axis, dst, idx, src) {
		switch d.dt {
		case backend.Float32:
			scatterLast(dst, idx, src, d.F32, ix, s.F32, add)
			return
		case backend.Float64:
			scatterLast(dst, idx, src, d.F64, ix, s.F64, add)
			return
		}
	}
	st := dst.Strides[axis]
	walk := func(fn func(io, so, do int)) {
		ost := slices.Clone(dst.Strides)
		ost[axis] = 0
		l := newLoop(idx.Shape, []int{idx.Offset, src.Offset, dst.Offset}, idx.Strides, src.Strides, ost)
		defer l.free()
		l.rows_(0, l.rows, 0, l.n, func(off [maxOps]int, m int) {
			for i := 0; i < m; i++ {
				fn(off[0]+i*l.inner[0], off[1]+i*l.inner[1], off[2]+i*l.inner[2])
			}
		})
	}
	switch d.dt {
	case backend.Float32:
		walk(func(io, so, do int) { scatterOne(d.F32, do+int(ix[io])*st, s.F32[so], add) })
	case backend.Float64:
		walk(func(io, so, do int) { scatterOne(d.F64, do+int(ix[io])*st, s.F64[so], add) })
	case backend.Int64:
		walk(func(io, so, do int) { scatterOne(d.I64, do+int(ix[io])*st, s.I64[so], add) })
	case backend.Int32:
		walk(func(io, so, do int) { scatterOne(d.I32, do+int(ix[io])*st, s.I32[so], add) })
	case backend.Uint8:
		walk(func(io, so, do int) { scatterOne(d.U8, do+int(ix[io])*st, s.U8[so], add) })
	case backend.BFloat16, backend.Float16:
		if add {
			panic("cpu.Scatter: add on half types (ember converts first)")
		}
		walk(func(io, so, do int) { d.U16[do+int(ix[io])*st] = s.U16[so] })
	case backend.Bool:
		walk(func(io, so, do int) {
			p := do + int(ix[io])*st
			d.B[p] = s.B[so] || (add && d.B[p])
		})
	}
}

func scatterOne[T number](d []T, p int, v T, add bool) {
	if add {
		d[p] += v
	} else {
		d[p] = v
	}
}

// Nonzero returns the flat row-major positions of non-zero elements.
func (c *Backend) Nonzero(v backend.View) (backend.Buffer, int) {
	n := v.Numel()
	mask := make([]bool, n)
	c.Copy(backend.Dense(NewBuffer(backend.Bool, mask), v.Shape...), v)
	var out []int64
	for i, m := range mask {
		if m {
			out = append(out, int64(i))
		}
	}
	if out == nil {
		out = []int64{}
	}
	return NewBuffer(backend.Int64, out), len(out)
}

// Sort sorts src along axis into values and indices (stable; NaN sorts as
// the largest value, as in PyTorch).
func (c *Backend) Sort(values, indices, src backend.View, axis int, descending bool) {
	s, vb, ib := buf(src), buf(values), buf(indices)
	if s.dt != vb.dt || ib.dt != backend.Int64 {
		panic(fmt.Sprintf("cpu.Sort: src %v, values %v, indices %v", s.dt, vb.dt, ib.dt))
	}
	n := src.Shape[axis]
	shape := slices.Clone(src.Shape)
	shape[axis] = 1
	l := newLoop(shape, []int{src.Offset, values.Offset, indices.Offset}, src.Strides, values.Strides, indices.Strides)
	defer l.free()
	ss, vs, is := src.Strides[axis], values.Strides[axis], indices.Strides[axis]
	lane := func(fn func(so, vo, io int)) {
		l.run(max(1, n*8), func(off [maxOps]int, m int) {
			for i := 0; i < m; i++ {
				fn(off[0]+i*l.inner[0], off[1]+i*l.inner[1], off[2]+i*l.inner[2])
			}
		})
	}
	switch s.dt {
	case backend.Float32:
		lane(func(so, vo, io int) { sortLane(s.F32, vb.F32, ib.I64, so, vo, io, ss, vs, is, n, descending, isNaN32) })
	case backend.Float64:
		lane(func(so, vo, io int) { sortLane(s.F64, vb.F64, ib.I64, so, vo, io, ss, vs, is, n, descending, isNaN64) })
	case backend.Int64:
		lane(func(so, vo, io int) {
			sortLane(s.I64, vb.I64, ib.I64, so, vo, io, ss, vs, is, n, descending, never[int64])
		})
	case backend.Int32:
		lane(func(so, vo, io int) {
			sortLane(s.I32, vb.I32, ib.I64, so, vo, io, ss, vs, is, n, descending, never[int32])
		})
	case backend.Uint8:
		lane(func(so, vo, io int) {
			sortLane(s.U8, vb.U8, ib.I64, so, vo, io, ss, vs, is, n, descending, never[uint8])
		})
	default:
		panic("cpu.Sort of " + s.dt.String())
	}
}

func isNaN32(x float32) bool { return x != x }
func isNaN64(x float64) bool { return x != x }
func never[T any](T) bool    { return false }

func sortLane[T cmp.Ordered](s, v []T, ix []int64, so, vo, io, ss, vs, is, n int, desc bool, nan func(T) bool) {
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	less := func(a, b T) bool {
		an, bn := nan(a), nan(b)
		switch {
		case an || bn:
			return !an && bn // NaN is largest
		}
		return a < b
	}
	sort.SliceStable(perm, func(i, j int) bool {
		a, b := s[so+perm[i]*ss], s[so+perm[j]*ss]
		if desc {
			return less(b, a)
		}
		return less(a, b)
	})
	for i, p := range perm {
		v[vo+i*vs] = s[so+p*ss]
		ix[io+i*is] = int64(p)
	}
}

// lastAxisDense reports whether axis is the last one and the three views
// are dense, with base (the view indexed along axis) possibly longer along
// it than the other two.
func lastAxisDense(axis int, base, idx, other backend.View) bool {
	r := len(base.Shape)
	if axis != r-1 || !idx.IsContiguous() || !other.IsContiguous() || !base.IsContiguous() {
		return false
	}
	for d := 0; d < r-1; d++ {
		if base.Shape[d] != idx.Shape[d] || other.Shape[d] != idx.Shape[d] {
			return false
		}
	}
	return true
}

// scatterLast is Scatter along the last axis of dense views: row r of dst
// receives row r of src at the columns of row r of idx.
func scatterLast[T float](dst, idx, src backend.View, d []T, ix []int64, s []T, add bool) {
	n := dst.Shape[len(dst.Shape)-1]
	m := idx.Shape[len(idx.Shape)-1]
	rows := idx.Numel() / max(m, 1)
	d, ix, s = d[dst.Offset:], ix[idx.Offset:], s[src.Offset:]
	parallel.For(rows, max(1, grainElems/max(1, 4*m)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			dr, ir, sr := d[r*n:(r+1)*n], ix[r*m:(r+1)*m], s[r*m:(r+1)*m]
			if add {
				for j, k := range ir {
					dr[k] += sr[j]
				}
			} else {
				for j, k := range ir {
					dr[k] = sr[j]
				}
			}
		}
	})
}

// gatherLast is Gather along the last axis of dense views.
func gatherLast[T float](src, idx, dst backend.View, s []T, ix []int64, d []T) {
	n := src.Shape[len(src.Shape)-1]
	m := idx.Shape[len(idx.Shape)-1]
	rows := idx.Numel() / max(m, 1)
	s, ix, d = s[src.Offset:], ix[idx.Offset:], d[dst.Offset:]
	parallel.For(rows, max(1, grainElems/max(1, 4*m)), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			sr, ir, dr := s[r*n:(r+1)*n], ix[r*m:(r+1)*m], d[r*m:(r+1)*m]
			for j, k := range ir {
				dr[j] = sr[k]
			}
		}
	})
}

// indexSelectDense is IndexSelect on dense views: src is [outer, rows,
// inner] and dst [outer, len(idx), inner], so each selected row is one
// copy of inner elements.
func indexSelectDense(dst, src backend.View, axis int, idx backend.View, ix []int64) {
	inner := backend.Numel(src.Shape[axis+1:])
	outer := backend.Numel(src.Shape[:axis])
	rows, m := src.Shape[axis], idx.Shape[0]
	d, s := buf(dst), buf(src)
	sel := func(j int) int { return int(ix[idx.Offset+j*idx.Strides[0]]) }
	switch d.dt {
	case backend.Float32:
		selectRows(d.F32[dst.Offset:], s.F32[src.Offset:], outer, rows, m, inner, sel)
	case backend.Float64:
		selectRows(d.F64[dst.Offset:], s.F64[src.Offset:], outer, rows, m, inner, sel)
	case backend.BFloat16, backend.Float16:
		selectRows(d.U16[dst.Offset:], s.U16[src.Offset:], outer, rows, m, inner, sel)
	case backend.Int64:
		selectRows(d.I64[dst.Offset:], s.I64[src.Offset:], outer, rows, m, inner, sel)
	case backend.Int32:
		selectRows(d.I32[dst.Offset:], s.I32[src.Offset:], outer, rows, m, inner, sel)
	case backend.Uint8:
		selectRows(d.U8[dst.Offset:], s.U8[src.Offset:], outer, rows, m, inner, sel)
	case backend.Bool:
		selectRows(d.B[dst.Offset:], s.B[src.Offset:], outer, rows, m, inner, sel)
	}
}

func selectRows[T any](d, s []T, outer, rows, m, inner int, sel func(int) int) {
	parallel.For(outer*m, max(1, grainElems/max(1, inner)), func(lo, hi int) {
		for u := lo; u < hi; u++ {
			o, j := u/m, u%m
			src := s[(o*rows+sel(j))*inner:][:inner]
			copy(d[u*inner:(u+1)*inner], src)
		}
	})
}
