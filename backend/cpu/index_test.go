package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
)

// TestIndexSelectDense checks the dense fast path on every axis against
// the definition dst[.., j, ..] = src[.., idx[j], ..].
func TestIndexSelectDense(t *testing.T) {
	c := New()
	r := rand.New(rand.NewPCG(41, 42))
	shape := []int{3, 5, 7}
	src := make([]float64, 3*5*7)
	for i := range src {
		src[i] = r.Float64()
	}
	for axis := range 3 {
		m := 4
		idx := make([]int64, m)
		for j := range idx {
			idx[j] = int64(r.IntN(shape[axis]))
		}
		out := append([]int(nil), shape...)
		out[axis] = m
		dst := make([]float64, backend.Numel(out))
		c.IndexSelect(backend.Dense(NewBuffer(backend.Float64, dst), out...), backend.Dense(NewBuffer(backend.Float64, src), shape...), axis, backend.Dense(NewBuffer(backend.Int64, idx), m))
		for a := range out[0] {
			for b := range out[1] {
				for k := range out[2] {
					pos := []int{a, b, k}
					pos[axis] = int(idx[pos[axis]])
					want := src[(pos[0]*5+pos[1])*7+pos[2]]
					if got := dst[(a*out[1]+b)*out[2]+k]; got != want {
						t.Fatalf("axis %d [%d %d %d] = %v, want %v", axis, a, b, k, got, want)
					}
				}
			}
		}
	}
}

// TestScatterGatherLastAxis checks the dense last-axis paths of Scatter
// (assign and add, with repeated indices) and Gather.
func TestScatterGatherLastAxis(t *testing.T) {
	c := New()
	r := rand.New(rand.NewPCG(43, 44))
	rows, n, m := 37, 9, 6
	idx := make([]int64, rows*m)
	src := make([]float32, rows*m)
	for i := range idx {
		idx[i] = int64(r.IntN(n))
		src[i] = float32(r.IntN(100))
	}
	iv := backend.Dense(NewBuffer(backend.Int64, idx), rows, m)
	sv := backend.Dense(NewBuffer(backend.Float32, src), rows, m)
	for _, add := range []bool{false, true} {
		dst := make([]float32, rows*n)
		for i := range dst {
			dst[i] = 1000
		}
		want := append([]float32(nil), dst...)
		for rr := range rows {
			for j := range m {
				p := rr*n + int(idx[rr*m+j])
				if add {
					want[p] += src[rr*m+j]
				} else {
					want[p] = src[rr*m+j]
				}
			}
		}
		c.Scatter(backend.Dense(NewBuffer(backend.Float32, dst), rows, n), 1, iv, sv, add)
		for i := range want {
			if dst[i] != want[i] {
				t.Fatalf("scatter add=%v: element %d = %v, want %v", add, i, dst[i], want[i])
			}
		}
	}
	table := make([]float32, rows*n)
	for i := range table {
		table[i] = float32(i)
	}
	got := make([]float32, rows*m)
	c.Gather(backend.Dense(NewBuffer(backend.Float32, got), rows, m), backend.Dense(NewBuffer(backend.Float32, table), rows, n), 1, iv)
	for rr := range rows {
		for j := range m {
			if want := table[rr*n+int(idx[rr*m+j])]; got[rr*m+j] != want {
				t.Fatalf("gather [%d %d] = %v, want %v", rr, j, got[rr*m+j], want)
			}
		}
	}
}
