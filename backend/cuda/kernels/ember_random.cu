// ember_random.cu: the random streams of package internal/philox, bit for
// bit: Philox4x32-10 (Salmon et al. 2011, as in Random123) and the exactly
// specified transforms of its words (see internal/philox/doc.go, the
// definition; the emulator tests check these kernels against it).
//
//   - key = (low, high) 32 bits of seed; block j of a call uses the 128-bit
//     counter offset + j (c0 lowest, the carry of the 64-bit sum in c2);
//   - 32-bit transforms use word i for element i (4 elements per block, a
//     call of n consumes ceil(n/4) counters); 64-bit transforms use words
//     2i and 2i+1 (2 elements per block, ceil(n/2) counters);
//   - uniform32: float32(fma((x>>8)*2^-24, width, lo)) clamped to top;
//     uniform64: fma((X>>11)*2^-53, width, lo) clamped to top (width =
//     hi - lo and top = the largest value below hi, not below lo, come from
//     the host, in float64 from the float32 bounds for uniform32);
//   - normal32/normal64: Box-Muller with philox.Log and philox.SinCos2Pi,
//     ported below with correctly rounded double operations that are never
//     contracted (d_add, d_mul, ... in ember_common.cuh);
//   - bernoulli: (x>>8) < threshold, threshold = ceil(p*2^24) clamped;
//   - randint: lo + high64(X * span), wrapping.
// Outputs are contiguous; the value is converted to the output type with
// the cast rules (ember_common.cuh, Num), as the CPU backend's Random does
// when it draws in a wide type and copies.
//
// F32 is float, ember::bf16 or ember::f16; T is any element type.
//   ember::rand_uniform32<F32>(F32* out, i64 n, u64 seed, u64 offset,
//       double lo, double width, double top)
//   ember::rand_uniform64<T>(T* out, i64 n, u64 seed, u64 offset, double lo,
//       double width, double top)
//   ember::rand_normal32<F32>(F32* out, i64 n, u64 seed, u64 offset,
//       double mean, double std)      mean and std are float32 values
//   ember::rand_normal64<T>(T* out, i64 n, u64 seed, u64 offset,
//       double mean, double std)
//   ember::rand_bernoulli<T>(T* out, i64 n, u64 seed, u64 offset,
//       u32 threshold)
//   ember::rand_int<T>(T* out, i64 n, u64 seed, u64 offset, i64 lo, u64 span)
//   ember::dropout<F>(F* out, ember::boolean* mask_opt, const F* in, i64 n,
//       u64 seed, u64 offset, u32 keep_threshold, double scale)
//     F is float, double, ember::bf16 or ember::f16: element i is kept,
//     as in * scale, when word i gives a Bernoulli(1-p) success
//     (keep_threshold from 1-p), else 0; mask_opt records the kept ones.
// One thread per counter block, grid-stride.
#include "ember_common.cuh"

namespace ember {

// philox4x32_10 replaces the counter c with its random image under key.
__device__ __forceinline__ void philox4x32_10(u32 c[4], u32 k0, u32 k1) {
#pragma unroll
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const u32 hi0 = __umulhi(0xD2511F53u, c[0]), lo0 = 0xD2511F53u * c[0];
    const u32 hi1 = __umulhi(0xCD9E8D57u, c[2]), lo1 = 0xCD9E8D57u * c[2];
    const u32 n0 = hi1 ^ c[1] ^ k0, n2 = hi0 ^ c[3] ^ k1;
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
  }
}

// philox_block computes the four words of block j.
__device__ __forceinline__ void philox_block(u64 seed, u64 offset, i64 j, u32 x[4]) {
  const u64 lo = offset + (u64)j;
  x[0] = (u32)lo;
  x[1] = (u32)(lo >> 32);
  x[2] = lo < offset ? 1u : 0u;  // carry into the upper 64 bits
  x[3] = 0u;
  philox4x32_10(x, (u32)seed, (u32)(seed >> 32));
}

__device__ __forceinline__ u64 join64(u32 lo, u32 hi) { return (u64)lo | ((u64)hi << 32); }

// The word-to-unit-interval maps of philox: all exact in double.
__device__ __forceinline__ double uniform24(u32 x) { return (double)(x >> 8) * 0x1p-24; }
__device__ __forceinline__ double open24(u32 x) { return (double)((x >> 8) + 1u) * 0x1p-24; }
__device__ __forceinline__ double uniform53(u64 x) { return (double)(x >> 11) * 0x1p-53; }
__device__ __forceinline__ double open53(u64 x) { return (double)((x >> 11) + 1u) * 0x1p-53; }

// philox_log is philox.Log: the same operations in the same order.
__device__ __forceinline__ double philox_log(double x) {
  if (x != x || x < 0.0) return m_nan<double>();
  if (x == 0.0) return -m_inf<double>();
  if (x > 0x1.fffffffffffffp+1023) return x;
  u64 bits = f64_bits(x);
  int e = 0;
  if ((bits >> 52) == 0) {  // subnormal
    x = d_mul(x, 0x1p54);
    bits = f64_bits(x);
    e = -54;
  }
  e += (int)(bits >> 52) - 1023;
  double m = f64_from_bits((bits & ((1ULL << 52) - 1)) | (1023ULL << 52));
  if (m > 0x1.6a09e667f3bcdp+0) {
    m = d_mul(m, 0.5);
    e++;
  }
  const double s = d_div(d_sub(m, 1.0), d_add(m, 1.0));
  const double z = d_mul(s, s);
  double q = 0x1.af286bca1af28p-5;  // 1/19
  q = d_fma(q, z, 0x1.e1e1e1e1e1e1ep-5);  // 1/17
  q = d_fma(q, z, 0x1.1111111111111p-4);  // 1/15
  q = d_fma(q, z, 0x1.3b13b13b13b14p-4);  // 1/13
  q = d_fma(q, z, 0x1.745d1745d1746p-4);  // 1/11
  q = d_fma(q, z, 0x1.c71c71c71c71cp-4);  // 1/9
  q = d_fma(q, z, 0x1.2492492492492p-3);  // 1/7
  q = d_fma(q, z, 0x1.999999999999ap-3);  // 1/5
  q = d_fma(q, z, 0x1.5555555555555p-2);  // 1/3
  const double t = d_add(s, s);
  const double zq = d_mul(z, q);
  return d_fma((double)e, 0x1.62e42fefa39efp-1, d_fma(t, zq, t));
}

// philox_sincos2pi is philox.SinCos2Pi.
__device__ __forceinline__ void philox_sincos2pi(double u, double& sn, double& cs) {
  if (u != u || d_sub(u, u) != 0.0) {
    sn = cs = m_nan<double>();
    return;
  }
  const double w = d_sub(u, floor(u));
  const double q = floor(d_add(d_mul(4.0, w), 0.5));
  const double f = d_sub(w, d_mul(q, 0.25));
  const double z = d_mul(f, f);
  double sp = -0x1.6fadb9f155744p-1;
  sp = d_fma(sp, z, 0x1.e8f434d018d63p+1);
  sp = d_fma(sp, z, -0x1.e3074fde8871fp+3);
  sp = d_fma(sp, z, 0x1.50783487ee782p+5);
  sp = d_fma(sp, z, -0x1.32d2cce62bd86p+6);
  sp = d_fma(sp, z, 0x1.466bc6775aae2p+6);
  sp = d_fma(sp, z, -0x1.4abbce625be53p+5);
  sp = d_fma(sp, z, 0x1.921fb54442d18p+2);
  double cp = 0x1.20c62c2f2d7f5p-2;
  cp = d_fma(cp, z, -0x1.b6e24f44b128fp+0);
  cp = d_fma(cp, z, 0x1.f9d38a3763cc3p+2);
  cp = d_fma(cp, z, -0x1.a6d1f2a204a8cp+4);
  cp = d_fma(cp, z, 0x1.e1f506891babbp+5);
  cp = d_fma(cp, z, -0x1.55d3c7e3cbffap+6);
  cp = d_fma(cp, z, 0x1.03c1f081b5ac4p+6);
  cp = d_fma(cp, z, -0x1.3bd3cc9be45dep+4);
  cp = d_fma(cp, z, 0x1p+0);
  const double s = d_mul(f, sp), c = cp;
  switch ((int)q & 3) {
    case 1: sn = c; cs = -s; return;
    case 2: sn = -s; cs = -c; return;
    case 3: sn = -c; cs = s; return;
  }
  sn = s;
  cs = c;
}

// box_muller gives (r*cos, r*sin) for a radius uniform in (0, 1] and an
// angle uniform in [0, 1).
__device__ __forceinline__ void box_muller(double u1, double u2, double& z0, double& z1) {
  const double r = d_sqrt(d_mul(-2.0, philox_log(u1)));
  double s, c;
  philox_sincos2pi(u2, s, c);
  z0 = d_mul(r, c);
  z1 = d_mul(r, s);
}

template <class T>
__global__ void rand_uniform32(T* __restrict__ out, i64 n, u64 seed, u64 offset, double lo, double width, double top) {
  const float top32 = (float)top;
  const i64 blocks = (n + 3) / 4;
  for (i64 j = global_thread(); j < blocks; j += grid_threads()) {
    u32 x[4];
    philox_block(seed, offset, j, x);
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      if (4 * j + k < n) {
        float v = (float)d_fma(uniform24(x[k]), width, lo);
        if (v > top32) v = top32;
        out[4 * j + k] = Num<T>::from((double)v);
      }
    }
  }
}

template <class T>
__global__ void rand_uniform64(T* __restrict__ out, i64 n, u64 seed, u64 offset, double lo, double width, double top) {
  const i64 blocks = (n + 1) / 2;
  for (i64 j = global_thread(); j < blocks; j += grid_threads()) {
    u32 x[4];
    philox_block(seed, offset, j, x);
#pragma unroll
    for (int k = 0; k < 2; ++k) {
      if (2 * j + k < n) {
        double v = d_fma(uniform53(join64(x[2 * k], x[2 * k + 1])), width, lo);
        if (v > top) v = top;
        out[2 * j + k] = Num<T>::from(v);
      }
    }
  }
}

template <class T>
__global__ void rand_normal32(T* __restrict__ out, i64 n, u64 seed, u64 offset, double mean, double std) {
  const i64 blocks = (n + 3) / 4;
  for (i64 j = global_thread(); j < blocks; j += grid_threads()) {
    u32 x[4];
    philox_block(seed, offset, j, x);
    double z[4];
    box_muller(open24(x[0]), uniform24(x[1]), z[0], z[1]);
    box_muller(open24(x[2]), uniform24(x[3]), z[2], z[3]);
#pragma unroll
    for (int k = 0; k < 4; ++k)
      if (4 * j + k < n) out[4 * j + k] = Num<T>::from((double)(float)d_fma(std, z[k], mean));
  }
}

template <class T>
__global__ void rand_normal64(T* __restrict__ out, i64 n, u64 seed, u64 offset, double mean, double std) {
  const i64 blocks = (n + 1) / 2;
  for (i64 j = global_thread(); j < blocks; j += grid_threads()) {
    u32 x[4];
    philox_block(seed, offset, j, x);
    double z0, z1;
    box_muller(open53(join64(x[0], x[1])), uniform53(join64(x[2], x[3])), z0, z1);
    out[2 * j] = Num<T>::from(d_fma(std, z0, mean));
    if (2 * j + 1 < n) out[2 * j + 1] = Num<T>::from(d_fma(std, z1, mean));
  }
}

template <class T>
__global__ void rand_bernoulli(T* __restrict__ out, i64 n, u64 seed, u64 offset, u32 threshold) {
  const i64 blocks = (n + 3) / 4;
  for (i64 j = global_thread(); j < blocks; j += grid_threads()) {
    u32 x[4];
    philox_block(seed, offset, j, x);
#pragma unroll
    for (int k = 0; k < 4; ++k)
      if (4 * j + k < n) out[4 * j + k] = Num<T>::from((i64)((x[k] >> 8) < threshold ? 1 : 0));
  }
}

template <class T>
__global__ void rand_int(T* __restrict__ out, i64 n, u64 seed, u64 offset, i64 lo, u64 span) {
  const i64 blocks = (n + 1) / 2;
  for (i64 j = global_thread(); j < blocks; j += grid_threads()) {
    u32 x[4];
    philox_block(seed, offset, j, x);
#pragma unroll
    for (int k = 0; k < 2; ++k)
      if (2 * j + k < n) out[2 * j + k] = Num<T>::from((i64)((u64)lo + umulhi64(join64(x[2 * k], x[2 * k + 1]), span)));
  }
}

template <class T>
__global__ void dropout(T* __restrict__ out, boolean* __restrict__ mask_opt, const T* __restrict__ in, i64 n, u64 seed,
                        u64 offset, u32 keep_threshold, double scale) {
  typedef typename Acc<T>::type A;
  const A sc = (A)scale;
  const i64 blocks = (n + 3) / 4;
  for (i64 j = global_thread(); j < blocks; j += grid_threads()) {
    u32 x[4];
    philox_block(seed, offset, j, x);
#pragma unroll
    for (int k = 0; k < 4; ++k) {
      const i64 i = 4 * j + k;
      if (i < n) {
        const bool kept = (x[k] >> 8) < keep_threshold;
        out[i] = from_acc<T>(kept ? to_acc(in[i]) * sc : A(0));
        if (mask_opt) mask_opt[i].v = kept ? 1 : 0;
      }
    }
  }
}

}  // namespace ember
