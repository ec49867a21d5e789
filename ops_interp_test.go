package ember

import (
	"fmt"
	"strings"
	"testing"
)

func interpOptsOf(a goldenArgs) InterpolateOptions {
	var sf []float64
	a.Get("scale_factor", &sf)
	return InterpolateOptions{
		Size:                 a.Ints("size"),
		ScaleFactor:          sf,
		Mode:                 a.String("mode", ""),
		AlignCorners:         a.Bool("align_corners", false),
		RecomputeScaleFactor: a.Bool("recompute_scale_factor", false),
	}
}

func init() {
	registerGolden("interpolate", one(func(a goldenArgs, in []*Tensor) *Tensor { return Interpolate(in[0], interpOptsOf(a)) }))
	cases := []struct {
		name string
		o    InterpolateOptions
	}{
		{"interp_nearest", InterpolateOptions{Size: []int{5, 3}}},
		{"interp_nearest_exact", InterpolateOptions{ScaleFactor: []float64{1.5, 0.7}, Mode: InterpNearestExact}},
		{"interp_bilinear", InterpolateOptions{Size: []int{5, 7}, Mode: InterpBilinear}},
		{"interp_bilinear_align", InterpolateOptions{ScaleFactor: []float64{0.7, 1.6}, Mode: InterpBilinear, AlignCorners: true}},
	}
	for k, c := range cases {
		s := uint64(700 + 10*k)
		f := func(in []*Tensor) *Tensor { return Interpolate(in[0], c.o) }
		addGradCheck(gradCase{name: c.name, secondOrder: true, f: f,
			inputs: func() []*Tensor { return []*Tensor{randT(s, -2, 2, 2, 2, 3, 4)} }})
		doubleBackwardCase(c.name+"_double", s+1, func() *Tensor { return randT(s, -2, 2, 1, 2, 4, 3) }, f)
	}
}

// naiveBilinear samples a plane at the PyTorch source coordinates with
// float64 arithmetic.
func naiveBilinear(x []float64, h, w, oh, ow int, align bool) []float64 {
	src := func(d, in, out int) float64 {
		if align {
			if out == 1 {
				return 0
			}
			return float64(d) * float64(in-1) / float64(out-1)
		}
		return max(0, (float64(d)+0.5)*float64(in)/float64(out)-0.5)
	}
	out := make([]float64, 0, oh*ow)
	for y := range oh {
		sy := src(y, h, oh)
		y0 := int(sy)
		y1, ly := min(y0+1, h-1), sy-float64(y0)
		for xx := range ow {
			sx := src(xx, w, ow)
			x0 := int(sx)
			x1, lx := min(x0+1, w-1), sx-float64(x0)
			top := (1-lx)*x[y0*w+x0] + lx*x[y0*w+x1]
			bot := (1-lx)*x[y1*w+x0] + lx*x[y1*w+x1]
			out = append(out, (1-ly)*top+ly*bot)
		}
	}
	return out
}

func TestBilinearAgainstNaive(t *testing.T) {
	x := randT(11, -1, 1, 1, 1, 6, 5).Detach()
	for _, c := range []struct {
		oh, ow int
		align  bool
	}{{9, 11, false}, {3, 2, false}, {9, 11, true}, {4, 3, true}} {
		got := Interpolate(x, InterpolateOptions{Size: []int{c.oh, c.ow}, Mode: InterpBilinear, AlignCorners: c.align})
		want := naiveBilinear(x.Float64s(), 6, 5, c.oh, c.ow, c.align)
		assertClose(t, fmt.Sprintf("%+v", c), got, []int{1, 1, c.oh, c.ow}, want, 1e-12, 1e-12)
	}
}

func TestInterpolateErrors(t *testing.T) {
	x := Zeros([]int{1, 2, 4, 4})
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"both", func() { Interpolate(x, InterpolateOptions{Size: []int{2}, ScaleFactor: []float64{2}}) }, "only one of size or scale_factor should be defined"},
		{"neither", func() { Interpolate(x, InterpolateOptions{}) }, "either size or scale_factor should be defined"},
		{"align nearest", func() { Interpolate(x, InterpolateOptions{Size: []int{2}, AlignCorners: true}) }, "align_corners option can only be set with the interpolating modes"},
		{"mode", func() { Interpolate(x, InterpolateOptions{Size: []int{2}, Mode: "bicubic"}) }, "unsupported mode \"bicubic\""},
		{"rank", func() { Interpolate(Zeros([]int{2, 4, 4}), InterpolateOptions{Size: []int{2}}) }, "expected a 4-D input [N, C, H, W]"},
		{"size arity", func() { Interpolate(x, InterpolateOptions{Size: []int{2, 3, 4}}) }, "expected size to be a single integer value or a list of 2 values"},
		{"size zero", func() { Interpolate(x, InterpolateOptions{Size: []int{0, 2}}) }, "size should be positive"},
		{"scale arity", func() { Interpolate(x, InterpolateOptions{ScaleFactor: []float64{1, 2, 3}}) }, "scale_factor shape must match input shape"},
		{"scale negative", func() { Interpolate(x, InterpolateOptions{ScaleFactor: []float64{-2}}) }, "scale_factor must be positive"},
		{"scale tiny", func() { Interpolate(x, InterpolateOptions{ScaleFactor: []float64{0.1}}) }, "gives an empty output"},
		{"recompute with size", func() { Interpolate(x, InterpolateOptions{Size: []int{2}, RecomputeScaleFactor: true}) }, "recompute_scale_factor is not meaningful"},
		{"bilinear int", func() { Interpolate(x.To(Int64), InterpolateOptions{Size: []int{2}, Mode: InterpBilinear}) }, "not implemented for 'int64'"},
		{"nearest bool", func() { Interpolate(x.To(Bool), InterpolateOptions{Size: []int{2}}) }, "not implemented for 'bool'"},
	}
	for _, c := range cases {
		err := Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func ExampleInterpolate() {
	x := FromSlice([]float32{0, 4, 8, 12}, 1, 1, 2, 2)
	up := Interpolate(x, InterpolateOptions{ScaleFactor: []float64{2}, Mode: InterpBilinear})
	fmt.Println(up.Reshape(4, 4).Value())
	near := Interpolate(x, InterpolateOptions{Size: []int{2, 4}})
	fmt.Println(near.Reshape(2, 4).Value())
	// Output:
	// [[0 1 3 4] [2 3 5 6] [6 7 9 10] [8 9 11 12]]
	// [[0 0 4 4] [8 8 12 12]]
}
