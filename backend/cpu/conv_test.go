package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
)

// convCase is one convolution geometry.
type convCase struct {
	n, c, h, w, o, kh, kw int
	p                     backend.ConvParams
}

func (k convCase) outSize() (int, int) {
	oh := (k.h+2*k.p.PadH-k.p.DilationH*(k.kh-1)-1)/k.p.StrideH + 1
	ow := (k.w+2*k.p.PadW-k.p.DilationW*(k.kw-1)-1)/k.p.StrideW + 1
	return oh, ow
}

// naiveConv is the direct float64 definition of the three convolution
// products: y[n,o,oy,ox] = Σ x[n,c,iy,ix]·w[o,c,ky,kx] over the group's
// channels and the taps inside the image.
func naiveConv(k convCase, x, w, dy []float64) (y, dx, dw []float64) {
	oh, ow := k.outSize()
	g := max(1, k.p.Groups)
	cg, og := k.c/g, k.o/g
	y = make([]float64, k.n*k.o*oh*ow)
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	for n := range k.n {
		for o := range k.o {
			gi := o / og
			for oy := range oh {
				for ox := range ow {
					yi := ((n*k.o+o)*oh+oy)*ow + ox
					for cc := range cg {
						c := gi*cg + cc
						for ky := range k.kh {
							iy := oy*k.p.StrideH - k.p.PadH + ky*k.p.DilationH
							if iy < 0 || iy >= k.h {
								continue
							}
							for kx := range k.kw {
								ix := ox*k.p.StrideW - k.p.PadW + kx*k.p.DilationW
								if ix < 0 || ix >= k.w {
									continue
								}
								xi := ((n*k.c+c)*k.h+iy)*k.w + ix
								wi := ((o*cg+cc)*k.kh+ky)*k.kw + kx
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

func rand32(r *rand.Rand, n int) ([]float32, []float64) {
	a, b := make([]float32, n), make([]float64, n)
	for i := range a {
		a[i] = float32(r.Float64()*2 - 1)
		b[i] = float64(a[i])
	}
	return a, b
}

func closeTo(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > tol*(1+math.Abs(want[i])) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestConvKernels checks Conv2d and both backward kernels against the
// naive definition, over geometries that take the row-block fast path
// (stride 1, same-size output) and those that do not.
func TestConvKernels(t *testing.T) {
	p := func(s, pad, d, g int) backend.ConvParams {
		return backend.ConvParams{StrideH: s, StrideW: s, PadH: pad, PadW: pad, DilationH: d, DilationW: d, Groups: g}
	}
	cases := []convCase{
		{2, 1, 7, 7, 3, 3, 3, p(1, 1, 1, 1)},   // same padding: fast path
		{1, 3, 9, 5, 4, 3, 3, p(1, 1, 1, 1)},   // non-square
		{2, 2, 1, 1, 3, 1, 1, p(1, 0, 1, 1)},   // 1×1 image, pointwise
		{1, 2, 6, 6, 2, 5, 5, p(1, 2, 1, 1)},   // wide kernel, same padding
		{2, 3, 8, 7, 2, 3, 3, p(2, 1, 1, 1)},   // strided
		{1, 2, 9, 9, 2, 3, 3, p(1, 2, 2, 1)},   // dilated
		{2, 4, 5, 6, 6, 3, 2, p(1, 1, 1, 2)},   // groups, uneven kernel
		{1, 1, 33, 33, 2, 3, 3, p(1, 1, 1, 1)}, // odd size
		{1, 2, 4, 4, 1, 3, 3, p(1, 0, 1, 1)},   // valid padding: output narrower
	}
	c := New()
	r := rand.New(rand.NewPCG(31, 32))
	for _, k := range cases {
		t.Run(fmt.Sprintf("%+v", k), func(t *testing.T) {
			oh, ow := k.outSize()
			g := max(1, k.p.Groups)
			x32, x := rand32(r, k.n*k.c*k.h*k.w)
			w32, w := rand32(r, k.o*(k.c/g)*k.kh*k.kw)
			dy32, dy := rand32(r, k.n*k.o*oh*ow)
			wantY, wantDx, wantDw := naiveConv(k, x, w, dy)
			xv := backend.Dense(NewBuffer(backend.Float32, x32), k.n, k.c, k.h, k.w)
			wv := backend.Dense(NewBuffer(backend.Float32, w32), k.o, k.c/g, k.kh, k.kw)
			dyv := backend.Dense(NewBuffer(backend.Float32, dy32), k.n, k.o, oh, ow)
			y := make([]float32, len(wantY))
			c.Conv2d(backend.Dense(NewBuffer(backend.Float32, y), k.n, k.o, oh, ow), xv, wv, k.p)
			closeTo(t, "conv2d", y, wantY, 1e-5)
			dx := make([]float32, len(wantDx))
			c.Conv2dBackwardData(backend.Dense(NewBuffer(backend.Float32, dx), k.n, k.c, k.h, k.w), dyv, wv, k.p)
			closeTo(t, "backward data", dx, wantDx, 1e-5)
			dw := make([]float32, len(wantDw))
			c.Conv2dBackwardFilter(backend.Dense(NewBuffer(backend.Float32, dw), k.o, k.c/g, k.kh, k.kw), xv, dyv, k.p)
			closeTo(t, "backward filter", dw, wantDw, 1e-5)
		})
	}
}

// TestMaxPool2x2 checks the 2×2 fast path against the general kernel's
// rules on values with ties and NaNs, at odd sizes (the last row and
// column of an odd input are not covered by any window).
func TestMaxPool2x2(t *testing.T) {
	c := New()
	r := rand.New(rand.NewPCG(33, 34))
	for _, sz := range [][2]int{{2, 2}, {7, 7}, {8, 6}, {33, 5}} {
		h, w := sz[0], sz[1]
		oh, ow := h/2, w/2
		planes := 3
		x := make([]float32, planes*h*w)
		for i := range x {
			x[i] = float32(r.IntN(4)) // many ties
			if r.IntN(17) == 0 {
				x[i] = float32(math.NaN())
			}
		}
		vals := make([]float32, planes*oh*ow)
		idx := make([]int64, planes*oh*ow)
		pp := backend.PoolParams{KernelH: 2, KernelW: 2, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1}
		c.MaxPool2d(backend.Dense(NewBuffer(backend.Float32, vals), 1, planes, oh, ow),
			backend.Dense(NewBuffer(backend.Int64, idx), 1, planes, oh, ow),
			backend.Dense(NewBuffer(backend.Float32, x), 1, planes, h, w), pp)
		for pl := range planes {
			for oy := range oh {
				for ox := range ow {
					// Reference: scan the window in order; the first
					// maximum wins and a NaN replaces the running one.
					best, bi := float32(0), -1
					for ky := range 2 {
						for kx := range 2 {
							p := (2*oy+ky)*w + 2*ox + kx
							v := x[pl*h*w+p]
							if bi < 0 || v > best || v != v {
								best, bi = v, p
							}
						}
					}
					o := (pl*oh+oy)*ow + ox
					if idx[o] != int64(bi) || !(vals[o] == best || (vals[o] != vals[o] && best != best)) {
						t.Fatalf("%dx%d plane %d (%d,%d): got %v at %d, want %v at %d", h, w, pl, oy, ox, vals[o], idx[o], best, bi)
					}
				}
			}
		}
	}
}
