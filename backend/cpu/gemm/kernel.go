package gemm

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
