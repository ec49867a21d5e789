package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/emberdl/ember/backend"
)

// convCase is one convolution geometry; the output size follows from the
// others unless extraH/extraW make the input larger than the output needs
// (as in the input gradient of a transposed convolution with output
// padding).
type convCase struct {
	n, c, h, w, o  int
	kh, kw         int
	sh, sw         int
	ph, pw         int
	dh, dw         int
	groups         int
	extraH, extraW int
}

func (k convCase) String() string {
	return fmt.Sprintf("x%dx%dx%dx%d_o%d_k%dx%d_s%dx%d_p%dx%d_d%dx%d_g%d_e%dx%d",
		k.n, k.c, k.h, k.w, k.o, k.kh, k.kw, k.sh, k.sw, k.ph, k.pw, k.dh, k.dw, k.groups, k.extraH, k.extraW)
}

func (k convCase) out() (oh, ow int) {
	oh = (k.h-k.extraH+2*k.ph-k.dh*(k.kh-1)-1)/k.sh + 1
	ow = (k.w-k.extraW+2*k.pw-k.dw*(k.kw-1)-1)/k.sw + 1
	return oh, ow
}

func (k convCase) params() backend.ConvParams {
	return backend.ConvParams{StrideH: k.sh, StrideW: k.sw, PadH: k.ph, PadW: k.pw, DilationH: k.dh, DilationW: k.dw, Groups: k.groups}
}

// convCases covers the paths of the CPU convolution: the implicit one
// (stride 1: one channel, many, groups, depthwise, 1×1, dilation,
// asymmetric padding, bands, many images, sizes off the register tiles)
// and the general one (strides, padding past the kernel).
var convCases = []convCase{
	{n: 3, c: 1, h: 7, w: 7, o: 5, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1},
	// Few taps, whole rows of tiles per kernel call (convFewTaps): full and
	// partial panels and tiles, and an exact multiple of both.
	{n: 2, c: 1, h: 9, w: 9, o: 13, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1},
	{n: 2, c: 2, h: 4, w: 8, o: 12, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1},
	{n: 2, c: 4, h: 9, w: 11, o: 7, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1},
	{n: 2, c: 6, h: 5, w: 6, o: 4, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 2},
	{n: 2, c: 3, h: 6, w: 5, o: 6, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 3},
	{n: 2, c: 5, h: 5, w: 3, o: 33, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, groups: 1},
	{n: 1, c: 3, h: 8, w: 9, o: 5, kh: 3, kw: 2, sh: 1, sw: 1, ph: 2, pw: 0, dh: 2, dw: 3, groups: 1},
	{n: 2, c: 2, h: 7, w: 8, o: 3, kh: 2, kw: 2, sh: 1, sw: 1, ph: 0, pw: 1, dh: 1, dw: 1, groups: 1},
	{n: 2, c: 3, h: 40, w: 37, o: 13, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1},
	{n: 1, c: 64, h: 12, w: 40, o: 7, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1},
	// Many taps (gathered panels), groups with two full weight panels and a
	// partial one.
	{n: 2, c: 8, h: 9, w: 10, o: 26, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 2},
	{n: 20, c: 2, h: 5, w: 4, o: 9, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1},
	{n: 2, c: 2, h: 1, w: 17, o: 3, kh: 1, kw: 5, sh: 1, sw: 1, ph: 0, pw: 2, dh: 1, dw: 1, groups: 1},
	{n: 1, c: 2, h: 6, w: 6, o: 2, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, groups: 1, extraH: 1, extraW: 1},
	{n: 2, c: 3, h: 6, w: 7, o: 4, kh: 2, kw: 2, sh: 1, sw: 1, ph: 1, pw: 1, dh: 2, dw: 2, groups: 1, extraH: 1},
	{n: 2, c: 3, h: 4, w: 4, o: 2, kh: 1, kw: 1, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1},
	{n: 2, c: 4, h: 9, w: 8, o: 6, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, groups: 2},
	{n: 1, c: 3, h: 7, w: 9, o: 5, kh: 3, kw: 2, sh: 2, sw: 1, ph: 0, pw: 1, dh: 1, dw: 2, groups: 1},
	{n: 1, c: 2, h: 6, w: 6, o: 3, kh: 3, kw: 3, sh: 3, sw: 3, ph: 0, pw: 0, dh: 1, dw: 1, groups: 1, extraH: 1, extraW: 2},
	{n: 2, c: 0, h: 3, w: 3, o: 2, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1},
}

// convRef computes the forward convolution, its input gradient and its
// weight gradient in float64 by their definitions, from the same values.
func convRef(k convCase, x, w, dy []float64) (y, dx, dw []float64) {
	oh, ow := k.out()
	cg, og := k.c/k.groups, k.o/k.groups
	y = make([]float64, k.n*k.o*oh*ow)
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	for n := range k.n {
		for o := range k.o {
			gi := o / og
			for oy := range oh {
				for ox := range ow {
					yi := ((n*k.o+o)*oh+oy)*ow + ox
					for c := range cg {
						ci := gi*cg + c
						for ki := range k.kh {
							iy := oy*k.sh - k.ph + ki*k.dh
							if iy < 0 || iy >= k.h {
								continue
							}
							for kj := range k.kw {
								ix := ox*k.sw - k.pw + kj*k.dw
								if ix < 0 || ix >= k.w {
									continue
								}
								xi := ((n*k.c+ci)*k.h+iy)*k.w + ix
								wi := ((o*cg+c)*k.kh+ki)*k.kw + kj
								y[yi] += x[xi] * w[wi]
								dx[xi] += dy[yi] * w[wi]
								dw[wi] += dy[yi] * x[xi]
							}
						}
					}
				}
			}
		}
	}
	return y, dx, dw
}

// layout is how a test stores a 4-D operand: dense; scattered through a
// larger buffer with permuted, padded strides and an offset; with
// contiguous rows but gaps after each row, plane and batch item; or
// reversed in every dimension (negative strides).
type layout int

const (
	denseLayout layout = iota
	stridedLayout
	paddedRowsLayout
	flippedLayout
)

var layouts = []layout{denseLayout, stridedLayout, paddedRowsLayout, flippedLayout}

// makeView stores vals (row-major over shape) in a new buffer of dtype dt
// laid out as l; the elements between are NaN.
func makeView(dt backend.DType, shape []int, vals []float64, l layout) backend.View {
	strides := backend.ContiguousStrides(shape)
	size, off := len(vals), 0
	switch l {
	case stridedLayout:
		// Channels last, every stride padded by one element, offset 3.
		s3 := shape[1] + 1
		s2 := s3*shape[3] + 2
		s0 := s2*shape[2] + 1
		strides = []int{s0, 1, s2, s3}
		size, off = s0*shape[0]+3, 3
	case paddedRowsLayout:
		s2 := shape[3] + 3
		s1 := s2*shape[2] + 1
		s0 := s1*shape[1] + 2
		strides = []int{s0, s1, s2, 1}
		size, off = s0*shape[0]+5, 1
	case flippedLayout:
		for i := range strides {
			strides[i] = -strides[i]
		}
		off = max(0, size-1)
	}
	b := New().Alloc(dt, size).(*Buffer)
	set := func(i int, v float64) {
		if dt == backend.Float32 {
			b.F32[i] = float32(v)
		} else {
			b.F64[i] = v
		}
	}
	for i := range size {
		set(i, math.NaN())
	}
	v := backend.View{Buf: b, Shape: shape, Strides: strides, Offset: off}
	i := 0
	for a := range shape[0] {
		for c := range shape[1] {
			for y := range shape[2] {
				for x := range shape[3] {
					set(off+a*strides[0]+c*strides[1]+y*strides[2]+x*strides[3], vals[i])
					i++
				}
			}
		}
	}
	return v
}

// readView returns v's elements in row-major order as float64.
func readView(v backend.View) []float64 {
	b := buf(v)
	var out []float64
	for a := range v.Shape[0] {
		for c := range v.Shape[1] {
			for y := range v.Shape[2] {
				for x := range v.Shape[3] {
					i := v.Offset + a*v.Strides[0] + c*v.Strides[1] + y*v.Strides[2] + x*v.Strides[3]
					if b.dt == backend.Float32 {
						out = append(out, float64(b.F32[i]))
					} else {
						out = append(out, b.F64[i])
					}
				}
			}
		}
	}
	return out
}

// checkGaps fails if any element of v's buffer outside v is not NaN (the
// filling of makeView): a kernel wrote where it must not.
func checkGaps(t *testing.T, what string, v backend.View) {
	t.Helper()
	inside := map[int]bool{}
	for a := range v.Shape[0] {
		for c := range v.Shape[1] {
			for y := range v.Shape[2] {
				for x := range v.Shape[3] {
					inside[v.Offset+a*v.Strides[0]+c*v.Strides[1]+y*v.Strides[2]+x*v.Strides[3]] = true
				}
			}
		}
	}
	b := buf(v)
	for i := range b.Len() {
		var val float64
		if b.dt == backend.Float32 {
			val = float64(b.F32[i])
		} else {
			val = b.F64[i]
		}
		if !inside[i] && !math.IsNaN(val) {
			t.Fatalf("%s: element %d outside the view was written (%v)", what, i, val)
		}
	}
}

func randVals(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.Float64()*2 - 1
	}
	return v
}

// closeTo compares got with want within a tolerance for dtype dt, scaled
// by the number of terms of each sum.
func closeTo(t *testing.T, what string, dt backend.DType, got, want []float64, terms int) {
	t.Helper()
	tol := 1e-12 * float64(terms)
	if dt == backend.Float32 {
		tol = 2e-6 * float64(terms)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(got[i] - want[i]); !(d <= tol*(1+math.Abs(want[i]))) {
			t.Fatalf("%s[%d] = %v, want %v (|diff| %.3g > %.3g)", what, i, got[i], want[i], d, tol)
		}
	}
}

// TestConvKernels checks the three convolution kernels (and the forward
// one with a bias) against convRef for every case, both float dtypes,
// dense and strided operands, and each set of micro-kernels.
func TestConvKernels(t *testing.T) {
	c := New()
	r := rand.New(rand.NewPCG(7, 8))
	for _, ks := range kernelSets() {
		for _, k := range convCases {
			oh, ow := k.out()
			xs, ws, ys := []int{k.n, k.c, k.h, k.w}, []int{k.o, k.c / k.groups, k.kh, k.kw}, []int{k.n, k.o, oh, ow}
			x, w, dy := randVals(r, backend.Numel(xs)), randVals(r, backend.Numel(ws)), randVals(r, backend.Numel(ys))
			bias := randVals(r, k.o)
			wantY, wantDX, wantDW := convRef(k, x, w, dy)
			// Sums run over the taps of a window (forward, input
			// gradient) or over all positions (weight gradient).
			fwdTerms := k.c / k.groups * k.kh * k.kw
			dxTerms := k.o * k.kh * k.kw
			dwTerms := k.n * oh * ow
			for _, dt := range []backend.DType{backend.Float32, backend.Float64} {
				for _, l := range layouts {
					name := fmt.Sprintf("%s/%s/%v/layout%d", ks.name, k, dt, l)
					t.Run(name, func(t *testing.T) {
						withKernels(t, ks, func() {
							xv, wv, dyv := makeView(dt, xs, x, l), makeView(dt, ws, w, l), makeView(dt, ys, dy, l)
							yv := makeView(dt, ys, make([]float64, len(dy)), l)
							c.Conv2d(yv, xv, wv, k.params())
							closeTo(t, "y", dt, readView(yv), wantY, fwdTerms)
							// With a bias (strided unless dense).
							bv := makeView(dt, []int{1, k.o, 1, 1}, bias, l)
							bv = backend.View{Buf: bv.Buf, Shape: []int{k.o}, Strides: []int{bv.Strides[1]}, Offset: bv.Offset}
							c.Conv2dBias(yv, xv, wv, bv, k.params())
							withBias := slices.Clone(wantY)
							for i := range withBias {
								withBias[i] += bias[(i/(oh*ow))%k.o]
							}
							closeTo(t, "y+b", dt, readView(yv), withBias, fwdTerms+1)
							dxv := makeView(dt, xs, make([]float64, len(x)), l)
							c.Conv2dBackwardData(dxv, dyv, wv, k.params())
							closeTo(t, "dx", dt, readView(dxv), wantDX, dxTerms)
							dwv := makeView(dt, ws, make([]float64, len(w)), l)
							c.Conv2dBackwardFilter(dwv, xv, dyv, k.params())
							closeTo(t, "dw", dt, readView(dwv), wantDW, dwTerms)
							// With the bias gradient: the same dw, and db the
							// sum of dy over images and positions.
							db4 := makeView(dt, []int{1, k.o, 1, 1}, make([]float64, k.o), l)
							dbv := backend.View{Buf: db4.Buf, Shape: []int{k.o}, Strides: []int{db4.Strides[1]}, Offset: db4.Offset}
							dwv2 := makeView(dt, ws, make([]float64, len(w)), l)
							c.Conv2dBackwardFilterBias(dwv2, dbv, xv, dyv, k.params())
							closeTo(t, "dw (with db)", dt, readView(dwv2), wantDW, dwTerms)
							wantDB := make([]float64, k.o)
							for i, v := range dy {
								wantDB[(i/(oh*ow))%k.o] += v
							}
							closeTo(t, "db", dt, readView(db4), wantDB, k.n*oh*ow)
							if l != denseLayout {
								checkGaps(t, "y", yv)
								checkGaps(t, "dx", dxv)
								checkGaps(t, "dw", dwv)
							}
						})
					})
				}
			}
		}
	}
}
