package cuda

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/emberdl/ember/backend/cuda/kernels"
)

// visits lists, for every element of shape in row-major order, the element
// offset of each operand: the reference for the launch planner.
func visits(shape []int, strides [][]int, offs []int) [][2]int {
	var out [][2]int
	idx := make([]int, len(shape))
	n := 1
	for _, s := range shape {
		n *= s
	}
	for e := 0; e < n; e++ {
		var v [2]int
		for o := range strides {
			v[o] = offs[o]
			for d := range shape {
				v[o] += idx[d] * strides[o][d]
			}
		}
		out = append(out, v)
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

// kernelVisits lists what a kernel launched with (sh, st) visits: the
// index arithmetic of offset2 in ember_common.cuh.
func kernelVisits(sh *kernels.Shape, st []kernels.Strides) [][2]int {
	var out [][2]int
	n := sh.NumElements()
	for i := int64(0); i < n; i++ {
		var v [2]int
		for o := range st {
			if sh.Flat == 1 {
				v[o] = int(st[o].Offset + i)
				continue
			}
			off, rest := st[o].Offset, i
			for d := int(sh.NDim) - 1; d >= 0; d-- {
				q := rest / sh.Dim[d]
				off += (rest - q*sh.Dim[d]) * st[o].S[d]
				rest = q
			}
			v[o] = int(off)
		}
		out = append(out, v)
	}
	return out
}

func TestLaunchPlannerCoversTheIterationSpace(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, lim := range []ewLimits{{maxDims: 8, maxElems: 1 << 31}, {maxDims: 2, maxElems: 7}, {maxDims: 1, maxElems: 3}} {
		for trial := 0; trial < 200; trial++ {
			nd := rng.IntN(5)
			shape := make([]int, nd)
			for i := range shape {
				shape[i] = rng.IntN(4) + 1
			}
			if trial%17 == 0 && nd > 0 {
				shape[rng.IntN(nd)] = 0
			}
			strides := [][]int{make([]int, nd), make([]int, nd)}
			// Operand 0 dense; operand 1 random strides (broadcast, negative).
			acc := 1
			for d := nd - 1; d >= 0; d-- {
				strides[0][d] = acc
				acc *= shape[d]
				strides[1][d] = rng.IntN(7) - 2
			}
			offs := []int{rng.IntN(3), 20}
			want := visits(shape, strides, offs)
			var got [][2]int
			pieces := 0
			err := forEachLaunch(lim, shape, []operand{{0, strides[0], offs[0]}, {0, strides[1], offs[1]}},
				func(sh *kernels.Shape, st []kernels.Strides) error {
					pieces++
					if int(sh.NDim) > lim.maxDims || sh.NumElements() > lim.maxElems || sh.NumElements() == 0 {
						return fmt.Errorf("piece %v beyond the limits %+v", sh.Dim[:sh.NDim], lim)
					}
					if sh.Flat == 1 && (sh.NDim != 1 || st[0].S[0] != 1 || st[1].S[0] != 1) {
						return fmt.Errorf("flat piece %+v with strides %v %v", sh, st[0].S[:sh.NDim], st[1].S[:sh.NDim])
					}
					got = append(got, kernelVisits(sh, st)...)
					return nil
				})
			if err != nil {
				t.Fatalf("shape %v strides %v: %v", shape, strides, err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("limits %+v, shape %v, strides %v, offsets %v: visits\n%v\nwant\n%v", lim, shape, strides, offs, got, want)
			}
		}
	}
}

func TestCoalesceMergesContiguousDims(t *testing.T) {
	for _, c := range []struct {
		shape   []int
		strides [][]int
		dims    []int
		st      [][]int
	}{
		{[]int{2, 3, 4}, [][]int{{12, 4, 1}, {12, 4, 1}}, []int{24}, [][]int{{1}, {1}}},
		{[]int{2, 3, 4}, [][]int{{12, 4, 1}, {0, 4, 1}}, []int{2, 12}, [][]int{{12, 1}, {0, 1}}},
		{[]int{2, 1, 4}, [][]int{{4, 99, 1}, {1, 7, 2}}, []int{2, 4}, [][]int{{4, 1}, {1, 2}}},
		{[]int{1, 1}, [][]int{{5, 5}}, nil, [][]int{nil}},
	} {
		dims, st, ok := coalesce(c.shape, c.strides)
		if !ok || !slices.Equal(dims, c.dims) || fmt.Sprint(st) != fmt.Sprint(c.st) {
			t.Errorf("coalesce(%v, %v) = %v, %v, %v; want %v, %v", c.shape, c.strides, dims, st, ok, c.dims, c.st)
		}
	}
}
