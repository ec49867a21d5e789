// ember_reduce.cu: reductions along one axis of a contiguous tensor viewed
// as [outer, len, inner]. Accumulation is in Acc<T>::type (float for the
// 16-bit types). T is float, double, ember::bf16 or ember::f16; R is
// ember::SumOp, ember::ProdOp, ember::MaxOp or ember::MinOp; Cmp is
// ember::ArgMax or ember::ArgMin. Max and min propagate NaN; argmax and
// argmin treat NaN as the extreme value and break ties by the lowest index.
//
//   ember::reduce_last<T, R>(T* out, const T* in, i64 rows, i64 cols,
//       double scale)
//     inner == 1: out[r] = scale * R(in[r*cols : (r+1)*cols]).
//     One block per row (grid-stride over rows); blockDim.x a multiple of
//     32. scale is 1 except for means (1/cols).
//
//   ember::reduce_mid<T, R>(T* out, const T* in, i64 outer, i64 len,
//       i64 inner, double scale)
//     out[o*inner + i] = scale * R over r of in[(o*len + r)*inner + i].
//     One thread per output element, grid-stride.
//
//   ember::arg_reduce_last<T, Cmp>(i64* out, const T* in, i64 rows, i64 cols)
//   ember::arg_reduce_mid<T, Cmp>(i64* out, const T* in, i64 outer, i64 len,
//       i64 inner)
//     The same two layouts, writing the index along the reduced axis.
#include "ember_common.cuh"

namespace ember {

template <class T, class R>
__global__ void reduce_last(T* __restrict__ out, const T* __restrict__ in, i64 rows, i64 cols, double scale) {
  typedef typename Acc<T>::type A;
  __shared__ A smem[32];
  for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* row = in + r * cols;
    A acc = R::template identity<A>();
    for (i64 c = threadIdx.x; c < cols; c += blockDim.x) acc = R::template combine<A>(acc, to_acc(row[c]));
    acc = block_reduce<R>(acc, smem);
    if (threadIdx.x == 0) out[r] = from_acc<T>(acc * (A)scale);
  }
}

template <class T, class R>
__global__ void reduce_mid(T* __restrict__ out, const T* __restrict__ in, i64 outer, i64 len, i64 inner, double scale) {
  typedef typename Acc<T>::type A;
  const i64 n = outer * inner;
  for (i64 k = global_thread(); k < n; k += grid_threads()) {
    const i64 o = k / inner, i = k - o * inner;
    const T* p = in + o * len * inner + i;
    A acc = R::template identity<A>();
    for (i64 r = 0; r < len; ++r) acc = R::template combine<A>(acc, to_acc(p[r * inner]));
    out[k] = from_acc<T>(acc * (A)scale);
  }
}

template <class T, class Cmp>
__global__ void arg_reduce_last(i64* __restrict__ out, const T* __restrict__ in, i64 rows, i64 cols) {
  typedef typename Acc<T>::type A;
  __shared__ A sv[32];
  __shared__ i64 si[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = (blockDim.x + 31) >> 5;
  for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* row = in + r * cols;
    A v = A(0);
    i64 idx = EMBER_NO_INDEX;
    for (i64 c = threadIdx.x; c < cols; c += blockDim.x) take<Cmp>(v, idx, to_acc(row[c]), c);
    warp_arg_reduce<Cmp>(v, idx);
    __syncthreads();  // the previous row's readers are done
    if (lane == 0) {
      sv[warp] = v;
      si[warp] = idx;
    }
    __syncthreads();
    if (warp == 0) {
      v = lane < nwarps ? sv[lane] : A(0);
      idx = lane < nwarps ? si[lane] : EMBER_NO_INDEX;
      warp_arg_reduce<Cmp>(v, idx);
      if (lane == 0) out[r] = idx == EMBER_NO_INDEX ? 0 : idx;
    }
  }
}

template <class T, class Cmp>
__global__ void arg_reduce_mid(i64* __restrict__ out, const T* __restrict__ in, i64 outer, i64 len, i64 inner) {
  typedef typename Acc<T>::type A;
  const i64 n = outer * inner;
  for (i64 k = global_thread(); k < n; k += grid_threads()) {
    const i64 o = k / inner, i = k - o * inner;
    const T* p = in + o * len * inner + i;
    A v = A(0);
    i64 idx = 0;
    for (i64 r = 0; r < len; ++r) {
      const A x = to_acc(p[r * inner]);
      if (r == 0 || Cmp::template better<A>(x, r, v, idx)) {
        v = x;
        idx = r;
      }
    }
    out[k] = idx;
  }
}

}  // namespace ember
