package ember

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// dtypeArg returns the case's dtype (if any) and device as options.
func dtypeArg(a goldenArgs) []Option {
	opts := []Option{argsDevice(a)}
	if s := a.String("dtype", ""); s != "" {
		d, err := ParseDType(s)
		if err != nil {
			panic(err)
		}
		opts = append(opts, d)
	}
	return opts
}

func init() {
	registerGolden("zeros", one(func(a goldenArgs, in []*Tensor) *Tensor { return Zeros(a.Ints("shape"), dtypeArg(a)...) }))
	registerGolden("ones", one(func(a goldenArgs, in []*Tensor) *Tensor { return Ones(a.Ints("shape"), dtypeArg(a)...) }))
	registerGolden("full", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return Full(a.Ints("shape"), a.Float("value", 0), dtypeArg(a)...)
	}))
	registerGolden("arange", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return Arange(a.Float("start", 0), a.Float("end", 0), a.Float("step", 1), dtypeArg(a)...)
	}))
	registerGolden("linspace", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return Linspace(a.Float("start", 0), a.Float("end", 0), a.Int("steps", 0), dtypeArg(a)...)
	}))
	registerGolden("eye", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return EyeNM(a.Int("n", 0), a.Int("m", 0), dtypeArg(a)...)
	}))
	registerGolden("from_nested", one(func(a goldenArgs, in []*Tensor) *Tensor {
		if a.Bool("int", false) {
			var v [][]int
			a.Get("data", &v)
			return From(v, argsDevice(a))
		}
		var v [][]float64
		a.Get("data", &v)
		return From(v, argsDevice(a))
	}))
}

func TestFromSliceAndBack(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	if !slices.Equal(x.Shape(), []int{2, 3}) || x.DType() != Float32 {
		t.Fatalf("shape %v dtype %v", x.Shape(), x.DType())
	}
	if got := x.Value().([][]float32); got[1][2] != 6 {
		t.Fatalf("Value() = %v", got)
	}
	if got := ToSlice[int](x.T()); !slices.Equal(got, []int{1, 4, 2, 5, 3, 6}) {
		t.Fatalf("ToSlice[int] of the transpose = %v", got)
	}
	type celsius float32
	if got := ToSlice[celsius](x); got[5] != 6 {
		t.Fatalf("named element type: %v", got)
	}
	b := FromSlice([]BF16{0x3f80, 0x4000}) // 1, 2 in bfloat16
	if b.DType() != BFloat16 || !slices.Equal(b.Float32s(), []float32{1, 2}) {
		t.Fatalf("bf16: %v %v", b.DType(), b.Float32s())
	}
	if err := Catch(func() { FromSlice([]float32{1, 2, 3}, 2, 2) }); err == nil || !strings.Contains(err.Error(), "shape [2 2] needs 4 elements, got 3") {
		t.Fatalf("wrong size: %v", err)
	}
	s := Scalar(2.5)
	if s.Dim() != 0 || s.Item() != 2.5 || s.DType() != Float64 {
		t.Fatalf("Scalar: dim %d item %v dtype %v", s.Dim(), s.Item(), s.DType())
	}
}

func TestFromNested(t *testing.T) {
	x := From([][][]int32{{{1}, {2}}, {{3}, {4}}})
	if !slices.Equal(x.Shape(), []int{2, 2, 1}) || x.DType() != Int64 {
		t.Fatalf("shape %v dtype %v", x.Shape(), x.DType())
	}
	if got := From(3.0).Dim(); got != 0 {
		t.Fatalf("From(number) has rank %d", got)
	}
	if got := From([]bool{true, false}).DType(); got != Bool {
		t.Fatalf("bools: %v", got)
	}
	if got := From([]float64{1}, Float64).DType(); got != Float64 {
		t.Fatalf("dtype option ignored: %v", got)
	}
	if err := Catch(func() { From([][]float32{{1, 2}, {3}}) }); err == nil || !strings.Contains(err.Error(), "ragged") {
		t.Fatalf("ragged input: %v", err)
	}
	if err := Catch(func() { From([]string{"a"}) }); err == nil {
		t.Fatal("strings accepted")
	}
	if err := Catch(func() { Zeros([]int{2}, "cuda") }); err == nil || !strings.Contains(err.Error(), "unknown option of type string") {
		t.Fatalf("bad option: %v", err)
	}
}

func TestCreationErrors(t *testing.T) {
	for name, f := range map[string]func(){
		"negative shape": func() { Zeros([]int{2, -1}) },
		"zero step":      func() { Arange(0, 1, 0) },
		"wrong sign":     func() { Arange(0, 5, -1) },
		"neg linspace":   func() { Linspace(0, 1, -2) },
		"randint range":  func() { RandInt(5, 5, []int{2}) },
		"int randn":      func() { Randn([]int{2}, Int64) },
	} {
		if err := Catch(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestRandomDeterminismAndMoments(t *testing.T) {
	ManualSeed(7)
	a := Randn([]int{1000})
	ManualSeed(7)
	b := Randn([]int{1000})
	if !slices.Equal(a.Float32s(), b.Float32s()) {
		t.Fatal("same seed, different numbers")
	}
	c := Randn([]int{1000})
	if slices.Equal(a.Float32s(), c.Float32s()) {
		t.Fatal("the stream did not advance")
	}
	g := NewGenerator(1)
	n := Normal([]int{200000}, 3, 2, Float64, g)
	if m := n.Mean().Item(); math.Abs(m-3) > 0.03 {
		t.Errorf("normal mean %v", m)
	}
	if s := n.Std(1).Item(); math.Abs(s-2) > 0.03 {
		t.Errorf("normal std %v", s)
	}
	u := Uniform([]int{200000}, -1, 3, g)
	if lo, hi := u.Min().Item(), u.Max().Item(); lo < -1 || hi >= 3 {
		t.Errorf("uniform out of range: [%v, %v]", lo, hi)
	}
	if m := u.Mean().Item(); math.Abs(m-1) > 0.02 {
		t.Errorf("uniform mean %v", m)
	}
	ri := RandInt(-3, 4, []int{70000}, g)
	counts := make(map[int64]int)
	for _, v := range ri.Int64s() {
		counts[v]++
	}
	if len(counts) != 7 {
		t.Fatalf("randint hit %d values, want 7: %v", len(counts), counts)
	}
	for v, k := range counts {
		if k < 9000 || k > 11000 {
			t.Errorf("randint value %d drawn %d times of 70000", v, k)
		}
	}
	p := Randperm(1000, g).Int64s()
	seen := make([]bool, 1000)
	for _, v := range p {
		seen[v] = true
	}
	if slices.Contains(seen, false) {
		t.Fatal("randperm is not a permutation")
	}
	bern := Bernoulli(Full([]int{100000}, 0.3, Float64), g)
	if m := bern.Mean().Item(); math.Abs(m-0.3) > 0.01 {
		t.Errorf("bernoulli mean %v", m)
	}
	st := g.State()
	x1 := Rand([]int{5}, g).Float32s()
	g.SetState(st)
	if x2 := Rand([]int{5}, g).Float32s(); !slices.Equal(x1, x2) {
		t.Fatal("SetState did not replay the stream")
	}
}

func TestMultinomial(t *testing.T) {
	g := NewGenerator(3)
	probs := FromSlice([]float64{0, 1, 3, 0, 1, 1, 0, 0}, 2, 4)
	draws := Multinomial(probs, 4000, true, g)
	if !slices.Equal(draws.Shape(), []int{2, 4000}) {
		t.Fatalf("shape %v", draws.Shape())
	}
	v := draws.Int64s()
	var c0 [4]int
	for _, x := range v[:4000] {
		c0[x]++
	}
	if c0[0] != 0 || c0[3] != 0 || c0[2] < 2800 || c0[2] > 3200 {
		t.Errorf("row 0 counts %v, want about 0/1000/3000/0", c0)
	}
	for _, x := range v[4000:] {
		if x > 1 {
			t.Fatalf("row 1 drew category %d of zero weight", x)
		}
	}
	nr := Multinomial(FromSlice([]float32{1, 1, 1, 1, 1}), 5, false, g).Int64s()
	sorted := slices.Clone(nr)
	slices.Sort(sorted)
	if !slices.Equal(sorted, []int64{0, 1, 2, 3, 4}) {
		t.Fatalf("without replacement: %v", nr)
	}
	if err := Catch(func() { Multinomial(FromSlice([]float32{1, 1}), 3, false) }); err == nil {
		t.Fatal("more draws than categories without replacement")
	}
}
