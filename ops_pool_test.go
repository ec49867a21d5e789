package ember

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// poolOptsOf reads PoolOptions from fixture arguments.
func poolOptsOf(a goldenArgs) PoolOptions {
	return PoolOptions{
		Kernel:          a.Ints("kernel"),
		Stride:          a.Ints("stride"),
		Padding:         a.Ints("padding"),
		Dilation:        a.Ints("dilation"),
		CeilMode:        a.Bool("ceil_mode", false),
		ExcludePad:      a.Bool("exclude_pad", false),
		DivisorOverride: a.Int("divisor_override", 0),
	}
}

// seedInput returns a gradcheck input list whose last entry is an output
// gradient (requiring grad) for f applied to the others.
func withSeed(in []*Tensor, seed uint64, f func([]*Tensor) *Tensor) []*Tensor {
	var out *Tensor
	NoGrad(func() { out = f(in) })
	return append(in, randT(seed, -1, 1, out.Shape()...))
}

// doubleBackwardCase checks the input gradient of f as a function of the
// output gradient (the backward's own backward) and of the input.
func doubleBackwardCase(name string, seed uint64, x func() *Tensor, f func([]*Tensor) *Tensor) {
	addGradCheck(gradCase{name: name, secondOrder: true,
		inputs: func() []*Tensor { return withSeed([]*Tensor{x()}, seed, f) },
		f: func(in []*Tensor) *Tensor {
			return gradOfInput(in[:1], 0, in[1], f)
		}})
}

func init() {
	for name, f := range map[string]func(*Tensor, PoolOptions) (*Tensor, *Tensor){"max_pool2d": MaxPool2d, "max_pool1d": MaxPool1d} {
		registerGolden(name, func(a goldenArgs, in []*Tensor) []*Tensor {
			v, i := f(in[0], poolOptsOf(a))
			return []*Tensor{v, i}
		})
	}
	for name, f := range map[string]func(*Tensor, PoolOptions) *Tensor{"avg_pool2d": AvgPool2d, "avg_pool1d": AvgPool1d} {
		registerGolden(name, one(func(a goldenArgs, in []*Tensor) *Tensor { return f(in[0], poolOptsOf(a)) }))
	}
	registerGolden("adaptive_avg_pool2d", one(func(a goldenArgs, in []*Tensor) *Tensor {
		o := a.Ints("out")
		return AdaptiveAvgPool2d(in[0], o[0], o[1])
	}))
	registerGolden("adaptive_avg_pool1d", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return AdaptiveAvgPool1d(in[0], a.Ints("out")[0])
	}))

	maxv := func(f func(*Tensor, PoolOptions) (*Tensor, *Tensor), o PoolOptions) func([]*Tensor) *Tensor {
		return func(in []*Tensor) *Tensor { v, _ := f(in[0], o); return v }
	}
	cases := []struct {
		name  string
		shape []int
		f     func([]*Tensor) *Tensor
	}{
		{"max_pool2d", []int{2, 2, 5, 5}, maxv(MaxPool2d, PoolOptions{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1}, CeilMode: true})},
		{"max_pool2d_overlap", []int{1, 2, 4, 5}, maxv(MaxPool2d, PoolOptions{Kernel: []int{2, 3}, Stride: []int{1}, Dilation: []int{2, 1}})},
		{"max_pool1d", []int{2, 2, 7}, maxv(MaxPool1d, PoolOptions{Kernel: []int{2}, Stride: []int{1}})},
		{"max_pool2d_values", []int{2, 2, 5, 5}, func(in []*Tensor) *Tensor {
			return MaxPool2dValues(in[0], PoolOptions{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1}, CeilMode: true})
		}},
		{"max_pool1d_values", []int{2, 2, 7}, func(in []*Tensor) *Tensor {
			return MaxPool1dValues(in[0], PoolOptions{Kernel: []int{2}, Stride: []int{1}})
		}},
		{"avg_pool2d", []int{2, 2, 5, 5}, func(in []*Tensor) *Tensor {
			return AvgPool2d(in[0], PoolOptions{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1}, CeilMode: true, ExcludePad: true})
		}},
		{"avg_pool2d_override", []int{1, 2, 4, 5}, func(in []*Tensor) *Tensor {
			return AvgPool2d(in[0], PoolOptions{Kernel: []int{2, 3}, Stride: []int{1, 2}, Padding: []int{1}, DivisorOverride: 4})
		}},
		{"avg_pool1d", []int{2, 2, 7}, func(in []*Tensor) *Tensor { return AvgPool1d(in[0], PoolOptions{Kernel: []int{3}, Stride: []int{2}}) }},
		{"adaptive_avg_pool2d", []int{2, 2, 5, 7}, func(in []*Tensor) *Tensor { return AdaptiveAvgPool2d(in[0], 3, 4) }},
		{"adaptive_avg_pool1d", []int{2, 2, 5}, func(in []*Tensor) *Tensor { return AdaptiveAvgPool1d(in[0], 3) }},
	}
	for k, c := range cases {
		s := uint64(500 + 10*k)
		addGradCheck(gradCase{name: c.name, secondOrder: true, f: c.f,
			inputs: func() []*Tensor { return []*Tensor{randT(s, -2, 2, c.shape...)} }})
		doubleBackwardCase(c.name+"_double", s+1, func() *Tensor { return randT(s, -2, 2, c.shape...) }, c.f)
	}
}

// naiveMaxPool is a float64 loop over the definition (padding is -Inf).
func naiveMaxPool(x []float64, n, c, h, w, k, s, p, d, oh, ow int) ([]float64, []int64) {
	vals := make([]float64, 0, n*c*oh*ow)
	idx := make([]int64, 0, n*c*oh*ow)
	for pl := range n * c {
		for y := range oh {
			for xx := range ow {
				best, bi := math.Inf(-1), int64(-1)
				for i := range k {
					for j := range k {
						iy, ix := y*s-p+i*d, xx*s-p+j*d
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							continue
						}
						if v := x[pl*h*w+iy*w+ix]; v > best || bi < 0 {
							best, bi = v, int64(iy*w+ix)
						}
					}
				}
				vals = append(vals, best)
				idx = append(idx, bi)
			}
		}
	}
	return vals, idx
}

func TestMaxPoolAgainstNaive(t *testing.T) {
	x := randT(7, -3, 3, 2, 3, 9, 8).Detach()
	for _, c := range []struct{ k, s, p, d int }{{2, 2, 0, 1}, {3, 2, 1, 1}, {3, 1, 1, 2}, {4, 3, 2, 1}} {
		v, i := MaxPool2d(x, PoolOptions{Kernel: []int{c.k}, Stride: []int{c.s}, Padding: []int{c.p}, Dilation: []int{c.d}})
		oh := (9+2*c.p-c.d*(c.k-1)-1)/c.s + 1
		ow := (8+2*c.p-c.d*(c.k-1)-1)/c.s + 1
		wv, wi := naiveMaxPool(x.Float64s(), 2, 3, 9, 8, c.k, c.s, c.p, c.d, oh, ow)
		assertClose(t, fmt.Sprintf("values %+v", c), v, []int{2, 3, oh, ow}, wv, 0, 0)
		gi := i.Int64s()
		for j := range wi {
			if gi[j] != wi[j] {
				t.Fatalf("%+v: index %d is %d, want %d", c, j, gi[j], wi[j])
			}
		}
	}
}

// TestMaxPoolValues: the values-only pools give MaxPool2d's values, in
// float32 (the 2×2 kernel and the general one) and float64, without a
// graph (where the CPU stores no indices) and under NoGrad with an input
// that requires grad; with a graph the gradient flows as MaxPool2d's.
func TestMaxPoolValues(t *testing.T) {
	for _, dt := range []DType{Float32, Float64} {
		x := randT(9, -3, 3, 3, 5, 10, 9).To(dt).Detach()
		for _, o := range []PoolOptions{{Kernel: []int{2}}, {Kernel: []int{3}, Stride: []int{2}, Padding: []int{1}, Dilation: []int{1}}, {Kernel: []int{2, 3}, Stride: []int{1}, Dilation: []int{2, 1}}} {
			want, _ := MaxPool2d(x, o)
			got := MaxPool2dValues(x, o)
			assertClose(t, fmt.Sprintf("%v %+v", dt, o), got, want.Shape(), want.Float64s(), 0, 0)
			xg := x.Detach().SetRequiresGrad(true)
			NoGrad(func() { got = MaxPool2dValues(xg, o) })
			assertClose(t, fmt.Sprintf("%v %+v under NoGrad", dt, o), got, want.Shape(), want.Float64s(), 0, 0)
			if got.RequiresGrad() {
				t.Errorf("%v %+v: NoGrad result requires grad", dt, o)
			}
		}
	}
	x1 := randT(10, -3, 3, 2, 3, 11).Detach()
	o1 := PoolOptions{Kernel: []int{3}, Stride: []int{2}}
	w1, _ := MaxPool1d(x1, o1)
	assertClose(t, "max_pool1d values", MaxPool1dValues(x1, o1), w1.Shape(), w1.Float64s(), 0, 0)
	if err := Catch(func() { MaxPool2dValues(Zeros([]int{4, 4}), PoolOptions{Kernel: []int{2}}) }); err == nil {
		t.Error("a 2-D input was taken")
	}
}

func TestAvgPoolHalf(t *testing.T) {
	x := randT(8, -1, 1, 1, 2, 6, 6).Detach()
	o := PoolOptions{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1}}
	want := AvgPool2d(x, o)
	got := AvgPool2d(x.To(BFloat16), o)
	if got.DType() != BFloat16 {
		t.Fatalf("dtype %v", got.DType())
	}
	assertClose(t, "bfloat16 avg_pool2d", got, want.Shape(), want.Float64s(), 2e-2, 2e-2)
	mv, _ := MaxPool2d(x.To(Float16), o)
	wv, _ := MaxPool2d(x, o)
	assertClose(t, "float16 max_pool2d", mv, wv.Shape(), wv.Float64s(), 1e-3, 1e-3)
}

func TestPoolErrors(t *testing.T) {
	x := Zeros([]int{1, 2, 5, 5})
	k2 := []int{2}
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"no kernel", func() { MaxPool2d(x, PoolOptions{}) }, "kernel_size must be given"},
		{"zero kernel", func() { AvgPool2d(x, PoolOptions{Kernel: []int{0}}) }, "kernel size should be positive"},
		{"zero stride", func() { MaxPool2d(x, PoolOptions{Kernel: k2, Stride: []int{0}}) }, "stride should be positive"},
		{"big pad", func() { MaxPool2d(x, PoolOptions{Kernel: []int{3}, Padding: []int{2}}) }, "pad should be at most half of kernel size, but got pad=2 and kernel_size=3"},
		{"too small", func() { MaxPool2d(Zeros([]int{1, 1, 2, 2}), PoolOptions{Kernel: []int{3}}) }, "is too small"},
		{"rank", func() { MaxPool2d(Zeros([]int{4, 4}), PoolOptions{Kernel: k2}) }, "Expected 3D (unbatched) or 4D (batched) input to max_pool2d"},
		{"rank 1d", func() { AvgPool1d(x, PoolOptions{Kernel: k2}) }, "Expected 2D (unbatched) or 3D (batched) input to avg_pool1d"},
		{"empty channels", func() { MaxPool2d(Zeros([]int{1, 0, 4, 4}), PoolOptions{Kernel: k2}) }, "non-zero size for non-batch dimensions"},
		{"int max", func() { MaxPool2d(x.To(Int64), PoolOptions{Kernel: k2}) }, "\"max_pool2d\" not implemented for 'int64'"},
		{"bool avg", func() { AvgPool2d(x.To(Bool), PoolOptions{Kernel: k2}) }, "not implemented for 'bool'"},
		{"avg dilation", func() { AvgPool2d(x, PoolOptions{Kernel: k2, Dilation: []int{2}}) }, "average pooling takes no dilation"},
		{"arity", func() { MaxPool1d(Zeros([]int{1, 2, 5}), PoolOptions{Kernel: []int{2, 2}}) }, "expected kernel_size to be a single integer value or a list of 1 values"},
		{"adaptive empty", func() { AdaptiveAvgPool2d(Zeros([]int{1, 2, 0, 3}), 2, 2) }, "dimension 2 being empty"},
		{"adaptive negative", func() { AdaptiveAvgPool1d(Zeros([]int{1, 2, 3}), -1) }, "output_size should be non-negative"},
		{"adaptive int", func() { AdaptiveAvgPool2d(x.To(Int32), 2, 2) }, "not implemented for 'int32'"},
	}
	for _, c := range cases {
		err := Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func ExampleMaxPool2d() {
	x := FromSlice([]float32{
		1, 5, 2, 0,
		3, 4, 8, 1,
		0, 2, 6, 7,
		9, 1, 3, 2,
	}, 1, 1, 4, 4)
	values, indices := MaxPool2d(x, PoolOptions{Kernel: []int{2}})
	fmt.Println(values.Reshape(2, 2).Value())
	fmt.Println(indices.Reshape(2, 2).Value())
	// Output:
	// [[5 8] [9 7]]
	// [[1 6] [12 11]]
}
