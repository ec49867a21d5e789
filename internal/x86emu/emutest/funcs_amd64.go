//go:build amd64 && !purego

package emutest

// Axpy sets y[i] += a*x[i] (fused) for i < n, eight lanes at a time (AVX2,
// FMA) and the rest one at a time. It prefetches past the end of x.
//
//go:noescape
func Axpy(n int, a float32, x, y *float32)

// Dot returns the dot product of x[:n] and y[:n] (eight lane products
// summed down the vector, then the lanes and the remaining products added
// in order, all unfused) and n/8. It keeps the lanes in a local frame.
//
//go:noescape
func Dot(x, y *float32, n int) (sum float32, blocks int)

// Gemm8 sets c[i*8+j] += sum over p of a[i*lda+p]*b[p*8+j] (fused, in p
// order) for i < m, j < 8, p < k.
//
//go:noescape
func Gemm8(m, k int, a *float32, lda int, b, c *float32)

// OpsPS applies a list of AVX float32 operations to the eight values at
// x, y and z and stores their results at out, 28 blocks of eight (see the
// assembly); the last block of out is only half written.
//
//go:noescape
func OpsPS(x, y, z, out *float32)

// OpsPD is OpsPS for float64: four values at x, y and z (z 32-byte
// aligned), 18 blocks of four at out.
//
//go:noescape
func OpsPD(x, y, z, out *float64)

// CopyAligned copies eight float32 from src to dst with aligned moves:
// both must be 32-byte aligned.
//
//go:noescape
func CopyAligned(dst, src *float32)

// Axpy512 is Axpy on AVX-512 (sixteen lanes, a masked tail). It is never
// called natively by the tests.
//
//go:noescape
func Axpy512(n int, a float32, x, y *float32)

// AxpyPD512 sets y[i] = x[i]*a + y[i] (rounded after the multiply and the
// add) for i < n on AVX-512 (eight lanes, a masked tail). It is never
// called natively by the tests.
//
//go:noescape
func AxpyPD512(n int, a float64, x, y *float64)

// Mask512 returns the low 16 bits of 1<<n - 1 passed through the mask
// registers (0 <= n < 64). It is never called natively by the tests.
func Mask512(n int) (m int)

// Unsupported runs an instruction the emulator does not implement
// (vsqrtps) on the eight values at x.
//
//go:noescape
func Unsupported(x *float32)

// TailJump jumps to Axpy, out of its own body.
//
//go:noescape
func TailJump(n int, a float32, x, y *float32)

// Flags applies integer operation number op (see the assembly) to a and b
// and returns the result and, one bit each, whether the conditions e, ne,
// l, le, g, ge, b, be, a, ae, s and ns hold afterwards (e in bit 11).
func Flags(op, a, b int) (r, cond int)

// FlagsOps is the number of operations of Flags.
const FlagsOps = 40
