// ember_copy.cu: kernels that move or convert elements without arithmetic,
// over strided tensors with broadcasting (see ember_common.cuh for Shape and
// Strides; n is the element count of the iteration shape, below 2^31).
// T, To and From range over all eight element types. fill and cast move
// runs of elements per thread where the layout allows (ember_common.cuh,
// run_mode), one element at a time elsewhere.
//
//   ember::fill<T>(T* out, Strides out_st, Shape sh, i64 n, double value)
//     Every element becomes value, converted as cast converts a double.
//
//   ember::cast<To, From>(To* out, Strides out_st, const From* in,
//       Strides in_st, Shape sh, i64 n)
//     out = in converted with the CPU backend's rules (ember_common.cuh,
//     Num): float to integer truncates toward zero through i64 (NaN gives
//     0; out of the i64 range gives the i64 minimum) and wraps to narrower
//     types; integers wrap; to bool is x != 0 (NaN is true); i64 to a float
//     rounds once; double to a 16-bit float rounds through float.
//     cast<T, T> is a strided copy.
//
//   ember::where<S>(S* out, Strides out_st, const ember::boolean* cond,
//       Strides cond_st, const S* x, Strides x_st, const S* y, Strides y_st,
//       Shape sh, i64 n)
//     out = cond ? x : y. S is the unsigned type of the element size
//     (ember::u8, u16, u32, u64): where only moves bits.
//
//   ember::arange<T>(T* out, i64 stride, i64 offset, i64 n, double start,
//       double step)
//     out[offset + i*stride] = start + i*step, computed in double without a
//     fused multiply-add (as the CPU does), then converted like fill.
#include "ember_common.cuh"

namespace ember {

template <class T>
__global__ void fill(T* __restrict__ out, Strides out_st, Shape sh, i64 n, double value) {
  enum { N = RunWidth<sizeof(T)>::n };
  const T v = Num<T>::from(value);
  u32 done = 0;
  if (run_mode<N>(sh, out_st, out) == 1) {
    Run<T, N> r;
#pragma unroll
    for (int j = 0; j < N; ++j) r.v[j] = v;
    const u32 runs = (u32)n / N;
    for (u32 q = (u32)global_thread(); q < runs; q += (u32)grid_threads()) store_run(out + offset1(sh, q * N, out_st), r);
    done = runs * N;
  }
  for (u32 i = done + (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) out[offset1(sh, i, out_st)] = v;
}

template <class To, class From>
__global__ void cast(To* __restrict__ out, Strides out_st, const From* __restrict__ in, Strides in_st, Shape sh, i64 n) {
  enum { N = RunWidth<(sizeof(To) > sizeof(From) ? sizeof(To) : sizeof(From))>::n };
  map_runs<N>(out, out_st, in, in_st, sh, n, [](From x) { return convert<To>(x); });
}

template <class S>
__global__ void where(S* __restrict__ out, Strides out_st, const boolean* __restrict__ cond, Strides cond_st,
                      const S* __restrict__ x, Strides x_st, const S* __restrict__ y, Strides y_st, Shape sh, i64 n) {
  for (u32 i = (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) {
    i64 oo, oc, ox, oy;
    offset4(sh, i, out_st, cond_st, x_st, y_st, oo, oc, ox, oy);
    out[oo] = cond[oc].v ? x[ox] : y[oy];
  }
}

template <class T>
__global__ void arange(T* __restrict__ out, i64 stride, i64 offset, i64 n, double start, double step) {
  for (i64 i = global_thread(); i < n; i += grid_threads())
    out[offset + i * stride] = Num<T>::from(d_add(start, d_mul((double)i, step)));
}

}  // namespace ember
