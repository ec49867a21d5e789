package ember

import (
	"math"
	"testing"
)

func init() {
	axesKeep := func(name string, f func(x *Tensor, axes []int, keep bool) *Tensor) {
		registerGolden(name, one(func(a goldenArgs, in []*Tensor) *Tensor {
			return f(in[0], a.Ints("axes"), a.Bool("keep", false))
		}))
	}
	keepOr := func(keep func(*Tensor, ...int) *Tensor, drop func(*Tensor, ...int) *Tensor) func(x *Tensor, axes []int, k bool) *Tensor {
		return func(x *Tensor, axes []int, k bool) *Tensor {
			if k {
				return keep(x, axes...)
			}
			return drop(x, axes...)
		}
	}
	axesKeep("sum", keepOr((*Tensor).SumKeep, (*Tensor).Sum))
	axesKeep("mean", keepOr((*Tensor).MeanKeep, (*Tensor).Mean))
	axesKeep("prod", keepOr((*Tensor).ProdKeep, (*Tensor).Prod))
	axesKeep("amax", keepOr((*Tensor).AmaxKeep, (*Tensor).Amax))
	axesKeep("amin", keepOr((*Tensor).AminKeep, (*Tensor).Amin))
	axesKeep("logsumexp", keepOr((*Tensor).LogSumExpKeep, (*Tensor).LogSumExp))
	axesKeep("all", keepOr((*Tensor).AllKeep, (*Tensor).All))
	axesKeep("any", keepOr((*Tensor).AnyKeep, (*Tensor).Any))
	registerGolden("var", one(func(a goldenArgs, in []*Tensor) *Tensor {
		if a.Bool("keep", false) {
			return in[0].VarKeep(a.Int("correction", 1), a.Ints("axes")...)
		}
		return in[0].Var(a.Int("correction", 1), a.Ints("axes")...)
	}))
	registerGolden("std", one(func(a goldenArgs, in []*Tensor) *Tensor {
		if a.Bool("keep", false) {
			return in[0].StdKeep(a.Int("correction", 1), a.Ints("axes")...)
		}
		return in[0].Std(a.Int("correction", 1), a.Ints("axes")...)
	}))
	registerGolden("norm", one(func(a goldenArgs, in []*Tensor) *Tensor { return in[0].Norm(a.Float("p", 2), a.Ints("axes")...) }))
	registerGolden("max_dim", func(a goldenArgs, in []*Tensor) []*Tensor {
		v, i := in[0].MaxDim(a.Int("axis", 0), a.Bool("keep", false))
		return []*Tensor{v, i}
	})
	registerGolden("min_dim", func(a goldenArgs, in []*Tensor) []*Tensor {
		v, i := in[0].MinDim(a.Int("axis", 0), a.Bool("keep", false))
		return []*Tensor{v, i}
	})
	registerGolden("max_all", one(func(a goldenArgs, in []*Tensor) *Tensor { return in[0].Max() }))
	registerGolden("min_all", one(func(a goldenArgs, in []*Tensor) *Tensor { return in[0].Min() }))
	argOp := func(keep, drop func(*Tensor, ...int) *Tensor) goldenOp {
		return one(func(a goldenArgs, in []*Tensor) *Tensor {
			var axes []int
			var ax *int
			if a.Get("axis", &ax); ax != nil {
				axes = []int{*ax}
			}
			if a.Bool("keep", false) {
				return keep(in[0], axes...)
			}
			return drop(in[0], axes...)
		})
	}
	registerGolden("argmax", argOp((*Tensor).ArgmaxKeep, (*Tensor).Argmax))
	registerGolden("argmin", argOp((*Tensor).ArgminKeep, (*Tensor).Argmin))
	registerGolden("cumsum", one(func(a goldenArgs, in []*Tensor) *Tensor { return in[0].Cumsum(a.Int("axis", 0)) }))
	registerGolden("cumprod", one(func(a goldenArgs, in []*Tensor) *Tensor { return in[0].Cumprod(a.Int("axis", 0)) }))

	red := []struct {
		name string
		lo   float64
		f    func(x *Tensor) *Tensor
	}{
		{"sum", -2, func(x *Tensor) *Tensor { return x.Sum(0, 2) }},
		{"sum_all", -2, func(x *Tensor) *Tensor { return x.Sum() }},
		{"mean", -2, func(x *Tensor) *Tensor { return x.MeanKeep(1) }},
		{"prod", 0.5, func(x *Tensor) *Tensor { return x.Prod(1, 2) }},
		{"prod_zero", -2, func(x *Tensor) *Tensor {
			z := x.Mul(FromSlice([]float64{1, 0, 1, 1}).Reshape(1, 1, 4))
			return z.Prod(2)
		}},
		{"amax", -2, func(x *Tensor) *Tensor { return x.Amax(0, 1) }},
		{"amin", -2, func(x *Tensor) *Tensor { return x.AminKeep(2) }},
		{"max_all", -2, func(x *Tensor) *Tensor { return x.Max() }},
		{"min_all", -2, func(x *Tensor) *Tensor { return x.Min() }},
		{"max_dim", -2, func(x *Tensor) *Tensor { v, _ := x.MaxDim(1, false); return v }},
		{"min_dim", -2, func(x *Tensor) *Tensor { v, _ := x.MinDim(-1, true); return v }},
		{"var", -2, func(x *Tensor) *Tensor { return x.Var(1, 1) }},
		{"std", -2, func(x *Tensor) *Tensor { return x.Std(0, 0, 2) }},
		{"norm2", -2, func(x *Tensor) *Tensor { return x.Norm(2, 1) }},
		{"norm1", 0.1, func(x *Tensor) *Tensor { return x.Norm(1) }},
		{"norm3", 0.1, func(x *Tensor) *Tensor { return x.Norm(3, 2) }},
		{"norm_inf", -2, func(x *Tensor) *Tensor { return x.Norm(math.Inf(1), 2) }},
		{"logsumexp", -2, func(x *Tensor) *Tensor { return x.LogSumExp(1) }},
		{"cumsum", -2, func(x *Tensor) *Tensor { return x.Cumsum(1) }},
		{"cumprod", 0.5, func(x *Tensor) *Tensor { return x.Cumprod(2) }},
		{"cumprod_zero", -2, func(x *Tensor) *Tensor {
			z := x.Mul(FromSlice([]float64{1, 0, 1, 1}).Reshape(1, 1, 4))
			return z.Cumprod(2)
		}},
	}
	for i, c := range red {
		s := uint64(300 + i)
		addGradCheck(gradCase{name: c.name, secondOrder: c.name != "amax" && c.name != "amin" && c.name != "norm_inf" && c.name != "max_all" && c.name != "min_all",
			inputs: func() []*Tensor { return []*Tensor{randT(s, c.lo, 2, 2, 3, 4)} },
			f:      func(in []*Tensor) *Tensor { return c.f(in[0]) }})
	}
}

func TestReduceErrors(t *testing.T) {
	x := Ones([]int{2, 3})
	if err := Catch(func() { x.Sum(2) }); err == nil {
		t.Error("sum over axis 2 of a rank-2 tensor: no error")
	} else if _, ok := err.(*AxisError); !ok {
		t.Errorf("error %T, want *AxisError", err)
	}
	if err := Catch(func() { x.Sum(1, -1) }); err == nil {
		t.Error("repeated axis: no error")
	}
	if err := Catch(func() { FromSlice([]int64{1}).Mean() }); err == nil {
		t.Error("mean of int64: no error")
	}
	if err := Catch(func() { Zeros([]int{0, 3}).Amax(0) }); err == nil {
		t.Error("amax over an empty axis: no error")
	}
}

func TestLargeReductionAccuracy(t *testing.T) {
	// A million float32 ones must sum exactly (float64 accumulation).
	n := 1 << 20
	s := Ones([]int{n}).Sum().Item()
	if s != float64(n) {
		t.Fatalf("sum of %d ones = %v", n, s)
	}
	m := Ones([]int{64, 4096}).Mean(0)
	if v := m.Float32s(); v[0] != 1 || v[4095] != 1 {
		t.Fatalf("mean over rows: %v %v", v[0], v[4095])
	}
}
