package kernels

import (
	"fmt"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// ConvShape is the geometry of im2col and col2im, laid out as its C twin
// ember::ConvShape (96 bytes): images [N0, N0+NB) of an input with C
// channels of H×W, a KH×KW kernel with stride (SH, SW), padding (PH, PW)
// and dilation (DH, DW), giving OH×OW outputs.
type ConvShape struct {
	N0, NB, C, H, W, KH, KW, OH, OW int64
	SH, SW, PH, PW, DH, DW          int32
}

// ColElems returns the element count of the col matrix of g:
// NB × C·KH·KW × OH·OW, contiguous in that order. For a convolution with
// G groups, group g's rows are [g·C/G·KH·KW, (g+1)·C/G·KH·KW) of each
// image's C·KH·KW rows, so that out[n, g] = W_g · col[n, group g rows].
func (g *ConvShape) ColElems() int64 { return g.NB * g.C * g.KH * g.KW * g.OH * g.OW }

func (g *ConvShape) check() error {
	if g.N0 < 0 || g.NB < 0 || g.C < 0 || g.H < 0 || g.W < 0 || g.KH < 1 || g.KW < 1 || g.OH < 0 || g.OW < 0 ||
		g.SH < 1 || g.SW < 1 || g.PH < 0 || g.PW < 0 || g.DH < 1 || g.DW < 1 {
		return fmt.Errorf("kernels: bad convolution geometry %+v", *g)
	}
	return nil
}

// PackIm2col packs ember::im2col: col (contiguous, ColElems elements)
// from the NCHW tensor x with strides xSt (S[0..3] for N, C, H, W).
// Launch it with ElementwiseLaunch over ColElems.
func PackIm2col(a *driver.Args, col, x driver.DevicePtr, xSt Strides, g ConvShape) error {
	if err := g.check(); err != nil {
		return err
	}
	a.Reset().Ptr(col).Ptr(x)
	driver.ArgStruct(a, &xSt)
	driver.ArgStruct(a, &g)
	return a.Err()
}

// PackCol2im packs ember::col2im: the images [N0, N0+NB) of x (strides
// xSt) become the sums of their col entries, or have them added with
// accumulate. Launch it with ElementwiseLaunch over NB·C·H·W.
func PackCol2im(a *driver.Args, x driver.DevicePtr, xSt Strides, col driver.DevicePtr, g ConvShape, accumulate bool) error {
	if err := g.check(); err != nil {
		return err
	}
	a.Reset().Ptr(x)
	driver.ArgStruct(a, &xSt)
	a.Ptr(col)
	driver.ArgStruct(a, &g)
	a.I32(boolInt(accumulate))
	return a.Err()
}

// PoolShape is the geometry of max pooling, laid out as its C twin
// ember::PoolShape (80 bytes): N×C planes of H×W, OH×OW outputs, a KH×KW
// window with stride (SH, SW), padding (PH, PW) and dilation (DH, DW).
type PoolShape struct {
	N, C, H, W, OH, OW             int64
	KH, KW, SH, SW, PH, PW, DH, DW int32
}

// PackMaxPool2d packs ember::maxpool2d: out and the i64 indices (both
// [N, C, OH, OW]) from x [N, C, H, W], any strides (S[0..3]). Launch it
// with ElementwiseLaunch over N·C·OH·OW.
func PackMaxPool2d(a *driver.Args, out, indices, x *Operand, p PoolShape) error {
	if p.N < 0 || p.C < 0 || p.H < 0 || p.W < 0 || p.OH < 0 || p.OW < 0 || p.KH < 1 || p.KW < 1 || p.SH < 1 ||
		p.SW < 1 || p.PH < 0 || p.PW < 0 || p.DH < 1 || p.DW < 1 {
		return fmt.Errorf("kernels: bad pooling geometry %+v", p)
	}
	a.Reset()
	operand(a, out)
	operand(a, indices)
	operand(a, x)
	driver.ArgStruct(a, &p)
	return a.Err()
}
