package cpu

import "unsafe"

// The pure-Go twins of the convolution micro-kernels (see conv_kernel.go for
// their contract): used under the purego build tag, on other architectures
// and on CPUs without AVX2+FMA, and by the tests against the assembly.

var goConvKernels = convKernels{name: "go", tiles: convTilesGo, tilePack: convTilePackGo, dot: convDotGo, gatherT: convGatherTGo, maxPool2x2: maxPool2x2Go}

func convTilesGo(k int, a, b *float32, off *int32, c *float32, ldc int, bias *float32, tiles int) {
	for t := range tiles {
		convTileGo(k, a, (*float32)(unsafe.Add(unsafe.Pointer(b), 4*convTileCols*t)), off,
			(*float32)(unsafe.Add(unsafe.Pointer(c), 4*convTileCols*t)), ldc, bias)
	}
}

func convTileGo(k int, a, b *float32, off *int32, c *float32, ldc int, bias *float32) {
	var acc [convTileRows * convTileCols]float32
	for i, v := range unsafe.Slice(bias, convTileRows) {
		for j := range convTileCols {
			acc[i*convTileCols+j] = v
		}
	}
	if k > 0 {
		as := unsafe.Slice(a, k*convTileRows)
		offs := unsafe.Slice(off, k)
		maxOff := int32(0)
		for _, o := range offs {
			maxOff = max(maxOff, o)
		}
		bs := unsafe.Slice(b, int(maxOff)+convTileCols)
		for t, o := range offs {
			brow := bs[o : o+convTileCols : o+convTileCols]
			av := as[t*convTileRows : t*convTileRows+convTileRows : t*convTileRows+convTileRows]
			for i, w := range av {
				r := acc[i*convTileCols : i*convTileCols+convTileCols : i*convTileCols+convTileCols]
				for j, v := range brow {
					r[j] += w * v
				}
			}
		}
	}
	cs := unsafe.Slice(c, (convTileRows-1)*ldc+convTileCols)
	for i := range convTileRows {
		copy(cs[i*ldc:i*ldc+convTileCols], acc[i*convTileCols:])
	}
}

func convGatherTGo(dst, src *float32, off *[convGatherRows]int32, blocks int) {
	n := convGatherBlock * blocks
	if n == 0 {
		return
	}
	maxOff := int32(0)
	for _, o := range off {
		maxOff = max(maxOff, o)
	}
	ds, ss := unsafe.Slice(dst, n*convGatherRows), unsafe.Slice(src, int(maxOff)+n)
	for j, o := range off {
		row := ss[o : int(o)+n]
		for p, v := range row {
			ds[p*convGatherRows+j] = v
		}
	}
}

func convTilePackGo(k int, a, b *float32, off *int32, c *float32, ldc int, bias, dst *float32) {
	convTileGo(k, a, b, off, c, ldc, bias)
	if k == 0 {
		return
	}
	offs := unsafe.Slice(off, k)
	maxOff := int32(0)
	for _, o := range offs {
		maxOff = max(maxOff, o)
	}
	ds, bs := unsafe.Slice(dst, k*convTileCols), unsafe.Slice(b, int(maxOff)+convTileCols)
	for t, o := range offs {
		copy(ds[t*convTileCols:(t+1)*convTileCols], bs[o:int(o)+convTileCols])
	}
}

func convDotGo(nimg, n int, a *float32, lda, sa int, b *float32, off *[convDotCols]int32, sb int, c *float32, ldc int) {
	var acc [convDotRows][convDotCols]float32
	if nimg > 0 && n > 0 {
		as := unsafe.Slice(a, (nimg-1)*sa+(convDotRows-1)*lda+n)
		maxOff := int32(0)
		for _, o := range off {
			maxOff = max(maxOff, o)
		}
		bs := unsafe.Slice(b, (nimg-1)*sb+int(maxOff)+n)
		for m := range nimg {
			for i := range convDotRows {
				arow := as[m*sa+i*lda : m*sa+i*lda+n]
				for j, o := range off {
					brow := bs[m*sb+int(o) : m*sb+int(o)+n]
					var s float32
					for q, v := range arow {
						s += v * brow[q]
					}
					acc[i][j] += s
				}
			}
		}
	}
	cs := unsafe.Slice(c, (convDotCols-1)*ldc+convDotRows)
	for j := range convDotCols {
		for i := range convDotRows {
			cs[j*ldc+i] += acc[i][j]
		}
	}
}
