// ember_embedding.cu: embedding lookup and its gradient. The weight is a
// contiguous [num, dim] table; idx holds n_idx row numbers (i64); out and
// dout are contiguous [n_idx, dim]. T is float, double, ember::bf16 or
// ember::f16. One thread per output element, grid-stride.
//
//   ember::embedding_fwd<T>(T* out, const T* weight, const i64* idx,
//       i64 n_idx, i64 dim, i64 num, int* err_opt)
//     out[r, :] = weight[idx[r], :]. An index outside [0, num) writes
//     zeros and sets error code 1.
//   ember::embedding_bwd<T>(T* dweight, const T* dout, const i64* idx,
//       i64 n_idx, i64 dim, i64 num, int* err_opt)
//     dweight[idx[r], :] += dout[r, :] with atomic adds (dweight must be
//     zeroed first; the order of additions, and so the float rounding, is
//     not deterministic). 16-bit types add through a 32-bit compare-and-
//     swap. A padding row is the host's to zero afterwards.
#include "ember_common.cuh"

namespace ember {

template <class T>
__global__ void embedding_fwd(T* __restrict__ out, const T* __restrict__ weight, const i64* __restrict__ idx,
                              i64 n_idx, i64 dim, i64 num, int* err_opt) {
  const i64 n = n_idx * dim;
  for (i64 i = global_thread(); i < n; i += grid_threads()) {
    const i64 r = i / dim, c = i - r * dim, t = idx[r];
    if (t < 0 || t >= num) {
      out[i] = from_acc<T>(0);
      report_error(err_opt, 1);
    } else {
      out[i] = weight[t * dim + c];
    }
  }
}

template <class T>
__global__ void embedding_bwd(T* __restrict__ dweight, const T* __restrict__ dout, const i64* __restrict__ idx,
                              i64 n_idx, i64 dim, i64 num, int* err_opt) {
  const i64 n = n_idx * dim;
  for (i64 i = global_thread(); i < n; i += grid_threads()) {
    const i64 r = i / dim, c = i - r * dim, t = idx[r];
    if (t < 0 || t >= num) {
      report_error(err_opt, 1);
    } else {
      atomic_add_elem(dweight + t * dim + c, to_acc(dout[i]));
    }
  }
}

}  // namespace ember
