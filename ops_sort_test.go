package ember

import (
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
)

func init() {
	registerGolden("sort", func(a goldenArgs, in []*Tensor) []*Tensor {
		v, i := in[0].Sort(a.Int("axis", -1), a.Bool("descending", false))
		return []*Tensor{v, i}
	})
	registerGolden("argsort", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return in[0].Argsort(a.Int("axis", -1), a.Bool("descending", false))
	}))
	registerGolden("topk", func(a goldenArgs, in []*Tensor) []*Tensor {
		v, i := in[0].Topk(a.Int("k", 1), a.Int("axis", -1), a.Bool("largest", true), true)
		return []*Tensor{v, i}
	})
	registerGolden("kthvalue", func(a goldenArgs, in []*Tensor) []*Tensor {
		v, i := in[0].Kthvalue(a.Int("k", 1), a.Int("axis", -1), a.Bool("keep", false))
		return []*Tensor{v, i}
	})
	registerGolden("unique", func(a goldenArgs, in []*Tensor) []*Tensor {
		v, inv, c := in[0].Unique(a.Bool("sorted", true), true, true)
		return []*Tensor{v, inv, c}
	})

	// Distinct values keep the selections away from ties, where finite
	// differences would jump between elements.
	distinct := func(seed uint64, shape ...int) func() []*Tensor {
		return func() []*Tensor {
			n := 1
			for _, s := range shape {
				n *= s
			}
			v := make([]float64, n)
			for i := range v {
				v[i] = float64((i*7+int(seed))%n)*0.3 - 1
			}
			return []*Tensor{FromSlice(v, shape...).SetRequiresGrad(true)}
		}
	}
	sq := func(y *Tensor) *Tensor { return y.Mul(y) }
	addGradCheck(gradCase{name: "sort", secondOrder: true, inputs: distinct(1, 3, 4),
		f: func(in []*Tensor) *Tensor { v, _ := in[0].Sort(1, true); return sq(v) }})
	addGradCheck(gradCase{name: "sort_axis0", secondOrder: true, inputs: distinct(2, 4, 3),
		f: func(in []*Tensor) *Tensor { v, _ := in[0].Sort(0, false); return sq(v) }})
	addGradCheck(gradCase{name: "topk", secondOrder: true, inputs: distinct(3, 3, 5),
		f: func(in []*Tensor) *Tensor { v, _ := in[0].Topk(2, -1, true, true); return sq(v) }})
	addGradCheck(gradCase{name: "topk_smallest", secondOrder: true, inputs: distinct(4, 5, 2),
		f: func(in []*Tensor) *Tensor { v, _ := in[0].Topk(3, 0, false, true); return sq(v) }})
	addGradCheck(gradCase{name: "kthvalue", secondOrder: true, inputs: distinct(5, 3, 4),
		f: func(in []*Tensor) *Tensor { v, _ := in[0].Kthvalue(2, 1, false); return sq(v) }})
	addGradCheck(gradCase{name: "kthvalue_keep", secondOrder: true, inputs: distinct(6, 3, 4),
		f: func(in []*Tensor) *Tensor { v, _ := in[0].Kthvalue(3, 0, true); return sq(v) }})
}

// TestSortAgainstGo compares Sort with Go's stable sort on random data with
// many ties, along every axis of a 3-D tensor, in both directions.
func TestSortAgainstGo(t *testing.T) {
	x := RandInt(0, 5, []int{4, 6, 5}, NewGenerator(3)).To(Float64)
	for axis := range 3 {
		for _, desc := range []bool{false, true} {
			v, idx := x.Sort(axis, desc)
			// Move the axis last so each lane is contiguous.
			xl := x.Transpose(axis, 2).Contiguous().Float64s()
			vl := v.Transpose(axis, 2).Contiguous().Float64s()
			il := idx.Transpose(axis, 2).Contiguous().Int64s()
			n := x.Size(axis)
			for lane := 0; lane < len(xl)/n; lane++ {
				src := xl[lane*n : (lane+1)*n]
				perm := make([]int, n)
				for i := range perm {
					perm[i] = i
				}
				sort.SliceStable(perm, func(i, j int) bool {
					if desc {
						return src[perm[i]] > src[perm[j]]
					}
					return src[perm[i]] < src[perm[j]]
				})
				for i, p := range perm {
					if il[lane*n+i] != int64(p) || vl[lane*n+i] != src[p] {
						t.Fatalf("axis %d desc %v lane %d: got indices %v, want %v", axis, desc, lane, il[lane*n:(lane+1)*n], perm)
					}
				}
			}
		}
	}
}

// TestUniqueAgainstGo checks Unique against a map-based count.
func TestUniqueAgainstGo(t *testing.T) {
	x := RandInt(-4, 4, []int{5, 7}, NewGenerator(11))
	vals, inv, counts := x.Unique(true, true, true)
	data := x.Int64s()
	count := map[int64]int64{}
	for _, v := range data {
		count[v]++
	}
	var keys []int64
	for k := range count {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(vals.Int64s(), keys) {
		t.Fatalf("values %v, want %v", vals.Int64s(), keys)
	}
	for i, k := range keys {
		if counts.Int64s()[i] != count[k] {
			t.Fatalf("count of %d = %d, want %d", k, counts.Int64s()[i], count[k])
		}
	}
	if !slices.Equal(inv.Shape(), x.Shape()) {
		t.Fatalf("inverse shape %v", inv.Shape())
	}
	for i, j := range inv.Int64s() {
		if keys[j] != data[i] {
			t.Fatalf("inverse[%d] = %d points at %d, want %d", i, j, keys[j], data[i])
		}
	}
	if _, inv, counts := x.Unique(true, false, false); inv != nil || counts != nil {
		t.Fatal("inverse and counts returned without being asked for")
	}
	// Every NaN is its own value.
	v, _, c := FromSlice([]float64{math.NaN(), 1, math.NaN()}).Unique(true, false, true)
	if got := v.Numel(); got != 3 || !slices.Equal(c.Int64s(), []int64{1, 1, 1}) {
		t.Fatalf("NaNs: values %v counts %v", v.Float64s(), c.Int64s())
	}
}

func TestSortErrors(t *testing.T) {
	x := Zeros([]int{3, 4})
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"sort_axis", func() { x.Sort(2, false) }, "sort: axis 2 is out of range"},
		{"topk_k", func() { x.Topk(5, 1, true, true) }, "selected index k out of range: k = 5 for dimension 1 of size 4"},
		{"topk_negative", func() { x.Topk(-1, 1, true, true) }, "selected index k out of range"},
		{"topk_scalar", func() { Scalar(1.0).Topk(2, 0, true, true) }, "selected index k out of range: k = 2 for a tensor of 1 element"},
		{"kthvalue_k", func() { x.Kthvalue(0, 0, false) }, "selected number k out of range: k = 0 for dimension 0 of size 3"},
		{"kthvalue_large", func() { x.Kthvalue(4, 0, false) }, "selected number k out of range"},
		{"kthvalue_axis", func() { x.Kthvalue(1, -3, false) }, "axis -3 is out of range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Catch(c.f)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
		})
	}
}
