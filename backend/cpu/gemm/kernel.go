package gemm

import "unsafe"

// float is the element type of a product: float32 or float64.
type float interface{ float32 | float64 }

// kernel describes one register-blocked micro-kernel and the cache blocking
// that suits it.
//
// fn computes an mr×nr tile C = alpha*A·B + beta*C over k steps, where
// element (r,p) of A is a[r*rsa+p*csa] and element (p,j) of B is
// b[p*rsb+j]: a packed micro-panel has (rsa, csa) = (1, mr) and rsb = nr,
// and the caller's matrices can be read in place when they have a unit
// stride. C's rows are rsc elements apart and each row is contiguous. When
// beta is ±0 the old C is not read, so NaN in C cannot leak.
type kernel[T float] struct {
	name   string
	mr, nr int // register tile
	kc     int // depth of one packed block (B micro-panel kc×nr stays in L1)
	mc     int // rows of one packed A block (kc×mc stays in L2)
	nc     int // columns of one packed B block (kc×nc stays in L3)
	fn     func(k int, a *T, rsa, csa int, b *T, rsb int, c *T, rsc int, alpha, beta T)

	// fnPackA is fn for an A read in place whose rows are adjacent (rsa =
	// 1) that also copies the A panel it reads, packed (rsa, csa = 1, mr),
	// to dst: the first B panel an A block meets packs it for the rest at
	// no extra pass over A (see packingColumn).
	fnPackA func(k int, a *T, rsa, csa int, b *T, rsb int, c *T, rsc int, alpha, beta T, dst *T)

	// fnCol is fn for `tiles` full tiles down a column of C with one B
	// panel: tile t reads A from a + t*astep and writes rows [t*mr,
	// (t+1)*mr) of C. One call per column instead of one per tile saves
	// the calls' overhead, which the short products of a training step
	// (depth 32 to 128) feel. With a bias (not nil) it stores
	// alpha*A·B + bias, bias[j] (nr values) added to column j of every
	// row, without reading C: the first depth block of SgemmBias.
	fnCol func(k int, a *T, rsa, csa int, b *T, rsb int, c *T, rsc int, alpha, beta T, tiles, astep int, bias *T)

	// fn4 is fn for a tile of four rows (nil where there is none): the
	// edge tiles of at most four rows use it (see edgeTile), a 64-row
	// product's last 4 rows, for one, costing two thirds of a whole tile.
	fn4 func(k int, a *T, rsa, csa int, b *T, rsb int, c *T, rsc int, alpha, beta T)
}

// columnOf returns an fnCol made of a kernel fn for mr×nr tiles: a call of
// fn per tile, then the bias, if any, added to its rows.
func columnOf[T float](mr, nr int, fn func(k int, a *T, rsa, csa int, b *T, rsb int, c *T, rsc int, alpha, beta T)) func(k int, a *T, rsa, csa int, b *T, rsb int, c *T, rsc int, alpha, beta T, tiles, astep int, bias *T) {
	return func(k int, a *T, rsa, csa int, b *T, rsb int, c *T, rsc int, alpha, beta T, tiles, astep int, bias *T) {
		var z T
		size := unsafe.Sizeof(z)
		if bias != nil {
			beta = 0
		}
		for t := range tiles {
			ct := (*T)(unsafe.Add(unsafe.Pointer(c), uintptr(t*mr*rsc)*size))
			fn(k, (*T)(unsafe.Add(unsafe.Pointer(a), uintptr(t*astep)*size)), rsa, csa, b, rsb, ct, rsc, alpha, beta)
			if bias == nil {
				continue
			}
			cs, bs := unsafe.Slice(ct, (mr-1)*rsc+nr), unsafe.Slice(bias, nr)
			for i := range mr {
				row := cs[i*rsc : i*rsc+nr]
				for j, v := range bs {
					row[j] += v
				}
			}
		}
	}
}

// packThenRun returns an fnPackA made of a kernel fn for a tile mr rows
// tall: it packs the panel into dst, then runs fn on the copy. The
// kernels that have no fused variant use it.
func packThenRun[T float](mr int, fn func(k int, a *T, rsa, csa int, b *T, rsb int, c *T, rsc int, alpha, beta T)) func(k int, a *T, rsa, csa int, b *T, rsb int, c *T, rsc int, alpha, beta T, dst *T) {
	return func(k int, a *T, rsa, csa int, b *T, rsb int, c *T, rsc int, alpha, beta T, dst *T) {
		if k <= 0 {
			fn(k, a, rsa, csa, b, rsb, c, rsc, alpha, beta)
			return
		}
		src := unsafe.Slice(a, (mr-1)*rsa+(k-1)*csa+1)
		packPanel(unsafe.Slice(dst, mr*k), src, rsa, csa, mr, mr, k)
		fn(k, dst, 1, mr, b, rsb, c, rsc, alpha, beta)
	}
}

// depth returns the depth of the blocks a product of depth k is cut into:
// at most kc, and all of about the same size, so that a product a little
// deeper than a multiple of kc does not end with a thin block (784 = 4 ×
// 196 rather than 3 × 256 + 16), whose kernel calls would be mostly
// overhead.
func (k *kernel[T]) depth(total int) int {
	if total <= k.kc {
		return max(total, 1)
	}
	blocks := (total + k.kc - 1) / k.kc
	return (total + blocks - 1) / blocks
}
