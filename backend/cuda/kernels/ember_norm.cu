// ember_norm.cu: layer normalisation over the last dim of a contiguous
// [rows, cols] tensor (biased variance, as PyTorch). T is float, double,
// ember::bf16 or ember::f16; A is Acc<T>::type; blockDim.x a multiple of 32.
//
//   ember::layernorm_fwd<T>(T* out, A* mean_opt, A* rstd_opt, const T* x,
//       const T* w_opt, const T* b_opt, i64 rows, i64 cols, double eps)
//     out = (x - mean) * rstd * w + b with rstd = 1/sqrt(var + eps); a null
//     w means 1, a null b means 0. One warp per row (a row's reductions are
//     shuffles, no block barriers), grid-stride over rows.
//   ember::layernorm_bwd<T>(T* dx, const T* dy, const T* x, const T* w_opt,
//       const A* mean, const A* rstd, i64 rows, i64 cols)
//     dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * w,
//     xhat = (x - mean) * rstd. One warp per row, as the forward.
//   ember::layernorm_bwd_params<T>(A* part_w, A* part_b, const T* dy,
//       const T* x, const A* mean, const A* rstd, i64 rows, i64 cols,
//       i64 chunk)
//     First pass of dw = sum over rows of dy * xhat and db = sum over rows
//     of dy: block row blockIdx.y sums rows [y*chunk, min(rows, (y+1)*chunk))
//     of each column (one thread per column, grid-stride over x) into
//     part_w and part_b [gridDim.y, cols]. Chunks give the GPU enough
//     threads: a thread per column alone, summing thousands of rows, leaves
//     all but a few warps idle.
//   ember::layernorm_bwd_params_sum<T>(T* dw_opt, T* db_opt,
//       const A* part_w, const A* part_b, i64 chunks, i64 cols)
//     Second pass: blocks of EMBER_LN_SUM_WARPS warps, 32 columns a block
//     (grid-stride); warp w sums chunks w, w+8, ... of its lane's column,
//     then warp 0 adds the eight partial sums in order; written (not added).
//     Both passes sum in a fixed order, whatever the grid: the result is
//     deterministic.
#include "ember_common.cuh"

namespace ember {

#define EMBER_LN_SUM_WARPS 8  // layernorm_bwd_params_sum's block: 8 warps

template <class T>
__global__ void layernorm_fwd(T* __restrict__ out, typename Acc<T>::type* __restrict__ mean_opt,
                              typename Acc<T>::type* __restrict__ rstd_opt, const T* __restrict__ x,
                              const T* __restrict__ w_opt, const T* __restrict__ b_opt, i64 rows, i64 cols,
                              double eps) {
  typedef typename Acc<T>::type A;
  const int lane = threadIdx.x & 31;
  const i64 warps = (i64)gridDim.x * (blockDim.x >> 5);
  for (i64 r = (i64)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); r < rows; r += warps) {
    const T* xr = x + r * cols;
    T* yr = out + r * cols;
    A s = A(0);
    for (i64 c = lane; c < cols; c += 32) s += to_acc(xr[c]);
    const A mean = warp_reduce<SumOp>(s) / (A)cols;
    A v = A(0);
    for (i64 c = lane; c < cols; c += 32) {
      const A d = to_acc(xr[c]) - mean;
      v += d * d;
    }
    const A rstd = m_rsqrt(warp_reduce<SumOp>(v) / (A)cols + (A)eps);
    for (i64 c = lane; c < cols; c += 32) {
      A y = (to_acc(xr[c]) - mean) * rstd;
      if (w_opt) y *= to_acc(w_opt[c]);
      if (b_opt) y += to_acc(b_opt[c]);
      yr[c] = from_acc<T>(y);
    }
    if (lane == 0) {
      if (mean_opt) mean_opt[r] = mean;
      if (rstd_opt) rstd_opt[r] = rstd;
    }
  }
}

template <class T>
__global__ void layernorm_bwd(T* __restrict__ dx, const T* __restrict__ dy, const T* __restrict__ x,
                              const T* __restrict__ w_opt, const typename Acc<T>::type* __restrict__ mean,
                              const typename Acc<T>::type* __restrict__ rstd, i64 rows, i64 cols) {
  typedef typename Acc<T>::type A;
  const int lane = threadIdx.x & 31;
  const i64 warps = (i64)gridDim.x * (blockDim.x >> 5);
  for (i64 r = (i64)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); r < rows; r += warps) {
    const T* xr = x + r * cols;
    const T* gr = dy + r * cols;
    T* dr = dx + r * cols;
    const A mu = mean[r], rs = rstd[r];
    A sg = A(0), sgx = A(0);
    for (i64 c = lane; c < cols; c += 32) {
      const A g = to_acc(gr[c]) * (w_opt ? to_acc(w_opt[c]) : A(1));
      sg += g;
      sgx += g * (to_acc(xr[c]) - mu) * rs;
    }
    const A mg = warp_reduce<SumOp>(sg) / (A)cols;
    const A mgx = warp_reduce<SumOp>(sgx) / (A)cols;
    for (i64 c = lane; c < cols; c += 32) {
      const A g = to_acc(gr[c]) * (w_opt ? to_acc(w_opt[c]) : A(1));
      const A xhat = (to_acc(xr[c]) - mu) * rs;
      dr[c] = from_acc<T>(rs * (g - mg - xhat * mgx));
    }
  }
}

template <class T>
__global__ void layernorm_bwd_params(typename Acc<T>::type* __restrict__ part_w, typename Acc<T>::type* __restrict__ part_b,
                                     const T* __restrict__ dy, const T* __restrict__ x,
                                     const typename Acc<T>::type* __restrict__ mean,
                                     const typename Acc<T>::type* __restrict__ rstd, i64 rows, i64 cols, i64 chunk) {
  typedef typename Acc<T>::type A;
  const i64 r0 = (i64)blockIdx.y * chunk;
  const i64 r1 = r0 + chunk < rows ? r0 + chunk : rows;
  for (i64 c = (i64)blockIdx.x * blockDim.x + threadIdx.x; c < cols; c += (i64)gridDim.x * blockDim.x) {
    A sw = A(0), sb = A(0);
    for (i64 r = r0; r < r1; ++r) {
      const A g = to_acc(dy[r * cols + c]);
      sb += g;
      sw += g * (to_acc(x[r * cols + c]) - mean[r]) * rstd[r];
    }
    part_w[(i64)blockIdx.y * cols + c] = sw;
    part_b[(i64)blockIdx.y * cols + c] = sb;
  }
}

template <class T>
__global__ void layernorm_bwd_params_sum(T* __restrict__ dw_opt, T* __restrict__ db_opt,
                                         const typename Acc<T>::type* __restrict__ part_w,
                                         const typename Acc<T>::type* __restrict__ part_b, i64 chunks, i64 cols) {
  typedef typename Acc<T>::type A;
  __shared__ A sw[EMBER_LN_SUM_WARPS][32], sb[EMBER_LN_SUM_WARPS][32];
  const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
  for (i64 c0 = (i64)blockIdx.x * 32; c0 < cols; c0 += (i64)gridDim.x * 32) {
    const i64 c = c0 + lane;
    A a = A(0), b = A(0);
    if (c < cols) {
      for (i64 k = w; k < chunks; k += EMBER_LN_SUM_WARPS) {
        a += part_w[k * cols + c];
        b += part_b[k * cols + c];
      }
    }
    sw[w][lane] = a;
    sb[w][lane] = b;
    __syncthreads();
    if (w == 0 && c < cols) {
      A ta = A(0), tb = A(0);
      for (int j = 0; j < EMBER_LN_SUM_WARPS; ++j) {
        ta += sw[j][lane];
        tb += sb[j][lane];
      }
      if (dw_opt) dw_opt[c] = from_acc<T>(ta);
      if (db_opt) db_opt[c] = from_acc<T>(tb);
    }
    __syncthreads();  // the sums are read before the next columns' overwrite them
  }
}

}  // namespace ember
