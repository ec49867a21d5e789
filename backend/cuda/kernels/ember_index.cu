// ember_index.cu: indexing along one axis of strided tensors. Indices are
// i64. An index outside [0, axis_len) is skipped (gather and index_select
// write zero bits instead) and sets error code 1 in *err_opt. In the
// parameter lists below, a Strides named *_noaxis is the view's strides with
// the stride of dim `axis` set to 0, the real stride being passed as
// *_axis_stride (the Pack helpers do this). sh is the iteration space, n its
// element count (below 2^31). S is the element size's unsigned type
// (ember::u8, u16, u32, u64) where elements are only moved; T is any element
// type where they are added.
//
//   ember::index_select<S>(S* out, Strides out_st, const S* src,
//       Strides src_noaxis, i64 src_axis_stride, i64 axis_len,
//       const i64* idx, i64 idx_stride, Shape sh, i64 n, int axis,
//       int* err_opt)
//     sh is out's shape: out[..., i, ...] = src[..., idx[i], ...], i along
//     axis (idx is a 1-D view: idx[i] at idx + i*idx_stride).
//
//   ember::index_add<T>(T* dst, Strides dst_noaxis, i64 dst_axis_stride,
//       i64 axis_len, const T* src, Strides src_st, const i64* idx,
//       i64 idx_stride, Shape sh, i64 n, int axis, int* err_opt)
//     sh is src's shape: dst[..., idx[i], ...] += src[..., i, ...] with
//     atomic adds (bool: logical or), so repeated indices accumulate; the
//     order of float additions, and so the rounding, is not deterministic.
//
//   ember::gather<S>(S* out, Strides out_st, const S* src,
//       Strides src_noaxis, i64 src_axis_stride, i64 axis_len,
//       const i64* idx, Strides idx_st, Shape sh, i64 n, int* err_opt)
//     sh is idx's (and out's) shape: out[p] = src[p with its axis
//     coordinate replaced by idx[p]].
//
//   ember::scatter<T>(T* dst, Strides dst_noaxis, i64 dst_axis_stride,
//       i64 axis_len, const T* src, Strides src_st, const i64* idx,
//       Strides idx_st, Shape sh, i64 n, int add, int* err_opt)
//     sh is idx's shape: dst[p with axis coordinate idx[p]] = src[p], or
//     += with add != 0 (atomic; bool: or). With repeated indices and
//     add == 0 one of the writers wins, unspecified which (the CPU keeps
//     the last in row-major order).
#include "ember_common.cuh"

namespace ember {

template <class S>
__global__ void index_select(S* __restrict__ out, Strides out_st, const S* __restrict__ src, Strides src_noaxis,
                             i64 src_axis_stride, i64 axis_len, const i64* __restrict__ idx, i64 idx_stride, Shape sh,
                             i64 n, int axis, int* err_opt) {
  for (u32 i = (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) {
    i64 oo, os;
    offset2(sh, i, out_st, src_noaxis, oo, os);
    const i64 t = idx[coord(sh, i, axis) * idx_stride];
    if (t < 0 || t >= axis_len) {
      out[oo] = S(0);
      report_error(err_opt, 1);
    } else {
      out[oo] = src[os + t * src_axis_stride];
    }
  }
}

template <class T>
__global__ void index_add(T* __restrict__ dst, Strides dst_noaxis, i64 dst_axis_stride, i64 axis_len,
                          const T* __restrict__ src, Strides src_st, const i64* __restrict__ idx, i64 idx_stride,
                          Shape sh, i64 n, int axis, int* err_opt) {
  for (u32 i = (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) {
    i64 od, os;
    offset2(sh, i, dst_noaxis, src_st, od, os);
    const i64 t = idx[coord(sh, i, axis) * idx_stride];
    if (t < 0 || t >= axis_len) {
      report_error(err_opt, 1);
    } else {
      atomic_add_elem(dst + od + t * dst_axis_stride, acc_elem(src[os]));
    }
  }
}

template <class S>
__global__ void gather(S* __restrict__ out, Strides out_st, const S* __restrict__ src, Strides src_noaxis,
                       i64 src_axis_stride, i64 axis_len, const i64* __restrict__ idx, Strides idx_st, Shape sh, i64 n,
                       int* err_opt) {
  for (u32 i = (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) {
    i64 oo, os, oi;
    offset3(sh, i, out_st, src_noaxis, idx_st, oo, os, oi);
    const i64 t = idx[oi];
    if (t < 0 || t >= axis_len) {
      out[oo] = S(0);
      report_error(err_opt, 1);
    } else {
      out[oo] = src[os + t * src_axis_stride];
    }
  }
}

template <class T>
__global__ void scatter(T* __restrict__ dst, Strides dst_noaxis, i64 dst_axis_stride, i64 axis_len,
                        const T* __restrict__ src, Strides src_st, const i64* __restrict__ idx, Strides idx_st, Shape sh,
                        i64 n, int add, int* err_opt) {
  for (u32 i = (u32)global_thread(); i < (u32)n; i += (u32)grid_threads()) {
    i64 od, os, oi;
    offset3(sh, i, dst_noaxis, src_st, idx_st, od, os, oi);
    const i64 t = idx[oi];
    if (t < 0 || t >= axis_len) {
      report_error(err_opt, 1);
    } else if (add) {
      atomic_add_elem(dst + od + t * dst_axis_stride, acc_elem(src[os]));
    } else {
      dst[od + t * dst_axis_stride] = src[os];
    }
  }
}

}  // namespace ember
