package gemm

// float is the element type of a product: float32 or float64.
type float interface{ float32 | float64 }

// kernel describes one register-blocked micro-kernel and the cache blocking
// that suits it.
//
// fn computes an mr×nr tile C = alpha*(Ã·B̃) + beta*C from a packed A
// micro-panel Ã (mr values per k step) and a packed B micro-panel B̃ (nr
// values per k step). C's rows are rsc elements apart and each row is
// contiguous. When beta is ±0 the old C is not read, so NaN in C cannot leak.
type kernel[T float] struct {
	name   string
	mr, nr int // register tile
	kc     int // depth of one packed block (B micro-panel kc×nr stays in L1)
	mc     int // rows of one packed A block (kc×mc stays in L2)
	nc     int // columns of one packed B block (kc×nc stays in L3)
	fn     func(k int, a, b, c *T, rsc int, alpha, beta T)
}
