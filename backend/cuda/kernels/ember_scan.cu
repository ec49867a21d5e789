// ember_scan.cu: running sums and products along an axis, and the positions
// of non-zero elements.
//
// Cumulative: the input and output are strided; `lanes` is the iteration
// space of the other dims (in_st and out_st give each lane's first
// element), len the axis length and *_axis_stride the element steps along
// it. op 0 is a running sum, 1 a running product, accumulated in AccOf<T>
// (float for the 16-bit floats; integers wrap). T is float, double,
// ember::bf16, ember::f16 or ember::i64.
//
//   ember::cumulative_thread<T>(T* out, Strides out_st, const T* in,
//       Strides in_st, Shape lanes, i64 n_lanes, i64 len,
//       i64 out_axis_stride, i64 in_axis_stride, int op)
//     One thread per lane, in order (the CPU's order of additions): for
//     many lanes, or an axis that is not the innermost.
//   ember::cumulative_block<T>(same parameters)
//     One block per lane (grid-stride), scanning chunks of 4*blockDim.x
//     elements with a block-wide scan and a running carry: for long axes.
//
// Nonzero, in three launches: the row-major element range [0, n) is cut
// into chunks of `chunk` elements, one per block (nblocks = ceil(n/chunk),
// launched with exactly that many blocks). An element is non-zero when its
// bits, masked by `mask`, are not all zero: the mask drops the sign bit of
// floats (so -0.0 is zero; NaN is non-zero) and is all ones otherwise. S is
// the element size's unsigned type (ember::u8, u16, u32, u64).
//
//   ember::nonzero_count<S>(i64* counts, const S* in, Strides in_st,
//       Shape sh, i64 n, i64 chunk, u64 mask)
//     counts[b] = the number of non-zero elements in chunk b.
//   ember::nonzero_offsets(i64* counts, i64 nblocks, i64* total)
//     One block: counts becomes its exclusive prefix sum, *total the sum.
//   ember::nonzero_write<S>(i64* out, const i64* offsets, const S* in,
//       Strides in_st, Shape sh, i64 n, i64 chunk, u64 mask)
//     Writes the row-major positions of chunk b's non-zero elements, in
//     order, from out[offsets[b]].
#include "ember_common.cuh"

namespace ember {

template <class A> __device__ __forceinline__ A scan_op(int op, A a, A b) { return op ? acc_mul(a, b) : acc_add(a, b); }

// block_scan returns the exclusive prefix (under op; ident is its identity)
// of v over the threads of the block in order, and the block's total in
// *total. smem holds 33 values. Every thread must call it.
template <class A> __device__ __forceinline__ A block_scan(int op, A v, A ident, A* smem, A* total) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = (blockDim.x + 31) >> 5;
  A incl = v;
#pragma unroll
  for (int d = 1; d < 32; d <<= 1) {
    const A y = __shfl_sync(0xffffffffu, incl, (lane - d) & 31);
    if (lane >= d) incl = scan_op(op, y, incl);
  }
  A excl = __shfl_sync(0xffffffffu, incl, (lane - 1) & 31);
  if (lane == 0) excl = ident;
  __syncthreads();  // earlier readers of smem are done
  if (lane == 31) smem[warp] = incl;
  __syncthreads();
  if (warp == 0) {
    A w = lane < nwarps ? smem[lane] : ident;
    A wi = w;
#pragma unroll
    for (int d = 1; d < 32; d <<= 1) {
      const A y = __shfl_sync(0xffffffffu, wi, (lane - d) & 31);
      if (lane >= d) wi = scan_op(op, y, wi);
    }
    A we = __shfl_sync(0xffffffffu, wi, (lane - 1) & 31);
    if (lane == 0) we = ident;
    if (lane < nwarps) smem[lane] = we;
    if (lane == 31) smem[32] = wi;
  }
  __syncthreads();
  *total = smem[32];
  return scan_op(op, smem[warp], excl);
}

template <class T>
__global__ void cumulative_thread(T* __restrict__ out, Strides out_st, const T* __restrict__ in, Strides in_st,
                                  Shape lanes, i64 n_lanes, i64 len, i64 out_axis_stride, i64 in_axis_stride, int op) {
  typedef typename AccOf<T>::type A;
  for (i64 k = global_thread(); k < n_lanes; k += grid_threads()) {
    i64 oo, oi;
    offset2(lanes, (u32)k, out_st, in_st, oo, oi);
    A v = op ? A(1) : A(0);
    for (i64 i = 0; i < len; ++i) {
      v = scan_op(op, v, acc_val(in[oi + i * in_axis_stride]));
      out[oo + i * out_axis_stride] = store_as<T>(v);
    }
  }
}

template <class T>
__global__ void cumulative_block(T* __restrict__ out, Strides out_st, const T* __restrict__ in, Strides in_st,
                                 Shape lanes, i64 n_lanes, i64 len, i64 out_axis_stride, i64 in_axis_stride, int op) {
  typedef typename AccOf<T>::type A;
  __shared__ A smem[33];
  const A ident = op ? A(1) : A(0);
  const i64 per = 4 * (i64)blockDim.x;
  for (i64 k = blockIdx.x; k < n_lanes; k += gridDim.x) {
    i64 oo, oi;
    offset2(lanes, (u32)k, out_st, in_st, oo, oi);
    A carry = ident;
    for (i64 base = 0; base < len; base += per) {
      const i64 first = base + 4 * (i64)threadIdx.x;
      A v[4];
      A run = ident;
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const i64 i = first + j;
        run = scan_op(op, run, i < len ? acc_val(in[oi + i * in_axis_stride]) : ident);
        v[j] = run;
      }
      A total;
      const A prefix = scan_op(op, carry, block_scan(op, run, ident, smem, &total));
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const i64 i = first + j;
        if (i < len) out[oo + i * out_axis_stride] = store_as<T>(scan_op(op, prefix, v[j]));
      }
      carry = scan_op(op, carry, total);
    }
  }
}

template <class S> __device__ __forceinline__ bool nonzero_bits(S x, u64 mask) { return ((u64)x & mask) != 0; }

template <class S>
__global__ void nonzero_count(i64* __restrict__ counts, const S* __restrict__ in, Strides in_st, Shape sh, i64 n,
                              i64 chunk, u64 mask) {
  __shared__ i64 smem[32];
  const i64 b = blockIdx.x, lo = b * chunk, hi = n < lo + chunk ? n : lo + chunk;
  i64 c = 0;
  for (i64 i = lo + threadIdx.x; i < hi; i += blockDim.x) c += nonzero_bits(in[offset1(sh, (u32)i, in_st)], mask);
  c = block_reduce<SumOp>(c, smem);
  if (threadIdx.x == 0) counts[b] = c;
}

__global__ void nonzero_offsets(i64* __restrict__ counts, i64 nblocks, i64* __restrict__ total) {
  __shared__ i64 smem[33];
  i64 carry = 0;
  for (i64 base = 0; base < nblocks; base += blockDim.x) {
    const i64 i = base + threadIdx.x;
    const i64 c = i < nblocks ? counts[i] : 0;
    i64 sum;
    const i64 excl = block_scan<i64>(0, c, 0, smem, &sum);
    if (i < nblocks) counts[i] = carry + excl;
    carry += sum;
  }
  if (threadIdx.x == 0) *total = carry;
}

template <class S>
__global__ void nonzero_write(i64* __restrict__ out, const i64* __restrict__ offsets, const S* __restrict__ in,
                              Strides in_st, Shape sh, i64 n, i64 chunk, u64 mask) {
  __shared__ i64 smem[33];
  const i64 b = blockIdx.x, lo = b * chunk, hi = n < lo + chunk ? n : lo + chunk;
  i64 pos = offsets[b];
  for (i64 base = lo; base < hi; base += blockDim.x) {
    const i64 i = base + threadIdx.x;
    const i64 flag = i < hi && nonzero_bits(in[offset1(sh, (u32)i, in_st)], mask) ? 1 : 0;
    i64 sum;
    const i64 excl = block_scan<i64>(0, flag, 0, smem, &sum);
    if (flag) out[pos + excl] = i;
    pos += sum;
  }
}

}  // namespace ember
