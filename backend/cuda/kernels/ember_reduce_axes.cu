// ember_reduce_axes.cu: reductions of strided tensors over any set of axes,
// and arg-reductions along one axis of a strided tensor.
//
// A value reduction sees its input as two iteration spaces: `kept` (one
// output each, row-major; in_kept and out_st give the input and output
// offsets) and `red` (the reduced elements of one output; in_red gives
// their input offsets, its offset field is 0). n_out and n_red are their
// element counts, each below 2^31. The reduced range may be split into
// chunks: block row blockIdx.y = s reduces [s*chunk, min(n_red, (s+1)*chunk))
// and writes its result at out + out offset + s*split_stride; a second
// launch then reduces the partial results (kernels.Reduction plans this).
// Accumulation is in AccOf<T> (float for float and the 16-bit floats,
// double for double, i64 for integers and bool); the result is multiplied
// by scale (floats only: 1/n for a mean) and converted to O with the
// cast rules. Max and min propagate NaN. op is a rop code:
// Sum, Prod, Max, Min, All (every element != 0), Any.
//
//   ember::reduce<T, O>(O* out, Strides out_st, const T* in,
//       Strides in_kept, Shape kept, Strides in_red, Shape red, i64 n_out,
//       i64 n_red, i64 chunk, i64 split_stride, int op, int group,
//       double scale)
//     `group` threads reduce each output: 1 (a thread walks its chunk in
//     order: for reductions over outer dims, where neighbouring threads
//     read neighbouring elements), 2..32 (a power of two: lanes of a warp)
//     or blockDim.x (the whole block: for long reductions over the
//     innermost dims). Outputs are spread over blocks along x (grid-stride).
//
//   ember::arg_reduce<T>(i64* out, Strides out_st, const T* in,
//       Strides in_st, Shape kept, i64 n_out, i64 len, i64 axis_stride,
//       int op, int group)
//     For each output k over `kept`: the index along the axis (len
//     elements, axis_stride apart from the input offset of k) of the first
//     maximum (op 0) or minimum (op 1); NaN counts as the extreme. `group`
//     (1 to 32, a power of two) threads per output. T is any element type
//     but bool.
#include "ember_common.cuh"

namespace ember {

// Reduction op codes (kernels.ReduceCode), in backend.ReduceOp's order.
namespace rop {
enum : int { Sum = 0, Prod = 1, Max = 2, Min = 3, All = 4, Any = 5 };
}  // namespace rop

// All and Any reduce the values x != 0 (0 or 1) with min and max.
template <class A> __device__ __forceinline__ A rop_identity(int op) {
  switch (op) {
    case rop::Prod:
    case rop::All: return A(1);
    case rop::Max: return acc_lowest<A>();
    case rop::Min: return acc_highest<A>();
  }
  return A(0);
}

template <class A> __device__ __forceinline__ A rop_combine(int op, A a, A b) {
  switch (op) {
    case rop::Sum: return acc_add(a, b);
    case rop::Prod: return acc_mul(a, b);
    case rop::Max:
    case rop::Any: return nan_max(a, b);
  }
  return nan_min(a, b);
}

// red_offset is offset1 over the reduced space, with a shortcut for the
// common single reduced dim.
__device__ __forceinline__ i64 red_offset(const Shape& red, const Strides& st, u32 r) {
  if (red.ndim == 1) return (i64)r * st.s[0];
  return offset1(red, r, st);
}

template <class T, class O>
__global__ void reduce(O* __restrict__ out, Strides out_st, const T* __restrict__ in, Strides in_kept, Shape kept,
                       Strides in_red, Shape red, i64 n_out, i64 n_red, i64 chunk, i64 split_stride, int op, int group,
                       double scale) {
  typedef typename AccOf<T>::type A;
  __shared__ A smem[32];
  const bool logical = op == rop::All || op == rop::Any;
  const i64 s = blockIdx.y;
  const u32 r0 = (u32)(s * chunk), r1 = (u32)(n_red < (s + 1) * chunk ? n_red : (s + 1) * chunk);
  const int per_block = blockDim.x / group, g = threadIdx.x / group, lane = threadIdx.x - g * group;
  for (i64 kk = (i64)blockIdx.x * per_block; kk < n_out; kk += (i64)gridDim.x * per_block) {
    const i64 k = kk + g;
    A acc = rop_identity<A>(op);
    i64 oo = 0;
    if (k < n_out) {
      i64 oi;
      offset2(kept, (u32)k, out_st, in_kept, oo, oi);
      u32 r = r0 + lane;
      // Eight loads in flight, then combined in order (the same order, so
      // the same result, as one at a time): a lone load per step waits out
      // the memory latency each time.
      for (; r + 7 * (u32)group < r1; r += 8 * (u32)group) {
        A x[8];
#pragma unroll
        for (int j = 0; j < 8; ++j) x[j] = acc_val(in[oi + red_offset(red, in_red, r + j * (u32)group)]);
#pragma unroll
        for (int j = 0; j < 8; ++j) {
          if (logical) x[j] = x[j] != A(0) ? A(1) : A(0);
          acc = rop_combine(op, acc, x[j]);
        }
      }
      for (; r < r1; r += group) {
        A x = acc_val(in[oi + red_offset(red, in_red, r)]);
        if (logical) x = x != A(0) ? A(1) : A(0);
        acc = rop_combine(op, acc, x);
      }
    }
    if (group > 32) {  // the whole block: warps, then the warps' results
      const int w = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
#pragma unroll
      for (int o = 16; o > 0; o >>= 1) acc = rop_combine(op, acc, __shfl_xor_sync(0xffffffffu, acc, o));
      __syncthreads();  // the previous output's readers are done with smem
      if ((threadIdx.x & 31) == 0) smem[w] = acc;
      __syncthreads();
      acc = (threadIdx.x & 31) < nw ? smem[threadIdx.x & 31] : rop_identity<A>(op);
#pragma unroll
      for (int o = 16; o > 0; o >>= 1) acc = rop_combine(op, acc, __shfl_xor_sync(0xffffffffu, acc, o));
    } else {
      for (int o = group >> 1; o > 0; o >>= 1) acc = rop_combine(op, acc, __shfl_xor_sync(0xffffffffu, acc, o));
    }
    if (lane == 0 && k < n_out) {
      if (scale != 1.0) acc = acc_mul(acc, (A)scale);
      out[oo + s * split_stride] = store_as<O>(acc);
    }
  }
}

// arg_take replaces (v, i) by (v2, i2) if that candidate wins for op (0:
// argmax, 1: argmin; NaN is the extreme, ties go to the lower index); a
// missing candidate (EMBER_NO_INDEX) never wins.
template <class A> __device__ __forceinline__ void arg_take(int op, A& v, i64& i, A v2, i64 i2) {
  if (i2 == EMBER_NO_INDEX) return;
  bool win = i == EMBER_NO_INDEX;
  if (!win) {
    const bool n1 = v != v, n2 = v2 != v2;
    if (n1 || n2)
      win = n2 && (!n1 || i2 < i);
    else
      win = (op ? v2 < v : v2 > v) || (v2 == v && i2 < i);
  }
  if (win) {
    v = v2;
    i = i2;
  }
}

template <class T>
__global__ void arg_reduce(i64* __restrict__ out, Strides out_st, const T* __restrict__ in, Strides in_st, Shape kept,
                           i64 n_out, i64 len, i64 axis_stride, int op, int group) {
  typedef typename AccOf<T>::type A;
  const int per_block = blockDim.x / group, g = threadIdx.x / group, lane = threadIdx.x - g * group;
  for (i64 kk = (i64)blockIdx.x * per_block; kk < n_out; kk += (i64)gridDim.x * per_block) {
    const i64 k = kk + g;
    A v = A(0);
    i64 idx = EMBER_NO_INDEX, oo = 0;
    if (k < n_out) {
      i64 oi;
      offset2(kept, (u32)k, out_st, in_st, oo, oi);
      for (i64 c = lane; c < len; c += group) arg_take(op, v, idx, acc_val(in[oi + c * axis_stride]), c);
    }
    for (int o = group >> 1; o > 0; o >>= 1) {
      const A v2 = __shfl_xor_sync(0xffffffffu, v, o);
      const i64 i2 = __shfl_xor_sync(0xffffffffu, idx, o);
      arg_take(op, v, idx, v2, i2);
    }
    if (lane == 0 && k < n_out) out[oo] = idx == EMBER_NO_INDEX ? 0 : idx;
  }
}

}  // namespace ember
