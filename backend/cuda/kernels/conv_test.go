package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
)

// convCases are geometries with stride, padding and dilation.
var convCases = []ConvShape{
	{N0: 0, NB: 2, C: 3, H: 5, W: 6, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1, DH: 1, DW: 1},
	{N0: 1, NB: 2, C: 2, H: 7, W: 5, KH: 2, KW: 3, SH: 2, SW: 1, PH: 0, PW: 2, DH: 1, DW: 2},
	{N0: 0, NB: 1, C: 4, H: 6, W: 6, KH: 3, KW: 2, SH: 2, SW: 3, PH: 2, PW: 1, DH: 2, DW: 1},
	{N0: 2, NB: 1, C: 1, H: 4, W: 4, KH: 1, KW: 1, SH: 1, SW: 1, PH: 0, PW: 0, DH: 1, DW: 1},
}

// withOutput fills in OH and OW as PyTorch computes them.
func withOutput(g ConvShape) ConvShape {
	g.OH = (g.H+2*int64(g.PH)-int64(g.DH)*(g.KH-1)-1)/int64(g.SH) + 1
	g.OW = (g.W+2*int64(g.PW)-int64(g.DW)*(g.KW-1)-1)/int64(g.SW) + 1
	return g
}

// im2colRef is the CPU backend's im2col (backend/cpu/conv.go) for images
// [n0, n0+nb), on a strided x read through at.
func im2colRef(g ConvShape, at func(n, c, y, x int64) float64) []float64 {
	col := make([]float64, g.ColElems())
	i := 0
	for n := int64(0); n < g.NB; n++ {
		for c := int64(0); c < g.C; c++ {
			for ki := int64(0); ki < g.KH; ki++ {
				for kj := int64(0); kj < g.KW; kj++ {
					for oy := int64(0); oy < g.OH; oy++ {
						for ox := int64(0); ox < g.OW; ox++ {
							iy := oy*int64(g.SH) - int64(g.PH) + ki*int64(g.DH)
							ix := ox*int64(g.SW) - int64(g.PW) + kj*int64(g.DW)
							if iy >= 0 && iy < g.H && ix >= 0 && ix < g.W {
								col[i] = at(g.N0+n, c, iy, ix)
							}
							i++
						}
					}
				}
			}
		}
	}
	return col
}

func TestIm2colCol2im(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(60, 60))
	a := driver.NewArgs()
	for gi, g0 := range convCases {
		g := withOutput(g0)
		shape := []int{int(g.N0 + g.NB + 1), int(g.C), int(g.H), int(g.W)}
		for _, dt := range FloatTypes {
			xl := randomLayout(rng, shape, false)
			x := randomTensor(d, dt, xl, func() float64 { return float64(rng.IntN(64)-32) / 8 })
			xv := decode(dt, x.devBytes(d))
			at := func(n, c, y, xx int64) float64 {
				return xv[xl.offset+int(n)*xl.strides[0]+int(c)*xl.strides[1]+int(y)*xl.strides[2]+int(xx)*xl.strides[3]]
			}
			want := im2colRef(g, at)
			col := d.alloc(len(want) * dt.Size())
			d.launch(ConvKernel(Im2col, dt), ElementwiseLaunch(g.ColElems(), 3), a, PackIm2col(a, col, x.dev, xl.st(), g))
			if got := d.download(dt, col, len(want)); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("im2col %v case %d: got %v, want %v", dt, gi, got, want)
			}

			// col2im is the adjoint: every x element of the images gets the
			// sum of the col entries im2col copies it to.
			cv := make([]float64, g.ColElems())
			for i := range cv {
				cv[i] = float64(rng.IntN(16)-8) / 4
			}
			cp, cExact := d.upload(dt, cv)
			for _, acc := range []bool{false, true} {
				dl := randomLayout(rng, shape, false)
				dx := randomTensor(d, dt, dl, func() float64 { return float64(rng.IntN(8)) })
				want := decode(dt, dx.devBytes(d))
				for n := int64(0); n < g.NB; n++ {
					for c := int64(0); c < g.C; c++ {
						for y := int64(0); y < g.H; y++ {
							for xx := int64(0); xx < g.W; xx++ {
								o := dl.offset + int(g.N0+n)*dl.strides[0] + int(c)*dl.strides[1] + int(y)*dl.strides[2] + int(xx)*dl.strides[3]
								if !acc {
									want[o] = 0
								}
							}
						}
					}
				}
				// Scatter col back through im2colRef's own index map.
				positions := im2colRef(g, func(n, c, y, xx int64) float64 {
					return float64(dl.offset + int(n)*dl.strides[0] + int(c)*dl.strides[1] + int(y)*dl.strides[2] + int(xx)*dl.strides[3] + 1)
				})
				for i, p := range positions {
					if p != 0 {
						want[int(p)-1] += cExact[i]
					}
				}
				err := PackCol2im(a, dx.dev, dl.st(), cp, g, acc)
				d.launch(ConvKernel(Col2im, dt), ElementwiseLaunch(g.NB*g.C*g.H*g.W, 3), a, err)
				checkClose(t, fmt.Sprintf("col2im %v case %d accumulate %v", dt, gi, acc), dt, decode(dt, dx.devBytes(d)), roundTo(dt, want))
			}
		}
	}
	if err := PackIm2col(a, 0, 0, Strides{}, ConvShape{KH: 0, KW: 1, SH: 1, SW: 1, DH: 1, DW: 1}); err == nil {
		t.Error("a 0×1 kernel accepted")
	}
}

func TestMaxPool2dMatchesCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(61, 61))
	a := driver.NewArgs()
	for _, p := range []backend.PoolParams{
		{KernelH: 2, KernelW: 2, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1},
		{KernelH: 3, KernelW: 3, StrideH: 1, StrideW: 2, PadH: 1, PadW: 1, DilationH: 1, DilationW: 1},
		{KernelH: 2, KernelW: 3, StrideH: 2, StrideW: 1, PadH: 1, PadW: 0, DilationH: 2, DilationW: 1},
	} {
		shape := []int{2, 3, 7, 8}
		oh := (shape[2]+2*p.PadH-p.DilationH*(p.KernelH-1)-1)/p.StrideH + 1
		ow := (shape[3]+2*p.PadW-p.DilationW*(p.KernelW-1)-1)/p.StrideW + 1
		oshape := []int{2, 3, oh, ow}
		ps := PoolShape{N: 2, C: 3, H: 7, W: 8, OH: int64(oh), OW: int64(ow), KH: int32(p.KernelH), KW: int32(p.KernelW),
			SH: int32(p.StrideH), SW: int32(p.StrideW), PH: int32(p.PadH), PW: int32(p.PadW), DH: int32(p.DilationH), DW: int32(p.DilationW)}
		for _, dt := range FloatTypes {
			xl := randomLayout(rng, shape, false)
			x := randomTensor(d, dt, xl, func() float64 {
				if rng.IntN(30) == 0 {
					return math.NaN()
				}
				return float64(rng.IntN(9) - 4) // ties: the first maximum wins
			})
			ol, il := randomLayout(rng, oshape, false), randomLayout(rng, oshape, false)
			out, idx := newTensor(d, dt, ol, make([]float64, ol.size)), newTensor(d, I64, il, make([]float64, il.size))
			d.launch(ConvKernel(MaxPool2d, dt), ElementwiseLaunch(int64(ol.numel()), 2), a,
				PackMaxPool2d(a, out.operand(), idx.operand(), x.operand(), ps))
			src, dst := x.view(), out.view()
			var dst32 backend.Buffer
			if dt == BF16 || dt == F16 {
				// The CPU pools float32 (ember converts): exact.
				f := zalloc(backend.Float32, xl.size)
				cpuBE.Copy(backend.Dense(f, xl.size), backend.Dense(x.cpu, xl.size))
				src = xl.view(f)
				dst32 = zalloc(backend.Float32, ol.size)
				dst = ol.view(dst32)
			}
			cpuBE.MaxPool2d(dst, idx.view(), src, p)
			idx.compare(t, d, fmt.Sprintf("maxpool indices %v %+v", dt, p), true)
			if dst32 != nil {
				cpuBE.Copy(out.view(), ol.view(dst32))
			}
			out.compare(t, d, fmt.Sprintf("maxpool %v %+v", dt, p), true)
		}
	}
}
