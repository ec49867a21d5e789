package ember

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func init() {
	// A fresh generator with a fixed seed in every evaluation gives the
	// same mask each time, so finite differences see one function.
	addGradCheck(gradCase{name: "dropout", secondOrder: true,
		inputs: func() []*Tensor { return []*Tensor{randT(800, -2, 2, 4, 5)} },
		f:      func(in []*Tensor) *Tensor { return Dropout(in[0], 0.4, true, NewGenerator(3)) }})
	addGradCheck(gradCase{name: "dropout2d", secondOrder: true,
		inputs: func() []*Tensor { return []*Tensor{randT(801, -2, 2, 2, 3, 2, 2)} },
		f:      func(in []*Tensor) *Tensor { return Dropout2d(in[0], 0.5, true, NewGenerator(4)) }})
}

func TestDropoutKeepRate(t *testing.T) {
	const n = 200000
	x := Ones([]int{n})
	for _, p := range []float64{0.1, 0.5, 0.8} {
		y := Dropout(x, p, true, NewGenerator(42)).Float64s()
		kept := 0
		for _, v := range y {
			switch {
			case v == 0:
			case math.Abs(v-1/(1-p)) < 1e-6:
				kept++
			default:
				t.Fatalf("p=%v: value %v is neither 0 nor 1/(1-p)", p, v)
			}
		}
		rate := float64(kept) / n
		sigma := math.Sqrt(p * (1 - p) / n)
		if math.Abs(rate-(1-p)) > 5*sigma {
			t.Errorf("p=%v: keep rate %.5f, want %.5f ± %.5f", p, rate, 1-p, 5*sigma)
		}
	}
}

func TestDropoutDeterministic(t *testing.T) {
	x := randT(1, -1, 1, 64, 32).Detach()
	a := Dropout(x, 0.5, true, NewGenerator(7)).Float64s()
	b := Dropout(x, 0.5, true, NewGenerator(7)).Float64s()
	c := Dropout(x, 0.5, true, NewGenerator(8)).Float64s()
	if !slices.Equal(a, b) {
		t.Error("same seed gave different masks")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds gave the same mask")
	}
	// Successive calls on one generator advance it.
	g := NewGenerator(7)
	d1 := Dropout(x, 0.5, true, g).Float64s()
	d2 := Dropout(x, 0.5, true, g).Float64s()
	if !slices.Equal(d1, a) || slices.Equal(d1, d2) {
		t.Error("a generator's successive masks should start with the seed's mask and then change")
	}
	// The default generator is used when none is given, and ManualSeed
	// makes it repeatable.
	ManualSeed(11)
	e1 := Dropout(x, 0.3, true).Float64s()
	ManualSeed(11)
	e2 := Dropout(x, 0.3, true).Float64s()
	if !slices.Equal(e1, e2) {
		t.Error("ManualSeed did not make the default generator repeatable")
	}
}

func TestDropoutSpecialCases(t *testing.T) {
	x := randT(2, -1, 1, 3, 4)
	for _, c := range []struct {
		p        float64
		training bool
	}{{0, true}, {0.5, false}, {1, false}} {
		if y := Dropout(x, c.p, c.training); y != x {
			t.Errorf("p=%v training=%v: want x itself", c.p, c.training)
		}
	}
	y := Dropout(x, 1, true)
	assertClose(t, "p=1", y, []int{3, 4}, make([]float64, 12), 0, 0)
	y.Sum().Backward()
	assertClose(t, "p=1 gradient", x.Grad(), []int{3, 4}, make([]float64, 12), 0, 0)
	if e := Dropout(Zeros([]int{0, 3}), 0.5, true); e.Numel() != 0 {
		t.Error("empty input")
	}
	h := Dropout(Ones([]int{1000}, BFloat16), 0.5, true, NewGenerator(1))
	if h.DType() != BFloat16 {
		t.Errorf("bfloat16 dropout gave %v", h.DType())
	}
	for _, v := range h.Float64s() {
		if v != 0 && v != 2 {
			t.Fatalf("bfloat16 dropout value %v", v)
		}
	}
}

func TestDropout2dChannels(t *testing.T) {
	x := Ones([]int{8, 50, 3, 4})
	y := Dropout2d(x, 0.4, true, NewGenerator(5)).Float64s()
	kept := 0
	for plane := range 8 * 50 {
		vals := y[plane*12 : (plane+1)*12]
		for _, v := range vals {
			if v != vals[0] {
				t.Fatalf("plane %d is not dropped as a whole: %v", plane, vals)
			}
		}
		if vals[0] != 0 {
			kept++
			if math.Abs(vals[0]-1/0.6) > 1e-6 {
				t.Fatalf("kept plane scaled to %v, want %v", vals[0], 1/0.6)
			}
		}
	}
	if rate := float64(kept) / 400; math.Abs(rate-0.6) > 5*math.Sqrt(0.24/400) {
		t.Errorf("channel keep rate %v, want 0.6", rate)
	}
	u := Dropout2d(Ones([]int{30, 2, 2}), 0.5, true, NewGenerator(6))
	if !slices.Equal(u.Shape(), []int{30, 2, 2}) {
		t.Errorf("unbatched shape %v", u.Shape())
	}
}

func TestDropoutErrors(t *testing.T) {
	x := Ones([]int{2, 3})
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"p high", func() { Dropout(x, 1.5, true) }, "dropout probability has to be between 0 and 1, but got 1.5"},
		{"p negative", func() { Dropout(x, -0.1, true) }, "has to be between 0 and 1"},
		{"p NaN", func() { Dropout(x, math.NaN(), true) }, "has to be between 0 and 1"},
		{"int", func() { Dropout(x.To(Int64), 0.5, true) }, "needs a floating-point input"},
		{"two generators", func() { Dropout(x, 0.5, true, NewGenerator(1), NewGenerator(2)) }, "at most one generator"},
		{"2d rank", func() { Dropout2d(x, 0.5, true) }, "expected a 3-D [C, H, W] or 4-D [N, C, H, W] input"},
	}
	for _, c := range cases {
		err := Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func ExampleDropout() {
	x := Ones([]int{8})
	train := Dropout(x, 0.5, true, NewGenerator(1))
	eval := Dropout(x, 0.5, false)
	// Kept elements are scaled by 1/(1-p); evaluation mode is the identity.
	for _, v := range train.Float64s() {
		if v != 0 && v != 2 {
			fmt.Println("unexpected", v)
		}
	}
	fmt.Println(eval.Float64s())
	// Output:
	// [1 1 1 1 1 1 1 1]
}
