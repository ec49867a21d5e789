package cpu

import (
	"fmt"
	"math"
	"slices"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/vec"
	"github.com/emberdl/ember/internal/parallel"
)

// reduction splits a source view into kept dims (one output each) and
// reduced dims (walked per output).
type reduction struct {
	nOut      int
	keptShape []int
	keptSrc   []int // src strides of kept dims
	keptDst   []int // dst strides of kept dims
	red       *loop // walk over the reduced dims (base 0)
	redTotal  int
	innerRed  bool // the src's unit-stride dim is reduced: walk r inside j
	srcOff    int
	dstOff    int
}

func planReduction(dst, src backend.View, axes []int) *reduction {
	if len(dst.Shape) != len(src.Shape) {
		panic(fmt.Sprintf("cpu.Reduce: dst shape %v, src shape %v", dst.Shape, src.Shape))
	}
	isRed := make([]bool, len(src.Shape))
	for _, a := range axes {
		isRed[a] = true
	}
	r := &reduction{srcOff: src.Offset, dstOff: dst.Offset, nOut: 1}
	var redShape, redStrides []int
	unit := -1
	for d, s := range src.Shape {
		if src.Strides[d] == 1 || src.Strides[d] == -1 {
			if s > 1 {
				unit = d
			}
		}
		if isRed[d] {
			redShape = append(redShape, s)
			redStrides = append(redStrides, src.Strides[d])
			if dst.Shape[d] != 1 {
				panic(fmt.Sprintf("cpu.Reduce: reduced axis %d has dst size %d", d, dst.Shape[d]))
			}
			continue
		}
		r.keptShape = append(r.keptShape, s)
		r.keptSrc = append(r.keptSrc, src.Strides[d])
		r.keptDst = append(r.keptDst, dst.Strides[d])
		r.nOut *= s
	}
	r.innerRed = unit < 0 || isRed[unit]
	r.red = newLoop(redShape, []int{0}, redStrides)
	r.redTotal = r.red.total()
	return r
}

// offsets fills src and dst offsets of outputs [o0, o1).
func (r *reduction) offsets(o0, o1 int, srcOffs, dstOffs []int) {
	nd := len(r.keptShape)
	idx := make([]int, nd)
	rem := o0
	for d := nd - 1; d >= 0; d-- {
		idx[d] = rem % r.keptShape[d]
		rem /= r.keptShape[d]
	}
	so, do := r.srcOff, r.dstOff
	for d := range nd {
		so += idx[d] * r.keptSrc[d]
		do += idx[d] * r.keptDst[d]
	}
	for j := 0; j < o1-o0; j++ {
		srcOffs[j], dstOffs[j] = so, do
		for d := nd - 1; d >= 0; d-- {
			idx[d]++
			so += r.keptSrc[d]
			do += r.keptDst[d]
			if idx[d] < r.keptShape[d] {
				break
			}
			so -= r.keptSrc[d] * r.keptShape[d]
			do -= r.keptDst[d] * r.keptShape[d]
			idx[d] = 0
		}
	}
}

// acc is how a reduction folds elements of type T into an accumulator A.
// run and cols, when set, fold whole contiguous runs at once (vector
// kernels): run a run of one output's elements, cols `rows` rows (stride
// elements apart) of a run of consecutive outputs' elements, row j of the
// run into accumulator j.
type acc[T, A any] struct {
	init  A
	fold  func(A, T) A
	merge func(A, A) A
	run   func(A, []T) A
	cols  func(accs []A, src []T, rows, stride int)
}

// run reduces with accumulators of type A and stores through store.
func runReduction[T, A any](r *reduction, src []T, a acc[T, A], store func(dstOff int, v A)) {
	if r.nOut == 0 {
		return
	}
	work := r.nOut * max(r.redTotal, 1)
	workers := parallel.Workers()
	// Split the reduced walk too when there are few outputs and much work.
	splits := 1
	if r.nOut < workers && work > grainElems && r.red.rows > 1 {
		splits = min(workers, r.red.rows)
	}
	block := r.nOut
	if work > grainElems && r.nOut >= workers {
		block = max(1, (r.nOut+workers*4-1)/(workers*4))
	}
	nBlocks := (r.nOut + block - 1) / block
	partial := make([][]A, splits)
	var dstOffsAll []int
	if splits > 1 {
		dstOffsAll = make([]int, r.nOut)
	}
	parallel.Do(nBlocks*splits, func(u int) {
		b, s := u/splits, u%splits
		o0 := b * block
		o1 := min(o0+block, r.nOut)
		n := o1 - o0
		srcOffs := make([]int, n)
		dstOffs := make([]int, n)
		r.offsets(o0, o1, srcOffs, dstOffs)
		accs := make([]A, n)
		for j := range accs {
			accs[j] = a.init
		}
		rr0, rr1 := 0, r.red.rows
		if splits > 1 {
			per := (r.red.rows + splits - 1) / splits
			rr0, rr1 = min(s*per, r.red.rows), min((s+1)*per, r.red.rows)
		}
		if r.redTotal > 0 && rr0 < rr1 {
			inner := r.red.inner[0]
			if r.innerRed {
				for j := range accs {
					base := srcOffs[j]
					v := accs[j]
					r.red.rows_(rr0, rr1, 0, r.red.n, func(off [maxOps]int, m int) {
						o := base + off[0]
						if inner == 1 {
							if a.run != nil {
								v = a.run(v, src[o:o+m])
								return
							}
							for _, x := range src[o : o+m] {
								v = a.fold(v, x)
							}
							return
						}
						for i := 0; i < m; i++ {
							v = a.fold(v, src[o+i*inner])
						}
					})
					accs[j] = v
				}
			} else if segs := contiguousRuns(srcOffs); a.cols != nil && segs != nil {
				// Outputs whose sources are consecutive: fold a row of
				// them at a time.
				r.red.rows_(rr0, rr1, 0, r.red.n, func(off [maxOps]int, m int) {
					for k := 0; k+1 < len(segs); k++ {
						j0, j1 := segs[k], segs[k+1]
						a.cols(accs[j0:j1], src[srcOffs[j0]+off[0]:], m, inner)
					}
				})
			} else {
				r.red.rows_(rr0, rr1, 0, r.red.n, func(off [maxOps]int, m int) {
					for i := 0; i < m; i++ {
						ro := off[0] + i*inner
						for j, so := range srcOffs {
							accs[j] = a.fold(accs[j], src[so+ro])
						}
					}
				})
			}
		}
		if splits == 1 {
			for j, v := range accs {
				store(dstOffs[j], v)
			}
			return
		}
		partial[s] = accs
		copy(dstOffsAll[o0:o1], dstOffs)
	})
	if splits > 1 {
		for j := range r.nOut {
			v := partial[0][j]
			for s := 1; s < splits; s++ {
				v = a.merge(v, partial[s][j])
			}
			store(dstOffsAll[j], v)
		}
	}
}

// contiguousRuns splits outputs by their source offsets into runs of
// consecutive offsets, returning the run boundaries (0, ..., len), or nil
// when the runs are too short to be worth it.
func contiguousRuns(offs []int) []int {
	segs := []int{0}
	for j := 1; j < len(offs); j++ {
		if offs[j] != offs[j-1]+1 {
			segs = append(segs, j)
		}
	}
	segs = append(segs, len(offs))
	if len(offs) < 8*(len(segs)-1) {
		return nil
	}
	return segs
}

// Reduce reduces src over axes into dst (keepdim shape).
func (c *Backend) Reduce(op backend.ReduceOp, dst, src backend.View, axes []int) {
	r := planReduction(dst, src, axes)
	defer r.red.free()
	d, s := buf(dst), buf(src)
	switch op {
	case backend.All, backend.Any:
		if d.dt != backend.Bool {
			panic("cpu.Reduce: all/any write bool")
		}
		var a acc[bool, bool]
		if op == backend.All {
			a = acc[bool, bool]{init: true, fold: func(v, x bool) bool { return v && x }, merge: func(v, w bool) bool { return v && w }}
		} else {
			a = acc[bool, bool]{init: false, fold: func(v, x bool) bool { return v || x }, merge: func(v, w bool) bool { return v || w }}
		}
		if s.dt != backend.Bool {
			panic("cpu.Reduce: all/any read bool (ember converts first)")
		}
		runReduction(r, s.B, a, func(o int, v bool) { d.B[o] = v })
		return
	}
	switch s.dt {
	case backend.Float32:
		reduceFloat(r, op, s.F32, d)
	case backend.Float64:
		reduceFloat(r, op, s.F64, d)
	case backend.Int64:
		reduceInt(r, op, s.I64, d)
	case backend.Int32:
		reduceInt(r, op, s.I32, d)
	case backend.Uint8:
		reduceInt(r, op, s.U8, d)
	case backend.Bool:
		reduceInt(r, op, boolsAsU8(s.B), d)
	default:
		panic("cpu.Reduce of " + s.dt.String())
	}
}

func boolsAsU8(b []bool) []uint8 {
	out := make([]uint8, len(b))
	for i, v := range b {
		if v {
			out[i] = 1
		}
	}
	return out
}

func floatAcc[T float](op backend.ReduceOp) acc[T, float64] {
	switch op {
	case backend.Sum:
		return acc[T, float64]{0, func(v float64, x T) float64 { return v + float64(x) }, func(v, w float64) float64 { return v + w }, nil, nil}
	case backend.Prod:
		return acc[T, float64]{1, func(v float64, x T) float64 { return v * float64(x) }, func(v, w float64) float64 { return v * w }, nil, nil}
	case backend.Max:
		m := func(v, x float64) float64 {
			if x > v || x != x {
				return x
			}
			return v
		}
		return acc[T, float64]{math.Inf(-1), func(v float64, x T) float64 {
			if v != v {
				return v
			}
			return m(v, float64(x))
		}, func(v, w float64) float64 {
			if v != v {
				return v
			}
			return m(v, w)
		}, nil, nil}
	case backend.Min:
		m := func(v, x float64) float64 {
			if x < v || x != x {
				return x
			}
			return v
		}
		return acc[T, float64]{math.Inf(1), func(v float64, x T) float64 {
			if v != v {
				return v
			}
			return m(v, float64(x))
		}, func(v, w float64) float64 {
			if v != v {
				return v
			}
			return m(v, w)
		}, nil, nil}
	}
	panic("cpu.Reduce: unknown op")
}

func reduceFloat[T float](r *reduction, op backend.ReduceOp, src []T, d *Buffer) {
	a := floatAcc[T](op)
	if s32, ok := any(src).([]float32); ok {
		a = any(withVec32(any(a).(acc[float32, float64]), op, s32)).(acc[T, float64])
	}
	switch d.dt {
	case backend.Float32:
		runReduction(r, src, a, func(o int, v float64) { d.F32[o] = float32(v) })
	case backend.Float64:
		runReduction(r, src, a, func(o int, v float64) { d.F64[o] = v })
	default:
		panic("cpu.Reduce: float source into " + d.dt.String())
	}
}

func reduceInt[T integer](r *reduction, op backend.ReduceOp, src []T, d *Buffer) {
	var a acc[T, int64]
	switch op {
	case backend.Sum:
		a = acc[T, int64]{0, func(v int64, x T) int64 { return v + int64(x) }, func(v, w int64) int64 { return v + w }, nil, nil}
	case backend.Prod:
		a = acc[T, int64]{1, func(v int64, x T) int64 { return v * int64(x) }, func(v, w int64) int64 { return v * w }, nil, nil}
	case backend.Max:
		a = acc[T, int64]{math.MinInt64, func(v int64, x T) int64 { return max(v, int64(x)) }, func(v, w int64) int64 { return max(v, w) }, nil, nil}
	case backend.Min:
		a = acc[T, int64]{math.MaxInt64, func(v int64, x T) int64 { return min(v, int64(x)) }, func(v, w int64) int64 { return min(v, w) }, nil, nil}
	}
	switch d.dt {
	case backend.Int64:
		runReduction(r, src, a, func(o int, v int64) { d.I64[o] = v })
	case backend.Int32:
		runReduction(r, src, a, func(o int, v int64) { d.I32[o] = int32(v) })
	case backend.Uint8:
		runReduction(r, src, a, func(o int, v int64) { d.U8[o] = uint8(v) })
	case backend.Bool:
		runReduction(r, src, a, func(o int, v int64) { d.B[o] = v != 0 })
	default:
		panic("cpu.Reduce: integer source into " + d.dt.String())
	}
}

// ArgReduce writes the index of the first max/min along axis.
func (c *Backend) ArgReduce(op backend.ArgOp, dst, src backend.View, axis int) {
	d, s := buf(dst), buf(src)
	if d.dt != backend.Int64 {
		panic("cpu.ArgReduce writes int64")
	}
	n := src.Shape[axis]
	st := src.Strides[axis]
	switch s.dt {
	case backend.Float32:
		argAlong(dst, src, axis, func(so, do int) { d.I64[do] = argFloat(s.F32, so, st, n, op) })
	case backend.Float64:
		argAlong(dst, src, axis, func(so, do int) { d.I64[do] = argFloat(s.F64, so, st, n, op) })
	case backend.Int64:
		argAlong(dst, src, axis, func(so, do int) { d.I64[do] = argOrdered(s.I64, so, st, n, op) })
	case backend.Int32:
		argAlong(dst, src, axis, func(so, do int) { d.I64[do] = argOrdered(s.I32, so, st, n, op) })
	case backend.Uint8:
		argAlong(dst, src, axis, func(so, do int) { d.I64[do] = argOrdered(s.U8, so, st, n, op) })
	default:
		panic("cpu.ArgReduce of " + s.dt.String())
	}
}

// argAlong calls fn(srcOffset, dstOffset) for each lane along axis: the
// source offset of the lane's first element and the destination offset.
func argAlong(dst, src backend.View, axis int, fn func(so, do int)) {
	shape := slices.Clone(src.Shape)
	shape[axis] = 1
	sst := slices.Clone(src.Strides)
	sst[axis] = 0
	l := newLoop(shape, []int{dst.Offset, src.Offset}, dst.Strides, sst)
	defer l.free()
	cost := max(1, src.Shape[axis])
	l.run(cost, func(off [maxOps]int, m int) {
		for i := 0; i < m; i++ {
			fn(off[1]+i*l.inner[1], off[0]+i*l.inner[0])
		}
	})
}

func argFloat[T float](s []T, o, st, n int, op backend.ArgOp) int64 {
	best, bi := s[o], 0
	if best != best {
		return 0
	}
	for i := 1; i < n; i++ {
		x := s[o+i*st]
		if x != x {
			return int64(i)
		}
		if (op == backend.ArgMax && x > best) || (op == backend.ArgMin && x < best) {
			best, bi = x, i
		}
	}
	return int64(bi)
}

func argOrdered[T integer](s []T, o, st, n int, op backend.ArgOp) int64 {
	best, bi := s[o], 0
	for i := 1; i < n; i++ {
		x := s[o+i*st]
		if (op == backend.ArgMax && x > best) || (op == backend.ArgMin && x < best) {
			best, bi = x, i
		}
	}
	return int64(bi)
}

// Cumulative writes running sums or products along axis.
func (c *Backend) Cumulative(op backend.CumOp, dst, src backend.View, axis int) {
	d, s := buf(dst), buf(src)
	n := src.Shape[axis]
	ss, ds := src.Strides[axis], dst.Strides[axis]
	shape := slices.Clone(src.Shape)
	shape[axis] = 1
	l := newLoop(shape, []int{dst.Offset, src.Offset}, dst.Strides, src.Strides)
	defer l.free()
	prod := op == backend.CumProd
	lanes := func(fn func(so, do int)) {
		l.run(max(1, n), func(off [maxOps]int, m int) {
			for i := 0; i < m; i++ {
				fn(off[1]+i*l.inner[1], off[0]+i*l.inner[0])
			}
		})
	}
	switch {
	case s.dt == backend.Float32 && d.dt == backend.Float32:
		lanes(func(so, do int) { cumLane(d.F32, s.F32, so, do, ss, ds, n, prod) })
	case s.dt == backend.Float64 && d.dt == backend.Float64:
		lanes(func(so, do int) { cumLane(d.F64, s.F64, so, do, ss, ds, n, prod) })
	case s.dt == backend.Int64 && d.dt == backend.Int64:
		lanes(func(so, do int) { cumLane(d.I64, s.I64, so, do, ss, ds, n, prod) })
	default:
		panic(fmt.Sprintf("cpu.Cumulative: %v into %v (ember converts integers to int64 first)", s.dt, d.dt))
	}
}

func cumLane[T float | int64](d, s []T, so, do, ss, ds, n int, prod bool) {
	var v T
	if prod {
		v = 1
	}
	for i := 0; i < n; i++ {
		if prod {
			v *= s[so+i*ss]
		} else {
			v += s[so+i*ss]
		}
		d[do+i*ds] = v
	}
}

// withVec32 adds the vector kernels of float32 sums and maxima to a.
func withVec32(a acc[float32, float64], op backend.ReduceOp, _ []float32) acc[float32, float64] {
	switch op {
	case backend.Sum:
		a.run = func(v float64, x []float32) float64 { return v + vec.Sum(x) }
		a.cols = vec.AccumulateRows
	case backend.Max:
		a.run = func(v float64, x []float32) float64 { return a.merge(v, float64(vec.Max(x))) }
	}
	return a
}
