// Package vec holds the vectorised float32 loops of Ember's CPU backend:
// elementwise arithmetic, ReLU and GELU and their gradients, exp, log,
// tanh, sigmoid and erf, sums, column sums and maxima, the softmax row
// primitives and attention's masked softmax rows, the layer norm row
// kernels (forward and backward, one call per row), 2×2 max pooling and
// the Adam update.
//
// Every function has two implementations with the same contract: AVX2+FMA
// assembly (amd64, chosen at start-up with golang.org/x/sys/cpu) and a
// pure-Go twin used under the purego build tag, on other architectures and
// on CPUs without AVX2. The assembly handles whole blocks of 8 elements and
// the Go code the tail, so any length works. The tests run both.
//
// The transcendental functions are polynomial approximations (Cephes's
// single-precision ones with a Cody-Waite reduction) evaluated in float32:
//
//	Exp      error below 1.5 ulp (measured 0.98); 0 below -103.97, +Inf above 88.72
//	Log      error below 1.5 ulp (measured 0.76); NaN below 0, -Inf at 0
//	Tanh     error below 2 ulp (measured 1.27)
//	Sigmoid  error below 3 ulp (measured 2.36) above -87; 0 below -88.7
//	Erf      absolute error below 3e-7 (Abramowitz and Stegun 7.1.26, as
//	         PyTorch's vectorised erf), relative below 1e-6 under 0.5
//	Gelu     x·Φ(x) from Erf; GeluGrad its gradient
//
// (the bounds are checked by the tests against the float64 math package,
// over the float32 range where the result is representable; subnormal
// results of Exp count in units of the subnormal spacing). NaN inputs give
// NaN.
//
// Slices may alias when they are the same slice (dst == x for an in-place
// update); partially overlapping slices are not allowed.
package vec
