// ember_conv.cu: the helpers of 2-D convolution (im2col/col2im around a
// GEMM) and max pooling, on NCHW tensors with any strides (a Strides holds
// the N, C, H, W strides in s[0..3] and the element offset). T is float,
// double, ember::bf16 or ember::f16. The geometry is a struct by value:
//
//   struct ConvShape { i64 n0, nb, c, h, w, kh, kw, oh, ow;
//                      i32 sh, sw, ph, pw, dh, dw; }        (96 bytes)
//   images [n0, n0+nb) of an input with c channels of h×w; a kh×kw kernel
//   with stride (sh, sw), padding (ph, pw) and dilation (dh, dw) giving
//   oh×ow outputs.
//
//   ember::im2col<T>(T* col, const T* x, Strides x_st, ConvShape g)
//     col is contiguous [nb, c*kh*kw, oh*ow]: col[n][(ci*kh + ki)*kw + kj]
//     [oy*ow + ox] = x[n0+n][ci][oy*sh - ph + ki*dh][ox*sw - pw + kj*dw],
//     0 in the padding (the CPU backend's layout; a group's rows are the
//     slice of its channels). One thread per col element, grid-stride.
//
//   ember::col2im<T>(T* x, Strides x_st, const T* col, ConvShape g,
//       int accumulate)
//     The adjoint: every x element of images [n0, n0+nb) becomes the sum
//     of the col entries im2col would copy it to (added to its old value
//     when accumulate != 0). One thread per x element, summing in order:
//     deterministic, no atomics.
//
//   struct PoolShape { i64 n, c, h, w, oh, ow;
//                      i32 kh, kw, sh, sw, ph, pw, dh, dw; }    (80 bytes)
//   ember::maxpool2d<T>(T* out, Strides out_st, i64* indices, Strides idx_st,
//       const T* x, Strides x_st, PoolShape p)
//     out = the window maximum, indices = its position h*w_in + w within
//     the plane, as the CPU: padding counts as -Inf, the first maximum
//     wins and a NaN replaces the running maximum. One thread per output.
#include "ember_common.cuh"

namespace ember {

struct ConvShape {
  i64 n0, nb, c, h, w, kh, kw, oh, ow;
  i32 sh, sw, ph, pw, dh, dw;
};

struct PoolShape {
  i64 n, c, h, w, oh, ow;
  i32 kh, kw, sh, sw, ph, pw, dh, dw;
};

template <class T>
__global__ void im2col(T* __restrict__ col, const T* __restrict__ x, Strides x_st, ConvShape g) {
  const i64 ohw = g.oh * g.ow, kk = g.kh * g.kw, rows = g.c * kk, total = g.nb * rows * ohw;
  for (i64 e = global_thread(); e < total; e += grid_threads()) {
    const i64 pix = e % ohw, t = e / ohw, row = t % rows, n = t / rows;
    const i64 ci = row / kk, k = row - ci * kk, ki = k / g.kw, kj = k - ki * g.kw;
    const i64 oy = pix / g.ow, ox = pix - oy * g.ow;
    const i64 iy = oy * g.sh - g.ph + ki * g.dh, ix = ox * g.sw - g.pw + kj * g.dw;
    T v = Num<T>::from(0.0);
    if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w)
      v = x[x_st.offset + (g.n0 + n) * x_st.s[0] + ci * x_st.s[1] + iy * x_st.s[2] + ix * x_st.s[3]];
    col[e] = v;
  }
}

template <class T>
__global__ void col2im(T* __restrict__ x, Strides x_st, const T* __restrict__ col, ConvShape g, int accumulate) {
  typedef typename Acc<T>::type A;
  const i64 ohw = g.oh * g.ow, kk = g.kh * g.kw, hw = g.h * g.w, total = g.nb * g.c * hw;
  for (i64 e = global_thread(); e < total; e += grid_threads()) {
    const i64 p = e % hw, t = e / hw, ci = t % g.c, n = t / g.c;
    const i64 iy = p / g.w, ix = p - iy * g.w;
    const T* cb = col + (n * g.c + ci) * kk * ohw;
    A sum = A(0);
    for (i64 ki = 0; ki < g.kh; ++ki) {
      const i64 y = iy + g.ph - ki * g.dh;
      if (y < 0 || y % g.sh != 0 || y / g.sh >= g.oh) continue;
      const i64 oy = y / g.sh;
      for (i64 kj = 0; kj < g.kw; ++kj) {
        const i64 xx = ix + g.pw - kj * g.dw;
        if (xx < 0 || xx % g.sw != 0 || xx / g.sw >= g.ow) continue;
        sum += to_acc(cb[(ki * g.kw + kj) * ohw + oy * g.ow + xx / g.sw]);
      }
    }
    T* dst = x + x_st.offset + (g.n0 + n) * x_st.s[0] + ci * x_st.s[1] + iy * x_st.s[2] + ix * x_st.s[3];
    if (accumulate) sum += to_acc(*dst);
    *dst = from_acc<T>(sum);
  }
}

template <class T>
__global__ void maxpool2d(T* __restrict__ out, Strides out_st, i64* __restrict__ indices, Strides idx_st,
                          const T* __restrict__ x, Strides x_st, PoolShape p) {
  typedef typename Acc<T>::type A;
  const i64 ohw = p.oh * p.ow, total = p.n * p.c * ohw;
  for (i64 e = global_thread(); e < total; e += grid_threads()) {
    const i64 q = e % ohw, t = e / ohw, ci = t % p.c, n = t / p.c;
    const i64 oy = q / p.ow, ox = q - oy * p.ow;
    const T* plane = x + x_st.offset + n * x_st.s[0] + ci * x_st.s[1];
    A best = -m_inf<A>();
    i64 bi = -1;
    for (i64 ki = 0; ki < p.kh; ++ki) {
      const i64 iy = oy * p.sh - p.ph + ki * p.dh;
      if (iy < 0 || iy >= p.h) continue;
      for (i64 kj = 0; kj < p.kw; ++kj) {
        const i64 jx = ox * p.sw - p.pw + kj * p.dw;
        if (jx < 0 || jx >= p.w) continue;
        const A v = to_acc(plane[iy * x_st.s[2] + jx * x_st.s[3]]);
        if (v > best || v != v || bi < 0) {
          best = v;
          bi = iy * p.w + jx;
        }
      }
    }
    out[out_st.offset + n * out_st.s[0] + ci * out_st.s[1] + oy * out_st.s[2] + ox * out_st.s[3]] = from_acc<T>(best);
    indices[idx_st.offset + n * idx_st.s[0] + ci * idx_st.s[1] + oy * idx_st.s[2] + ox * idx_st.s[3]] = bi;
  }
}

}  // namespace ember
