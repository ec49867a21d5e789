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
