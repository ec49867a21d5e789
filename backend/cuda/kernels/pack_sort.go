package kernels

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// SortTile is the longest row sorted in shared memory in one launch
// (EMBER_SORT_TILE).
const SortTile = 4096

// Sort plans backend.Sort of a tensor along one axis. Rows of at most
// SortTile elements take one launch (SortRows). Longer rows take
// 2 + ceil(log2(len/SortTile)) launches over a workspace of
// WorkspaceBytes: SortTiles sorts each tile of SortTile elements, each
// SortMerge launch merges neighbouring sorted runs into runs twice as
// long (a stable merge by binary search, O(n log n) work per launch), and
// SortGather writes values and indices. For rows of many millions of
// elements a radix sort would do less work; the backend may prefer the
// host there.
type Sort struct {
	shape  []int64
	axis   int
	rows   *space // other dims: strides of values, indices, src
	nRows  int64
	length int64
	merges int
	maxBlk int
}

// NewSort plans a sort of the given shape along axis; maxBlocks bounds
// the grids.
func NewSort(shape []int64, axis int, maxBlocks int) (*Sort, error) {
	if err := checkDims(shape); err != nil {
		return nil, err
	}
	if err := checkAxis(axis, len(shape)); err != nil {
		return nil, err
	}
	s := &Sort{shape: append([]int64(nil), shape...), axis: axis, length: shape[axis], maxBlk: max(maxBlocks, 1)}
	n := int64(1)
	for i, d := range shape {
		if i != axis {
			n *= d
		}
	}
	s.nRows = n
	if s.length >= math.MaxUint32 || n*s.length > math.MaxInt64/32 || n > math.MaxInt32 {
		return nil, fmt.Errorf("kernels: sort of %d rows of %d elements is too large", n, s.length)
	}
	if s.length > SortTile {
		runs := (s.length + SortTile - 1) / SortTile
		s.merges = bits.Len64(uint64(runs - 1))
	}
	return s, nil
}

// Steps returns the number of launches.
func (s *Sort) Steps() int {
	if s.length <= SortTile {
		return 1
	}
	return 2 + s.merges
}

// Elements returns the number of elements sorted; 0 needs no launch.
func (s *Sort) Elements() int64 { return s.nRows * s.length }

// WorkspaceBytes returns the scratch memory of a tiled sort: two buffers
// of (u64 key, u32 position) per element; 0 for rows of at most SortTile.
func (s *Sort) WorkspaceBytes() int64 {
	if s.length <= SortTile {
		return 0
	}
	return 24 * s.nRows * s.length
}

// workspace returns the key and position buffers b (0 or 1) of work.
func (s *Sort) workspace(work driver.DevicePtr, b int) (keys, pos driver.DevicePtr) {
	n := driver.DevicePtr(s.nRows * s.length)
	return work + driver.DevicePtr(b)*8*n, work + 16*n + driver.DevicePtr(b)*4*n
}

// Pack packs launch step (0 <= step < Steps()) of the sort of src (type t)
// into values (type t) and indices (i64), all with the planned shape and
// any strides, descending or not, with work the workspace of a tiled sort.
// It returns the kernel and its launch.
func (s *Sort) Pack(a *driver.Args, step int, t DType, values, indices, src *Operand, work driver.DevicePtr, descending bool) (Kernel, Launch, error) {
	if step < 0 || step >= s.Steps() {
		return Kernel{}, Launch{}, fmt.Errorf("kernels: step %d of a %d-step sort", step, s.Steps())
	}
	rows := withoutAxis(s.shape, s.axis, values.Strides.S[:], indices.Strides.S[:], src.Strides.S[:])
	sh, err := NewShape(rows.size...)
	if err != nil {
		return Kernel{}, Launch{}, err
	}
	vSt, iSt, sSt := rows.strides(0, values.Strides.Offset), rows.strides(1, indices.Strides.Offset), rows.strides(2, src.Strides.Offset)
	vAx, iAx, sAx := values.Strides.S[s.axis], indices.Strides.S[s.axis], src.Strides.S[s.axis]
	a.Reset()
	if s.Steps() == 1 {
		block := min(max(pow2AtLeast(s.length)/2, 32), 1024)
		a.Ptr(values.Ptr)
		driver.ArgStruct(a, &vSt)
		a.I64(vAx).Ptr(indices.Ptr)
		driver.ArgStruct(a, &iSt)
		a.I64(iAx).Ptr(src.Ptr)
		driver.ArgStruct(a, &sSt)
		a.I64(sAx)
		driver.ArgStruct(a, &sh)
		a.I64(s.nRows).I64(s.length).I32(boolInt(descending))
		return SortKernel(SortRows, t), Launch{driver.D1(uint32(max(min(s.nRows, int64(s.maxBlk)), 1))), driver.D1(uint32(block))}, a.Err()
	}
	if work == 0 {
		return Kernel{}, Launch{}, fmt.Errorf("kernels: a tiled sort needs its workspace")
	}
	n := s.nRows * s.length
	switch {
	case step == 0:
		keys, pos := s.workspace(work, 0)
		a.Ptr(keys).Ptr(pos).Ptr(src.Ptr)
		driver.ArgStruct(a, &sSt)
		a.I64(sAx)
		driver.ArgStruct(a, &sh)
		a.I64(s.nRows).I64(s.length).I32(boolInt(descending))
		tiles := s.nRows * ((s.length + SortTile - 1) / SortTile)
		return SortKernel(SortTiles, t), Launch{driver.D1(uint32(min(tiles, int64(s.maxBlk)))), driver.D1(1024)}, a.Err()
	case step <= s.merges:
		m := step - 1
		kIn, pIn := s.workspace(work, m%2)
		kOut, pOut := s.workspace(work, (m+1)%2)
		a.Ptr(kOut).Ptr(pOut).Ptr(kIn).Ptr(pIn).I64(s.nRows).I64(s.length).I64(int64(SortTile) << m)
		return SortKernel(SortMerge, t), ElementwiseLaunch(n, s.maxBlk), a.Err()
	}
	_, pos := s.workspace(work, s.merges%2)
	a.Ptr(values.Ptr)
	driver.ArgStruct(a, &vSt)
	a.I64(vAx).Ptr(indices.Ptr)
	driver.ArgStruct(a, &iSt)
	a.I64(iAx).Ptr(src.Ptr)
	driver.ArgStruct(a, &sSt)
	a.I64(sAx).Ptr(pos)
	driver.ArgStruct(a, &sh)
	a.I64(s.nRows).I64(s.length)
	return SortKernel(SortGather, t), ElementwiseLaunch(n, s.maxBlk), a.Err()
}
