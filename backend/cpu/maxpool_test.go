package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
)

// maxPoolRef pools x [n, c, h, w] (row-major float64) into oh×ow windows by
// the definition: taps in row-major order, padding skipped, the first
// maximum kept, a NaN always taken.
func maxPoolRef(x []float64, n, c, h, w, oh, ow int, p backend.PoolParams) ([]float64, []int64) {
	vals := make([]float64, 0, n*c*oh*ow)
	idx := make([]int64, 0, n*c*oh*ow)
	for plane := range n * c {
		for oy := range oh {
			for ox := range ow {
				best, bi := math.Inf(-1), int64(-1)
				for ki := range p.KernelH {
					iy := oy*p.StrideH - p.PadH + ki*p.DilationH
					for kj := range p.KernelW {
						ix := ox*p.StrideW - p.PadW + kj*p.DilationW
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							continue
						}
						v := x[(plane*h+iy)*w+ix]
						if bi < 0 || v > best || math.IsNaN(v) {
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

// TestMaxPool2d checks max pooling against maxPoolRef: the 2×2 fast path
// (odd sizes, ceil-mode outputs that overhang), other windows, strided
// views, ties, NaN and -Inf.
func TestMaxPool2d(t *testing.T) {
	c := New()
	r := rand.New(rand.NewPCG(9, 10))
	type poolCase struct {
		n, c, h, w, oh, ow int
		p                  backend.PoolParams
	}
	p2 := backend.PoolParams{KernelH: 2, KernelW: 2, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1}
	cases := []poolCase{
		{2, 3, 8, 8, 4, 4, p2},
		{1, 2, 7, 9, 3, 4, p2},
		{1, 2, 7, 9, 4, 5, p2}, // ceil mode: the last windows overhang
		{3, 1, 1, 2, 1, 1, p2},
		{2, 3, 6, 37, 3, 18, p2}, // whole vectors and a tail
		{1, 2, 5, 34, 3, 17, p2},
		{4, 40, 14, 14, 7, 7, p2}, // many planes: tasks of their own
		{2, 2, 9, 7, 5, 4, backend.PoolParams{KernelH: 3, KernelW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, DilationH: 1, DilationW: 1}},
		{1, 2, 9, 10, 3, 3, backend.PoolParams{KernelH: 2, KernelW: 3, StrideH: 3, StrideW: 2, PadH: 1, PadW: 0, DilationH: 2, DilationW: 3}},
	}
	for _, ks := range kernelSets() {
		for _, k := range cases {
			for _, dt := range []backend.DType{backend.Float32, backend.Float64} {
				for _, l := range layouts {
					t.Run(fmt.Sprintf("%s/%v/%v/layout%d", ks.name, k, dt, l), func(t *testing.T) {
						defer func(old convKernels) { convKern = old }(convKern)
						convKern = ks
						x := make([]float64, k.n*k.c*k.h*k.w)
						for i := range x {
							// Few distinct values, so windows hold ties;
							// some NaN and -Inf.
							x[i] = float64(r.IntN(5))
							switch r.IntN(30) {
							case 0:
								x[i] = math.NaN()
							case 1:
								x[i] = math.Inf(-1)
							}
						}
						x[0] = math.NaN()
						want, wantIdx := maxPoolRef(x, k.n, k.c, k.h, k.w, k.oh, k.ow, k.p)
						xv := makeView(dt, []int{k.n, k.c, k.h, k.w}, x, l)
						ys := []int{k.n, k.c, k.oh, k.ow}
						yv := makeView(dt, ys, make([]float64, len(want)), l)
						// The indices share the values' layout; -7 marks
						// the elements between.
						lv := makeView(backend.Float64, ys, make([]float64, len(want)), l)
						iv := lv
						iv.Buf = c.Alloc(backend.Int64, lv.Buf.Len())
						for i := range buf(iv).I64 {
							buf(iv).I64[i] = -7
						}
						c.MaxPool2d(yv, iv, xv, k.p)
						got := readView(yv)
						// The values alone (inference) are the same.
						vv := makeView(dt, ys, make([]float64, len(want)), l)
						c.MaxPool2dValues(vv, xv, k.p)
						for i, v := range readView(vv) {
							if v != want[i] && !(math.IsNaN(v) && math.IsNaN(want[i])) {
								t.Fatalf("values-only output %d = %v, want %v", i, v, want[i])
							}
						}
						var gotIdx []int64
						inside := 0
						for a := range ys[0] {
							for ch := range ys[1] {
								for y := range ys[2] {
									for x := range ys[3] {
										gotIdx = append(gotIdx, buf(iv).I64[iv.Offset+a*iv.Strides[0]+ch*iv.Strides[1]+y*iv.Strides[2]+x*iv.Strides[3]])
										inside++
									}
								}
							}
						}
						for i := range want {
							same := got[i] == want[i] || math.IsNaN(got[i]) && math.IsNaN(want[i])
							if !same || gotIdx[i] != wantIdx[i] {
								t.Fatalf("output %d = %v at %d, want %v at %d", i, got[i], gotIdx[i], want[i], wantIdx[i])
							}
						}
						if l != denseLayout {
							checkGaps(t, "y", yv)
						}
						sentinels := 0
						for _, v := range buf(iv).I64 {
							if v == -7 {
								sentinels++
							}
						}
						if sentinels != len(buf(iv).I64)-inside {
							t.Fatalf("%d index elements outside the view were written", len(buf(iv).I64)-inside-sentinels)
						}
					})
				}
			}
		}
	}
}

// TestMaxPool2dBackward checks the max-pool gradient against a scatter-add
// by the definition, for windows that overlap (so gradients of a shared
// maximum add up) and windows that do not, in every layout, into a dx
// holding stale values.
func TestMaxPool2dBackward(t *testing.T) {
	c := New()
	r := rand.New(rand.NewPCG(11, 12))
	p3 := backend.PoolParams{KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 2, PadH: 1, PadW: 1, DilationH: 1, DilationW: 1}
	p2 := backend.PoolParams{KernelH: 2, KernelW: 2, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1}
	for _, k := range []struct {
		n, c, h, w, oh, ow int
		p                  backend.PoolParams
	}{{2, 3, 6, 7, 6, 4, p3}, {3, 2, 8, 10, 4, 5, p2}, {1, 1, 1, 1, 1, 1, p3}} {
		for _, dt := range []backend.DType{backend.Float32, backend.Float64} {
			for _, l := range layouts {
				t.Run(fmt.Sprintf("%v/%v/layout%d", k, dt, l), func(t *testing.T) {
					x := make([]float64, k.n*k.c*k.h*k.w)
					for i := range x {
						x[i] = float64(r.IntN(4)) // ties: windows share maxima
					}
					_, idx := maxPoolRef(x, k.n, k.c, k.h, k.w, k.oh, k.ow, k.p)
					dy := randVals(r, len(idx))
					want := make([]float64, len(x))
					for i, at := range idx {
						plane := i / (k.oh * k.ow)
						want[plane*k.h*k.w+int(at)] += dy[i]
					}
					ys := []int{k.n, k.c, k.oh, k.ow}
					iv := makeView(backend.Float64, ys, make([]float64, len(idx)), l)
					iv.Buf = c.Alloc(backend.Int64, iv.Buf.Len())
					j := 0
					for a := range ys[0] {
						for ch := range ys[1] {
							for y := range ys[2] {
								for xx := range ys[3] {
									buf(iv).I64[iv.Offset+a*iv.Strides[0]+ch*iv.Strides[1]+y*iv.Strides[2]+xx*iv.Strides[3]] = idx[j]
									j++
								}
							}
						}
					}
					stale := make([]float64, len(x))
					for i := range stale {
						stale[i] = 123
					}
					dyv := makeView(dt, ys, dy, l)
					dxv := makeView(dt, []int{k.n, k.c, k.h, k.w}, stale, l)
					c.MaxPool2dBackward(dxv, dyv, iv)
					closeTo(t, "dx", dt, readView(dxv), want, 9)
					if l != denseLayout {
						checkGaps(t, "dx", dxv)
					}
				})
			}
		}
	}
}
