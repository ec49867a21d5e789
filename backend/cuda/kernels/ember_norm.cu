// ember_norm.cu: layer normalisation over the last dim of a contiguous
// [rows, cols] tensor (biased variance, as PyTorch). T is float, double,
// ember::bf16 or ember::f16; A is Acc<T>::type; blockDim.x a multiple of 32.
//
//   ember::layernorm_fwd<T>(T* out, A* mean_opt, A* rstd_opt, const T* x,
//       const T* w_opt, const T* b_opt, i64 rows, i64 cols, double eps)
//     out = (x - mean) * rstd * w + b with rstd = 1/sqrt(var + eps); a null
//     w means 1, a null b means 0. One block per row.
//   ember::layernorm_bwd<T>(T* dx, const T* dy, const T* x, const T* w_opt,
//       const A* mean, const A* rstd, i64 rows, i64 cols)
//     dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * w,
//     xhat = (x - mean) * rstd. One block per row.
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
//     Second pass: each column's chunks summed in order, written (not
//     added). Both passes sum in a fixed order: the result is deterministic.
#include "ember_common.cuh"

namespace ember {

template <class T>
__global__ void layernorm_fwd(T* __restrict__ out, typename Acc<T>::type* __restrict__ mean_opt,
                              typename Acc<T>::type* __restrict__ rstd_opt, const T* __restrict__ x,
                              const T* __restrict__ w_opt, const T* __restrict__ b_opt, i64 rows, i64 cols,
                              double eps) {
  typedef typename Acc<T>::type A;
  __shared__ A smem[32];
  for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + r * cols;
    T* yr = out + r * cols;
    A s = A(0);
    for (i64 c = threadIdx.x; c < cols; c += blockDim.x) s += to_acc(xr[c]);
    const A mean = block_reduce<SumOp>(s, smem) / (A)cols;
    A v = A(0);
    for (i64 c = threadIdx.x; c < cols; c += blockDim.x) {
      const A d = to_acc(xr[c]) - mean;
      v += d * d;
    }
    const A rstd = m_rsqrt(block_reduce<SumOp>(v, smem) / (A)cols + (A)eps);
    for (i64 c = threadIdx.x; c < cols; c += blockDim.x) {
      A y = (to_acc(xr[c]) - mean) * rstd;
      if (w_opt) y *= to_acc(w_opt[c]);
      if (b_opt) y += to_acc(b_opt[c]);
      yr[c] = from_acc<T>(y);
    }
    if (threadIdx.x == 0) {
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
  __shared__ A smem[32];
  for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + r * cols;
    const T* gr = dy + r * cols;
    T* dr = dx + r * cols;
    const A mu = mean[r], rs = rstd[r];
    A sg = A(0), sgx = A(0);
    for (i64 c = threadIdx.x; c < cols; c += blockDim.x) {
      const A g = to_acc(gr[c]) * (w_opt ? to_acc(w_opt[c]) : A(1));
      sg += g;
      sgx += g * (to_acc(xr[c]) - mu) * rs;
    }
    const A mg = block_reduce<SumOp>(sg, smem) / (A)cols;
    const A mgx = block_reduce<SumOp>(sgx, smem) / (A)cols;
    for (i64 c = threadIdx.x; c < cols; c += blockDim.x) {
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
  for (i64 c = global_thread(); c < cols; c += grid_threads()) {
    A sw = A(0), sb = A(0);
    for (i64 k = 0; k < chunks; ++k) {
      sw += part_w[k * cols + c];
      sb += part_b[k * cols + c];
    }
    if (dw_opt) dw_opt[c] = from_acc<T>(sw);
    if (db_opt) db_opt[c] = from_acc<T>(sb);
  }
}

}  // namespace ember
